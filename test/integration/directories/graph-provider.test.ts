/**
 * The Graph provider against the fake Graph: what it yields, page by page, for snapshot and
 * delta rounds, and how it fails.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryHttpError, HttpClient } from '../../../src/main/directories/http';
import { createGraphProvider, type GraphConfigInput } from '../../../src/main/directories/providers/graph';
import type { DirGroup, DirMember, DirUser, DirectoryProvider, SyncPage, SyncResult } from '../../../src/main/directories/types';
import { seedGraph, startFakeGraph, type FakeGraph, type FakeGraphOptions, type GraphDirectory } from '../../fakes/graph';

const open: FakeGraph[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

interface Setup {
  fake: FakeGraph;
  dir: GraphDirectory;
  provider: DirectoryProvider;
  http: HttpClient;
  sleeps: number[];
}

async function setup(
  options: { seed?: Parameters<typeof seedGraph>[0]; fake?: FakeGraphOptions; config?: Partial<GraphConfigInput>; secrets?: object } = {},
): Promise<Setup> {
  const dir = seedGraph(options.seed ?? { users: 250, groups: 12, memberships: 600, seed: 3 });
  const fake = await startFakeGraph({ directory: dir, memberBudget: 150, ...options.fake });
  open.push(fake);
  const { provider, auth, httpOptions } = createGraphProvider(
    { tenantId: fake.tenantId, clientId: fake.clientId, authorityUrl: fake.url, graphUrl: fake.url, pageSize: 100, ...options.config },
    options.secrets ?? { clientSecret: fake.clientSecret },
  );
  const sleeps: number[] = [];
  const http = new HttpClient({
    auth,
    ...httpOptions,
    retries: 3,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { fake, dir, provider, http, sleeps };
}

function start(s: Pick<Setup, 'provider' | 'http'>, cursor: unknown = null, opts: { full?: boolean; now?: () => Date } = {}) {
  return s.provider.sync({
    cursor,
    full: opts.full ?? false,
    http: s.http,
    signal: new AbortController().signal,
    now: opts.now ?? (() => new Date()),
  });
}

async function run(s: Pick<Setup, 'provider' | 'http'>, cursor: unknown = null, opts: { full?: boolean; now?: () => Date } = {}) {
  const gen = start(s, cursor, opts);
  const pages: SyncPage[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { pages, result: r.value, ...merge(pages) };
    pages.push(r.value);
  }
}

const key = (m: DirMember) => `${m.groupId}|${m.memberId}|${m.memberType}`;

function merge(pages: SyncPage[]) {
  const users = new Map<string, DirUser>();
  const groups = new Map<string, DirGroup>();
  const groupYields = new Map<string, number>();
  const removedUsers = new Set<string>();
  const removedGroups = new Set<string>();
  const members = new Set<string>();
  const removedMembers = new Set<string>();
  for (const p of pages) {
    for (const u of p.users ?? []) users.set(u.id, u);
    for (const u of p.removedUsers ?? []) removedUsers.add(u.id);
    for (const g of p.groups ?? []) {
      groups.set(g.id, g);
      groupYields.set(g.id, (groupYields.get(g.id) ?? 0) + 1);
    }
    for (const g of p.removedGroups ?? []) removedGroups.add(g.id);
    for (const m of p.members ?? []) members.add(key(m));
    for (const m of p.removedMembers ?? []) removedMembers.add(key(m));
  }
  return { users, groups, groupYields, removedUsers, removedGroups, members, removedMembers };
}

/** What the fake holds, in the provider's terms. */
function truth(dir: GraphDirectory) {
  const users = new Map<string, boolean>();
  for (let i = 0; i < dir.userSlots; i++) if (dir.userStateOf(i) === 'alive') users.set(dir.userId(i), dir.user(i).accountEnabled === true);
  const groups = new Map<string, string>();
  const members = new Set<string>();
  for (let g = 0; g < dir.groupSlots; g++) {
    if (!dir.groupAlive(g)) continue;
    groups.set(dir.groupId(g), String(dir.group(g).displayName));
    for (const ref of Array.from(dir.membersOf(g))) {
      const m = dir.memberRefId(ref);
      members.add(`${dir.groupId(g)}|${m.id}|${m.type === '#microsoft.graph.user' ? 'User' : 'Group'}`);
    }
  }
  return { users, groups, members };
}

