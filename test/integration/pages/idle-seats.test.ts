/**
 * listIdleSeats (issue #7, the Seats page's table): app accounts still active after their person
 * left every directory, longest idle first, paged, per app, billed only by default. A real SCIM
 * listener for the apps and the fake Okta org polled through the directory sync.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { profile, startOrg, type Org } from '../../helpers/analysis';

let org: Org | undefined;
afterEach(async () => {
  await org?.close();
  org = undefined;
});

describe('listIdleSeats', () => {
  it('lists the seats of people who left, oldest first, paged, per app, and drops free seats unless asked', async () => {
    const o = (org = await startOrg('2026-05-04T07:00:00.000Z'));
    const ann = o.okta.createUser(profile('ann@acme.com', 'Ann', 'Archer'));
    const bob = o.okta.createUser(profile('bob@acme.com', 'Bob', 'Baker'));
    const cy = o.okta.createUser(profile('cy@acme.com', 'Cy', 'Cole'));
    o.okta.createUser(profile('dee@acme.com', 'Dee', 'Dale'));
    await o.syncOkta();
    const slack = await o.app('Slack');
    const loom = await o.app('Loom');
    await o.call('setRoleMap', {
      sourceId: loom.id,
      roles: [
        { name: 'Creator', billed: true, seatsPurchased: 10, mappings: [{ kind: 'group', group: 'Creators' }] },
        { name: 'Viewer', billed: false, mappings: [{ kind: 'group', group: 'Viewers' }] },
      ],
    });
    await slack.createUser('ann@acme.com');
    await slack.createUser('bob@acme.com');
    await slack.createUser('dee@acme.com');
    const annLoom = await loom.createUser('ann@acme.com');
    const cyLoom = await loom.createUser('cy@acme.com');
    await loom.createGroup('Creators', [annLoom]);
    await loom.createGroup('Viewers', [cyLoom]);
    await o.analyse();
    expect((await o.call('listIdleSeats', {})).items).toEqual([]);

    // Bob leaves at 09:00, Ann at 10:00, Cy at 11:00; Dee stays.
    o.at('2026-05-04T09:00:00.000Z');
    o.okta.suspend(bob);
    await o.syncOkta();
    o.at('2026-05-04T10:00:00.000Z');
    o.okta.suspend(ann);
    await o.syncOkta();
    o.at('2026-05-04T11:00:00.000Z');
    o.okta.deactivate(cy);
    await o.syncOkta();
    await o.analyse();
    o.at('2026-05-04T12:00:00.000Z');

    const all = await o.call('listIdleSeats', {});
    expect(all.nextCursor).toBeNull();
    // Cy's only Loom seat is a free Viewer seat: not billed, not listed by default.
    expect(all.items.map((i) => [i.personName, i.app, i.leftAt, i.idleHours])).toEqual([
      ['Bob Baker', 'Slack', '2026-05-04T09:00:00.000Z', 3],
      // the same day of leaving: in the order the deprovisionings were opened
      ['Ann Archer', 'Slack', '2026-05-04T10:00:00.000Z', 2],
      ['Ann Archer', 'Loom', '2026-05-04T10:00:00.000Z', 2],
    ]);
    const annLoomSeat = all.items.find((i) => i.app === 'Loom')!;
    expect(annLoomSeat).toMatchObject({ accountId: annLoom, personEmail: 'ann@acme.com', roles: [{ name: 'Creator', billed: true }] });
    expect(annLoomSeat.personId).toBe(o.personOf(o.oktaId, ann));

    const withFree = await o.call('listIdleSeats', { billedOnly: false });
    expect(withFree.items.map((i) => [i.personName, i.app])).toContainEqual(['Cy Cole', 'Loom']);
    expect(withFree.items.find((i) => i.personName === 'Cy Cole')!.roles).toEqual([{ name: 'Viewer', billed: false }]);

    const loomOnly = await o.call('listIdleSeats', { sourceId: loom.id, billedOnly: false });
    expect(loomOnly.items.map((i) => i.personName)).toEqual(['Ann Archer', 'Cy Cole']);

    // Pages of one, in the same order, with no repeats.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await o.call('listIdleSeats', { limit: 1, cursor });
      expect(p.items).toHaveLength(1);
      seen.push(`${p.items[0]!.personName}/${p.items[0]!.app}`);
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Bob Baker/Slack', 'Ann Archer/Slack', 'Ann Archer/Loom']);

    // Slack deprovisions Bob: his seat leaves the list.
    const bobSlack = (await o.call('getPerson', { id: o.personOf(o.oktaId, bob)! })).accounts.find((a) => a.sourceId === slack.id)!;
    await slack.deactivate(bobSlack.accountId);
    await o.analyse();
    expect((await o.call('listIdleSeats', {})).items.map((i) => i.personName)).toEqual(['Ann Archer', 'Ann Archer']);

    // A damaged cursor is refused with a clear error.
    const bad = await o.raw('listIdleSeats', { cursor: 'not-a-cursor' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
