/**
 * The relay under a failing app: 2,000 provisioning requests from 8 concurrent IdP workers while
 * the app randomly fails before or after applying a write, hangs past the timeout, answers
 * garbage, drops connections, and restarts. Afterwards:
 *   - every request has exactly one recorded exchange (each carries a unique `rid` in its query);
 *   - for every resource whose last write succeeded, the mirror equals the app's final state
 *     (attributes, active, deleted; for groups the member list).
 */
import { afterEach, expect, it } from 'vitest';
import type { AppFault } from '../../fakes/scim-app';
import { mulberry32 } from '../../helpers/rng';
import { GROUP, PATCH_OP, USER, type Json } from '../../helpers/scim';
import { startRelay, type RelayHarness } from '../../helpers/relay';

let h: RelayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TOTAL = 2000;
const WORKERS = 8;
const SEED = Number(process.env.RELAY_FAULT_SEED ?? 20261129);

it(`records exactly one exchange per request and keeps the mirror equal to the app (${TOTAL} requests, seed ${SEED})`, async () => {
  h = await startRelay({ upstream: { timeoutMs: 1000 } });
  const relay = h;
  const rand = mulberry32(SEED);
  const faults: Record<AppFault | 'ok', number> = { ok: 0, fail: 0, 'fail-after-apply': 0, hang: 0, garbage: 0, drop: 0, unauthorized: 0 };
  relay.app.fault = () => {
    const x = rand();
    const f: AppFault | undefined =
      x < 0.05 ? 'fail' : x < 0.09 ? 'fail-after-apply' : x < 0.094 ? 'hang' : x < 0.114 ? 'garbage' : x < 0.134 ? 'drop' : undefined;
    faults[f ?? 'ok']++;
    return f;
  };

  let rid = 0;
  /** Per resource ("User/id"): whether its last write succeeded, and whether that write deleted it. */
  const last = new Map<string, { ok: boolean; deleted: boolean }>();
  const statuses = new Map<number, number>();
  let restarts = 0;

  const send = async (method: string, path: string, body?: unknown) => {
    const n = rid++;
    const sep = path.includes('?') ? '&' : '?';
    const r = await relay.req(method, `${path}${sep}rid=${n}`, body === undefined ? {} : { body });
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    return r;
  };

  async function worker(w: number, budget: number): Promise<void> {
    const users: string[] = [];
    const groups: string[] = [];
    let made = 0;
    const wrote = (type: string, id: string, status: number, deleted = false) => {
      last.set(`${type}/${id}`, { ok: status >= 200 && status < 300, deleted });
      if (deleted && status >= 200 && status < 300) {
        const list = type === 'User' ? users : groups;
        list.splice(list.indexOf(id), 1);
      }
    };
    for (let i = 0; i < budget; i++) {
      const x = rand();
      if (users.length < 3 || x < 0.15) {
        const r = await send('POST', '/Users', {
          schemas: [USER],
          userName: `w${w}-u${made++}@acme.com`,
          displayName: `W${w} ${made}`,
          active: true,
        });
        if (r.status === 201) {
          const id = r.json!.id as string;
          users.push(id);
          wrote('User', id, 201);
        }
      } else if (groups.length < 1 || x < 0.2) {
        const r = await send('POST', '/Groups', { schemas: [GROUP], displayName: `w${w}-g${made++}`, members: [{ value: users[0]! }] });
        if (r.status === 201) {
          groups.push(r.json!.id as string);
          wrote('Group', r.json!.id as string, 201);
        }
      } else if (x < 0.4) {
        const id = users[Math.floor(rand() * users.length)]!;
        const active = rand() < 0.5;
        const r = await send('PATCH', `/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'active', value: active }],
        });
        wrote('User', id, r.status);
      } else if (x < 0.55) {
        const id = users[Math.floor(rand() * users.length)]!;
        const r = await send('PATCH', `/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { displayName: `renamed ${rid}`, 'name.givenName': `G${rid}` } }],
        });
        wrote('User', id, r.status);
      } else if (x < 0.62) {
        const id = users[Math.floor(rand() * users.length)]!;
        const got = await send('GET', `/Users/${id}`);
        if (got.status !== 200) continue;
        const r = await send('PUT', `/Users/${id}`, {
          schemas: [USER],
          userName: got.json!.userName,
          displayName: `put ${rid}`,
          active: true,
        });
        wrote('User', id, r.status);
      } else if (x < 0.8) {
        const gid = groups[Math.floor(rand() * groups.length)]!;
        const member = users[Math.floor(rand() * users.length)]!;
        const op =
          rand() < 0.6
            ? { op: 'add', path: 'members', value: [{ value: member }] }
            : { op: 'remove', path: `members[value eq "${member}"]` };
        const r = await send('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [op] });
        wrote('Group', gid, r.status);
      } else if (x < 0.86 && users.length > 3) {
        const id = users[Math.floor(rand() * users.length)]!;
        const r = await send('DELETE', `/Users/${id}`);
        wrote('User', id, r.status, true);
      } else {
        await send('GET', `/Users?filter=${encodeURIComponent(`userName sw "w${w}-"`)}`);
      }
    }
  }

  // The app restarts every ~400 requests while the workers run.
  let running = true;
  const restarter = (async () => {
    while (running) {
      const at = rid;
      while (running && rid < at + 400) await new Promise((r) => setTimeout(r, 5));
      if (!running) break;
      await relay.app.restart(50);
      restarts++;
    }
  })();
  // Each worker's requests are sequential (as an IdP sends one resource's changes); workers run at once.
  const per = Math.floor(TOTAL / WORKERS);
  // GET-before-PUT and skipped branches mean a worker may send more than its budget; rid is the total.
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w, per)));
  running = false;
  await restarter;
  const sent = rid;
  expect(sent).toBeGreaterThanOrEqual(TOTAL);
  expect(restarts).toBeGreaterThanOrEqual(3);
  expect(faults.hang).toBeGreaterThan(0);
  expect(faults['fail-after-apply']).toBeGreaterThan(0);

  // Let the deferred records of the last reads commit, and the mirror finish reading back the
  // resources a failure left uncertain (the app keeps failing at random meanwhile).
  expect(await relay.scim.relay.settle(30_000)).toBe(true);

  // 1. Exactly one exchange per request.
  const recorded = relay.rows<{ query: string }>('SELECT query FROM scim_exchanges WHERE connection_id = ?', relay.connectionId);
  const rids = recorded.map((r) => Number(/(?:^|&)rid=(\d+)/.exec(r.query)![1]));
  expect(rids.length).toBe(sent);
  expect(new Set(rids).size).toBe(sent);
  const failures = relay.rows<{ n: number }>("SELECT count(*) AS n FROM events WHERE type = 'relay.failed'")[0]!.n;
  const failedExchanges = relay.rows<{ n: number }>(
    'SELECT count(*) AS n FROM scim_exchanges WHERE connection_id = ? AND (status >= 500 OR upstream_status IS NULL OR upstream_status = 401)',
    relay.connectionId,
  )[0]!.n;
  expect(failures).toBe(failedExchanges);
  expect(failures).toBeGreaterThan(100);

  // 2. The mirror equals the app for every resource whose last write succeeded.
  const strip = (r: Json): Json => {
    const { id: _id, meta: _meta, schemas: _schemas, members: _members, groups: _groups, ...rest } = r;
    return rest;
  };
  let compared = 0;
  for (const [key, state] of last) {
    if (!state.ok) continue;
    const [type, id] = key.split('/') as ['User' | 'Group', string];
    const inApp = (type === 'User' ? relay.app.users : relay.app.groups).get(id);
    const table = type === 'User' ? 'accounts' : 'groups';
    const row = relay.rows<{ raw: string; deleted_at: string | null; pk: number }>(
      `SELECT raw, deleted_at, pk FROM ${table} WHERE source_id = ? AND id = ?`,
      relay.connectionId,
      id,
    )[0];
    if (state.deleted) {
      expect(inApp, key).toBeUndefined();
      expect(row?.deleted_at, key).toBeTruthy();
      compared++;
      continue;
    }
    expect(inApp, key).toBeDefined();
    expect(row, key).toBeDefined();
    expect(row!.deleted_at, key).toBeNull();
    const mirrored = strip(JSON.parse(row!.raw) as Json);
    const app = strip(inApp!);
    if (type === 'User') expect({ ...mirrored, active: mirrored.active ?? true }, key).toEqual({ ...app, active: app.active ?? true });
    else expect(mirrored, key).toEqual(app);
    if (type === 'Group') {
      const members = relay
        .rows<{ member_id: string }>(
          'SELECT member_id FROM membership_ids WHERE source_id = ? AND group_id = ? AND deleted_at IS NULL ORDER BY member_id',
          relay.connectionId,
          id,
        )
        .map((m) => m.member_id);
      const appMembers = ((inApp!.members as Json[] | undefined) ?? []).map((m) => m.value as string).sort();
      expect(members, `${key} members`).toEqual(appMembers);
    }
    compared++;
  }
  expect(compared).toBeGreaterThan(50);
}, 120_000);