const deltaRequests = (fake: FakeGraph, what: 'users' | 'groups') =>
  fake.server.log.filter((l) => l.path.startsWith(`/v1.0/${what}/delta`));

describe('Graph provider: the initial round', () => {
  it('is a snapshot of every user, group and membership, page by page, with the status mapping', async () => {
    const s = await setup();
    const r = await run(s);
    const t = truth(s.dir);
    expect(r.result.mode).toBe('snapshot');

    // Every user once, with accountEnabled mapped; the seed has some disabled users.
    expect(r.users.size).toBe(250);
    expect([...r.users.keys()].sort()).toEqual([...t.users.keys()].sort());
    const disabled = [...r.users.values()].filter((u) => u.status === 'disabled');
    expect(disabled.length).toBeGreaterThan(0);
    for (const u of r.users.values()) {
      expect(u.status).toBe(t.users.get(u.id) ? 'active' : 'disabled');
      expect(u.active).toBe(u.status === 'active');
      expect(u.lastSignInAt).toBeNull();
      expect(u.userName).toMatch(/@contoso\.onmicrosoft\.com$/);
      expect(Object.keys(u.attributes).sort()).toContain('accountEnabled');
    }
    // Guests have no employeeId: absent on the wire, null in attributes.
    const guest = [...r.users.values()].find((u) => u.attributes.userType === 'Guest')!;
    expect(guest.employeeNumber).toBeNull();
    expect(guest.attributes.employeeId).toBeNull();
    const synced = [...r.users.values()].find((u) => u.externalId !== null)!;
    expect(synced.attributes.onPremisesImmutableId).toBe(synced.externalId);

    // Groups once each (even the big one that spans pages), every membership.
    expect(new Map([...r.groups].map(([id, g]) => [id, g.displayName]))).toEqual(t.groups);
    expect([...r.groupYields.values()].every((n) => n === 1)).toBe(true);
    expect(r.members).toEqual(t.members);
    expect(r.removedUsers.size + r.removedGroups.size + r.removedMembers.size).toBe(0);

    // Paging: `Prefer: odata.maxpagesize=100` → 3 user pages; 600 memberships at 150 a page → ≥ 4 group pages.
    expect(deltaRequests(s.fake, 'users')).toHaveLength(3);
    expect(r.pages.filter((p) => p.phase === 'users').map((p) => p.users!.length)).toEqual([100, 100, 50]);
    expect(deltaRequests(s.fake, 'groups').length).toBeGreaterThanOrEqual(4);
    for (const p of r.pages.filter((x) => x.phase === 'groups')) expect(p.members!.length).toBeLessThanOrEqual(150);
  });

  it('yields each page as it arrives instead of reading the whole directory first', async () => {
    const s = await setup();
    const gen = start(s);
    const first = await gen.next();
    expect(first.done).toBe(false);
    expect((first.value as SyncPage).users).toHaveLength(100);
    expect(deltaRequests(s.fake, 'users')).toHaveLength(1);
    expect(deltaRequests(s.fake, 'groups')).toHaveLength(0);
    await gen.return({ mode: 'snapshot', cursor: null });
  });

  it('reports nested groups as Group members', async () => {
    const s = await setup();
    const [parent, child] = [s.dir.groupId(1), s.dir.groupId(2)];
    s.dir.addMember(parent, child);
    const r = await run(s);
    expect(r.members.has(`${parent}|${child}|Group`)).toBe(true);
  });
});

