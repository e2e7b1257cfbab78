/**
 * Roles, seats and time-to-deprovision, told as stories on real data paths (SCIM requests to the
 * real listener for the apps, polls of the fake Okta org for the directory).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { profile, startOrg, type Org } from '../../helpers/analysis';

let org: Org | undefined;
afterEach(async () => {
  await org?.close();
  org = undefined;
});

describe('roles, seats and deprovisioning', () => {
  it('Bob moves from Engineering to Sales: the audit trail shows the role revoked and granted, with before/after and their cause', async () => {
    const o = (org = await startOrg());
    const bob = o.okta.createUser(profile('bob@acme.com', 'Bob', 'Stone'));
    await o.syncOkta();
    const slack = await o.app('Slack');
    await o.call('setRoleMap', {
      sourceId: slack.id,
      roles: [
        { name: 'Engineering', mappings: [{ kind: 'group', group: 'Engineering' }] },
        { name: 'Sales', mappings: [{ kind: 'group', group: 'sales' }] },
      ],
    });
    const bobSlack = await slack.createUser('bob@acme.com');
    const eng = await slack.createGroup('Engineering', [bobSlack]);
    const sales = await slack.createGroup('Sales');
    await o.analyse();
    const p = o.personOf(o.oktaId, bob)!;
    expect((await o.call('getPerson', { id: p })).accounts.find((a) => a.sourceId === slack.id)!.roles.map((r) => r.name)).toEqual([
      'Engineering',
    ]);

    o.at('2026-03-02T11:00:00.000Z');
    await slack.removeMember(eng, bobSlack);
    await slack.addMember(sales, bobSlack);
    await o.analyse();

    const roles = await o.call('listAuditTrail', { personId: p, types: ['role.granted', 'role.revoked'] });
    const [granted, revoked, firstGrant] = roles.items;
    expect(roles.items.map((e) => e.type)).toEqual(['role.granted', 'role.revoked', 'role.granted']);
    expect(revoked).toMatchObject({
      sourceId: slack.id,
      accountId: bobSlack,
      personId: p,
      occurredAt: '2026-03-02T11:00:00.000Z',
      before: { role: 'Engineering', roles: ['Engineering'] },
      after: { roles: ['Sales'] },
    });
    expect(granted).toMatchObject({ before: { roles: ['Engineering'] }, after: { role: 'Sales', roles: ['Sales'] } });
    expect(firstGrant).toMatchObject({ before: { roles: [] }, after: { role: 'Engineering' } });
    // The cause: the SCIM exchange and the membership event the change came from.
    const cause = (granted!.after as { causeSeq: number }).causeSeq;
    const causeEvent = (await o.call('listEvents', { limit: 100 })).items.find((e) => e.seq === cause)!;
    expect(causeEvent).toMatchObject({ type: 'group.member_added', accountId: bobSlack, groupId: sales });
    expect(granted!.exchangeId).toBe(causeEvent.exchangeId);
    expect(granted!.exchangeId).not.toBeNull();

    // The whole trail for that person holds the group changes too, newest first; filters narrow it.
    const all = await o.call('listAuditTrail', { personId: p });
    expect(all.items.map((e) => e.type)).toEqual([
      'role.granted',
      'role.revoked',
      'group.member_added',
      'group.member_removed',
      'role.granted',
      'group.member_added',
    ]);
    const salesGroup = await o.call('listAuditTrail', { sourceId: slack.id, groupId: sales });
    expect(salesGroup.items.map((e) => e.type)).toEqual(['group.member_added']);
    const salesRoleId = (await o.call('getRoleMap', { sourceId: slack.id })).roles.find((r) => r.name === 'Sales')!.id;
    expect((await o.call('listAuditTrail', { roleId: salesRoleId })).items.map((e) => e.type)).toEqual(['role.granted']);
    expect((await o.call('listAuditTrail', { to: '2026-03-02T10:00:00Z' })).items.map((e) => e.type)).toEqual([
      'role.granted',
      'group.member_added',
    ]);
    const page1 = await o.call('listAuditTrail', { limit: 4 });
    const page2 = await o.call('listAuditTrail', { limit: 4, cursor: page1.nextCursor! });
    expect([...page1.items, ...page2.items].map((e) => e.seq)).toEqual(all.items.map((e) => e.seq));
    expect(page2.nextCursor).toBeNull();
    expect(await o.raw('listAuditTrail', { cursor: 'garbage' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('3 Loom editors leave (suspended in Okta): 3 idle billed seats until Loom deprovisions them', async () => {
    const o = (org = await startOrg('2026-04-01T08:00:00.000Z'));
    const loom = await o.app('Loom');
    await o.call('setRoleMap', {
      sourceId: loom.id,
      roles: [
        {
          name: 'Editor',
          billed: true,
          seatsPurchased: 10,
          mappings: [{ kind: 'attribute', attribute: 'roles[].value', value: 'editor' }],
        },
        { name: 'Viewer', billed: false, mappings: [{ kind: 'attribute', attribute: 'roles[].value', value: 'viewer' }] },
      ],
    });
    const names = ['ada', 'ben', 'cy', 'dee', 'eve'];
    const okta = names.map((n) => o.okta.createUser(profile(`${n}@acme.com`, n, 'X')));
    await o.syncOkta();
    const loomIds: string[] = [];
    for (const n of names) loomIds.push(await loom.createUser(`${n}@acme.com`, { roles: [{ value: 'Editor' }] }));
    await loom.createUser('vic@acme.com', { roles: [{ value: 'viewer' }] });
    await o.analyse();
    const editorRow = () => o.call('getSeats', {}).then((s) => s.rows.find((r) => r.role === 'Editor')!);
    expect(await editorRow()).toMatchObject({ active: 5, idle: 0, purchased: 10, billed: true });

    o.at('2026-04-03T09:00:00.000Z');
    for (const id of okta.slice(0, 3)) o.okta.suspend(id);
    await o.syncOkta();
    await o.analyse();
    expect(await editorRow()).toMatchObject({ active: 5, idle: 3 });
    expect((await o.call('getAnalysisSummary', {})).seats).toEqual({ active: 6, billed: 5, idle: 3 });
    expect((await o.call('getDashboard', {})).idleSeats).toBe(3);

    o.at('2026-04-05T15:00:00.000Z');
    for (const id of loomIds.slice(0, 3)) await loom.deactivate(id);
    await o.analyse();
    expect(await editorRow()).toMatchObject({ active: 2, idle: 0 });

    // The daily series tells the same story, day by day (end of day, UTC).
    const series = await o.call('getSeatSeries', { from: '2026-03-31', to: '2026-04-06', sourceIds: [loom.id] });
    expect(series.days).toEqual(['2026-03-31', '2026-04-01', '2026-04-02', '2026-04-03', '2026-04-04', '2026-04-05', '2026-04-06']);
    const editor = series.series.find((s) => s.role === 'Editor')!;
    expect(editor).toMatchObject({ billed: true, purchased: 10, active: [0, 5, 5, 5, 5, 2, 2], idle: [0, 0, 0, 3, 3, 0, 0] });
    expect(series.series.find((s) => s.role === 'Viewer')).toMatchObject({ billed: false, active: [0, 1, 1, 1, 1, 1, 1] });
    expect((await o.call('getSeatSeries', { from: '2026-04-04', to: '2026-04-04', role: 'editor' })).series).toMatchObject([
      { active: [5], idle: [3] },
    ]);
    expect(await o.raw('getSeatSeries', { from: '2026-04-05', to: '2026-04-01' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('Jane suspended in Okta at 09:00, her Slack account deactivated at 14:00: 5 hours to deprovision', async () => {
    const o = (org = await startOrg('2026-05-04T07:00:00.000Z'));
    const jane = o.okta.createUser(profile('jane@acme.com', 'Jane', 'Doe'));
    await o.syncOkta();
    const slack = await o.app('Slack');
    const zoom = await o.app('Zoom');
    const janeSlack = await slack.createUser('jane@acme.com');
    await zoom.createUser('jane@acme.com');
    await o.analyse();

    o.at('2026-05-04T09:00:00.000Z');
    o.okta.suspend(jane);
    o.at('2026-05-04T09:10:00.000Z');
    await o.syncOkta();
    await o.analyse();
    const p = o.personOf(o.oktaId, jane)!;
    expect((await o.call('getPerson', { id: p })).person).toMatchObject({ status: 'leaving', leftAt: '2026-05-04T09:00:00.000Z' });
    o.at('2026-05-04T12:00:00.000Z');
    const open = await o.call('getDeprovisionStats', {});
    expect(open.apps.map((a) => [a.app, a.open, a.completed])).toEqual([
      ['Slack', 1, 0],
      ['Zoom', 1, 0],
    ]);
    expect(open.apps[0]!.openAccounts).toEqual([
      {
        personId: p,
        personName: 'Jane Doe',
        accountId: janeSlack,
        userName: 'jane@acme.com',
        leftAt: '2026-05-04T09:00:00.000Z',
        hoursOpen: 3,
      },
    ]);

    o.at('2026-05-04T14:00:00.000Z');
    await slack.deactivate(janeSlack);
    await o.analyse();
    const stats = await o.call('getDeprovisionStats', { sourceIds: [slack.id] });
    expect(stats.apps).toEqual([
      { sourceId: slack.id, app: 'Slack', completed: 1, medianHours: 5, p90Hours: 5, maxHours: 5, open: 0, openAccounts: [] },
    ]);
    expect((await o.call('getDashboard', {})).medianHoursToDeprovision).toBe(5);
    expect((await o.call('getAnalysisSummary', {})).medianHoursToDeprovision).toBe(5);

    // Back at work before Zoom removed her: that open deprovisioning is cancelled, not counted.
    o.at('2026-05-05T08:00:00.000Z');
    o.okta.unsuspend(jane);
    await o.syncOkta();
    await o.analyse();
    expect((await o.call('getDeprovisionStats', {})).apps.find((a) => a.app === 'Zoom')).toMatchObject({
      open: 0,
      completed: 0,
      openAccounts: [],
    });
    expect((await o.call('getPerson', { id: p })).person).toMatchObject({ status: 'active', leftAt: null });
  });

  it('a rename and a new role under the old name stay two roles; one role listed twice is refused; a damaged correlation setting falls back to the defaults', async () => {
    const o = (org = await startOrg());
    const app = await o.app('Figma');
    const first = await o.call('setRoleMap', { sourceId: app.id, roles: [{ name: 'Editor', mappings: [] }] });
    const editorId = first.roles[0]!.id;
    const renamed = await o.call('setRoleMap', {
      sourceId: app.id,
      roles: [
        { id: editorId, name: 'Designer', mappings: [] },
        { name: 'Editor', mappings: [] },
      ],
    });
    expect(renamed.roles.map((r) => [r.name, r.id === editorId])).toEqual([
      ['Designer', true],
      ['Editor', false],
    ]);
    const twice = await o.raw('setRoleMap', {
      sourceId: app.id,
      roles: [
        { id: editorId, name: 'Lead', mappings: [] },
        { id: editorId, name: 'Staff', mappings: [] },
      ],
    });
    expect(twice).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect((await o.call('getRoleMap', { sourceId: app.id })).roles.map((r) => r.name)).toEqual(['Designer', 'Editor']);

    o.core.store.write(() =>
      o.core.store.db
        .prepare(
          "INSERT INTO analysis_meta (key, value) VALUES ('correlation', '{not json') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .run(),
    );
    expect(await o.raw('getCorrelationSettings', {})).toMatchObject({ ok: true });
    const zoe = await app.createUser('zoe@acme.com');
    await o.analyse(); // the analyzer keeps going on the defaults
    expect(o.personOf(app.id, zoe)).not.toBeNull();
  });

  it('validates role maps with clear errors, and a changed map re-derives the roles of accounts already there', async () => {
    const o = (org = await startOrg());
    const app = await o.app('Notion');
    const ann = await app.createUser('ann@acme.com', {
      userType: 'Admin',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Finance' },
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    });
    await o.analyse();
    const bad = await o.raw('setRoleMap', {
      sourceId: app.id,
      roles: [{ name: 'Admin', mappings: [{ kind: 'attribute', attribute: 'roles[.value', value: 'x' }] }],
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'roles.0.mappings.0.attribute' }] } });
    expect(await o.raw('setRoleMap', { sourceId: app.id, roles: [{ name: 'A' }, { name: 'a' }] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', issues: [{ path: 'roles.1.name' }] },
    });
    expect(await o.raw('setRoleMap', { sourceId: o.oktaId, roles: [] })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await o.raw('getRoleMap', { sourceId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const saved = await o.call('setRoleMap', {
      sourceId: app.id,
      roles: [
        { name: 'Admin', privileged: true, mappings: [{ kind: 'attribute', attribute: 'userType', value: 'admin' }] },
        {
          name: 'Finance',
          billed: false,
          mappings: [
            { kind: 'attribute', attribute: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'finance' },
          ],
        },
      ],
    });
    expect(saved.roles.map((r) => [r.name, r.billed, r.privileged])).toEqual([
      ['Admin', true, true],
      ['Finance', false, false],
    ]);
    await o.analyse();
    const p = o.personOf(app.id, ann)!;
    expect((await o.call('getPerson', { id: p })).accounts[0]!.roles.map((r) => r.name)).toEqual(['Admin', 'Finance']);

    // Admin retired: its holders lose it (with an event); the role keeps its id for history.
    const adminId = saved.roles[0]!.id;
    await o.call('setRoleMap', { sourceId: app.id, roles: [saved.roles[1]!] });
    await o.analyse();
    expect((await o.call('getPerson', { id: p })).accounts[0]!.roles.map((r) => r.name)).toEqual(['Finance']);
    expect(
      (await o.call('listAuditTrail', { roleId: adminId })).items.map((e) => [
        e.type,
        (e.before as { role?: string } | null)?.role ?? null,
      ]),
    ).toEqual([
      ['role.revoked', 'Admin'],
      ['role.granted', null],
    ]);
  });
});
