/**
 * The real sync engine (src/main/directories/sync.ts) driving the Google provider against the
 * fake Google, into a real SQLite store: the events a Google directory produces, that re-polling
 * an unchanged directory writes nothing, and that failed or interrupted rounds leave no garbage
 * and no duplicates.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/main/core/store/store';
import { HttpClient } from '../../../src/main/directories/http';
import {
  createGoogleProvider,
  GoogleConfigSchema,
  GoogleSecretsSchema,
  googleModule,
  parseServiceAccountFile,
} from '../../../src/main/directories/providers/google';
import { loadCursor, runSync } from '../../../src/main/directories/sync';
import { makeServiceAccount, seedGoogle, startFakeGoogle, type FakeGoogle, type TestServiceAccount } from '../../fakes/google';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';
import { eventRows, maxEventSeq, stateDump as directoryStateDump } from '../../helpers/directory';

const DIR = 'google-1';
let sa: TestServiceAccount;
let fake: FakeGoogle;
let store: Store;

beforeEach(async () => {
  sa ??= makeServiceAccount();
  fake = await startFakeGoogle({ serviceAccounts: [{ account: sa }] });
  store = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
  insertSource(store, { id: DIR, kind: 'directory', provider: 'google', name: 'Workspace' });
});
afterEach(async () => {
  store.close();
  await fake.close();
});

function client(reports = false, membersConcurrency?: number) {
  const parsed = parseServiceAccountFile(sa.file);
  const config = GoogleConfigSchema.parse({
    subject: fake.admin,
    tokenUrl: fake.tokenUrl,
    baseUrl: fake.url,
    reports,
    membersConcurrency,
    ...parsed.config,
  });
  const { provider, auth, httpOptions } = createGoogleProvider(config, parsed.secrets);
  const http = new HttpClient({ auth, ...httpOptions, sleep: async () => {}, random: () => 0.5, retries: 2 });
  return { provider, http };
}

const sync = (c = client()) => runSync({ store, directoryId: DIR, provider: c.provider, http: c.http, trigger: 'cli' });

const events = (afterSeq = 0) => eventRows(store, afterSeq);
const maxSeq = () => maxEventSeq(store);
const stateDump = () => directoryStateDump(store);

function baseline() {
  const liz = fake.createUser({ primaryEmail: 'liz@example.com', givenName: 'Liz', familyName: 'Smith' });
  const sam = fake.createUser({ primaryEmail: 'sam@example.com' });
  const old = fake.createUser({ primaryEmail: 'old@example.com' });
  fake.archive(old.id);
  const eng = fake.createGroup({ email: 'eng@example.com', name: 'Engineering' });
  fake.addMember(eng.id, liz.id);
  fake.addMember(eng.id, sam.id);
  return { liz, sam, old, eng };
}

describe('Google directory through the sync engine', () => {
  it('first sync records the directory; an unchanged re-sync (sign-ins included) writes nothing', async () => {
    const { liz } = baseline();
    const first = await sync();
    expect(first).toMatchObject({ status: 'ok', mode: 'snapshot', baseline: true, users: 4, groups: 1, memberships: 2, events: 0 });
    expect(events()).toEqual([]);
    expect(store.db.prepare('SELECT count(*) AS n FROM memberships WHERE deleted_at IS NULL').get()).toEqual({ n: 2 });
    const archived = store.db.prepare("SELECT active, status FROM accounts WHERE user_name = 'old@example.com'").get();
    expect(archived).toEqual({ active: 0, status: 'archived' });

    const before = stateDump();
    const seq = maxSeq();
    const second = await sync();
    expect(second).toMatchObject({ status: 'ok', events: 0 });
    expect(maxSeq()).toBe(seq);
    expect(stateDump()).toBe(before);

    // A sign-in moves lastLoginTime and the etag: the engine notes the time, no event, no attribute change.
    const at = new Date('2026-06-01T08:00:00.000Z');
    fake.signIn(liz.id, at);
    const third = await sync();
    expect(third).toMatchObject({ status: 'ok', events: 0 });
    expect(maxSeq()).toBe(seq);
    const lizRow = store.db.prepare('SELECT raw, last_sign_in_at FROM accounts WHERE id = ?').get(liz.id) as {
      raw: string;
      last_sign_in_at: string;
    };
    expect(lizRow.last_sign_in_at).toBe(at.toISOString());
    expect(lizRow.raw).not.toContain('lastLoginTime');
    expect(stateDump().replace(at.toISOString(), 'null').replace('"last_sign_in_at":"null"', '"last_sign_in_at":null')).toBe(before);
  });

  it('emits exactly the changes: created, updated, suspended, reactivated, archived, deleted, member added and removed', async () => {
    const { liz, sam, eng } = baseline();
    const extra = fake.createUser({ primaryEmail: 'temp@example.com' });
    await sync();
    const seq = maxSeq();

    fake.createUser({ primaryEmail: 'new@example.com' });
    fake.updateUser(liz.id, { orgUnitPath: '/Sales' });
    fake.suspend(sam.id);
    fake.deleteUser(extra.id);
    fake.removeMember(eng.id, liz.id);
    const ops = fake.createGroup({ email: 'ops@example.com', name: 'Ops' });
    fake.addMember(ops.id, 'new@example.com');
    const summary = await sync();
    expect(summary.status).toBe('ok');

    const got = events(seq).map((e) => `${e.type}:${e.subject}`);
    expect(got.sort()).toEqual(
      [
        'user.created:new@example.com',
        'user.updated:liz@example.com',
        'user.deactivated:sam@example.com',
        'user.deleted:temp@example.com',
        'group.created:Ops',
        'group.member_added:new@example.com',
        'group.member_removed:liz@example.com',
      ].sort(),
    );
    const updated = events(seq).find((e) => e.type === 'user.updated' && e.subject === 'liz@example.com')!;
    expect(JSON.parse(updated.after!)).toMatchObject({ orgUnitPath: '/Sales' });

    const seq2 = maxSeq();
    fake.unsuspend(sam.id);
    fake.archive(liz.id);
    await sync();
    const got2 = events(seq2).map((e) => `${e.type}:${e.subject}`);
    expect(got2).toContain('user.reactivated:sam@example.com');
    expect(got2).toContain('user.deactivated:liz@example.com');
  });

  it('with the Reports API on, the events carry the admin and Google’s time', async () => {
    const { sam } = baseline();
    const gone = fake.createUser({ primaryEmail: 'gone@example.com' });
    fake.createUser({ primaryEmail: 'boss@example.com', isAdmin: true });
    const c = client(true);
    await sync(c);
    expect(loadCursor(store, DIR)).toMatchObject({ reportsSince: expect.any(String) });
    const seq = maxSeq();
    const at = new Date();
    fake.suspend(sam.id, 'ADMIN', { actor: 'boss@example.com', at });
    fake.deleteUser(gone.id, { actor: 'boss@example.com', at });
    await sync(c);
    const deactivated = events(seq).find((e) => e.type === 'user.deactivated')!;
    expect(deactivated).toMatchObject({ subject: 'sam@example.com', actor: 'boss@example.com', occurred_at: at.toISOString() });
    const deleted = events(seq).find((e) => e.type === 'user.deleted')!;
    expect(deleted).toMatchObject({ subject: 'gone@example.com', actor: 'boss@example.com', occurred_at: at.toISOString() });
    expect(events(seq).filter((e) => e.type === 'user.deleted')).toHaveLength(1);
  });

  it('a malformed page fails the round: nothing deleted, cursor kept; the rerun emits each change once', async () => {
    const { sam } = baseline();
    for (let i = 0; i < 600; i++) fake.createUser({ primaryEmail: `bulk${i}@example.com` });
    await sync();
    const seq = maxSeq();
    fake.suspend(sam.id);
    const late = fake.createUser({ primaryEmail: 'late@example.com' }); // on the second users page
    fake.fail({ match: /\/users$/, after: 1, status: 200, body: { users: [{ id: 'x' }] } });
    const failed = await sync();
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('malformed page');
    expect(store.db.prepare('SELECT count(*) AS n FROM accounts WHERE deleted_at IS NOT NULL').get()).toEqual({ n: 0 });
    expect(store.db.prepare('SELECT count(*) AS n FROM accounts WHERE id = ?').get(late.id)).toEqual({ n: 0 });
    // The first page (sam's) was applied; the rest was not.
    const afterFailure = events(seq).map((e) => `${e.type}:${e.subject}`);
    expect(afterFailure).toContain('user.deactivated:sam@example.com');

    const ok = await sync();
    expect(ok.status).toBe('ok');
    const all = events(seq).map((e) => `${e.type}:${e.subject}`);
    expect(all.filter((e) => e === 'user.deactivated:sam@example.com')).toHaveLength(1);
    expect(all.filter((e) => e === 'user.created:late@example.com')).toHaveLength(1);
  });

  it('a round cut off mid-way (connection dropped past the retries) resumes without duplicate events', async () => {
    expect(await sync()).toMatchObject({ status: 'ok', baseline: true }); // the directory before anyone was added
    baseline();
    fake.fail({ match: /\/members$/, drop: true, times: 10 });
    const cut = await sync();
    expect(cut.status).toBe('failed');
    const partial = events().length;
    expect(partial).toBeGreaterThan(0);
    fake.server.clearFaults();
    const rerun = await sync();
    expect(rerun.status).toBe('ok');
    const all = events().map((e) => `${e.type}:${e.subject}`);
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((e) => e.startsWith('group.member_added'))).toHaveLength(2);
  });

  it('the provider module validates and rebuilds from stored JSON', () => {
    const parsed = parseServiceAccountFile(sa.file);
    const config = googleModule.configSchema.parse({ subject: 'it-admin@example.com', ...parsed.config });
    const stored = JSON.parse(JSON.stringify(config)) as unknown;
    expect(GoogleConfigSchema.parse(stored)).toEqual(config);
    const secrets = GoogleSecretsSchema.parse(JSON.parse(JSON.stringify(parsed.secrets)));
    const built = googleModule.create(config as never, secrets as never);
    expect(built.provider.kind).toBe('google');
    expect(googleModule.kind).toBe('google');
  });

  it('lists the members of up to membersConcurrency groups at once and syncs the same memberships as one at a time', async () => {
    // Some groups have more than one page of members (200 a page).
    seedGoogle(fake, { users: 400, groups: 14, memberships: 3500, seed: 5 });
    fake.latencyMs = 5; // long enough for requests to overlap
    const memberships = (target: Store) =>
      target.db
        .prepare('SELECT group_id, member_id, member_type FROM membership_ids WHERE deleted_at IS NULL ORDER BY group_id, member_id')
        .all();
    const accounts = (target: Store) => target.db.prepare('SELECT id, status FROM accounts ORDER BY id').all();

    expect(await sync(client(false, 1))).toMatchObject({ status: 'ok', mode: 'snapshot', memberships: 3500 });
    expect(fake.maxMembersInFlight).toBe(1);
    expect(fake.log.some((l) => /\/members\?.*pageToken=/.test(l.path))).toBe(true);

    const other = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
    try {
      insertSource(other, { id: DIR, kind: 'directory', provider: 'google', name: 'Workspace' });
      fake.resetMembersInFlight();
      const c = client(false, 4);
      expect(await runSync({ store: other, directoryId: DIR, provider: c.provider, http: c.http, trigger: 'cli' })).toMatchObject({
        status: 'ok',
        mode: 'snapshot',
        memberships: 3500,
      });
      expect(fake.maxMembersInFlight).toBeGreaterThan(1);
      expect(fake.maxMembersInFlight).toBeLessThanOrEqual(4);
      expect(memberships(other)).toHaveLength(3500);
      expect(memberships(other)).toEqual(memberships(store));
      expect(accounts(other)).toEqual(accounts(store));
    } finally {
      other.close();
    }
  });
});
