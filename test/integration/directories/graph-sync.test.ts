/**
 * The real sync engine driving the Graph provider against the fake Graph: what lands in SQLite
 * and which events come out, round after round.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/main/core/store/store';
import { HttpClient } from '../../../src/main/directories/http';
import { createGraphProvider } from '../../../src/main/directories/providers/graph';
import { loadCursor, runSync } from '../../../src/main/directories/sync';
import { changeUsers, seedGraph, startFakeGraph, type FakeGraph, type GraphDirectory } from '../../fakes/graph';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';
import { maxEventSeq, stateDump as directoryStateDump } from '../../helpers/directory';

const DIR = 'entra-1';
let store: Store;
let fake: FakeGraph;
let dir: GraphDirectory;

beforeEach(async () => {
  store = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
  insertSource(store, { id: DIR, kind: 'directory', provider: 'entra', name: 'Entra' });
  dir = seedGraph({ users: 300, groups: 10, memberships: 700, seed: 11 });
  fake = await startFakeGraph({ directory: dir, memberBudget: 200 });
});
afterEach(async () => {
  await fake.close();
  store.close();
});

function sync(full = false) {
  const { provider, auth, httpOptions } = createGraphProvider(
    { tenantId: fake.tenantId, clientId: fake.clientId, authorityUrl: fake.url, graphUrl: fake.url, pageSize: 120 },
    { clientSecret: fake.clientSecret },
  );
  const http = new HttpClient({ auth, ...httpOptions, retries: 2, sleep: async () => {} });
  return runSync({ store, directoryId: DIR, provider, http, trigger: 'cli', full });
}

const maxSeq = () => maxEventSeq(store);
const eventsAfter = (seq: number) =>
  store.db.prepare<[number], { type: string; subject: string }>('SELECT type, subject FROM events WHERE seq > ? ORDER BY seq').all(seq);
const stateDump = () => directoryStateDump(store);
const upn = (i: number) => String(dir.user(i).userPrincipalName);

describe('sync engine × Graph provider × fake Graph', () => {
  it('first sync records everything as the baseline; an unchanged re-sync writes and emits nothing', async () => {
    const first = await sync();
    expect(first).toMatchObject({ status: 'ok', mode: 'snapshot', baseline: true, users: 300, groups: 10, memberships: 700, events: 0 });
    expect(eventsAfter(0)).toEqual([]);
    const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM accounts WHERE deleted_at IS NULL')).toBe(300);
    expect(count('SELECT count(*) AS n FROM groups WHERE deleted_at IS NULL')).toBe(10);
    expect(count('SELECT count(*) AS n FROM memberships WHERE deleted_at IS NULL')).toBe(700);
    const disabled = store.db
      .prepare("SELECT count(*) AS n FROM accounts WHERE source_id = ? AND status = 'disabled' AND active = 0")
      .get(DIR) as {
      n: number;
    };
    expect(disabled.n).toBeGreaterThan(0);

    const before = stateDump();
    const seq = maxSeq();
    const again = await sync();
    expect(again).toMatchObject({ status: 'ok', mode: 'delta', events: 0 });
    expect(eventsAfter(seq)).toEqual([]);
    expect(stateDump()).toBe(before);
  });

  it('a delta round emits exactly the events of what changed, and group names survive membership-only changes', async () => {
    await sync();
    const seq = maxSeq();
    const enabled = [...Array(300).keys()].filter((i) => dir.user(i).accountEnabled === true);
    const [toDisable, toUpdate, toDelete] = enabled;
    const deletedGroups = [...Array(10).keys()].filter((g) => Array.from(dir.membersOf(g)).includes(toDelete!));
    const g2 = dir.groupId(2);
    const outsider = enabled.find((i) => !Array.from(dir.membersOf(2)).includes(i) && i !== toDelete)!;
    const leaving = Array.from(dir.membersOf(3)).find((ref) => ref !== toDelete)!;

    dir.disable(dir.userId(toDisable!));
    dir.updateUser(dir.userId(toUpdate!), { jobTitle: 'Head of Roll Calls' });
    dir.softDelete(dir.userId(toDelete!));
    dir.addMember(g2, dir.userId(outsider));
    dir.removeMember(dir.groupId(3), dir.userId(leaving));
    dir.renameGroup(dir.groupId(4), 'Group Four, renamed');

    const r = await sync();
    expect(r).toMatchObject({ status: 'ok', mode: 'delta' });
    const got = eventsAfter(seq)
      .map((e) => `${e.type}:${e.subject}`)
      .sort();
    const expected = [
      `user.deactivated:${upn(toDisable!)}`,
      `user.updated:${upn(toUpdate!)}`,
      `user.deleted:${upn(toDelete!)}`,
      ...deletedGroups.map(() => `group.member_removed:${upn(toDelete!)}`),
      `group.member_added:${upn(outsider)}`,
      `group.member_removed:${upn(leaving)}`,
      'group.updated:Group Four, renamed',
    ].sort();
    expect(got.map((e) => e.replace(/:.*$/, ''))).toEqual(expected.map((e) => e.replace(/:.*$/, '')));
    for (const e of expected.filter((x) => x.startsWith('user.'))) expect(got).toContain(e);
    expect(r.events).toBe(expected.length);

    // The groups touched only by membership changes kept their names.
    const names = store.db
      .prepare<[string], { id: string; display_name: string }>('SELECT id, display_name FROM groups WHERE source_id = ?')
      .all(DIR);
    for (const { id, display_name } of names) {
      const g = dir.groupIndex(id)!;
      expect(display_name).toBe(dir.group(g).displayName);
    }
  });

  it('a 410 resync reconciles without spurious events; a malformed page fails the round and the next one recovers', async () => {
    await sync();
    const seq = maxSeq();
    fake.resetDeltaTokens();
    const resync = await sync();
    expect(resync).toMatchObject({ status: 'ok', mode: 'snapshot', events: 0 });

    dir.disable(dir.userId(dir.user(5).accountEnabled ? 5 : 6));
    const cursor = loadCursor(store, DIR);
    fake.fail({ match: /groups\/delta/, status: 200, body: '{"value": [ truncated' });
    const failed = await sync();
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/not JSON/);
    expect(loadCursor(store, DIR)).toEqual(cursor);
    const ok = await sync();
    expect(ok).toMatchObject({ status: 'ok', mode: 'delta' });
    // The deactivation was applied once, by whichever round got to it first.
    expect(eventsAfter(seq).filter((e) => e.type === 'user.deactivated')).toHaveLength(1);
  });

  it('1% of users changed → exactly those events', async () => {
    await sync();
    const seq = maxSeq();
    const changed = changeUsers(dir, { fraction: 0.05 });
    const r = await sync();
    const got = eventsAfter(seq);
    expect(r.events).toBe(changed.length);
    const expectedType = { updated: 'user.updated', disabled: 'user.deactivated', enabled: 'user.reactivated' } as const;
    expect(got.map((e) => `${e.type}:${e.subject}`).sort()).toEqual(
      changed.map((c) => `${expectedType[c.kind]}:${String(dir.user(dir.userIndex(c.id)!).userPrincipalName)}`).sort(),
    );
  });
});