describe('Graph provider: delta rounds', () => {
  it('yield exactly the changes since the last round', async () => {
    const s = await setup();
    const first = await run(s);
    const d = s.dir;
    const enabledIds = [...first.users.values()].filter((u) => u.active).map((u) => u.id);
    const disabledId = [...first.users.values()].find((u) => !u.active)!.id;
    const [updated, toDisable, soft, hard] = enabledIds;
    const g = (i: number) => d.groupId(i);
    const memberOfG3 = d.memberRefId(d.membersOf(3)[0]!).id;
    const notInG4 = enabledIds.find((id) => !first.members.has(`${g(4)}|${id}|User`))!;
    const groupsOf = (id: string) => [...first.members].filter((m) => m.includes(`|${id}|`));

    const created = d.createUser({ displayName: 'Nadia New', jobTitle: 'Intern' });
    d.updateUser(updated!, { jobTitle: 'Chief Rollcaller', department: null });
    d.disable(toDisable!);
    d.enable(disabledId);
    d.softDelete(soft!);
    d.hardDelete(hard!);
    d.addMember(g(4), notInG4);
    d.removeMember(g(3), memberOfG3);
    d.renameGroup(g(5), 'Renamed Five');
    const newGroup = d.createGroup({ displayName: 'Brand New', description: 'made between rounds' });
    d.addMember(newGroup, created);
    d.deleteGroup(g(6));

    const r = await run(s, first.result.cursor);
    expect(r.result.mode).toBe('delta');
    expect(r.pages.every((p) => p.phase === 'changes')).toBe(true);

    expect([...r.users.keys()].sort()).toEqual([created, updated, toDisable, disabledId].sort());
    expect(r.users.get(created)).toMatchObject({ displayName: 'Nadia New', status: 'active', attributes: { jobTitle: 'Intern' } });
    // Default representation: the unchanged selected properties come along, so nothing is lost.
    const before = first.users.get(updated!)!;
    expect(r.users.get(updated!)!.attributes).toEqual({ ...before.attributes, jobTitle: 'Chief Rollcaller', department: null });
    expect(r.users.get(updated!)!.userName).toBe(before.userName);
    expect(r.users.get(toDisable!)).toMatchObject({ status: 'disabled', active: false });
    expect(r.users.get(disabledId)).toMatchObject({ status: 'active', active: true });
    expect(r.removedUsers).toEqual(new Set([soft, hard]));

    // Groups: the renamed and the new one carry their properties; the membership-only changes carry none.
    expect([...r.groups.keys()].sort()).toEqual([g(5), newGroup].sort());
    expect(r.groups.get(g(5))).toMatchObject({ displayName: 'Renamed Five', attributes: first.groups.get(g(5))!.attributes });
    expect(r.groups.get(newGroup)).toMatchObject({ displayName: 'Brand New', attributes: { description: 'made between rounds' } });
    expect(r.removedGroups).toEqual(new Set([g(6)]));

    expect(r.members).toEqual(new Set([`${g(4)}|${notInG4}|User`, `${newGroup}|${created}|User`]));
    // Removed: the one taken out, and every membership of the deleted users (Graph drops them).
    const expectedRemoved = new Set(
      [`${g(3)}|${memberOfG3}|User`, ...groupsOf(soft!), ...groupsOf(hard!)].filter((m) => !m.startsWith(g(6))),
    );
    expect(r.removedMembers).toEqual(expectedRemoved);

    // And a round with nothing changed yields nothing.
    const quiet = await run(s, r.result.cursor);
    expect(quiet.result.mode).toBe('delta');
    expect(quiet.users.size + quiet.removedUsers.size + quiet.groups.size + quiet.members.size + quiet.removedMembers.size).toBe(0);
  });

  it('a restored user comes back whole, with the memberships Graph restores', async () => {
    const s = await setup();
    const first = await run(s);
    const id = [...first.users.keys()][7]!;
    const memberships = [...first.members].filter((m) => m.includes(`|${id}|`));
    expect(memberships.length).toBeGreaterThan(0);
    s.dir.softDelete(id);
    const gone = await run(s, first.result.cursor);
    expect(gone.removedUsers).toEqual(new Set([id]));
    s.dir.restore(id);
    const back = await run(s, gone.result.cursor);
    expect(back.users.get(id)).toEqual(first.users.get(id));
    expect(back.members).toEqual(new Set(memberships));
  });

  it('membership changes of a large group span pages without yielding the group twice or blank', async () => {
    const s = await setup({ fake: { memberBudget: 40 } });
    const first = await run(s);
    const g0 = s.dir.groupId(0);
    const outsiders = [...first.users.keys()].filter((id) => !first.members.has(`${g0}|${id}|User`)).slice(0, 100);
    for (const id of outsiders) s.dir.addMember(g0, id);
    s.dir.renameGroup(g0, 'Everyone, renamed');
    const r = await run(s, first.result.cursor);
    expect(r.pages.length).toBeGreaterThanOrEqual(3);
    expect(r.groupYields.get(g0)).toBe(1);
    expect(r.groups.get(g0)!.displayName).toBe('Everyone, renamed');
    expect(r.members.size).toBe(100);
  });

  it('with full group objects on membership changes (the documented default) the group keeps its properties', async () => {
    const s = await setup({ fake: { fullGroupOnMemberChange: true } });
    const first = await run(s);
    const g3 = s.dir.groupId(3);
    s.dir.removeMember(g3, s.dir.memberRefId(s.dir.membersOf(3)[0]!).id);
    const r = await run(s, first.result.cursor);
    expect(r.groups.get(g3)).toEqual(first.groups.get(g3));
    expect(r.removedMembers.size).toBe(1);
  });
});

