/**
 * People: accounts of Okta (polled through the core's directory sync from the fake org) and of
 * apps (real SCIM requests to the real listener) correlated into people, told as stories.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { profile, startOrg, type Org } from '../../helpers/analysis';

let org: Org | undefined;
afterEach(async () => {
  await org?.close();
  org = undefined;
});

const person = async (o: Org, id: number) => (await o.call('getPerson', { id })).person;
const accountsOf = async (o: Org, id: number) =>
  (await o.call('getPerson', { id })).accounts.map((a) => `${a.sourceName}:${a.userName}`).sort();

describe('people across Okta and the apps', () => {
  it('joins an app account to its Okta person by email, whatever the case; an app-only account is its own, unmanaged person', async () => {
    const o = (org = await startOrg());
    const jane = o.okta.createUser(profile('jane@acme.com', 'Jane', 'Doe'));
    await o.syncOkta(); // the baseline: state, no events
    await o.analyse();
    const p = o.personOf(o.oktaId, jane)!;
    expect(p).not.toBeNull();
    expect(await person(o, p)).toMatchObject({
      displayName: 'Jane Doe',
      primaryEmail: 'jane@acme.com',
      status: 'active',
      managed: true,
      accounts: 1,
    });

    const slack = await o.app('Slack');
    const janeSlack = await slack.createUser('Jane@ACME.com');
    const ghost = await slack.createUser('ghost@acme.com');
    await o.analyse();
    expect(o.personOf(slack.id, janeSlack)).toBe(p);
    expect(await accountsOf(o, p)).toEqual(['Okta:jane@acme.com', 'Slack:Jane@ACME.com']);
    const g = o.personOf(slack.id, ghost)!;
    expect(g).not.toBe(p);
    // Known only to an app: not managed by any directory (the orphaned-account case), active as its account is.
    expect(await person(o, g)).toMatchObject({ status: 'active', managed: false, flagged: false });

    const found = await o.call('searchPeople', { query: 'jane' });
    expect(found.items.map((x) => x.id)).toEqual([p]);
    expect((await o.call('searchPeople', { query: 'GHOST@' })).items.map((x) => x.id)).toEqual([g]);
    // listPeople (used by the renderer) answers from the same search
    expect((await o.call('listPeople', { query: 'jane' })).items).toMatchObject([{ id: p, accounts: 2, status: 'active' }]);
  });

  it('keeps a renamed directory account (same id, new email) in its person, and a re-hire (deleted, then a new account with the same email) becomes active again', async () => {
    const o = (org = await startOrg());
    const slack = await o.app('Slack');
    const id1 = o.okta.createUser(profile('ann@acme.com', 'Ann', 'Lee'));
    await o.syncOkta();
    const annSlack = await slack.createUser('ann@acme.com');
    await o.analyse();
    const p = o.personOf(o.oktaId, id1)!;
    expect(o.personOf(slack.id, annSlack)).toBe(p);

    // Renamed at Okta: the account keeps its person; the app account, renamed later, too.
    o.at('2026-03-03T10:00:00.000Z');
    o.okta.updateProfile(id1, { login: 'ann.lee@acme.com', email: 'ann.lee@acme.com' });
    await o.syncOkta();
    await slack.scim('PATCH', `/Users/${annSlack}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { userName: 'ann.lee@acme.com', emails: [{ value: 'ann.lee@acme.com', primary: true }] } }],
    });
    await o.analyse();
    expect(o.personOf(o.oktaId, id1)).toBe(p);
    expect(o.personOf(slack.id, annSlack)).toBe(p);
    expect(await person(o, p)).toMatchObject({ primaryEmail: 'ann.lee@acme.com', status: 'active' });
    // A new app account under the new email joins her too.
    const annZoom = await (await o.app('Zoom')).createUser('ann.lee@acme.com');
    await o.analyse();
    expect(o.personOf((await o.call('listSources', {})).connections.find((c) => c.name === 'Zoom')!.id, annZoom)).toBe(p);

    // She leaves: deleted in Okta while Slack still has her → leaving; Slack removes her → gone.
    o.at('2026-03-10T09:00:00.000Z');
    o.okta.deleteUser(id1);
    await o.syncOkta();
    await o.analyse();
    expect(await person(o, p)).toMatchObject({ status: 'leaving', leftAt: '2026-03-10T09:00:00.000Z' });

    // Re-hired: a new Okta account with the same email is the same person, active again.
    o.at('2026-06-01T09:00:00.000Z');
    const id2 = o.okta.createUser(profile('ann.lee@acme.com', 'Ann', 'Lee'));
    await o.syncOkta();
    await o.analyse();
    expect(id2).not.toBe(id1);
    expect(o.personOf(o.oktaId, id2)).toBe(p);
    expect(await person(o, p)).toMatchObject({ status: 'active', leftAt: null, accounts: 4 });
    const detail = await o.call('getPerson', { id: p });
    expect(detail.accounts.filter((a) => a.sourceKind === 'directory').map((a) => [a.accountId, a.deleted])).toEqual([
      [id2, false],
      [id1, true],
    ]);
    // Her timeline holds the events of all her accounts, newest first, a page at a time.
    const first = await o.call('getPerson', { id: p, eventsLimit: 2 });
    expect(first.events.items).toHaveLength(2);
    expect(first.events.nextCursor).not.toBeNull();
    const rest = await o.call('getPerson', { id: p, eventsLimit: 100, eventsCursor: first.events.nextCursor! });
    const seqs = [...first.events.items, ...rest.events.items].map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    // The Timeline's per-person filter reads the same index.
    expect((await o.call('listEvents', { personId: p, limit: 100 })).items.map((e) => e.seq)).toEqual(seqs);
    expect(new Set([...first.events.items, ...rest.events.items].map((e) => e.type))).toEqual(
      new Set(['user.created', 'user.updated', 'user.deleted']),
    );
  });

  it('flags two people sharing an alias instead of merging them, and an app account that matches both', async () => {
    const o = (org = await startOrg());
    await o.call('setCorrelationSettings', { stripPlusAddressing: false, domainAliases: [['acme.com', 'acme.co.uk']] });
    const samUs = o.okta.createUser(profile('sam@acme.com', 'Sam', 'Doe'));
    const samUk = o.okta.createUser(profile('sam@acme.co.uk', 'Sam', 'Smith'));
    await o.syncOkta();
    const slack = await o.app('Slack');
    const samSlack = await slack.createUser('sam@acme.co.uk');
    await o.analyse();
    const [p1, p2, p3] = [o.personOf(o.oktaId, samUs)!, o.personOf(o.oktaId, samUk)!, o.personOf(slack.id, samSlack)!];
    expect(new Set([p1, p2, p3]).size).toBe(3);
    const uk = (await o.call('getPerson', { id: p2 })).accounts[0]!;
    expect(uk.flag).toEqual({ kind: 'shared_key', people: [] });
    const slackAccount = (await o.call('getPerson', { id: p3 })).accounts[0]!;
    expect(slackAccount.flag).toEqual({ kind: 'ambiguous', people: [p1, p2].sort((a, b) => a - b) });
    expect((await o.call('searchPeople', { flagged: true })).items.map((x) => x.id).sort()).toEqual([p2, p3].sort());

    // The admin decides: a manual link resolves it, and the emptied person leaves the lists.
    expect(await o.call('linkAccount', { sourceId: slack.id, accountId: samSlack, personId: p2 })).toEqual({
      personId: p2,
      previousPersonId: p3,
    });
    const linked = (await o.call('getPerson', { id: p2 })).accounts.find((a) => a.sourceId === slack.id)!;
    expect(linked).toMatchObject({ link: 'manual', flag: null });
    expect((await o.call('searchPeople', { query: 'sam' })).items.map((x) => x.id).sort()).toEqual([p1, p2].sort());
  });

  it('matches plus-addressed emails only when enabled, and re-correlates everything when the settings change', async () => {
    const o = (org = await startOrg());
    const bob = o.okta.createUser(profile('bob@acme.com', 'Bob', 'Stone'));
    await o.syncOkta();
    const gh = await o.app('GitHub');
    const bobGh = await gh.createUser('Bob+github@acme.com');
    const bobUk = await gh.createUser('bob.uk@acme.co.uk');
    await o.analyse();
    const p = o.personOf(o.oktaId, bob)!;
    expect(o.personOf(gh.id, bobGh)).not.toBe(p);

    await o.call('setCorrelationSettings', { stripPlusAddressing: true, domainAliases: [] });
    await o.analyse();
    expect(o.personOf(gh.id, bobGh)).toBe(p);
    expect(await o.call('getCorrelationSettings', {})).toEqual({ stripPlusAddressing: true, domainAliases: [] });
    expect(o.personOf(gh.id, bobUk)).not.toBe(p);

    const bad = await o.raw('setCorrelationSettings', { stripPlusAddressing: true, domainAliases: [['acme.com', 'not a domain']] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('keeps a manual link through later syncs, app updates and re-correlation; an unlink is never undone by the keys', async () => {
    const o = (org = await startOrg());
    const jane = o.okta.createUser(profile('jane@acme.com', 'Jane', 'Doe', { employeeNumber: 'E1' }));
    await o.syncOkta();
    const figma = await o.app('Figma');
    const contractor = await figma.createUser('jd@contractor.io');
    await o.analyse();
    const p = o.personOf(o.oktaId, jane)!;
    expect(o.personOf(figma.id, contractor)).not.toBe(p);

    await o.call('linkAccount', { sourceId: figma.id, accountId: contractor, personId: p });
    o.at('2026-03-05T12:00:00.000Z');
    o.okta.updateProfile(jane, { title: 'Staff Engineer' });
    await o.syncOkta();
    await o.syncOkta(true);
    await figma.scim('PATCH', `/Users/${contractor}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'J. Doe (contractor)' }],
    });
    await o.call('setCorrelationSettings', { stripPlusAddressing: true, domainAliases: [] });
    await o.analyse();
    expect(o.personOf(figma.id, contractor)).toBe(p);

    // Unlink: it gets a person of its own and stays apart, even when its email matches later.
    const { personId } = await o.call('unlinkAccount', { sourceId: figma.id, accountId: contractor });
    expect(personId).not.toBe(p);
    await figma.scim('PATCH', `/Users/${contractor}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { emails: [{ value: 'jane@acme.com', primary: true }] } }],
    });
    await o.analyse();
    expect(o.personOf(figma.id, contractor)).toBe(personId);

    expect(await o.raw('linkAccount', { sourceId: figma.id, accountId: 'nope', personId: p })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await o.raw('linkAccount', { sourceId: figma.id, accountId: contractor, personId: 999_999 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('flags an account whose keys point to two people and joins it by its highest-priority key', async () => {
    const o = (org = await startOrg());
    const jane = o.okta.createUser(profile('jane@acme.com', 'Jane', 'Doe'));
    const bob = o.okta.createUser(profile('bob@acme.com', 'Bob', 'Stone', { employeeNumber: 'E2' }));
    await o.syncOkta();
    const slack = await o.app('Slack');
    // email says Jane; the externalId (Okta's user id, as Okta provisions it) says Bob
    const odd = await slack.createUser('jane@acme.com', { externalId: bob });
    const bobSlack = await slack.createUser('robert@elsewhere.io', { externalId: bob });
    await o.analyse();
    const pj = o.personOf(o.oktaId, jane)!;
    const pb = o.personOf(o.oktaId, bob)!;
    expect(o.personOf(slack.id, odd)).toBe(pj);
    expect((await o.call('getPerson', { id: pj })).accounts.find((a) => a.sourceId === slack.id)!.flag).toEqual({
      kind: 'conflicting_keys',
      people: [pb],
    });
    // externalId alone (no matching email) joins Bob without a flag
    expect(o.personOf(slack.id, bobSlack)).toBe(pb);
  });
});
