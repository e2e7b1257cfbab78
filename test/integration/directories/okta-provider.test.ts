import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryHttpError, HttpClient, type RetryWait } from '../../../src/main/directories/http';
import { createOktaProvider, parseOktaConfig, type OktaConfigInput, type OktaSecrets } from '../../../src/main/directories/providers/okta';
import type { DirUser, DirectoryProvider, SyncPage, SyncResult } from '../../../src/main/directories/types';
import { startFakeOkta, type FakeOkta, type FakeOktaOptions, type OktaStatus } from '../../fakes/okta';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const fakes: FakeOkta[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

interface Harness {
  fake: FakeOkta;
  provider: DirectoryProvider;
  http: HttpClient;
  waits: RetryWait[];
  now: () => number;
  advance: (ms: number) => void;
  run: (cursor?: unknown, full?: boolean) => Promise<{ pages: SyncPage[]; result: SyncResult }>;
}

async function harness(
  o: { fake?: FakeOktaOptions; config?: Partial<OktaConfigInput>; secrets?: OktaSecrets; retries?: number } = {},
): Promise<Harness> {
  let t = T0;
  const now = () => t;
  const advance = (ms: number) => {
    t += ms;
  };
  const fake = await startFakeOkta({ now, ...o.fake });
  fakes.push(fake);
  const { provider, auth, httpOptions } = createOktaProvider(
    { baseUrl: fake.url, auth: 'ssws', ...o.config } as OktaConfigInput,
    o.secrets ?? { apiToken: fake.apiToken! },
    { now },
  );
  const waits: RetryWait[] = [];
  // The sleep seam: nothing really waits, the org's clock moves instead.
  const http = new HttpClient({
    auth,
    ...httpOptions,
    now,
    random: () => 0.5,
    retries: o.retries ?? 6,
    onWait: (w) => waits.push(w),
    sleep: async (ms) => advance(ms),
  });
  const run = async (cursor: unknown = null, full = false) => {
    const gen = provider.sync({ cursor, full, http, signal: new AbortController().signal, now: () => new Date(t) });
    const pages: SyncPage[] = [];
    let r = await gen.next();
    while (!r.done) {
      pages.push(r.value);
      r = await gen.next();
    }
    return { pages, result: r.value };
  };
  return { fake, provider, http, waits, now, advance, run };
}

/** Pages yielded before the generator threw, and what it threw. */
async function runUntilError(h: Harness, cursor: unknown = null): Promise<{ pages: SyncPage[]; error: unknown }> {
  const gen = h.provider.sync({ cursor, full: false, http: h.http, signal: new AbortController().signal, now: () => new Date(h.now()) });
  const pages: SyncPage[] = [];
  try {
    for (let r = await gen.next(); !r.done; r = await gen.next()) pages.push(r.value);
  } catch (error) {
    return { pages, error };
  }
  throw new Error('the sync did not fail');
}

const allUsers = (pages: SyncPage[]) => pages.flatMap((p) => p.users ?? []);
const byId = (users: DirUser[]) => new Map(users.map((u) => [u.id, u]));
const requests = (fake: FakeOkta, re: RegExp) => fake.server.log.filter((l) => re.test(`${l.method} ${l.path}`));

describe('Okta provider: full round', () => {
  it('lists every user across many Link pages, DEPROVISIONED ones included, then groups and members', async () => {
    const h = await harness({ config: { usersPageSize: 4, groupsPageSize: 2, membersPageSize: 3 } });
    const statusOf = (i: number): OktaStatus => (['ACTIVE', 'ACTIVE', 'DEPROVISIONED', 'SUSPENDED', 'STAGED'] as const)[i % 5]!;
    const { userIds, groupIds } = h.fake.seed({ users: 23, groups: 5, memberships: 40, statusOf });
    const { pages, result } = await h.run();

    expect(result.mode).toBe('snapshot');
    const users = allUsers(pages);
    expect(users.map((u) => u.id).sort()).toEqual([...userIds].sort()); // each exactly once
    expect(users.filter((u) => u.status === 'disabled')).toHaveLength(userIds.filter((_, i) => statusOf(i) === 'DEPROVISIONED').length);
    // Pages are yielded as they come, never more than the page size.
    const userPages = pages.filter((p) => p.phase === 'users');
    expect(userPages.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...userPages.map((p) => p.users!.length))).toBeLessThanOrEqual(4);
    // The plain listing, then the DEPROVISIONED filter, each followed by its `after` links.
    const userReqs = requests(h.fake, /^GET \/api\/v1\/users\?/).map((l) => decodeURIComponent(l.path));
    expect(userReqs.some((p) => p.includes('after=') && !p.includes('filter'))).toBe(true);
    expect(userReqs.some((p) => p.includes('filter=status eq "DEPROVISIONED"'))).toBe(true);

    expect(pages.flatMap((p) => p.groups ?? []).map((g) => g.id)).toEqual(groupIds);
    const members = pages.flatMap((p) => p.members ?? []);
    expect(members).toHaveLength(40);
    for (const gid of groupIds)
      expect(
        members
          .filter((m) => m.groupId === gid)
          .map((m) => m.memberId)
          .sort(),
      ).toEqual(h.fake.members(gid));
    expect(members.every((m) => m.memberType === 'User')).toBe(true);
    expect(pages.filter((p) => p.phase === 'members').every((p) => p.members!.length <= 3)).toBe(true);
    // The phases come in order: users, groups, members (and the log catch-up, empty here).
    const order = pages.map((p) => p.phase).filter((ph, i, a) => ph !== a[i - 1]);
    expect(order).toEqual(['users', 'groups', 'members', 'changes'].slice(0, order.length));
  });

  it('maps every Okta status, keeps profile + status as attributes and lastLogin apart', async () => {
    const h = await harness();
    const statuses: OktaStatus[] = [
      'ACTIVE',
      'STAGED',
      'PROVISIONED',
      'RECOVERY',
      'PASSWORD_EXPIRED',
      'LOCKED_OUT',
      'SUSPENDED',
      'DEPROVISIONED',
    ];
    const { userIds } = h.fake.seed({
      users: statuses.map((status, i) => ({
        status,
        lastLogin: i === 0 ? T0 - 3_600_000 : null,
        profile: {
          login: `${status.toLowerCase()}@example.com`,
          email: `${status.toLowerCase()}@example.com`,
          firstName: 'Pat',
          lastName: status,
          employeeNumber: String(100 + i),
          ...(i === 0 ? { displayName: 'Pat Active', externalId: 'AD-1' } : {}),
        },
      })),
    });
    const users = byId(allUsers((await h.run()).pages));
    const expected: Record<OktaStatus, [DirUser['status'], boolean]> = {
      ACTIVE: ['active', true],
      STAGED: ['staged', true],
      PROVISIONED: ['staged', true],
      RECOVERY: ['locked', true],
      PASSWORD_EXPIRED: ['locked', true],
      LOCKED_OUT: ['locked', true],
      SUSPENDED: ['suspended', false],
      DEPROVISIONED: ['disabled', false],
    };
    statuses.forEach((s, i) => {
      const u = users.get(userIds[i]!)!;
      expect([u.status, u.active], s).toEqual(expected[s]);
      expect(u.attributes.oktaStatus).toBe(s);
    });
    const active = users.get(userIds[0]!)!;
    expect(active).toMatchObject({
      userName: 'active@example.com',
      email: 'active@example.com',
      displayName: 'Pat Active',
      employeeNumber: '100',
      externalId: 'AD-1',
      lastSignInAt: new Date(T0 - 3_600_000).toISOString(),
    });
    expect(users.get(userIds[1]!)!.displayName).toBe('Pat STAGED');
    for (const volatile of ['lastLogin', 'lastUpdated', 'statusChanged', 'passwordChanged', '_links', 'created', 'credentials'])
      expect(active.attributes).not.toHaveProperty(volatile);
    expect(active.attributes).toMatchObject({ login: 'active@example.com', firstName: 'Pat', employeeNumber: '100' });
  });

  it('an unchanged directory read twice yields identical users and groups (only sign-in times moved)', async () => {
    const h = await harness({ config: { usersPageSize: 7 } });
    const { userIds } = h.fake.seed({ users: 30, groups: 3, memberships: 12 });
    const first = await h.run();
    h.advance(60_000);
    h.fake.signIn(userIds[0]!); // lastLogin moves, a user.session.start is logged: not a change
    const second = await h.run(null, true);
    const strip = (pages: SyncPage[]) =>
      pages.flatMap((p) => [...(p.users ?? []), ...(p.groups ?? [])]).map((o) => ({ ...o, lastSignInAt: null }));
    expect(strip(second.pages)).toEqual(strip(first.pages));
    expect(second.pages.some((p) => p.phase === 'changes')).toBe(false);
  });
});

