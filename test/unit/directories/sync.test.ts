import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/main/directories/http';
import { loadCursor, runSync, SyncBusyError, type SyncProgress } from '../../../src/main/directories/sync';
import type { SyncPage } from '../../../src/main/directories/types';
import { Store } from '../../../src/main/core/store/store';
import { eventRows, Script, scriptedProvider, user, maxEventSeq, stateDump as directoryStateDump } from '../../helpers/directory';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';

const DIR = 'dir-1';
let store: Store;
let script: Script;
let clock: number;
const now = () => new Date(clock);

beforeEach(() => {
  store = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
  insertSource(store, { id: DIR, kind: 'directory', provider: 'okta', name: 'Okta' });
  script = new Script();
  clock = Date.parse('2026-03-02T09:00:00.000Z');
});
afterEach(() => store.close());

const sync = (extra: { full?: boolean; onProgress?: (p: SyncProgress) => void } = {}) =>
  runSync({ store, directoryId: DIR, provider: scriptedProvider(script), http: new HttpClient(), trigger: 'cli', now, ...extra });

const events = (afterSeq = 0) => eventRows(store, afterSeq);
const maxSeq = () => maxEventSeq(store);
const stateDump = () => directoryStateDump(store);

const baseline = (): SyncPage[] => [
  { phase: 'users', users: [user('u1'), user('u2'), user('u3')] },
  { phase: 'groups', groups: [{ id: 'g1', displayName: 'Engineering', attributes: { description: 'Eng' } }] },
  {
    phase: 'members',
    members: [
      { groupId: 'g1', memberId: 'u1', memberType: 'User' },
      { groupId: 'g1', memberId: 'u2', memberType: 'User' },
    ],
  },
];

