/**
 * The fake Graph itself, over plain fetch: the wire format the provider tests and the benchmark
 * rely on (token endpoint, lists, delta rounds, minimal representation, 410) and its scale.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { changeUsers, seedGraph, startFakeGraph, type FakeGraph } from '../../fakes/graph';

const open: FakeGraph[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

async function fake(options: Parameters<typeof startFakeGraph>[0] = {}) {
  const f = await startFakeGraph(options);
  open.push(f);
  return f;
}

async function token(f: FakeGraph, form: Record<string, string> = {}) {
  const res = await fetch(f.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: f.clientId,
      client_secret: f.clientSecret!,
      scope: `${f.url}/.default`,
      ...form,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function get(f: FakeGraph, path: string, headers: Record<string, string> = {}) {
  const t = await token(f);
  const res = await fetch(path.startsWith('http') ? path : `${f.url}${path}`, {
    headers: { authorization: `Bearer ${String(t.body.access_token)}`, ...headers },
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown> & { value: Record<string, unknown>[] },
  };
}

describe('fake Graph: seed', () => {
  it('is deterministic and holds exactly what was asked for', () => {
    const a = seedGraph({ users: 500, groups: 20, memberships: 3000, seed: 9 });
    const b = seedGraph({ users: 500, groups: 20, memberships: 3000, seed: 9 });
    expect(a.counts).toEqual({ users: 500, groups: 20, memberships: 3000 });
    expect(a.user(17)).toEqual(b.user(17));
    expect(Array.from(a.membersOf(5))).toEqual(Array.from(b.membersOf(5)));
    expect(seedGraph({ users: 500, groups: 20, memberships: 3000, seed: 10 }).userId(0)).not.toBe(a.userId(0));
    for (let g = 0; g < 20; g++) expect(new Set(Array.from(a.membersOf(g))).size).toBe(a.membersOf(g).length); // no duplicates
    expect(() => seedGraph({ users: 2, groups: 2, memberships: 5 })).toThrow(/do not fit/);
  });

  it('holds 100,000 users, 10,000 groups and 1,000,000 memberships in a few MB', () => {
    global.gc?.();
    const before = process.memoryUsage();
    const t0 = performance.now();
    const dir = seedGraph({ users: 100_000, groups: 10_000, memberships: 1_000_000, seed: 42 });
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    expect(dir.counts).toEqual({ users: 100_000, groups: 10_000, memberships: 1_000_000 });
    const grew = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    expect(grew).toBeLessThan(40e6);
    expect(ms).toBeLessThan(5000);
  });

  it('changeUsers changes exactly the asked share, deterministically', () => {
    const dir = seedGraph({ users: 1000, groups: 1, memberships: 0, seed: 1 });
    const changed = changeUsers(dir, { fraction: 0.01 });
    expect(changed).toHaveLength(10);
    expect(new Set(changed.map((c) => c.id)).size).toBe(10);
    expect(dir.userChanges(0, dir.seq).idx).toHaveLength(10);
    const again = changeUsers(seedGraph({ users: 1000, groups: 1, memberships: 0, seed: 1 }), { fraction: 0.01 });
    expect(again).toEqual(changed);
  });
});

describe('fake Graph: token endpoint', () => {
  it('issues bearer tokens for the right client, secret and scope only', async () => {
    const f = await fake();
    const ok = await token(f);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect((await token(f, { client_secret: 'nope' })).body.error_description).toMatch(/^AADSTS7000215/);
    expect((await token(f, { client_id: 'other' })).body.error).toBe('unauthorized_client');
    expect((await token(f, { scope: 'https://graph.microsoft.com/.default' })).body.error).toBe('invalid_scope');
    expect((await token(f, { grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
  });

  it('refuses Graph calls without a token, with a bad one and with an expired one', async () => {
    const f = await fake();
    expect(((await (await fetch(`${f.url}/v1.0/users`)).json()) as { error: { code: string } }).error.code).toBe(
      'InvalidAuthenticationToken',
    );
    const t = String((await token(f)).body.access_token);
    const call = () => fetch(`${f.url}/v1.0/users`, { headers: { authorization: `Bearer ${t}` } });
    expect((await call()).status).toBe(200);
    f.expireTokens();
    const res = await call();
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { message: 'Lifetime validation failed, the token is expired.' } });
  });
});

describe('fake Graph: lists', () => {
  it('pages /users with $top and @odata.nextLink, and refuses $top over 999', async () => {
    const f = await fake({ directory: seedGraph({ users: 25, groups: 1, memberships: 0 }) });
    let next: string | undefined = '/v1.0/users?$top=10&$select=displayName,accountEnabled';
    const seen: Record<string, unknown>[] = [];
    while (next) {
      const r = await get(f, next);
      seen.push(...r.body.value);
      next = r.body['@odata.nextLink'] as string | undefined;
    }
    expect(seen).toHaveLength(25);
    expect(Object.keys(seen[0]!).sort()).toEqual(['accountEnabled', 'displayName', 'id']);
    expect((await get(f, '/v1.0/users?$top=1000')).body).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
    expect((await get(f, '/v1.0/users?$select=bogus')).status).toBe(400);
  });
});

describe('fake Graph: delta', () => {
  it('serves changes only, as the default or the minimal representation', async () => {
    const dir = seedGraph({ users: 30, groups: 2, memberships: 10 });
    const f = await fake({ directory: dir });
    const first = await get(f, '/v1.0/users/delta?$select=displayName,jobTitle,department,accountEnabled', {
      prefer: 'odata.maxpagesize=999',
    });
    expect(first.body.value).toHaveLength(30);
    expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=999');
    const deltaLink = first.body['@odata.deltaLink'] as string;

    const id = dir.userId(3);
    const before = dir.user(3);
    dir.updateUser(id, { jobTitle: 'New title', department: null });
    const full = await get(f, deltaLink);
    expect(full.body.value).toEqual([
      { id, displayName: before.displayName, jobTitle: 'New title', department: null, accountEnabled: before.accountEnabled },
    ]);
    const minimal = await get(f, deltaLink, { prefer: 'return=minimal' });
    expect(minimal.body.value).toEqual([{ id, jobTitle: 'New title', department: null }]);

    // The same deltaLink can be replayed; the new one sees nothing new.
    const quiet = await get(f, full.body['@odata.deltaLink'] as string);
    expect(quiet.body.value).toEqual([]);
  });

  it('marks removals with @removed: changed for soft, deleted for hard', async () => {
    const dir = seedGraph({ users: 5, groups: 1, memberships: 0 });
    const f = await fake({ directory: dir });
    const link = (await get(f, '/v1.0/users/delta')).body['@odata.deltaLink'] as string;
    dir.softDelete(dir.userId(1));
    dir.hardDelete(dir.userId(2));
    expect((await get(f, link)).body.value).toEqual([
      { id: dir.userId(1), '@removed': { reason: 'changed' } },
      { id: dir.userId(2), '@removed': { reason: 'deleted' } },
    ]);
  });

  it('splits a large group’s members across pages; continuations carry only id and members', async () => {
    const dir = seedGraph({ users: 100, groups: 1, memberships: 90 });
    const f = await fake({ directory: dir, memberBudget: 40 });
    let next: string | undefined = '/v1.0/groups/delta?$select=displayName,members';
    const objects: Record<string, unknown>[] = [];
    while (next) {
      const r = await get(f, next);
      objects.push(...r.body.value);
      next = r.body['@odata.nextLink'] as string | undefined;
    }
    expect(objects).toHaveLength(3);
    expect(objects[0]!.displayName).toBe('All Company');
    expect(Object.keys(objects[1]!).sort()).toEqual(['id', 'members@delta']);
    expect(objects.flatMap((o) => o['members@delta'] as unknown[])).toHaveLength(90);
  });

  it('answers an expired, reset or garbled token with 410 Gone and where to start over', async () => {
    let clock = Date.now();
    const f = await fake({ directory: seedGraph({ users: 3, groups: 1, memberships: 1 }), now: () => clock });
    const link = (await get(f, '/v1.0/users/delta')).body['@odata.deltaLink'] as string;
    expect((await get(f, link)).status).toBe(200);
    f.resetDeltaTokens();
    const gone = await get(f, link);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ error: { code: 'syncStateNotFound' } });
    expect(gone.headers.get('location')).toBe(`${f.url}/v1.0/users/delta?$deltatoken=`);
    const fresh = (await get(f, '/v1.0/users/delta')).body['@odata.deltaLink'] as string;
    clock += 8 * 24 * 3600 * 1000;
    expect((await get(f, fresh)).status).toBe(410);
    expect((await get(f, '/v1.0/groups/delta?$deltatoken=%%%')).status).toBe(410);
  });

  it('$deltatoken=latest starts tracking from now without data', async () => {
    const dir = seedGraph({ users: 10, groups: 1, memberships: 1 });
    const f = await fake({ directory: dir });
    const latest = await get(f, '/v1.0/users/delta?$deltatoken=latest');
    expect(latest.body.value).toEqual([]);
    const id = dir.createUser({ displayName: 'Later' });
    expect((await get(f, latest.body['@odata.deltaLink'] as string)).body.value).toMatchObject([{ id, displayName: 'Later' }]);
  });

  it('throttles with Graph’s headers and body', async () => {
    const f = await fake();
    f.throttle({ retryAfterS: 4 });
    const r = await get(f, '/v1.0/users');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('4');
    expect(r.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
    expect(r.body).toMatchObject({ error: { code: 'TooManyRequests' } });
    expect((await get(f, '/v1.0/users')).status).toBe(200);
  });
});