describe('Okta provider: incremental rounds from the System Log', () => {
  it('turns creates, updates, suspensions, deletions and membership changes into changes with actor and time', async () => {
    const h = await harness();
    const { userIds, groupIds } = h.fake.seed({ users: 6, groups: 2 });
    const [ana, ben, cat, dan] = userIds as [string, string, string, string];
    const [eng, ops] = groupIds as [string, string];
    h.fake.seed({ memberships: [[eng, ana]] });
    const full = await h.run();
    expect(full.result.mode).toBe('snapshot');

    h.advance(10 * 60_000);
    const t1 = h.now();
    const newbie = h.fake.createUser(
      { login: 'newbie@example.com', email: 'newbie@example.com', firstName: 'New', lastName: 'Bie' },
      { actor: 'hr-bot@example.com' },
    );
    h.advance(1000);
    h.fake.updateProfile(ben, { title: 'Staff Engineer' }, { actor: 'alice@example.com' });
    h.advance(1000);
    h.fake.suspend(cat, { actor: 'alice@example.com' });
    h.advance(1000);
    h.fake.deleteUser(dan, { actor: 'bob@example.com' });
    h.advance(1000);
    h.fake.addMember(ops, newbie, { actor: 'alice@example.com' });
    h.fake.removeMember(eng, ana, { actor: 'bob@example.com' });
    h.fake.signIn(ana); // noise the provider ignores
    h.advance(1000);
    const tEnd = h.now();

    const inc = await h.run(full.result.cursor);
    expect(inc.result.mode).toBe('delta');
    expect(inc.pages.every((p) => p.phase === 'changes')).toBe(true);
    const users = byId(allUsers(inc.pages));
    expect([...users.keys()].sort()).toEqual([newbie, ben, cat].sort());
    expect(users.get(newbie)).toMatchObject({
      userName: 'newbie@example.com',
      status: 'active',
      actor: 'hr-bot@example.com',
      occurredAt: new Date(t1).toISOString(),
    });
    expect(users.get(ben)).toMatchObject({ actor: 'alice@example.com', occurredAt: new Date(t1 + 1000).toISOString() });
    expect(users.get(ben)!.attributes.title).toBe('Staff Engineer');
    expect(users.get(cat)).toMatchObject({ status: 'suspended', active: false, actor: 'alice@example.com' });
    const removed = inc.pages.flatMap((p) => p.removedUsers ?? []);
    expect(removed).toEqual([{ id: dan, actor: 'bob@example.com', occurredAt: new Date(t1 + 3000).toISOString() }]);
    expect(inc.pages.flatMap((p) => p.members ?? [])).toEqual([
      {
        groupId: ops,
        memberId: newbie,
        memberType: 'User',
        actor: 'alice@example.com',
        occurredAt: new Date(t1 + 3000 + 1000).toISOString(),
      },
    ]);
    expect(inc.pages.flatMap((p) => p.removedMembers ?? [])).toEqual([
      { groupId: eng, memberId: ana, memberType: 'User', actor: 'bob@example.com', occurredAt: new Date(tEnd - 1000).toISOString() },
    ]);
    // Users are yielded before the memberships that name them.
    const firstMemberPage = inc.pages.findIndex((p) => p.members);
    expect(inc.pages.findIndex((p) => p.users?.some((u) => u.id === newbie))).toBeLessThan(firstMemberPage);

    // Nothing new: one empty log page, nothing yielded, the log position kept.
    const before = h.fake.server.log.length;
    const again = await h.run(inc.result.cursor);
    expect(again.pages).toEqual([]);
    expect(again.result.mode).toBe('delta');
    expect(h.fake.server.log.slice(before).map((l) => l.path.split('?')[0])).toEqual(['/api/v1/logs']);
  });

  it('reads the log from the stored next link (never re-reading old events) and follows it until a page is empty', async () => {
    const h = await harness({ config: { logsPageSize: 2 } });
    h.fake.seed({ users: 3 });
    let cursor = (await h.run()).result.cursor;
    h.advance(60_000);
    const ids = [1, 2, 3, 4, 5].map((i) => h.fake.createUser({ login: `n${i}@example.com` }, { status: 'STAGED' }));
    const r1 = await h.run(cursor);
    expect(allUsers(r1.pages).map((u) => u.id)).toEqual(ids);
    const logReqs = requests(h.fake, /^GET \/api\/v1\/logs/);
    expect(logReqs.length).toBeGreaterThanOrEqual(4); // 5 events, 2 a page, then an empty page
    cursor = r1.result.cursor;
    expect((cursor as { log: string }).log).toContain('after=');

    h.advance(60_000);
    h.fake.activate(ids[4]!, { actor: 'alice@example.com' });
    const r2 = await h.run(cursor);
    expect(allUsers(r2.pages)).toHaveLength(1);
    expect(allUsers(r2.pages)[0]).toMatchObject({ id: ids[4], status: 'active', actor: 'alice@example.com' });
  });

  it('fetches a user touched many times in one round once, with the latest attribution', async () => {
    const h = await harness();
    const { userIds } = h.fake.seed({ users: 2 });
    const cursor = (await h.run()).result.cursor;
    const id = userIds[0]!;
    for (let i = 0; i < 5; i++) {
      h.advance(1000);
      h.fake.updateProfile(id, { title: `T${i}` }, { actor: `admin${i}@example.com` });
    }
    const before = h.fake.server.log.length;
    const { pages } = await h.run(cursor);
    expect(allUsers(pages)).toHaveLength(1);
    expect(allUsers(pages)[0]).toMatchObject({ actor: 'admin4@example.com', occurredAt: new Date(h.now()).toISOString() });
    expect(allUsers(pages)[0]!.attributes.title).toBe('T4');
    expect(h.fake.server.log.slice(before).filter((l) => l.path.startsWith(`/api/v1/users/${id}`))).toHaveLength(1);
  });

  it('drops an add for a user deleted later in the same round, and the last of add/remove wins', async () => {
    const h = await harness();
    const { userIds, groupIds } = h.fake.seed({ users: 3, groups: 1 });
    const cursor = (await h.run()).result.cursor;
    const [a, b] = userIds as [string, string];
    const g = groupIds[0]!;
    h.fake.addMember(g, a);
    h.fake.deleteUser(a);
    h.fake.addMember(g, b);
    h.fake.removeMember(g, b);
    h.fake.addMember(g, b);
    const { pages } = await h.run(cursor);
    expect(pages.flatMap((p) => p.removedUsers ?? []).map((r) => r.id)).toEqual([a]);
    expect(pages.flatMap((p) => p.members ?? []).map((m) => m.memberId)).toEqual([b]);
    expect(pages.flatMap((p) => p.removedMembers ?? [])).toEqual([]);
  });

  it('group create, rename and delete become group changes; a failed event is ignored', async () => {
    const h = await harness();
    const { groupIds } = h.fake.seed({ users: 1, groups: 2 });
    const cursor = (await h.run()).result.cursor;
    h.advance(1000);
    const sales = h.fake.createGroup({ name: 'Sales', description: 'Sellers' }, { actor: 'alice@example.com' });
    h.fake.updateGroup(groupIds[0]!, { name: 'Engineering' }, { actor: 'bob@example.com' });
    h.fake.deleteGroup(groupIds[1]!, { actor: 'carol@example.com' });
    h.fake.appendEvent({
      eventType: 'user.lifecycle.suspend',
      outcome: { result: 'FAILURE', reason: 'nope' },
      target: [{ id: '00unobody', type: 'User' }],
    });
    const { pages } = await h.run(cursor);
    const groups = pages.flatMap((p) => p.groups ?? []);
    expect(groups.map((g) => [g.id, g.displayName, g.actor])).toEqual([
      [sales, 'Sales', 'alice@example.com'],
      [groupIds[0], 'Engineering', 'bob@example.com'],
    ]);
    expect(groups[0]!.attributes).toEqual({ name: 'Sales', description: 'Sellers', type: 'OKTA_GROUP', objectClass: ['okta:user_group'] });
    expect(pages.flatMap((p) => p.removedGroups ?? [])).toEqual([
      { id: groupIds[1], actor: 'carol@example.com', occurredAt: new Date(h.now()).toISOString() },
    ]);
    expect(allUsers(pages)).toEqual([]);
    expect(requests(h.fake, /\/api\/v1\/users\/00unobody/)).toHaveLength(0);
  });

  it('runs a full reconcile again once fullSyncEveryHours have passed, or when asked', async () => {
    const h = await harness({ config: { fullSyncEveryHours: 6 } });
    h.fake.seed({ users: 3 });
    const first = await h.run();
    h.advance(5 * 3_600_000);
    const inc = await h.run(first.result.cursor);
    expect(inc.result.mode).toBe('delta');
    expect((inc.result.cursor as { lastFullSyncAt: string }).lastFullSyncAt).toBe(new Date(T0).toISOString());
    expect((await h.run(inc.result.cursor, true)).result.mode).toBe('snapshot');
    h.advance(6 * 3_600_000);
    const due = await h.run(inc.result.cursor);
    expect(due.result.mode).toBe('snapshot');
    expect(allUsers(due.pages)).toHaveLength(3);
    expect((due.result.cursor as { lastFullSyncAt: string }).lastFullSyncAt).toBe(new Date(h.now()).toISOString());
    // A cursor it cannot read (another version, another org) also means a full round.
    expect((await h.run({ v: 99 })).result.mode).toBe('snapshot');
  });

  it('a change made while the full round is listing is read back from the log before the round ends', async () => {
    const h = await harness({ config: { usersPageSize: 2 } });
    const { userIds } = h.fake.seed({ users: 6 });
    // Suspend the first user right after its page has been yielded.
    let suspended = false;
    const gen = h.provider.sync({
      cursor: null,
      full: false,
      http: h.http,
      signal: new AbortController().signal,
      now: () => new Date(h.now()),
    });
    const pages: SyncPage[] = [];
    let r = await gen.next();
    while (!r.done) {
      pages.push(r.value);
      if (!suspended) {
        h.fake.suspend(userIds[0]!, { actor: 'alice@example.com' });
        suspended = true;
      }
      r = await gen.next();
    }
    expect(r.value.mode).toBe('snapshot');
    const last = allUsers(pages).filter((u) => u.id === userIds[0]);
    expect(last.map((u) => u.status)).toEqual(['active', 'suspended']);
    expect(last[1]).toMatchObject({ actor: 'alice@example.com' });
  });
});