describe('directory sync engine', () => {
  it('records the first snapshot as a baseline (state, no events), then emits what changes', async () => {
    script.push({ pages: baseline(), mode: 'snapshot', cursor: { next: 'abc' } });
    const summary = await sync();
    expect(summary).toMatchObject({
      status: 'ok',
      mode: 'snapshot',
      baseline: true,
      users: 3,
      groups: 1,
      memberships: 2,
      events: 0,
      pages: 3,
    });
    expect(events()).toEqual([]);
    expect(loadCursor(store, DIR)).toEqual({ next: 'abc' });
    const row = store.db.prepare("SELECT user_name, email_key, active, status, first_seen FROM accounts WHERE id = 'u1'").get();
    expect(row).toEqual({
      user_name: 'u1@example.com',
      email_key: 'u1@example.com',
      active: 1,
      status: 'active',
      first_seen: new Date(clock).toISOString(),
    });
    expect(store.db.prepare('SELECT count(*) AS n FROM memberships WHERE deleted_at IS NULL').get()).toEqual({ n: 2 });
    expect(store.db.prepare('SELECT baseline FROM directory_syncs').get()).toEqual({ baseline: 1 });

    // the second sync is not a baseline: new users, groups and memberships are events
    script.push({
      mode: 'delta',
      pages: [
        { users: [user('u4')] },
        { groups: [{ id: 'g2', displayName: 'Sales', attributes: {} }] },
        {
          members: [
            { groupId: 'g2', memberId: 'u4', memberType: 'User' },
            { groupId: 'g1', memberId: 'u3', memberType: 'User' },
          ],
        },
      ],
    });
    expect(await sync()).toMatchObject({ baseline: false, events: 4 });
    expect(events().map((e) => `${e.type}:${e.subject}`)).toEqual([
      'user.created:u4@example.com',
      'group.created:Sales',
      'group.member_added:u4@example.com',
      'group.member_added:u3@example.com',
    ]);
    expect(JSON.parse(events()[3]!.after!)).toEqual({ group: 'Engineering', member: 'u3@example.com' });
    expect(JSON.parse(events()[0]!.after!)).toMatchObject({ userName: 'u4@example.com', status: 'active', active: true });
  });

  it('stays a baseline until a sync succeeds (a failed first sync is resumed without events)', async () => {
    script.push({ pages: baseline(), mode: 'snapshot', fail: new Error('HTTP 500'), failAfter: 1 });
    expect(await sync()).toMatchObject({ status: 'failed', baseline: true });
    script.push({ pages: baseline(), mode: 'snapshot' });
    expect(await sync()).toMatchObject({ status: 'ok', baseline: true, events: 0 });
    script.push({ pages: baseline(), mode: 'snapshot' });
    expect(await sync()).toMatchObject({ status: 'ok', baseline: false, events: 0 });
    expect(events()).toEqual([]);
  });

  it('writes nothing and emits nothing when the directory has not changed', async () => {
    script.push({ pages: baseline(), mode: 'snapshot' }).push({ pages: baseline(), mode: 'snapshot' });
    await sync();
    const before = stateDump();
    clock += 60_000;
    const summary = await sync();
    expect(summary).toMatchObject({ status: 'ok', events: 0, users: 3, memberships: 2 });
    expect(stateDump()).toBe(before);
  });

  it('diffs attributes, status and membership; deletes what a snapshot no longer lists', async () => {
    script.push({ pages: baseline(), mode: 'snapshot' });
    await sync();
    const seq = maxSeq();
    clock += 3_600_000;
    script.push({
      mode: 'snapshot',
      pages: [
        {
          users: [
            user('u1', { attributes: { login: 'u1@example.com', department: 'Sales', title: 'Engineer' } }),
            user('u2', {
              status: 'suspended',
              active: false,
              attributes: { login: 'u2@example.com', department: 'Engineering', title: 'Engineer' },
            }),
            // u3 is gone
            user('u4'),
          ],
        },
        { groups: [{ id: 'g1', displayName: 'Engineers', attributes: { description: 'Eng' } }] },
        { members: [{ groupId: 'g1', memberId: 'u4', memberType: 'User' }] },
      ],
    });
    const summary = await sync();
    expect(summary.status).toBe('ok');
    const got = events(seq);
    expect(got.map((e) => `${e.type}:${e.subject}`)).toEqual([
      'user.updated:u1@example.com',
      'user.deactivated:u2@example.com',
      'user.created:u4@example.com',
      'group.updated:Engineers',
      'group.member_added:u4@example.com',
      // deletions after the snapshot: memberships first, then groups, then users
      'group.member_removed:u1@example.com',
      'group.member_removed:u2@example.com',
      'user.deleted:u3@example.com',
    ]);
    expect(JSON.parse(got[0]!.before!)).toEqual({ department: 'Engineering' });
    expect(JSON.parse(got[0]!.after!)).toEqual({ department: 'Sales' });
    expect(JSON.parse(got[1]!.before!)).toEqual({ status: 'active' });
    expect(JSON.parse(got[1]!.after!)).toEqual({ status: 'suspended' });
    expect(JSON.parse(got[3]!.after!)).toEqual({ displayName: 'Engineers' });
    expect(got.every((e) => e.occurred_at === new Date(clock).toISOString())).toBe(true);
    const u3 = store.db.prepare("SELECT active, deleted_at FROM accounts WHERE id = 'u3'").get() as { active: number; deleted_at: string };
    expect(u3.active).toBe(0);
    expect(u3.deleted_at).toBe(new Date(clock).toISOString());
    // and a reactivation
    script.push({ mode: 'delta', pages: [{ users: [user('u2')] }] });
    const seq2 = maxSeq();
    await sync();
    expect(events(seq2).map((e) => e.type)).toEqual(['user.reactivated']);
  });

  it('applies delta rounds with the provider’s time and actor, and deletes nothing unseen', async () => {
    script.push({ pages: baseline(), mode: 'snapshot', cursor: 'c1' });
    await sync();
    const seq = maxSeq();
    script.push({
      mode: 'delta',
      cursor: 'c2',
      pages: [
        {
          phase: 'changes',
          users: [user('u1', { status: 'disabled', active: false, occurredAt: '2026-03-02T08:55:00.000Z', actor: 'admin@example.com' })],
          removedMembers: [
            { groupId: 'g1', memberId: 'u2', memberType: 'User', occurredAt: '2026-03-02T08:56:00.000Z', actor: 'admin@example.com' },
          ],
          members: [{ groupId: 'g1', memberId: 'u3', memberType: 'User' }],
          removedUsers: [{ id: 'nobody' }],
        },
      ],
    });
    const summary = await sync();
    expect(script.calls[1]).toEqual({ cursor: 'c1', full: false });
    expect(summary).toMatchObject({ mode: 'delta', events: 3 });
    const got = events(seq);
    expect(got.map((e) => [e.type, e.subject, e.occurred_at, e.actor])).toEqual([
      ['user.deactivated', 'u1@example.com', '2026-03-02T08:55:00.000Z', 'admin@example.com'],
      ['group.member_added', 'u3@example.com', new Date(clock).toISOString(), null],
      ['group.member_removed', 'u2@example.com', '2026-03-02T08:56:00.000Z', 'admin@example.com'],
    ]);
    expect(loadCursor(store, DIR)).toBe('c2');
    // a user removed in a delta ends their memberships, one event each
    const seq2 = maxSeq();
    script.push({ mode: 'delta', pages: [{ removedUsers: [{ id: 'u1' }] }] });
    await sync();
    expect(events(seq2).map((e) => `${e.type}:${e.subject}`)).toEqual([
      'user.deleted:u1@example.com',
      'group.member_removed:u1@example.com',
    ]);
  });

  it('passes a full request on without the cursor', async () => {
    script.push({ pages: baseline(), mode: 'snapshot', cursor: 'c1' }).push({ pages: baseline(), mode: 'snapshot', cursor: 'c2' });
    await sync();
    await sync({ full: true });
    expect(script.calls[1]).toEqual({ cursor: null, full: true });
  });

  it('keeps what a failed round applied, deletes nothing, keeps the old cursor, and a rerun emits nothing twice', async () => {
    script.push({ pages: baseline(), mode: 'snapshot', cursor: 'c1' });
    await sync();
    const seq = maxSeq();
    const changed: SyncPage[] = [{ users: [user('u1', { displayName: 'Renamed' })] }, { users: [] }];
    script.push({ pages: changed, mode: 'snapshot', cursor: 'c2', fail: new Error('Okta answered 500 three times'), failAfter: 1 });
    const failed = await sync();
    expect(failed).toMatchObject({ status: 'failed', error: 'Okta answered 500 three times' });
    expect(events(seq).map((e) => e.type)).toEqual(['user.updated']); // applied before the failure, nothing deleted
    expect(loadCursor(store, DIR)).toBe('c1');
    const run = store.db.prepare('SELECT status, error FROM directory_syncs ORDER BY id DESC LIMIT 1').get();
    expect(run).toEqual({ status: 'failed', error: 'Okta answered 500 three times' });
    // the rerun from c1 sees the same change again: already applied, nothing new
    script.push({
      pages: [{ users: [user('u1', { displayName: 'Renamed' }), user('u2'), user('u3')] }, ...baseline().slice(1)],
      mode: 'snapshot',
      cursor: 'c2',
    });
    const again = await sync();
    expect(script.calls[2]!.cursor).toBe('c1');
    expect(again).toMatchObject({ status: 'ok', events: 0 });
    expect(loadCursor(store, DIR)).toBe('c2');
  });

  it('records a sign-in time without an event', async () => {
    script.push({ pages: baseline(), mode: 'snapshot' }).push({
      pages: [{ users: [user('u1', { lastSignInAt: '2026-03-02T08:00:00.000Z' }), user('u2'), user('u3')] }, ...baseline().slice(1)],
      mode: 'snapshot',
    });
    await sync();
    const seq = maxSeq();
    await sync();
    expect(events(seq)).toEqual([]);
    expect(store.db.prepare("SELECT last_sign_in_at FROM accounts WHERE id = 'u1'").get()).toEqual({
      last_sign_in_at: '2026-03-02T08:00:00.000Z',
    });
  });

  it('treats the same membership twice in a page as one change, and a re-appearing user as created again', async () => {
    script.push({ pages: [], mode: 'snapshot' }); // an empty directory: the baseline
    await sync();
    script.push({
      mode: 'delta',
      pages: [
        { users: [user('u1')], groups: [{ id: 'g1', displayName: 'G', attributes: {} }] },
        {
          members: [
            { groupId: 'g1', memberId: 'u1', memberType: 'User' },
            { groupId: 'g1', memberId: 'u1', memberType: 'User' },
          ],
        },
        { removedUsers: [{ id: 'u1' }] },
        { users: [user('u1')] },
      ],
    });
    await sync();
    expect(events().map((e) => e.type)).toEqual([
      'user.created',
      'group.created',
      'group.member_added',
      'user.deleted',
      'group.member_removed',
      'user.created',
    ]);
  });

  it('keeps a member nobody listed, by its id, and turns it into the user when the directory lists it', async () => {
    const pages = baseline();
    pages[2]!.members!.push({ groupId: 'g1', memberId: 'ext-1', memberType: 'User' }); // e.g. a Google external member
    script.push({ pages, mode: 'snapshot' });
    expect(await sync()).toMatchObject({ status: 'ok', memberships: 3 });
    const members = () =>
      store.db.prepare("SELECT member_id, first_seen, deleted_at FROM membership_ids WHERE group_id = 'g1' ORDER BY member_id").all() as {
        member_id: string;
        first_seen: string;
        deleted_at: string | null;
      }[];
    expect(members().map((m) => m.member_id)).toEqual(['ext-1', 'u1', 'u2']);
    // an unlisted row: deleted, so it is no user of the directory, and a full snapshot keeps its membership
    expect(
      store.db.prepare("SELECT status, active, user_name, deleted_at IS NOT NULL AS gone FROM accounts WHERE id = 'ext-1'").get(),
    ).toEqual({
      status: 'unlisted',
      active: 0,
      user_name: null,
      gone: 1,
    });
    clock += 60_000;
    script.push({ pages, mode: 'snapshot' });
    expect(await sync()).toMatchObject({ status: 'ok', events: 0 });
    expect(members().every((m) => m.deleted_at === null)).toBe(true);

    // listed later: the same row becomes the user (one user.created), the membership stays as it was
    clock += 60_000;
    script.push({ mode: 'delta', pages: [{ users: [user('ext-1')] }] });
    await sync();
    expect(events().map((e) => `${e.type}:${e.account_id}`)).toEqual(['user.created:ext-1']);
    expect(store.db.prepare("SELECT count(*) AS n FROM accounts WHERE id = 'ext-1'").get()).toEqual({ n: 1 });
    expect(store.db.prepare("SELECT status, deleted_at FROM accounts WHERE id = 'ext-1'").get()).toEqual({
      status: 'active',
      deleted_at: null,
    });
    expect(members().find((m) => m.member_id === 'ext-1')).toEqual({
      member_id: 'ext-1',
      first_seen: new Date(Date.parse('2026-03-02T09:00:00.000Z')).toISOString(),
      deleted_at: null,
    });

    // and its membership ends like any other
    script.push({ mode: 'delta', pages: [{ removedMembers: [{ groupId: 'g1', memberId: 'ext-1', memberType: 'User' }] }] });
    await sync();
    expect(events().at(-1)).toMatchObject({ type: 'group.member_removed', account_id: 'ext-1', subject: 'ext-1@example.com' });
  });

  it('a baseline that follows a failed first attempt still removes what the attempt wrote and the directory no longer lists', async () => {
    const first = baseline();
    first[0]!.users!.push(user('u9'));
    first[2]!.members!.push({ groupId: 'g1', memberId: 'u9', memberType: 'User' });
    script.push({ pages: first, mode: 'snapshot', fail: new Error('HTTP 500'), failAfter: 3 });
    expect(await sync()).toMatchObject({ status: 'failed', baseline: true });
    expect(store.db.prepare("SELECT deleted_at FROM accounts WHERE id = 'u9'").get()).toEqual({ deleted_at: null });
    script.push({ pages: baseline(), mode: 'snapshot' });
    expect(await sync()).toMatchObject({ status: 'ok', baseline: true, events: 0 });
    expect(store.db.prepare("SELECT deleted_at IS NOT NULL AS gone FROM accounts WHERE id = 'u9'").get()).toEqual({ gone: 1 });
    expect(store.db.prepare("SELECT count(*) AS n FROM membership_ids WHERE member_id = 'u9' AND deleted_at IS NULL").get()).toEqual({
      n: 0,
    });
    expect(events()).toEqual([]);
  });

  it('writes a large baseline in a few transactions, with the same state as page by page', async () => {
    const many = (): SyncPage[] => [
      ...Array.from({ length: 40 }, (_, p) => ({
        phase: 'users' as const,
        users: Array.from({ length: 50 }, (_, i) => user(`u${p * 50 + i}`)),
      })),
      { phase: 'groups', groups: Array.from({ length: 20 }, (_, i) => ({ id: `g${i}`, displayName: `G${i}`, attributes: {} })) },
      ...Array.from({ length: 20 }, (_, g) => ({
        phase: 'members' as const,
        members: Array.from({ length: 100 }, (_, i) => ({
          groupId: `g${g}`,
          memberId: `u${(g * 37 + i * 13) % 2000}`,
          memberType: 'User' as const,
        })),
      })),
    ];
    let transactions = 0;
    const write = store.write.bind(store);
    store.write = ((fn: () => unknown) => {
      transactions++;
      return write(fn);
    }) as typeof store.write;
    script.push({ pages: many(), mode: 'snapshot' });
    expect(await sync()).toMatchObject({ status: 'ok', baseline: true, users: 2000, groups: 20, memberships: 2000 });
    // 81 pages: the batches grow with the measured speed, so far fewer than one transaction per page
    expect(transactions).toBeLessThan(40);
    expect(store.db.prepare('SELECT count(*) AS n FROM membership_ids WHERE deleted_at IS NULL').get()).toEqual({ n: 2000 });
    // an unchanged second round writes nothing at all
    const before = stateDump();
    script.push({ pages: many(), mode: 'snapshot' });
    expect(await sync()).toMatchObject({ status: 'ok', baseline: false, events: 0 });
    expect(stateDump()).toBe(before);
  });

  it('reports progress page by page and ends with done', async () => {
    script.push({ pages: baseline(), mode: 'snapshot' });
    const seen: SyncProgress[] = [];
    await sync({ onProgress: (p) => seen.push(p) });
    // a first sync into an empty directory has nothing to delete
    expect(seen.map((p) => p.phase)).toEqual(['starting', 'users', 'groups', 'members', 'done']);
    expect(seen.at(-1)).toMatchObject({ users: 3, groups: 1, memberships: 2, events: 0, baseline: true, error: null });
    script.push({ pages: baseline(), mode: 'snapshot' });
    seen.length = 0;
    await sync({ onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.phase)).toEqual(['starting', 'users', 'groups', 'members', 'deletions', 'done']);
    expect(seen.at(-1)).toMatchObject({ users: 3, groups: 1, memberships: 2, events: 0, baseline: false, error: null });
  });

  it('refuses a second sync while one holds the lease, and takes over a lapsed lease', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = {
      kind: 'okta' as const,
      async *sync() {
        await gate;
        yield { users: [user('u1')] };
        return { mode: 'delta' as const, cursor: null };
      },
      test: async () => 'ok',
    };
    const first = runSync({ store, directoryId: DIR, provider: slow, http: new HttpClient(), trigger: 'cli', now });
    script.push({ pages: [], mode: 'delta' });
    await expect(sync()).rejects.toBeInstanceOf(SyncBusyError);
    release();
    expect((await first).status).toBe('ok');
    // A process that died mid-sync leaves a running row; once its lease lapses the next sync takes over.
    store.db
      .prepare(
        "INSERT INTO directory_syncs (source_id, trigger, full, status, started_at, heartbeat_at) VALUES (?, 'schedule', 0, 'running', ?, ?)",
      )
      .run(DIR, '2026-03-02T08:00:00.000Z', '2026-03-02T08:00:00.000Z');
    expect((await sync()).status).toBe('ok');
    const abandoned = store.db.prepare("SELECT status, error FROM directory_syncs WHERE started_at = '2026-03-02T08:00:00.000Z'").get();
    expect(abandoned).toEqual({ status: 'failed', error: 'interrupted: the process running it stopped' });
  });

  it('keeps the hash chain intact across sync writes', async () => {
    script.push({ pages: baseline(), mode: 'snapshot' });
    await sync();
    const rows = store.db.prepare('SELECT prev_hash, hash FROM events ORDER BY seq').all() as { prev_hash: string; hash: string }[];
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
  });
});