describe('Graph provider: resync', () => {
  it('410 Gone on a stored deltaLink turns the round into a snapshot', async () => {
    const s = await setup();
    const first = await run(s);
    s.fake.resetDeltaTokens();
    const victim = s.dir.userId(0);
    s.dir.hardDelete(victim);
    const r = await run(s, first.result.cursor);
    expect(r.result.mode).toBe('snapshot');
    expect(r.users.size).toBe(249);
    expect(r.users.has(victim)).toBe(false);
    expect(r.members).toEqual(truth(s.dir).members);
    // And the new deltaLinks work.
    expect((await run(s, r.result.cursor)).result.mode).toBe('delta');
  });

  it('410 on the groups deltaLink alone still makes the whole round a snapshot, before any delta page is yielded', async () => {
    const s = await setup();
    const first = await run(s);
    s.dir.updateUser(s.dir.userId(1), { jobTitle: 'changed' });
    s.fake.fail({
      match: /GET \/v1\.0\/groups\/delta/,
      status: 410,
      headers: { location: `${s.fake.url}/v1.0/groups/delta?$deltatoken=` },
      body: { error: { code: 'syncStateNotFound', message: 'The sync state is no longer valid.' } },
    });
    const r = await run(s, first.result.cursor);
    expect(r.result.mode).toBe('snapshot');
    expect(r.pages.some((p) => p.phase === 'changes')).toBe(false);
    expect(r.users.size).toBe(250);
    expect(r.users.get(s.dir.userId(1))!.attributes.jobTitle).toBe('changed');
  });

  it('400 syncStateNotFound (no 410) is read the same way', async () => {
    const s = await setup();
    const first = await run(s);
    s.fake.fail({ match: /users\/delta/, status: 400, body: { error: { code: 'syncStateNotFound', message: 'expired' } } });
    expect((await run(s, first.result.cursor)).result.mode).toBe('snapshot');
  });

  it('reads the resync signal from the error code (or inner code), not from words in the message', async () => {
    const s = await setup();
    const first = await run(s);
    s.fake.fail({ match: /users\/delta/, status: 400, body: { error: { code: 'BadRequest', innerError: { code: 'resyncRequired' } } } });
    expect((await run(s, first.result.cursor)).result.mode).toBe('snapshot');
    const second = await run(s);
    s.fake.fail({
      match: /users\/delta/,
      status: 400,
      body: { error: { code: 'BadRequest', message: 'a $select naming syncStateNotFound is not a property' } },
    });
    await expect(run(s, second.result.cursor)).rejects.toThrow(/BadRequest/);
  });

  it('a deltaLink past its lifetime at Graph (syncStateNotFound) → snapshot', async () => {
    let clock = Date.now();
    const s = await setup({ fake: { now: () => clock } });
    const first = await run(s);
    clock += 8 * 24 * 3600 * 1000;
    const r = await run(s, first.result.cursor);
    expect(r.result.mode).toBe('snapshot');
    expect(s.fake.server.log.some((l) => l.path.includes('$deltatoken='))).toBe(true);
  });

  it('a stored deltaLink older than 6 days is not even tried', async () => {
    const s = await setup();
    const first = await run(s);
    const later = new Date(Date.now() + 6.5 * 24 * 3600 * 1000);
    const before = s.fake.server.log.length;
    const r = await run(s, first.result.cursor, { now: () => later });
    expect(r.result.mode).toBe('snapshot');
    expect(s.fake.server.log.slice(before).some((l) => l.path.includes('$deltatoken='))).toBe(false);
  });

  it('ctx.full and an unreadable cursor also read everything', async () => {
    const s = await setup();
    const first = await run(s);
    expect((await run(s, first.result.cursor, { full: true })).result.mode).toBe('snapshot');
    expect((await run(s, { v: 99 })).result.mode).toBe('snapshot');
    expect((await run(s, 'garbage')).users.size).toBe(250);
  });

  it('the cursor holds both deltaLinks and when they were issued', async () => {
    const s = await setup();
    const { result } = await run(s);
    const c = result.cursor as { v: number; users: { deltaLink: string; at: string }; groups: { deltaLink: string; at: string } };
    expect(c.v).toBe(1);
    expect(c.users.deltaLink).toMatch(new RegExp(`^${s.fake.url}/v1\\.0/users/delta\\?\\$deltatoken=`));
    expect(c.groups.deltaLink).toMatch(new RegExp(`^${s.fake.url}/v1\\.0/groups/delta\\?\\$deltatoken=`));
    expect(Date.now() - Date.parse(c.users.at)).toBeLessThan(60_000);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('Graph dropping the state in the middle of a round is a clear error, and the old cursor still works', async () => {
    const s = await setup();
    const first = await run(s);
    for (let i = 0; i < 150; i++) s.dir.updateUser(s.dir.userId(i), { officeLocation: 'Moved' });
    const gen = start(s, first.result.cursor);
    expect((await gen.next()).value).toMatchObject({ phase: 'changes' });
    s.fake.resetDeltaTokens();
    await expect(gen.next()).rejects.toThrow(/Graph dropped the delta state in the middle of a round/);
  });
});

describe('Graph provider: throttling, failures and auth', () => {
  it('honours Retry-After on 429', async () => {
    const s = await setup({ seed: { users: 30, groups: 2, memberships: 10 } });
    s.fake.throttle({ times: 2, retryAfterS: 7, after: 1 });
    const r = await run(s);
    expect(r.users.size).toBe(30);
    expect(s.sleeps).toEqual([7000, 7000]);
  });

  it('retries 503, with or without Retry-After', async () => {
    const s = await setup({ seed: { users: 30, groups: 2, memberships: 10 } });
    s.fake.throttle({ status: 503, retryAfterS: null, match: /groups\/delta/ });
    s.fake.throttle({ status: 503, retryAfterS: 3, match: /users\/delta/ });
    const r = await run(s);
    expect(r.groups.size).toBe(2);
    expect(s.sleeps).toHaveLength(2);
    expect(s.sleeps[0]).toBe(3000);
    expect(s.sleeps[1]).toBeGreaterThan(0); // backoff
  });

  it('gives up on endless throttling with a clear error', async () => {
    const s = await setup({ seed: { users: 5, groups: 1, memberships: 1 } });
    s.fake.throttle({ times: 10, retryAfterS: 1 });
    await expect(run(s)).rejects.toThrow(/TooManyRequests: Too many requests\. \(gave up after 4 attempts\)/);
  });

  it('an expired token is refreshed once, mid-round', async () => {
    const s = await setup();
    const gen = start(s);
    await gen.next();
    expect(s.fake.tokensIssued).toBe(1);
    s.fake.expireTokens();
    let r = await gen.next();
    while (!r.done) r = await gen.next();
    expect(s.fake.tokensIssued).toBe(2);
    expect((r.value as SyncResult).mode).toBe('snapshot');
  });

  it('a token refused twice is an auth error naming Graph’s reason', async () => {
    const s = await setup();
    const body = { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } };
    s.fake.fail({ match: /users\/delta/, status: 401, times: 2, body });
    const err = await run(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryHttpError);
    expect(err).toMatchObject({ kind: 'auth', status: 401 });
    expect((err as Error).message).toMatch(/credentials rejected \(InvalidAuthenticationToken: Access token validation failure\.\)/);
    expect(s.fake.tokensIssued).toBe(2);
  });

  it('a wrong client secret fails clearly, without the secret in the message', async () => {
    const s = await setup({ secrets: { clientSecret: 'wrong-secret-value' } });
    const err = (await run(s).catch((e: unknown) => e)) as DirectoryHttpError;
    expect(err).toBeInstanceOf(DirectoryHttpError);
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/token request refused: .*invalid_client: AADSTS7000215: Invalid client secret provided/);
    expect(err.message).not.toContain('wrong-secret-value');
    expect(err.message).not.toMatch(/Trace ID/);
    await expect(s.provider.test(s.http, new AbortController().signal)).rejects.toThrow(/AADSTS7000215/);
  });

  it('a wrong tenant or client id fails clearly', async () => {
    const s1 = await setup({ config: { tenantId: 'nosuch.onmicrosoft.com' } });
    await expect(run(s1)).rejects.toThrow(/AADSTS90002: Tenant 'nosuch\.onmicrosoft\.com' not found/);
    const s2 = await setup({ config: { clientId: 'not-the-app' } });
    await expect(run(s2)).rejects.toThrow(/AADSTS700016/);
  });

  it('test() proves users and groups are readable', async () => {
    const s = await setup();
    await expect(s.provider.test(s.http, new AbortController().signal)).resolves.toMatch(
      new RegExp(`^Entra tenant ${s.fake.tenantId}: users and groups readable through ${s.fake.url}`),
    );
    expect(s.fake.server.log.map((l) => l.path)).toEqual([
      `/${s.fake.tenantId}/oauth2/v2.0/token`,
      '/v1.0/users?$top=1&$select=id',
      '/v1.0/groups?$top=1&$select=id',
    ]);
    s.fake.fail({
      match: /GET \/v1\.0\/groups$/,
      status: 403,
      body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } },
    });
    await expect(s.provider.test(s.http, new AbortController().signal)).rejects.toThrow(
      /permission denied \(Authorization_RequestDenied: Insufficient privileges/,
    );
  });
});