describe('Okta provider: rate limits, retries and failures', () => {
  it('waits for X-Rate-Limit-Reset on a real 429 E0000047, then carries on', async () => {
    const h = await harness({ config: { usersPageSize: 3 } });
    h.fake.seed({ users: 10 });
    h.advance(30_000); // half-way through the org's one-minute window
    h.fake.drainQuota('users');
    const { pages } = await h.run();
    expect(allUsers(pages)).toHaveLength(10);
    const w = h.waits.find((x) => x.status === 429)!;
    expect(w).toBeDefined();
    expect(w.reason).toContain('E0000047');
    // Reset is the end of the 60-second window, judged by the org's Date header, plus one second.
    const nowS = Math.floor(T0 / 1000) + 30;
    const reset = nowS - (nowS % 60) + 60;
    expect(w.delayMs).toBe(reset * 1000 - nowS * 1000 + 1000);
    expect(w.delayMs).toBe(31_000);
    expect(requests(h.fake, /^GET \/api\/v1\/users\?/).length).toBeGreaterThan(4);
  });

  it('waits before the next request when X-Rate-Limit-Remaining reaches 0, without provoking a 429', async () => {
    const h = await harness({ config: { usersPageSize: 2 }, fake: { rateLimit: { buckets: { users: 2 } } } });
    h.fake.seed({ users: 7 });
    const { pages } = await h.run();
    expect(allUsers(pages)).toHaveLength(7);
    expect(h.waits.length).toBeGreaterThan(0);
    expect(h.waits.every((w) => w.status === null && w.reason === 'rate limit quota spent')).toBe(true);
    expect(h.waits[0]!.delayMs).toBeGreaterThan(1000);
  });

  it('retries 5xx answers and still yields each user once', async () => {
    const h = await harness({ config: { usersPageSize: 2 } });
    const { userIds } = h.fake.seed({ users: 7 });
    h.fake.server.fail({
      match: /^GET \/api\/v1\/users$/,
      after: 1,
      times: 2,
      status: 503,
      body: { errorCode: 'E0000010', errorSummary: 'Service is in read only mode' },
    });
    h.fake.server.fail({
      match: /^GET \/api\/v1\/groups$/,
      status: 500,
      body: { errorCode: 'E0000009', errorSummary: 'Internal Server Error' },
    });
    const { pages } = await h.run();
    expect(
      allUsers(pages)
        .map((u) => u.id)
        .sort(),
    ).toEqual([...userIds].sort());
    expect(h.waits.filter((w) => w.status === 503)).toHaveLength(2);
    expect(h.waits.find((w) => w.status === 503)!.reason).toContain('Service is in read only mode (E0000010)');
    expect(h.waits.filter((w) => w.status === 500)).toHaveLength(1);
  });

  it('a revoked API token fails with a clear auth error that does not carry the token', async () => {
    const h = await harness();
    h.fake.seed({ users: 1 });
    h.fake.revokeApiToken();
    const { pages, error } = await runUntilError(h);
    expect(pages).toEqual([]);
    expect(error).toBeInstanceOf(DirectoryHttpError);
    expect((error as DirectoryHttpError).kind).toBe('auth');
    expect((error as Error).message).toMatch(/credentials rejected \(Invalid token provided \(E0000011\)\)/);
    expect((error as Error).message).not.toContain('fake-okta-api-token');
    await expect(h.provider.test(h.http, new AbortController().signal)).rejects.toThrow(/E0000011/);
  });

  it('a page that is not JSON stops the round with a clear error and nothing after it', async () => {
    const h = await harness({ config: { usersPageSize: 2 } });
    h.fake.seed({ users: 6 });
    h.fake.server.fail({ match: /^GET \/api\/v1\/users$/, after: 1, status: 200, body: '<html>Service Unavailable</html>' });
    const { pages, error } = await runUntilError(h);
    expect(pages).toHaveLength(1);
    expect(allUsers(pages)).toHaveLength(2);
    expect((error as DirectoryHttpError).kind).toBe('malformed');
    expect((error as Error).message).toMatch(/api\/v1\/users\?.*answered 200 with a body that is not JSON/);
  });

  it('a page of the wrong shape stops the round before any of it is yielded', async () => {
    const h = await harness({ config: { usersPageSize: 2 } });
    h.fake.seed({ users: 6 });
    const good = h.fake.user(h.fake.seed({ users: 1 }).userIds[0]!)!;
    h.fake.server.fail({
      match: /^GET \/api\/v1\/users$/,
      after: 1,
      status: 200,
      body: [good, { id: '00ubroken', profile: { login: 'x@example.com' } }],
    });
    const first = await runUntilError(h);
    expect(first.pages).toHaveLength(1);
    expect((first.error as Error).message).toMatch(/item 1 \(00ubroken\) has no status/);
    expect(allUsers(first.pages).map((u) => u.id)).not.toContain(good.id);

    h.fake.server.fail({ match: /^GET \/api\/v1\/groups$/, status: 200, body: { groups: [] } });
    const second = await runUntilError(h);
    expect((second.error as Error).message).toMatch(/expected a JSON array of groups, got object/);
    expect(second.pages.every((p) => p.phase === 'users')).toBe(true);
  });

  it('a broken System Log page fails an incremental round before anything is yielded', async () => {
    const h = await harness();
    h.fake.seed({ users: 2 });
    const cursor = (await h.run()).result.cursor;
    h.fake.createUser({ login: 'x@example.com' });
    h.fake.server.fail({ match: /^GET \/api\/v1\/logs$/, status: 200, body: [{ uuid: 'u1', eventType: 'user.lifecycle.create' }] });
    const { pages, error } = await runUntilError(h, cursor);
    expect(pages).toEqual([]);
    expect((error as Error).message).toMatch(/item 0 is not a System Log event \(needs uuid, eventType and published\)/);
  });

  it('an interrupted incremental round run again from the same cursor yields the same changes', async () => {
    const h = await harness({ retries: 1 });
    const { userIds } = h.fake.seed({ users: 3 });
    const cursor = (await h.run()).result.cursor;
    h.fake.suspend(userIds[0]!, { actor: 'alice@example.com' });
    h.fake.updateProfile(userIds[1]!, { title: 'Boss' }, { actor: 'alice@example.com' });
    h.fake.server.fail({ match: /^GET \/api\/v1\/users\/[^/]+$/, status: 500, times: 5 });
    const broken = await runUntilError(h, cursor);
    expect((broken.error as DirectoryHttpError).kind).toBe('server');
    h.fake.server.clearFaults();
    const retry = await h.run(cursor);
    expect(
      allUsers(retry.pages)
        .map((u) => [u.id, u.status])
        .sort(),
    ).toEqual([
      [userIds[0], 'suspended'],
      [userIds[1], 'active'],
    ]);
  });

  it('falls back to a full round when Okta refuses the stored log position', async () => {
    const h = await harness();
    h.fake.seed({ users: 4 });
    const cursor = (await h.run()).result.cursor;
    h.fake.server.fail({
      match: /^GET \/api\/v1\/logs$/,
      status: 400,
      body: { errorCode: 'E0000053', errorSummary: 'Invalid SCIM filter.' },
    });
    const { pages, result } = await h.run(cursor);
    expect(result.mode).toBe('snapshot');
    expect(allUsers(pages)).toHaveLength(4);
  });

  it('refuses to follow a next link to another host', async () => {
    const h = await harness({ config: { usersPageSize: 2 } });
    const { userIds } = h.fake.seed({ users: 4 });
    h.fake.server.fail({
      match: /^GET \/api\/v1\/users$/,
      status: 200,
      headers: { link: '<https://evil.example.com/api/v1/users?after=x>; rel="next"' },
      body: [h.fake.user(userIds[0]!)],
    });
    const { error } = await runUntilError(h);
    expect((error as Error).message).toMatch(/next link leads to another host \(evil\.example\.com\)/);
    expect(requests(h.fake, /evil/)).toHaveLength(0);
  });

  it('test() makes cheap authenticated calls and says what it reached', async () => {
    const h = await harness();
    h.fake.seed({ users: 2 });
    const line = await h.provider.test(h.http, new AbortController().signal);
    expect(line).toMatch(/^Okta 127\.0\.0\.1:\d+: users and System Log readable \(API token\)$/);
    expect(requests(h.fake, /^GET \/api\/v1\/users\?limit=1$/)).toHaveLength(1);
  });
});

