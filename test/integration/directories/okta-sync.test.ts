/**
 * The real sync engine driving the Okta provider against the fake org: the events a change
 * produces, with Okta's actor and time, and nothing at all for an unchanged re-sync.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyFileSecretStore } from '../../../src/main/core/secrets/secret-store';
import { Store } from '../../../src/main/core/store/store';
import { HttpClient } from '../../../src/main/directories/http';
import { createOktaProvider, oktaModule } from '../../../src/main/directories/providers/okta';
import { Directories } from '../../../src/main/directories/registry';
import { runSync, type SyncSummary } from '../../../src/main/directories/sync';
import { startFakeOkta, type FakeOkta } from '../../fakes/okta';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';
import { eventRows, maxEventSeq, stateDump as directoryStateDump } from '../../helpers/directory';

const DIR = 'okta-1';
let store: Store;
let fake: FakeOkta;
let clock: number;
const now = () => clock;

beforeEach(async () => {
  clock = Date.parse('2026-06-01T12:00:00.000Z');
  store = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
  insertSource(store, { id: DIR, kind: 'directory', provider: 'okta', name: 'Okta' });
  fake = await startFakeOkta({ now });
});
afterEach(async () => {
  store.close();
  await fake.close();
});

function sync(full = false, usersPageSize = 3): Promise<SyncSummary> {
  const { provider, auth, httpOptions } = createOktaProvider(
    { baseUrl: fake.url, auth: 'ssws', usersPageSize },
    { apiToken: fake.apiToken! },
  );
  const http = new HttpClient({ auth, ...httpOptions, now, retries: 2, sleep: async (ms) => void (clock += ms) });
  return runSync({ store, directoryId: DIR, provider, http, trigger: 'cli', full, now: () => new Date(clock) });
}

const events = (afterSeq = 0) => eventRows(store, afterSeq);
const maxSeq = () => maxEventSeq(store);
const stateDump = () => directoryStateDump(store);

describe('Okta through the sync engine', () => {
  it('records the first snapshot, then writes nothing for unchanged re-syncs, incremental or full', async () => {
    const { userIds } = fake.seed({ users: 8, groups: 2, memberships: 6 });
    const first = await sync();
    expect(first).toMatchObject({ status: 'ok', mode: 'snapshot', baseline: true, users: 8, groups: 2, memberships: 6, events: 0 });
    expect(events()).toEqual([]);
    expect(store.db.prepare('SELECT count(*) AS n FROM accounts WHERE deleted_at IS NULL').get()).toEqual({ n: 8 });

    const seq = maxSeq();
    const dump = stateDump();
    clock += 15 * 60_000;
    fake.signIn(userIds[0]!); // a sign-in is not a change
    expect(await sync()).toMatchObject({ status: 'ok', mode: 'delta', events: 0 });
    expect(await sync(true)).toMatchObject({ status: 'ok', mode: 'snapshot', events: 0, users: 8 });
    expect(maxSeq()).toBe(seq);
    // Only the sign-in time moved (read again by the full round; never an event).
    const signIn = (text: string) => text.replace(/"last_sign_in_at":"[^"]*"/g, '');
    expect(signIn(stateDump())).toBe(signIn(dump));
    const row = store.db.prepare('SELECT last_sign_in_at FROM accounts WHERE id = ?').get(userIds[0]!) as { last_sign_in_at: string };
    expect(row.last_sign_in_at).toBe(new Date(clock).toISOString());
  });

  it('turns Okta changes into events with Okta’s actor and time, exactly once', async () => {
    const { userIds, groupIds } = fake.seed({ users: 4, groups: 2 });
    const [ana, ben, cat, dan] = userIds as [string, string, string, string];
    const [eng, ops] = groupIds as [string, string];
    fake.seed({ memberships: [[eng, dan]] });
    await sync();
    const seq = maxSeq();

    clock += 10 * 60_000;
    const t1 = clock;
    const at = (k: number) => new Date(t1 + k * 1000).toISOString();
    const step = () => void (clock += 1000);
    fake.suspend(ana, { actor: 'alice@example.com' });
    step();
    fake.updateProfile(ben, { title: 'Staff Engineer' }, { actor: 'alice@example.com' });
    step();
    fake.addMember(ops, cat, { actor: 'bob@example.com' });
    step();
    fake.deleteUser(dan, { actor: 'bob@example.com' });
    step();
    const eve = fake.createUser(
      { login: 'eve@example.com', email: 'eve@example.com', firstName: 'Eve', lastName: 'Hire' },
      { actor: 'hr@example.com' },
    );
    step();

    const inc = await sync();
    expect(inc).toMatchObject({ status: 'ok', mode: 'delta' });
    const got = events(seq).map((e) => [e.type, e.account_id, e.actor, e.occurred_at]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['user.deactivated', ana, 'alice@example.com', at(0)],
        ['user.updated', ben, 'alice@example.com', at(1)],
        ['group.member_added', cat, 'bob@example.com', at(2)],
        ['user.deleted', dan, 'bob@example.com', at(3)],
        ['group.member_removed', dan, 'bob@example.com', at(3)],
        ['user.created', eve, 'hr@example.com', at(4)],
      ]),
    );
    expect(got).toHaveLength(6);
    const updated = events(seq).find((e) => e.type === 'user.updated')!;
    expect(JSON.parse(updated.before!)).toEqual({ title: null });
    expect(JSON.parse(updated.after!)).toEqual({ title: 'Staff Engineer' });
    const deactivated = events(seq).find((e) => e.type === 'user.deactivated')!;
    expect(JSON.parse(deactivated.after!)).toMatchObject({ status: 'suspended', oktaStatus: 'SUSPENDED' });

    // The next full reconcile agrees with what the deltas wrote: nothing more to say.
    const afterDelta = maxSeq();
    clock += 25 * 3_600_000;
    expect(await sync()).toMatchObject({ status: 'ok', mode: 'snapshot', events: 0 });
    expect(maxSeq()).toBe(afterDelta);
  });

  it('a snapshot broken off by a malformed page fails clearly; the rerun completes without duplicate events', async () => {
    expect(await sync()).toMatchObject({ status: 'ok', baseline: true }); // the org before the seed
    fake.seed({ users: 9, groups: 1, memberships: 4 });
    fake.server.fail({ match: /^GET \/api\/v1\/users$/, after: 2, status: 200, body: '{"truncated": ' });
    const broken = await sync(true);
    expect(broken.status).toBe('failed');
    expect(broken.error).toMatch(/body that is not JSON/);
    const partial = events().length;
    expect(partial).toBe(6); // the two pages before the broken one, applied as they came
    const rerun = await sync(true);
    expect(rerun).toMatchObject({ status: 'ok', mode: 'snapshot' });
    const all = events();
    expect(all.filter((e) => e.type === 'user.created')).toHaveLength(9);
    expect(new Set(all.filter((e) => e.type === 'user.created').map((e) => e.account_id)).size).toBe(9);
    expect(all.filter((e) => e.type === 'group.member_added')).toHaveLength(4);
  });

  it('lists the members of up to membersConcurrency groups at once and syncs the same memberships as one at a time', async () => {
    fake.seed({ users: 60, groups: 24, memberships: 400 });
    fake.latencyMs = 5; // long enough for requests to overlap
    const syncWith = (target: Store, membersConcurrency: number) => {
      const { provider, auth, httpOptions } = createOktaProvider(
        { baseUrl: fake.url, auth: 'ssws', usersPageSize: 25, membersPageSize: 7, membersConcurrency },
        { apiToken: fake.apiToken! },
      );
      const http = new HttpClient({ auth, ...httpOptions, now, retries: 2, sleep: async (ms) => void (clock += ms) });
      return runSync({ store: target, directoryId: DIR, provider, http, trigger: 'cli', full: true, now: () => new Date(clock) });
    };
    const memberships = (target: Store) =>
      target.db
        .prepare('SELECT group_id, member_id, member_type FROM membership_ids WHERE deleted_at IS NULL ORDER BY group_id, member_id')
        .all();
    const accounts = (target: Store) => target.db.prepare('SELECT id, status FROM accounts ORDER BY id').all();

    expect(await syncWith(store, 1)).toMatchObject({ status: 'ok', mode: 'snapshot', memberships: 400 });
    expect(fake.maxMembersInFlight).toBe(1);

    const other = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
    try {
      insertSource(other, { id: DIR, kind: 'directory', provider: 'okta', name: 'Okta' });
      fake.resetMembersInFlight();
      expect(await syncWith(other, 4)).toMatchObject({ status: 'ok', mode: 'snapshot', memberships: 400 });
      expect(fake.maxMembersInFlight).toBeGreaterThan(1);
      expect(fake.maxMembersInFlight).toBeLessThanOrEqual(4);
      expect(memberships(other)).toHaveLength(400);
      expect(memberships(other)).toEqual(memberships(store));
      expect(accounts(other)).toEqual(accounts(store));
    } finally {
      other.close();
    }
  });

  it('plugs into the directory registry: settings validated, secrets sealed, provider opened', async () => {
    const dirs = new Directories(store, KeyFileSecretStore.open(tmpDataDir()), { okta: oktaModule });
    await expect(
      dirs.add({ kind: 'okta', name: 'Acme', config: { baseUrl: 'https://acme-admin.okta.com', auth: 'ssws' }, secrets: {} }),
    ).rejects.toThrow(/Invalid Okta settings/);
    await expect(dirs.add({ kind: 'okta', name: 'Acme', config: { baseUrl: fake.url, auth: 'ssws' }, secrets: {} })).rejects.toThrow(
      /apiToken is required/,
    );
    const d = await dirs.add({
      kind: 'okta',
      name: 'Acme',
      config: { baseUrl: fake.url, auth: 'ssws' },
      secrets: { apiToken: fake.apiToken },
    });
    expect(JSON.stringify(store.db.prepare('SELECT * FROM sources').all())).not.toContain(fake.apiToken!);
    const { provider, http } = await dirs.open(d.id);
    expect(await provider.test(http, new AbortController().signal)).toMatch(/users and System Log readable/);
  });
});