describe('Graph provider: malformed pages', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a body that is not JSON', '<html>proxy error</html>', /answered 200 with a body that is not JSON/],
    ['value not an array', { value: { id: 'x' }, '@odata.deltaLink': 'x' }, /malformed Graph page: "value" is not an array/],
    ['an object without id', { value: [{ displayName: 'x' }], '@odata.nextLink': 'x' }, /value\[0\] has no string id/],
    ['neither link', { value: [] }, /expected exactly one of @odata\.nextLink and @odata\.deltaLink/],
    [
      'members@delta not an array',
      { value: [{ id: 'g', displayName: 'G', 'members@delta': 5 }], '@odata.deltaLink': 'DELTA' },
      /members@delta of group g is not an array/,
    ],
  ];
  for (const [name, body, message] of cases) {
    it(`${name}: a clear error, and the bad page is not yielded`, async () => {
      const s = await setup();
      const patched = JSON.parse(
        JSON.stringify(body).replace('"DELTA"', JSON.stringify(`${s.fake.url}/v1.0/groups/delta?$deltatoken=x`)),
      ) as unknown;
      s.fake.fail({ match: /GET \/v1\.0\/(users|groups)\/delta/, after: 3, status: 200, body: typeof body === 'string' ? body : patched });
      const gen = start(s);
      const yielded: SyncPage[] = [];
      const err = await (async () => {
        for (;;) {
          const r = await gen.next();
          if (r.done) return null;
          yielded.push(r.value);
        }
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DirectoryHttpError);
      expect((err as DirectoryHttpError).kind).toBe('malformed');
      expect((err as Error).message).toMatch(message);
      expect(yielded).toHaveLength(3); // users pages 1–3; the 4th request (first groups page) was the bad one
    });
  }

  it('a paging link to another host is refused before the token is sent there', async () => {
    const s = await setup();
    s.fake.fail({
      match: /users\/delta/,
      status: 200,
      body: { value: [], '@odata.nextLink': 'https://attacker.example/v1.0/users/delta?$skiptoken=1' },
    });
    await expect(run(s)).rejects.toThrow(/a paging link to https:\/\/attacker\.example, not the configured Graph host/);
  });

  it('skips members that are neither users nor groups', async () => {
    const s = await setup({ seed: { users: 3, groups: 1, memberships: 0 } });
    const u = s.dir.userId(0);
    s.fake.fail({
      match: /groups\/delta/,
      status: 200,
      body: {
        value: [
          {
            id: 'g1',
            displayName: 'Mixed',
            'members@delta': [
              { '@odata.type': '#microsoft.graph.device', id: 'd1' },
              { '@odata.type': '#microsoft.graph.servicePrincipal', id: 'sp1' },
              { '@odata.type': '#microsoft.graph.user', id: u },
              { '@odata.type': '#microsoft.graph.orgContact', id: 'c1', '@removed': { reason: 'deleted' } },
            ],
          },
        ],
        '@odata.deltaLink': `${s.fake.url}/v1.0/groups/delta?$deltatoken=x`,
      },
    });
    const r = await run(s);
    expect(r.members).toEqual(new Set([`g1|${u}|User`]));
    expect(r.removedMembers.size).toBe(0);
  });

  it('a user object missing its required properties is re-read rather than yielded with blanks', async () => {
    const s = await setup({ seed: { users: 3, groups: 1, memberships: 0 } });
    const [a, b] = [s.dir.userId(0), s.dir.userId(1)];
    s.fake.fail({
      match: /users\/delta/,
      status: 200,
      body: { value: [{ id: a, jobTitle: 'only this' }, { id: b }], '@odata.deltaLink': `${s.fake.url}/v1.0/users/delta?$deltatoken=x` },
    });
    s.dir.softDelete(b); // gone by the time it is re-read: skipped
    const r = await run(s);
    expect([...r.users.keys()]).toEqual([a]);
    expect(r.users.get(a)!.userName).toBe(s.dir.user(0).userPrincipalName);
    expect(s.fake.server.log.some((l) => l.path.startsWith(`/v1.0/users/${a}?$select=`))).toBe(true);
  });
});