describe('Okta provider: OAuth 2.0 service app (private_key_jwt)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const oauthFake = (extra: Partial<NonNullable<FakeOktaOptions['oauth']>> = {}) => ({
    apiToken: null,
    oauth: { clientId: '0oaservice123', publicKey, keyId: 'key-1', ...extra },
  });

  it('mints a token with a signed assertion, reuses it, and refreshes it once when it expires', async () => {
    const h = await harness({
      fake: oauthFake(),
      config: { auth: 'oauth', clientId: '0oaservice123', keyId: 'key-1', usersPageSize: 2 },
      secrets: { privateKey: pem },
    });
    const { userIds } = h.fake.seed({ users: 5, groups: 1, memberships: 3 });
    const first = await h.run();
    expect(allUsers(first.pages)).toHaveLength(5);
    expect(h.fake.tokensIssued).toBe(1);
    expect(h.fake.server.log.filter((l) => l.path.startsWith('/api/')).every((l) => l.authorized)).toBe(true);

    h.fake.expireTokens();
    h.fake.updateProfile(userIds[0]!, { title: 'CTO' });
    const inc = await h.run(first.result.cursor);
    expect(allUsers(inc.pages).map((u) => u.attributes.title)).toEqual(['CTO']);
    expect(h.fake.tokensIssued).toBe(2);

    // The token's own lifetime also counts: an hour later the cached token is replaced before use.
    h.advance(3600_000);
    await h.run(inc.result.cursor);
    expect(h.fake.tokensIssued).toBe(3);
  });

  it('accepts the key as a JWK and takes its kid', async () => {
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'key-1' };
    const h = await harness({
      fake: oauthFake(),
      config: { auth: 'oauth', clientId: '0oaservice123' },
      secrets: { privateKey: JSON.stringify(jwk) },
    });
    h.fake.seed({ users: 1 });
    expect(await h.provider.test(h.http, new AbortController().signal)).toMatch(/OAuth service app 0oaservice123/);
  });

  it('a deactivated service app fails with a clear auth error after one refresh attempt', async () => {
    const h = await harness({ fake: oauthFake(), config: { auth: 'oauth', clientId: '0oaservice123' }, secrets: { privateKey: pem } });
    h.fake.seed({ users: 2 });
    const cursor = (await h.run()).result.cursor;
    h.fake.revokeClient();
    const { error } = await runUntilError(h, cursor);
    expect((error as DirectoryHttpError).kind).toBe('auth');
    expect((error as Error).message).toMatch(/token request refused: .*invalid_client: The client is not active/);
    expect(h.fake.tokensIssued).toBe(1);
    const tokenCalls = requests(h.fake, /^POST \/oauth2\/v1\/token/);
    expect(tokenCalls).toHaveLength(2); // the first mint, then one refresh after the 401
  });

  it('a key the app does not know, or a wrong client id, is refused clearly', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const h = await harness({ fake: oauthFake(), config: { auth: 'oauth', clientId: '0oaservice123' }, secrets: { privateKey: other } });
    await expect(h.provider.test(h.http, new AbortController().signal)).rejects.toThrow(
      /token request refused: .*client_assertion signature is invalid/,
    );
    const h2 = await harness({ fake: oauthFake(), config: { auth: 'oauth', clientId: '0oaother' }, secrets: { privateKey: pem } });
    await expect(h2.provider.test(h2.http, new AbortController().signal)).rejects.toThrow(/iss and sub equal to the client_id/);
  });

  it('a scope the app was not granted is refused at the token endpoint; a missing one at the API', async () => {
    const h = await harness({
      fake: oauthFake({ grantedScopes: ['okta.users.read', 'okta.groups.read'] }),
      config: { auth: 'oauth', clientId: '0oaservice123' },
      secrets: { privateKey: pem },
    });
    await expect(h.provider.test(h.http, new AbortController().signal)).rejects.toThrow(
      /invalid_scope: The following scopes were not granted: okta\.logs\.read/,
    );
    const h2 = await harness({
      fake: oauthFake(),
      config: { auth: 'oauth', clientId: '0oaservice123', scopes: 'okta.users.read okta.groups.read' },
      secrets: { privateKey: pem },
    });
    await expect(h2.provider.test(h2.http, new AbortController().signal)).rejects.toThrow(
      /users readable, but the System Log is not: .*permission denied .*E0000006.*okta\.logs\.read/,
    );
  });
});

