/**
 * The alert rules as stories on real data paths (SCIM requests to the real listener for the apps,
 * polls of the fake Okta org for the directory), with one clock, plus the triage API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/contract';
import { profile, startOrg, type Org } from '../../helpers/analysis';

let org: Org | undefined;
afterEach(async () => {
  await org?.close();
  org = undefined;
});

async function alerts(o: Org, filter: { rule?: string; status?: 'open' | 'acknowledged' | 'resolved' } = {}): Promise<Alert[]> {
  return (await o.call('listAlerts', { limit: 1000, ...filter })).items;
}
const tick = (o: Org) => o.core.analyzer.tick(new Date());

describe('offboarding gap', () => {
  it('Jane suspended at 09:00, still active in Slack at 13:01: one alert; Slack deactivates at 14:00: resolved after 59 minutes', async () => {
    const o = (org = await startOrg('2026-05-04T07:00:00.000Z'));
    const jane = o.okta.createUser(profile('jane@acme.com', 'Jane', 'Doe'));
    await o.syncOkta();
    const slack = await o.app('Slack');
    const janeSlack = await slack.createUser('jane@acme.com');
    await o.analyse();

    o.at('2026-05-04T09:00:00.000Z');
    o.okta.suspend(jane);
    o.at('2026-05-04T09:10:00.000Z');
    await o.syncOkta();
    await o.analyse();
    tick(o);
    expect(await alerts(o, { rule: 'offboarding_gap' })).toEqual([]); // inside the 4 h SLA

    o.at('2026-05-04T13:01:00.000Z');
    tick(o);
    tick(o); // a second evaluation opens no duplicate
    const [gap, ...others] = await alerts(o, { rule: 'offboarding_gap' });
    expect(others).toEqual([]);
    const p = o.personOf(o.oktaId, jane)!;
    expect(gap).toMatchObject({
      severity: 'high',
      status: 'open',
      personId: p,
      sourceId: slack.id,
      title: 'Jane Doe left 4 h ago and is still active in Slack',
      details: { leftAt: '2026-05-04T09:00:00.000Z', accounts: 1, slaHours: 4 },
    });
    // Its evidence is Jane's suspension in Okta.
    const detail = await o.call('getAlert', { id: gap!.id });
    expect(detail.evidence.map((e) => [e.type, e.sourceId])).toEqual([['user.deactivated', o.oktaId]]);
    expect((await o.call('getDashboard', {})).openAlerts.high).toBe(1);

    o.at('2026-05-04T14:00:00.000Z');
    await slack.deactivate(janeSlack);
    await o.analyse();
    const [resolved] = await alerts(o, { rule: 'offboarding_gap' });
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolution: 'auto',
      resolvedAt: '2026-05-04T14:00:00.000Z',
      openForMs: 59 * 60_000,
    });
    expect((await o.call('getDeprovisionStats', { sourceIds: [slack.id] })).apps[0]).toMatchObject({ medianHours: 5, open: 0 });
    expect((await o.call('getDashboard', {})).openAlerts.high).toBe(0);
  });

  it('honours its settings: a longer SLA waits, a disabled rule raises nothing, bad values are refused', async () => {
    const o = (org = await startOrg('2026-05-04T07:00:00.000Z'));
    const bad = await o.raw('updateAlertSettings', { offboardingGap: { slaHours: 0 } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const unknown = await o.raw('updateAlertSettings', { offboardingGap: { sla: 3 } });
    expect(unknown.ok).toBe(false);
    const settings = await o.call('updateAlertSettings', { offboardingGap: { slaHours: 24 } });
    expect(settings.offboardingGap).toEqual({ enabled: true, severity: 'high', slaHours: 24 });
    expect(settings.massDeprovisioning.threshold).toBe(50); // the other rules keep theirs

    const bob = o.okta.createUser(profile('bob@acme.com', 'Bob', 'Stone'));
    await o.syncOkta();
    const loom = await o.app('Loom');
    await loom.createUser('bob@acme.com');
    await o.analyse();
    o.okta.suspend(bob);
    await o.syncOkta();
    await o.analyse();
    o.at('2026-05-04T12:00:00.000Z');
    tick(o);
    expect(await alerts(o, { rule: 'offboarding_gap' })).toEqual([]);
    await o.call('updateAlertSettings', { offboardingGap: { enabled: false, slaHours: 1 } });
    tick(o);
    expect(await alerts(o, { rule: 'offboarding_gap' })).toEqual([]);
    await o.call('updateAlertSettings', { offboardingGap: { enabled: true } });
    tick(o);
    expect((await alerts(o, { rule: 'offboarding_gap' })).map((a) => a.status)).toEqual(['open']);
    expect(await o.call('getAlertSettings', {})).toMatchObject({ offboardingGap: { enabled: true, slaHours: 1 } });
  });
});

describe('the other rules', () => {
  it('mass deprovisioning: 60 deactivations from one app within the hour raise one alert, resolved once the window is quiet', async () => {
    const o = (org = await startOrg('2026-05-04T07:00:00.000Z'));
    const slack = await o.app('Slack');
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await slack.createUser(`u${i}@acme.com`));
    await o.analyse();
    o.at('2026-05-04T08:00:00.000Z');
    for (const id of ids.slice(0, 40)) await slack.deactivate(id);
    await o.analyse();
    expect(await alerts(o, { rule: 'mass_deprovisioning' })).toEqual([]);
    for (const id of ids.slice(40)) await slack.deactivate(id);
    await o.analyse();
    const [mass, ...more] = await alerts(o, { rule: 'mass_deprovisioning' });
    expect(more).toEqual([]);
    expect(mass).toMatchObject({ severity: 'high', sourceId: slack.id, details: { count: 60, threshold: 50, windowMinutes: 60 } });
    expect(mass!.evidence).toHaveLength(20);
    o.at('2026-05-04T09:30:00.000Z');
    tick(o);
    expect((await alerts(o, { rule: 'mass_deprovisioning' }))[0]).toMatchObject({ status: 'resolved', resolution: 'auto' });
  });

  it('privileged role granted: raised with the role event as evidence, resolved when the role is revoked', async () => {
    const o = (org = await startOrg());
    const alice = o.okta.createUser(profile('alice@acme.com', 'Alice', 'Ng'));
    await o.syncOkta();
    const github = await o.app('GitHub');
    await o.call('setRoleMap', {
      sourceId: github.id,
      roles: [
        { name: 'Owner', privileged: true, mappings: [{ kind: 'group', group: 'Owners' }] },
        { name: 'Member', mappings: [{ kind: 'group', group: 'Everyone' }] },
      ],
    });
    const a = await github.createUser('alice@acme.com');
    const owners = await github.createGroup('Owners');
    await github.createGroup('Everyone', [a]);
    await o.analyse();
    expect(await alerts(o, { rule: 'privileged_role_granted' })).toEqual([]); // Member is not privileged
    await github.addMember(owners, a);
    await o.analyse();
    const [grant] = await alerts(o, { rule: 'privileged_role_granted' });
    expect(grant).toMatchObject({
      status: 'open',
      personId: o.personOf(o.oktaId, alice),
      title: 'Alice Ng was granted the privileged role Owner in GitHub',
    });
    const evidence = (await o.call('getAlert', { id: grant!.id })).evidence;
    expect(evidence.map((e) => e.type)).toEqual(['role.granted']);
    await github.removeMember(owners, a);
    await o.analyse();
    expect((await alerts(o, { rule: 'privileged_role_granted' }))[0]).toMatchObject({ status: 'resolved', resolution: 'auto' });
  });

  it('reactivation after leaving: raised high, resolved when the account is deactivated again', async () => {
    const o = (org = await startOrg());
    const tom = o.okta.createUser(profile('tom@acme.com', 'Tom', 'Hale'));
    await o.syncOkta();
    const jira = await o.app('Jira');
    const t = await jira.createUser('tom@acme.com');
    await o.analyse();
    o.okta.deactivate(tom);
    await o.syncOkta();
    await jira.deactivate(t);
    await o.analyse();
    await jira.scim('PATCH', `/Users/${t}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    await o.analyse();
    const [re] = await alerts(o, { rule: 'reactivation' });
    expect(re).toMatchObject({ severity: 'high', status: 'open', title: 'Tom Hale was reactivated in Jira after leaving every directory' });
    await jira.deactivate(t);
    await o.analyse();
    expect((await alerts(o, { rule: 'reactivation' }))[0]).toMatchObject({ status: 'resolved', resolution: 'auto' });
  });

  it('orphaned account: an app account nobody in the directory owns, resolved when the directory gets the person', async () => {
    const o = (org = await startOrg());
    o.okta.createUser(profile('staff@acme.com', 'Staff', 'One'));
    const zoom = await o.app('Zoom');
    await zoom.createUser('contractor@partner.com');
    await o.analyse();
    tick(o);
    expect(await alerts(o, { rule: 'orphaned_account' })).toEqual([]); // no directory read yet: everyone would look orphaned
    await o.syncOkta();
    await o.analyse();
    tick(o); // the walk over people finds the account that was already there
    const [orphan] = await alerts(o, { rule: 'orphaned_account' });
    expect(orphan).toMatchObject({
      severity: 'medium',
      sourceId: zoom.id,
      title: 'contractor@partner.com has an active Zoom account but no account in any directory',
    });
    o.okta.createUser(profile('contractor@partner.com', 'Con', 'Tractor'));
    await o.syncOkta();
    await o.analyse();
    expect((await alerts(o, { rule: 'orphaned_account' }))[0]).toMatchObject({ status: 'resolved', resolution: 'auto' });
  });

  it('silent source: a connection without SCIM traffic for 72 h, resolved by the next request', async () => {
    const o = (org = await startOrg('2026-05-04T07:00:00.000Z'));
    await o.syncOkta();
    const notion = await o.app('Notion');
    o.at('2026-05-07T06:00:00.000Z');
    tick(o);
    // The directory (every 15 min, last synced at 07:00 on the 4th) is silent already; Notion not yet.
    expect((await alerts(o, { rule: 'silent_source' })).map((a) => a.sourceId)).toEqual([o.oktaId]);
    o.at('2026-05-07T08:00:00.000Z');
    tick(o);
    const silent = (await alerts(o, { rule: 'silent_source' })).filter((a) => a.sourceId === notion.id);
    expect(silent).toHaveLength(1);
    expect(silent[0]!.title).toBe('Notion has had no SCIM request since it was added 73 h ago');
    // The directory synced at 07:00 on the 4th, every 15 minutes: it is silent too.
    expect((await alerts(o, { rule: 'silent_source' })).map((a) => a.sourceId)).toContain(o.oktaId);
    await notion.createUser('first@acme.com');
    await o.syncOkta();
    tick(o);
    expect((await alerts(o, { rule: 'silent_source' })).map((a) => a.status)).toEqual(['resolved', 'resolved']);
  });

  it('inactive seat: a paid seat whose person has not signed in for 60 days; resolved by a sign-in', async () => {
    const o = (org = await startOrg('2026-02-01T09:00:00.000Z'));
    const sam = o.okta.createUser(profile('sam@acme.com', 'Sam', 'Lee'));
    const kim = o.okta.createUser(profile('kim@acme.com', 'Kim', 'Park'));
    o.okta.signIn(sam);
    o.at('2026-05-01T09:00:00.000Z');
    o.okta.signIn(kim);
    o.at('2026-05-04T07:00:00.000Z');
    await o.syncOkta();
    const loom = await o.app('Loom');
    await loom.createUser('sam@acme.com');
    await loom.createUser('kim@acme.com');
    await o.analyse();
    tick(o);
    const [idle, ...others] = await alerts(o, { rule: 'inactive_seat' });
    expect(others).toEqual([]);
    expect(idle).toMatchObject({ severity: 'low', personId: o.personOf(o.oktaId, sam), details: { days: 60 } });
    o.okta.signIn(sam);
    await o.syncOkta(true);
    await o.analyse();
    tick(o);
    expect((await alerts(o, { rule: 'inactive_seat' }))[0]).toMatchObject({ status: 'resolved' });
  });
});

describe('triage', () => {
  it('acknowledge and resolve in bulk with a note, who and when; reopen; notes; filters', async () => {
    const o = (org = await startOrg('2026-05-04T07:00:00.000Z'));
    const slack = await o.app('Slack');
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await slack.createUser(`u${i}@acme.com`));
    for (const id of ids) await slack.deactivate(id);
    const zoom = await o.app('Zoom');
    const z: string[] = [];
    for (let i = 0; i < 51; i++) z.push(await zoom.createUser(`z${i}@acme.com`));
    for (const id of z) await zoom.deleteUser(id);
    await o.analyse();
    const open = await alerts(o, { status: 'open' });
    expect(open.map((a) => a.sourceId).sort()).toEqual([slack.id, zoom.id].sort());

    o.at('2026-05-04T07:30:00.000Z');
    const ack = await o.call('updateAlerts', {
      ids: open.map((a) => a.id),
      action: 'acknowledge',
      note: 'Looking into the Okta scope',
      by: 'ana@acme.com',
    });
    expect(ack).toEqual({ updated: open.map((a) => a.id), skipped: [] });
    const again = await o.call('updateAlerts', { ids: [open[0]!.id, 999_999], action: 'acknowledge' });
    expect(again).toEqual({
      updated: [],
      skipped: [
        { id: open[0]!.id, reason: 'already acknowledged' },
        { id: 999_999, reason: 'no such alert' },
      ],
    });
    const slackAlert = open.find((a) => a.sourceId === slack.id)!;
    expect((await o.call('listAlerts', { sourceId: slack.id })).items.map((a) => a.id)).toEqual([slackAlert.id]);
    expect((await o.call('listAlerts', { statuses: ['open', 'acknowledged'] })).items).toHaveLength(2);

    o.at('2026-05-04T08:00:00.000Z');
    await o.call('updateAlerts', { ids: [slackAlert.id], action: 'resolve', note: 'Scope fixed; users restored', by: 'ana@acme.com' });
    await o.call('addAlertNote', { id: slackAlert.id, text: 'Post-mortem in JIRA-42' });
    const detail = await o.call('getAlert', { id: slackAlert.id });
    expect(detail.alert).toMatchObject({
      status: 'resolved',
      resolution: 'manual',
      resolvedBy: 'ana@acme.com',
      resolvedAt: '2026-05-04T08:00:00.000Z',
      acknowledgedBy: 'ana@acme.com',
      acknowledgedAt: '2026-05-04T07:30:00.000Z',
      notes: 3,
    });
    expect(detail.notes.map((n) => [n.author, n.text])).toEqual([
      ['ana@acme.com', 'Looking into the Okta scope'],
      ['ana@acme.com', 'Scope fixed; users restored'],
      ['dashboard', 'Post-mortem in JIRA-42'],
    ]);
    expect(detail.evidence.every((e) => e.type === 'user.deactivated')).toBe(true);
    const reopened = await o.call('updateAlerts', { ids: [slackAlert.id], action: 'reopen' });
    expect(reopened.updated).toEqual([slackAlert.id]);
    expect((await o.call('getAlert', { id: slackAlert.id })).alert).toMatchObject({ status: 'open', resolvedAt: null, resolution: null });
    expect((await o.raw('addAlertNote', { id: 424242, text: 'x' })).error?.code).toBe('not_found');
    expect((await o.raw('updateAlerts', { ids: [], action: 'resolve' })).error?.code).toBe('invalid_input');
  });
});