// Certificate credentials need an X.509 certificate; openssl makes a throwaway one.
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function makeCert(): { cert: string; key: string } {
  const d = mkdtempSync(join(tmpdir(), 'graph-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(d, 'k.pem'),
        '-out',
        join(d, 'c.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=rollcall-test',
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(d, 'c.pem'), 'utf8'), key: readFileSync(join(d, 'k.pem'), 'utf8') };
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

describe.skipIf(!hasOpenssl)('Graph provider: certificate credentials (skipped without openssl)', () => {
  it('signs a PS256 assertion the token endpoint accepts, by certificate or by thumbprint', async () => {
    const { cert, key } = makeCert();
    const s = await setup({
      seed: { users: 5, groups: 1, memberships: 2 },
      fake: { certificate: cert, clientSecret: null },
      config: { auth: 'certificate', certificate: cert },
      secrets: { privateKey: key },
    });
    expect((await run(s)).users.size).toBe(5);

    const der = Buffer.from(cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const sha256hex = createHash('sha256').update(der).digest('hex');
    const sha1hex = createHash('sha1').update(der).digest('hex');
    for (const certificateThumbprint of [sha256hex, sha1hex.toUpperCase().match(/../g)!.join(':')]) {
      const byThumb = await setup({
        seed: { users: 5, groups: 1, memberships: 2 },
        fake: { certificate: cert, clientSecret: null },
        config: { auth: 'certificate', certificateThumbprint },
        secrets: { privateKey: key },
      });
      expect((await run(byThumb)).users.size).toBe(5);
    }
  });

  it('an assertion signed with another key is refused clearly', async () => {
    const { cert } = makeCert();
    const other = makeCert();
    const s = await setup({
      seed: { users: 5, groups: 1, memberships: 2 },
      fake: { certificate: cert },
      config: { auth: 'certificate', certificate: cert },
      secrets: { privateKey: other.key },
    });
    await expect(run(s)).rejects.toThrow(/invalid_client: AADSTS700027: Client assertion failed signature validation/);
  });
});