describe('Okta provider: members of several groups at once', () => {
  const memberRequests = (fake: FakeOkta) => requests(fake, /^GET \/api\/v1\/groups\/[^/]+\/users\?/);

  it('lists at most membersConcurrency groups at once; each page holds one group, each group in its own order', async () => {
    const h = await harness({ fake: { latencyMs: 3 }, config: { membersPageSize: 3, membersConcurrency: 3 } });
    const { groupIds } = h.fake.seed({ users: 30, groups: 10, memberships: 90 });
    const { pages } = await h.run();
    const memberPages = pages.filter((p) => p.phase === 'members');
    for (const p of memberPages) expect(new Set(p.members!.map((m) => m.groupId)).size).toBe(1);
    for (const gid of groupIds)
      expect(
        memberPages
          .flatMap((p) => p.members!)
          .filter((m) => m.groupId === gid)
          .map((m) => m.memberId),
      ).toEqual(h.fake.members(gid));
    expect(memberPages.flatMap((p) => p.members!)).toHaveLength(90);
    expect(h.fake.maxMembersInFlight).toBeGreaterThan(1);
    expect(h.fake.maxMembersInFlight).toBeLessThanOrEqual(3);
    // Groups are listed in full before any member.
    const phases = pages.map((p) => p.phase);
    expect(phases.lastIndexOf('groups')).toBeLessThan(phases.indexOf('members'));
  });

  it('skips a group deleted between the groups listing and its members (404) and lists the others', async () => {
    const h = await harness({ fake: { latencyMs: 2 }, config: { membersConcurrency: 4 } });
    const { groupIds } = h.fake.seed({ users: 30, groups: 8, memberships: 80 });
    h.fake.server.fail({
      match: new RegExp(`^GET /api/v1/groups/${groupIds[3]}/users$`),
      status: 404,
      body: { errorCode: 'E0000007', errorSummary: `Not found: Resource not found: ${groupIds[3]} (UserGroup)` },
    });
    const { pages } = await h.run();
    const members = pages.flatMap((p) => p.members ?? []);
    expect(members.some((m) => m.groupId === groupIds[3])).toBe(false);
    for (const gid of groupIds.filter((g) => g !== groupIds[3]))
      expect(members.filter((m) => m.groupId === gid).map((m) => m.memberId)).toEqual(h.fake.members(gid));
  });

  it('a malformed member page of one group fails the round clearly and no further group is started', async () => {
    const h = await harness({ fake: { latencyMs: 5 }, config: { membersConcurrency: 4 } });
    const { groupIds } = h.fake.seed({ users: 40, groups: 30, memberships: 120 });
    h.fake.server.fail({ match: new RegExp(`^GET /api/v1/groups/${groupIds[5]}/users$`), status: 200, body: { users: [] } });
    const { pages, error } = await runUntilError(h);
    expect((error as DirectoryHttpError).kind).toBe('malformed');
    expect((error as Error).message).toMatch(new RegExp(`groups/${groupIds[5]}/users.*expected a JSON array of group members, got object`));
    expect(pages.flatMap((p) => p.members ?? []).some((m) => m.groupId === groupIds[5])).toBe(false);
    // Only the groups open beside group 5 were asked for (requests sent just before the error may reach
    // the server's log a moment later), and nothing more after that.
    await new Promise((r) => setTimeout(r, 50));
    const asked = memberRequests(h.fake).length;
    expect(asked).toBeGreaterThanOrEqual(6);
    expect(asked).toBeLessThanOrEqual(12);
    await new Promise((r) => setTimeout(r, 50));
    expect(memberRequests(h.fake)).toHaveLength(asked);
  });

  it('a cancelled round stops promptly, without waiting for the member requests in flight', async () => {
    const h = await harness({ fake: { latencyMs: 1 }, config: { membersConcurrency: 4 } });
    h.fake.seed({ users: 20, groups: 12, memberships: 60 });
    const controller = new AbortController();
    const gen = h.provider.sync({ cursor: null, full: true, http: h.http, signal: controller.signal, now: () => new Date(h.now()) });
    let abortedAt = 0;
    const consumed = (async () => {
      for (let r = await gen.next(); !r.done; r = await gen.next())
        if (r.value.phase === 'groups' && !abortedAt) {
          h.fake.latencyMs = 2000; // the member requests now hang about
          setTimeout(() => {
            abortedAt = Date.now();
            controller.abort();
          }, 50);
        }
    })();
    await expect(consumed).rejects.toThrow(/cancelled/);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(h.fake.maxMembersInFlight).toBeGreaterThan(1);
    expect(h.fake.maxMembersInFlight).toBeLessThanOrEqual(4);
  });

  it('membersConcurrency is a whole number from 1 to 16, 4 when not set', () => {
    const base = { baseUrl: 'https://acme.okta.com', auth: 'ssws' as const };
    for (const bad of [0, 17, 2.5, '4'])
      expect(() => parseOktaConfig({ ...base, membersConcurrency: bad })).toThrow(/membersConcurrency: /);
    expect(parseOktaConfig({ ...base, membersConcurrency: 16 }).membersConcurrency).toBe(16);
    expect(parseOktaConfig(base).membersConcurrency).toBeUndefined(); // the provider's default (4) applies
  });
});

describe('fake Okta at scale', () => {
  it('holds 100,000 users and serves the full listing through the provider', async () => {
    const h = await harness();
    const started = Date.now();
    const { userIds } = h.fake.seed({ users: 100_000, groups: 50, memberships: 20_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(h.fake.userCount).toBe(100_000);
    let users = 0;
    let disabled = 0;
    let members = 0;
    const gen = h.provider.sync({
      cursor: null,
      full: true,
      http: h.http,
      signal: new AbortController().signal,
      now: () => new Date(h.now()),
    });
    for (let r = await gen.next(); !r.done; r = await gen.next()) {
      users += r.value.users?.length ?? 0;
      disabled += r.value.users?.filter((u) => u.status === 'disabled').length ?? 0;
      members += r.value.members?.length ?? 0;
    }
    expect(users).toBe(userIds.length);
    expect(disabled).toBe(1000);
    expect(members).toBe(20_000);
  }, 120_000);
});
