/**
 * The Google Workspace provider against the fake Google (test/fakes/google.ts) over loopback HTTP:
 * what pages it yields, how it signs in, how it rides out throttling and failures, and how it
 * fails when it cannot.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryHttpError, HttpClient, type RetryWait } from '../../../src/main/directories/http';
import {
  createGoogleProvider,
  GOOGLE_SCOPES,
  GoogleConfigSchema,
  parseServiceAccountFile,
  type GoogleConfigInput,
} from '../../../src/main/directories/providers/google';
import type { DirMember, DirUser, SyncPage, SyncResult } from '../../../src/main/directories/types';
import { makeServiceAccount, seedGoogle, startFakeGoogle, type FakeGoogle, type TestServiceAccount } from '../../fakes/google';

let sa: TestServiceAccount;
beforeAll(() => {
  sa = makeServiceAccount();
});

const open: FakeGoogle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

interface Setup {
  fake: FakeGoogle;
  http: HttpClient;
  waits: RetryWait[];
  provider: ReturnType<typeof createGoogleProvider>['provider'];
  auth: ReturnType<typeof createGoogleProvider>['auth'];
}

async function setup(
  opts: {
    config?: Partial<GoogleConfigInput>;
    scopes?: string[];
    key?: TestServiceAccount;
    fake?: FakeGoogle;
    retries?: number;
    now?: () => number;
  } = {},
): Promise<Setup> {
  const fake = opts.fake ?? (await startFakeGoogle({ serviceAccounts: [{ account: sa, scopes: opts.scopes }], now: opts.now }));
  if (!opts.fake) open.push(fake);
  const parsed = parseServiceAccountFile((opts.key ?? sa).file);
  const config = GoogleConfigSchema.parse({
    subject: fake.admin,
    tokenUrl: fake.tokenUrl,
    baseUrl: fake.url,
    ...parsed.config,
    ...opts.config,
  });
  const { provider, auth, httpOptions } = createGoogleProvider(config, parsed.secrets, { now: opts.now });
  const waits: RetryWait[] = [];
  const http = new HttpClient({
    auth,
    ...httpOptions,
    retries: opts.retries ?? 6,
    random: () => 0.5,
    sleep: async () => {},
    onWait: (w) => waits.push(w),
  });
  return { fake, http, waits, provider, auth };
}

async function run(s: Setup, cursor: unknown = null): Promise<{ pages: SyncPage[]; result: SyncResult }> {
  const gen = s.provider.sync({ cursor, full: false, http: s.http, signal: new AbortController().signal, now: () => new Date() });
  const pages: SyncPage[] = [];
  for (;;) {
    const step = await gen.next();
    if (step.done) return { pages, result: step.value };
    pages.push(step.value);
  }
}

/** Runs a round expected to fail; returns the error and the pages yielded before it. */
async function runFailing(s: Setup): Promise<{ error: DirectoryHttpError; pages: SyncPage[] }> {
  const pages: SyncPage[] = [];
  try {
    const gen = s.provider.sync({ cursor: null, full: false, http: s.http, signal: new AbortController().signal, now: () => new Date() });
    for (;;) {
      const step = await gen.next();
      if (step.done) break;
      pages.push(step.value);
    }
  } catch (err) {
    expect(err).toBeInstanceOf(DirectoryHttpError);
    return { error: err as DirectoryHttpError, pages };
  }
  throw new Error('the round was expected to fail');
}

const allUsers = (pages: SyncPage[]): DirUser[] => pages.flatMap((p) => p.users ?? []);
const allMembers = (pages: SyncPage[]): DirMember[] => pages.flatMap((p) => p.members ?? []);
const requests = (fake: FakeGoogle, re: RegExp) => fake.log.filter((l) => re.test(`${l.method} ${l.path}`));

describe('paging', () => {
  it('reads users 500 at a time, groups and members 200 at a time, following pageToken to the end', async () => {
    const s = await setup();
    seedGoogle(s.fake, { users: 1234, groups: 450, memberships: 2000, seed: 7 });
    const { pages, result } = await run(s);

    const userPages = pages.filter((p) => p.phase === 'users');
    expect(userPages.map((p) => p.users!.length)).toEqual([500, 500, 235]); // 1234 seeded + the admin
    const ids = allUsers(pages).map((u) => u.id);
    expect(new Set(ids).size).toBe(1235);
    expect(ids).toEqual([...s.fake.users.values()].map((u) => u.id));

    const userRequests = requests(s.fake, /^GET \/admin\/directory\/v1\/users\?/);
    expect(userRequests).toHaveLength(3);
    for (const r of userRequests) expect(r.path).toMatch(/customer=my_customer&maxResults=500&projection=full/);
    expect(userRequests.map((r) => r.path.includes('pageToken='))).toEqual([false, true, true]);

    expect(pages.filter((p) => p.phase === 'groups').map((p) => p.groups!.length)).toEqual([200, 200, 50]);
    for (const r of requests(s.fake, /^GET \/admin\/directory\/v1\/groups\?/)) expect(r.path).toContain('maxResults=200');
    expect(requests(s.fake, /\/members\?/).every((r) => r.path.includes('maxResults=200'))).toBe(true);

    const members = allMembers(pages);
    expect(members).toHaveLength(2000);
    const expected = [...s.fake.groups.values()].flatMap((g) => s.fake.members(g.id).map((m) => `${g.id}/${m.id}`));
    expect(members.map((m) => `${m.groupId}/${m.memberId}`).sort()).toEqual(expected.sort());
    expect(result).toEqual({ mode: 'snapshot', cursor: null });
  });

  it('yields each page before asking for the next (nothing buffered)', async () => {
    const s = await setup();
    seedGoogle(s.fake, { users: 1100, seed: 1 });
    const gen = s.provider.sync({ cursor: null, full: false, http: s.http, signal: new AbortController().signal, now: () => new Date() });
    const first = await gen.next();
    expect((first.value as SyncPage).users).toHaveLength(500);
    expect(requests(s.fake, /\/users\?/)).toHaveLength(1);
    await gen.return({ mode: 'snapshot', cursor: null });
  });

  it('lists a large group over several member pages, and batches small groups into fewer pages', async () => {
    const s = await setup();
    const { userIds } = seedGoogle(s.fake, { users: 600, seed: 3 });
    const big = s.fake.createGroup({ email: 'all-staff@example.com', name: 'All staff' });
    for (const id of userIds.slice(0, 450)) s.fake.addMember(big.id, id);
    for (let i = 0; i < 30; i++) {
      const g = s.fake.createGroup({ email: `team-${i}@example.com` });
      for (const id of userIds.slice(i * 10, i * 10 + 10)) s.fake.addMember(g.id, id);
    }
    const { pages } = await run(s);
    const bigRequests = requests(s.fake, new RegExp(`/groups/${big.id}/members`));
    expect(bigRequests).toHaveLength(3);
    expect(allMembers(pages).filter((m) => m.groupId === big.id)).toHaveLength(450);
    expect(allMembers(pages)).toHaveLength(750);
    // 31 groups, 33 member requests, but only a couple of pages for the engine to apply.
    expect(pages.filter((p) => p.phase === 'members').length).toBeLessThanOrEqual(2);
  });

  it('asks for domain= instead of customer= when a domain is configured, and sees only that domain', async () => {
    const fake = await startFakeGoogle({ domains: ['example.com', 'subsidiary.example'], serviceAccounts: [{ account: sa }] });
    open.push(fake);
    fake.createUser({ primaryEmail: 'a@example.com' });
    fake.createUser({ primaryEmail: 'b@subsidiary.example' });
    fake.createGroup({ email: 'g@subsidiary.example' });
    fake.createGroup({ email: 'h@example.com' });
    const s = await setup({ fake, config: { domain: 'subsidiary.example' } });
    const { pages } = await run(s);
    expect(allUsers(pages).map((u) => u.userName)).toEqual(['b@subsidiary.example']);
    expect(pages.flatMap((p) => p.groups ?? []).map((g) => g.attributes.email)).toEqual(['g@subsidiary.example']);
    expect(requests(fake, /\/users\?/)[0]!.path).toMatch(/[?&]domain=subsidiary.example/);
    expect(requests(fake, /\/users\?/)[0]!.path).not.toContain('customer=');
  });
});

describe('status mapping', () => {
  it('maps active, suspended, archived and never-signed-in users; attributes hold no volatile fields', async () => {
    const s = await setup();
    const f = s.fake;
    const active = f.createUser({
      primaryEmail: 'liz@example.com',
      givenName: 'Elizabeth',
      familyName: 'Smith',
      orgUnitPath: '/Engineering',
      externalIds: [
        { value: 'acct-9', type: 'account' },
        { value: '1001', type: 'organization' },
      ],
      thumbnailPhotoUrl: 'https://lh3.googleusercontent.com/a/xyz',
      thumbnailPhotoEtag: '"t1"',
    });
    f.signIn(active.id, new Date('2026-05-02T14:03:11.000Z'));
    const suspended = f.createUser({ primaryEmail: 'sam@example.com' });
    f.suspend(suspended.id, 'WEB_LOGIN_REQUIRED');
    const archived = f.createUser({ primaryEmail: 'arch@example.com' });
    f.archive(archived.id);
    const both = f.createUser({ primaryEmail: 'both@example.com' });
    f.suspend(both.id);
    f.archive(both.id);
    const never = f.createUser({ primaryEmail: 'new@example.com' });

    const byId = new Map(allUsers((await run(s)).pages).map((u) => [u.id, u]));
    const a = byId.get(active.id)!;
    expect(a).toMatchObject({
      userName: 'liz@example.com',
      email: 'liz@example.com',
      displayName: 'Elizabeth Smith',
      status: 'active',
      active: true,
      lastSignInAt: '2026-05-02T14:03:11.000Z',
      employeeNumber: '1001',
      externalId: 'acct-9',
    });
    expect(a.attributes).toMatchObject({
      primaryEmail: 'liz@example.com',
      orgUnitPath: '/Engineering',
      suspended: false,
      archived: false,
      isAdmin: false,
    });
    for (const k of ['etag', 'kind', 'lastLoginTime', 'thumbnailPhotoUrl', 'thumbnailPhotoEtag', 'agreedToTerms', 'isMailboxSetup'])
      expect(a.attributes, k).not.toHaveProperty(k);

    expect(byId.get(suspended.id)).toMatchObject({
      status: 'suspended',
      active: false,
      attributes: { suspended: true, suspensionReason: 'WEB_LOGIN_REQUIRED' },
    });
    expect(byId.get(archived.id)).toMatchObject({ status: 'archived', active: false, attributes: { archived: true } });
    expect(byId.get(both.id)).toMatchObject({ status: 'archived', active: false });
    expect(byId.get(never.id)).toMatchObject({
      status: 'active',
      active: true,
      lastSignInAt: null,
      employeeNumber: null,
      externalId: null,
    });
    // The admin the fake starts with is listed too, flagged.
    expect(byId.get(f.user(f.admin)!.id)!.attributes.isAdmin).toBe(true);
  });

  it('a sign-in changes lastSignInAt and the etag but not the attributes; an admin change does', async () => {
    const s = await setup();
    const u = s.fake.createUser({ primaryEmail: 'pat@example.com' });
    const before = allUsers((await run(s)).pages).find((x) => x.id === u.id)!;
    s.fake.signIn(u.id, new Date('2026-06-01T08:00:00.000Z'));
    const after = allUsers((await run(s)).pages).find((x) => x.id === u.id)!;
    expect(after.attributes).toEqual(before.attributes);
    expect(before.lastSignInAt).toBeNull();
    expect(after.lastSignInAt).toBe('2026-06-01T08:00:00.000Z');

    s.fake.updateUser(u.id, { orgUnitPath: '/Sales' });
    const moved = allUsers((await run(s)).pages).find((x) => x.id === u.id)!;
    expect(moved.attributes.orgUnitPath).toBe('/Sales');
  });

  it('is a full snapshot every round: a deleted user is simply not listed', async () => {
    const s = await setup();
    const keep = s.fake.createUser({ primaryEmail: 'keep@example.com' });
    const gone = s.fake.createUser({ primaryEmail: 'gone@example.com' });
    const first = await run(s);
    expect(first.result.mode).toBe('snapshot');
    expect(allUsers(first.pages).map((u) => u.id)).toContain(gone.id);

    s.fake.deleteUser(gone.id);
    const second = await run(s, first.result.cursor);
    expect(second.result.mode).toBe('snapshot');
    const ids = allUsers(second.pages).map((u) => u.id);
    expect(ids).toContain(keep.id);
    expect(ids).not.toContain(gone.id);
    expect(second.pages.flatMap((p) => p.removedUsers ?? [])).toEqual([]);
  });
});

describe('groups and members', () => {
  it('lists groups without volatile fields, and members by type: users, nested groups, external accounts; skips CUSTOMER', async () => {
    const s = await setup();
    const f = s.fake;
    const liz = f.createUser({ primaryEmail: 'liz@example.com' });
    const eng = f.createGroup({ email: 'eng@example.com', name: 'Engineering', description: 'Builders' });
    const sub = f.createGroup({ email: 'sub-team@example.com', name: 'Sub team' });
    f.addMember(eng.id, liz.id, 'OWNER');
    f.addMember(eng.id, sub.id);
    const extId = f.addExternalMember(eng.id, 'contractor@gmail.com');
    f.addCustomerMember(eng.id);
    f.addMember(sub.id, 'liz@example.com');

    const { pages } = await run(s);
    const groups = pages.flatMap((p) => p.groups ?? []);
    const g = groups.find((x) => x.id === eng.id)!;
    expect(g.displayName).toBe('Engineering');
    expect(g.attributes).toMatchObject({ email: 'eng@example.com', name: 'Engineering', description: 'Builders', adminCreated: true });
    for (const k of ['etag', 'kind', 'directMembersCount']) expect(g.attributes, k).not.toHaveProperty(k);

    const members = allMembers(pages).map((m) => ({ groupId: m.groupId, memberId: m.memberId, memberType: m.memberType }));
    expect(members).toEqual(
      expect.arrayContaining([
        { groupId: eng.id, memberId: liz.id, memberType: 'User' },
        { groupId: eng.id, memberId: sub.id, memberType: 'Group' },
        { groupId: eng.id, memberId: extId, memberType: 'User' },
        { groupId: sub.id, memberId: liz.id, memberType: 'User' },
      ]),
    );
    expect(members).toHaveLength(4);
    expect(members.some((m) => m.memberId === f.customerId)).toBe(false);
    // Groups are always yielded before their members.
    const firstMembers = pages.findIndex((p) => p.phase === 'members');
    const groupsPage = pages.findIndex((p) => p.phase === 'groups');
    expect(groupsPage).toBeLessThan(firstMembers);
  });

  it('a group deleted between the groups page and its members (404) is skipped, the round goes on', async () => {
    const s = await setup();
    const a = s.fake.createGroup({ email: 'a@example.com' });
    const b = s.fake.createGroup({ email: 'b@example.com' });
    s.fake.addMember(b.id, s.fake.admin);
    s.fake.fail({
      match: new RegExp(`/groups/${a.id}/members$`),
      status: 404,
      body: { error: { code: 404, message: 'Resource Not Found: groupKey', errors: [{ reason: 'notFound', domain: 'global' }] } },
    });
    const { pages, result } = await run(s);
    expect(result.mode).toBe('snapshot');
    expect(allMembers(pages)).toEqual([{ groupId: b.id, memberId: s.fake.user(s.fake.admin)!.id, memberType: 'User' }]);
  });
});

describe('members of several groups at once', () => {
  const memberRequests = (fake: FakeGoogle) => requests(fake, /^GET \/admin\/directory\/v1\/groups\/[^/]+\/members\?/);

  it('lists at most membersConcurrency groups at once, each group in its own order, in batches as before', async () => {
    const fake = await startFakeGoogle({ serviceAccounts: [{ account: sa }], latencyMs: 3 });
    open.push(fake);
    seedGoogle(fake, { users: 500, groups: 30, memberships: 3000, seed: 11 });
    const s = await setup({ fake, config: { membersConcurrency: 3 } });
    const { pages } = await run(s);
    expect(fake.maxMembersInFlight).toBeGreaterThan(1);
    expect(fake.maxMembersInFlight).toBeLessThanOrEqual(3);
    const members = allMembers(pages);
    expect(members).toHaveLength(3000);
    for (const g of fake.groups.values())
      expect(members.filter((m) => m.groupId === g.id).map((m) => m.memberId)).toEqual(fake.members(g.id).map((m) => m.id));
    // Batches of about 1000: every members page but the last holds at least that many.
    const memberPages = pages.filter((p) => p.phase === 'members');
    expect(memberPages.slice(0, -1).every((p) => p.members!.length >= 1000)).toBe(true);
    expect(memberPages.length).toBeLessThanOrEqual(3);
  });

  it('a group deleted while others are being listed (404) is skipped; a malformed page fails the round', async () => {
    const s = await setup({ config: { membersConcurrency: 4 } });
    seedGoogle(s.fake, { users: 50, groups: 12, memberships: 200, seed: 3 });
    const gone = [...s.fake.groups.values()][5]!;
    s.fake.fail({
      match: new RegExp(`/groups/${gone.id}/members$`),
      status: 404,
      body: { error: { code: 404, message: 'Resource Not Found: groupKey', errors: [{ reason: 'notFound', domain: 'global' }] } },
    });
    const { pages } = await run(s);
    const members = allMembers(pages);
    expect(members.some((m) => m.groupId === gone.id)).toBe(false);
    expect(members).toHaveLength(200 - s.fake.members(gone.id).length);

    const broken = [...s.fake.groups.values()][7]!;
    s.fake.fail({ match: new RegExp(`/groups/${broken.id}/members$`), status: 200, body: { members: {} } });
    const { error } = await runFailing(s);
    expect(error.kind).toBe('malformed');
    expect(error.message).toMatch(new RegExp(`groups/${broken.id}/members.*malformed page: "members" is not an array`));
    await new Promise((r) => setTimeout(r, 50));
    const asked = memberRequests(s.fake).length;
    await new Promise((r) => setTimeout(r, 50));
    expect(memberRequests(s.fake)).toHaveLength(asked); // nothing more after the failure
  });

  it('membersConcurrency is a whole number from 1 to 16, 4 when not set', () => {
    const base = { subject: 'admin@example.com', clientEmail: sa.clientEmail };
    for (const bad of [0, 17, 2.5, '4']) expect(GoogleConfigSchema.safeParse({ ...base, membersConcurrency: bad }).success).toBe(false);
    expect(GoogleConfigSchema.parse({ ...base, membersConcurrency: 16 }).membersConcurrency).toBe(16);
    expect(GoogleConfigSchema.parse(base).membersConcurrency).toBeUndefined(); // the provider's default (4) applies
  });
});

describe('throttling and server errors', () => {
  it.each(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded'] as const)(
    '403 %s is retried with growing backoff and the round completes',
    async (reason) => {
      const s = await setup();
      seedGoogle(s.fake, { users: 700, seed: 2 });
      s.fake.throttle({ reason, match: /\/users$/, after: 1, times: 3 });
      const { pages } = await run(s);
      expect(allUsers(pages)).toHaveLength(701);
      expect(s.waits).toHaveLength(3);
      expect(s.waits.every((w) => w.status === 403 && w.reason.includes(reason))).toBe(true);
      const delays = s.waits.map((w) => w.delayMs);
      expect(delays[1]).toBeGreaterThan(delays[0]!);
      expect(delays[2]).toBeGreaterThan(delays[1]!);
      expect(requests(s.fake, /\/users\?/)).toHaveLength(2 + 3);
    },
  );

  it('429 is retried after the Retry-After the server asks for', async () => {
    const s = await setup();
    s.fake.createGroup({ email: 'g@example.com' });
    s.fake.throttle({ reason: '429', match: /\/groups$/, retryAfterS: 7 });
    const { pages } = await run(s);
    expect(pages.flatMap((p) => p.groups ?? [])).toHaveLength(1);
    expect(s.waits).toEqual([expect.objectContaining({ status: 429, delayMs: 7000 })]);
  });

  it('5xx (500 backendError, 503) is retried', async () => {
    const s = await setup();
    const g = s.fake.createGroup({ email: 'g@example.com' });
    s.fake.addMember(g.id, s.fake.admin);
    s.fake.fail({
      match: /\/members$/,
      status: 500,
      body: { error: { code: 500, message: 'Backend Error', errors: [{ reason: 'backendError', domain: 'global' }] } },
    });
    s.fake.fail({
      match: /\/users$/,
      status: 503,
      body: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } },
    });
    const { pages } = await run(s);
    expect(allMembers(pages)).toHaveLength(1);
    expect(s.waits.map((w) => w.status).sort()).toEqual([500, 503]);
  });

  it('gives up after the configured retries with a clear throttling error', async () => {
    const s = await setup({ retries: 2 });
    s.fake.throttle({ reason: 'userRateLimitExceeded', match: /\/users$/, times: 10 });
    const { error, pages } = await runFailing(s);
    expect(pages).toEqual([]);
    expect(error.kind).toBe('throttled');
    expect(error.message).toMatch(/User Rate Limit Exceeded \(userRateLimitExceeded\) \(gave up after 3 attempts\)/);
  });
});

describe('authentication', () => {
  it('signs a JWT bearer assertion Google accepts: iss, sub, aud, read-only scopes, at most an hour, kid', async () => {
    const s = await setup();
    seedGoogle(s.fake, { users: 1200, groups: 5, memberships: 50, seed: 4 });
    await run(s);
    expect(s.fake.tokensIssued).toBe(1); // one token for a dozen requests
    const { header, payload } = s.fake.lastAssertion!;
    expect(header).toMatchObject({ alg: 'RS256', kid: sa.privateKeyId });
    expect(payload).toMatchObject({ iss: sa.clientEmail, sub: s.fake.admin, aud: s.fake.tokenUrl });
    expect(payload.scope).toBe(`${GOOGLE_SCOPES.users} ${GOOGLE_SCOPES.groups}`);
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(3600);
    expect(requests(s.fake, /^POST \/token/)).toHaveLength(1);
    expect(s.fake.log.filter((l) => l.path.startsWith('/admin/')).every((l) => l.authorized)).toBe(true);
  });

  it('asks for the reports scope only when reports are on', async () => {
    const s = await setup({ config: { reports: true } });
    await run(s);
    expect(String(s.fake.lastAssertion!.payload.scope).split(' ')).toEqual([
      GOOGLE_SCOPES.users,
      GOOGLE_SCOPES.groups,
      GOOGLE_SCOPES.reports,
    ]);
  });

  it('an expired token is refreshed once and the round goes on', async () => {
    const s = await setup();
    seedGoogle(s.fake, { users: 900, seed: 5 });
    const first = await run(s);
    s.fake.expireTokens();
    const second = await run(s, first.result.cursor);
    expect(allUsers(second.pages)).toHaveLength(901);
    expect(s.fake.tokensIssued).toBe(2);
    expect(s.auth.minted).toBe(2);
    expect(requests(s.fake, /^POST \/token/)).toHaveLength(2);
    // 2 user pages per round, plus the one request refused with the stale token.
    expect(requests(s.fake, /\/users\?/)).toHaveLength(5);
  });

  it('a token past its lifetime is re-minted before use, without a refused request', async () => {
    let clock = Date.parse('2026-07-01T09:00:00.000Z');
    const s = await setup({ now: () => clock });
    await run(s);
    clock += 3600_000;
    await run(s);
    expect(s.fake.tokensIssued).toBe(2);
    expect(requests(s.fake, /\/users\?/)).toHaveLength(2);
  });

  it('an API that keeps refusing fresh tokens fails clearly after one refresh', async () => {
    const s = await setup();
    const body = {
      error: {
        code: 401,
        message: 'Request had invalid authentication credentials.',
        errors: [{ reason: 'authError' }],
        status: 'UNAUTHENTICATED',
      },
    };
    s.fake.fail({ match: /\/users$/, status: 401, body, times: 5 });
    const { error } = await runFailing(s);
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/credentials rejected \(Request had invalid authentication credentials\. \(authError\)\)/);
    expect(s.fake.tokensIssued).toBe(2);
    expect(requests(s.fake, /\/users\?/)).toHaveLength(2);
  });

  it('an unknown subject: invalid_grant, with what to check', async () => {
    const s = await setup({ config: { subject: 'nobody@example.com' } });
    const { error } = await runFailing(s);
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('token request refused');
    expect(error.message).toContain('invalid_grant: Invalid email or User ID');
    expect(error.message).toContain('nobody@example.com is an existing, unsuspended admin');
    expect(error.message).not.toMatch(/eyJ/); // no assertion in the message
    expect(requests(s.fake, /^POST \/token/)).toHaveLength(1); // a refused grant is not retried
  });

  it('a subject who is not an admin: 403 Not Authorized, not retried as throttling', async () => {
    const fake = await startFakeGoogle({ serviceAccounts: [{ account: sa }] });
    open.push(fake);
    fake.createUser({ primaryEmail: 'plain@example.com' });
    const s = await setup({ fake, config: { subject: 'plain@example.com' } });
    const { error } = await runFailing(s);
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(403);
    expect(error.message).toContain('Not Authorized to access this resource/api');
    expect(error.message).toContain('plain@example.com must be an admin');
    expect(s.waits).toEqual([]);
  });

  it('a key that is not the registered one: invalid_grant Invalid JWT Signature', async () => {
    const other = makeServiceAccount({ clientEmail: sa.clientEmail });
    const s = await setup({ key: other });
    const { error } = await runFailing(s);
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('invalid_grant: Invalid JWT Signature.');
  });

  it('domain-wide delegation missing a scope: unauthorized_client, naming the client ID and the scopes to grant', async () => {
    const s = await setup({ scopes: [GOOGLE_SCOPES.users] });
    const { error } = await runFailing(s);
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.message).toContain('unauthorized_client');
    expect(error.message).toContain(`authorise client ID ${sa.clientId}`);
    expect(error.message).toContain(`${GOOGLE_SCOPES.users},${GOOGLE_SCOPES.groups}`);
  });
});

describe('malformed pages', () => {
  it('a page whose users are not a list fails the round before anything of it is yielded', async () => {
    const s = await setup();
    seedGoogle(s.fake, { users: 800, seed: 6 });
    s.fake.fail({ match: /\/users$/, after: 1, status: 200, body: { kind: 'admin#directory#users', users: 'oops', nextPageToken: 'x' } });
    const { error, pages } = await runFailing(s);
    expect(error.kind).toBe('malformed');
    expect(error.message).toMatch(/\/admin\/directory\/v1\/users\?.*: malformed page: "users" is not an array/);
    expect(pages.map((p) => p.users?.length)).toEqual([500]);
  });

  it('a user without primaryEmail, a body that is not JSON, a repeated page token', async () => {
    const s = await setup();
    s.fake.fail({ match: /\/users$/, status: 200, body: { users: [{ id: '1', primaryEmail: 'a@example.com' }, { id: '2' }] } });
    expect((await runFailing(s)).error.message).toContain('users[1] (2) has no primaryEmail');

    s.fake.fail({ match: /\/groups$/, status: 200, body: '<html>proxy error</html>' });
    const notJson = await runFailing(s);
    expect(notJson.error.kind).toBe('malformed');
    expect(notJson.error.message).toContain('with a body that is not JSON');

    s.fake.fail({ match: /\/users$/, status: 200, body: { users: [], nextPageToken: 'same' }, times: 2 });
    expect((await runFailing(s)).error.message).toContain('the server repeated a nextPageToken');
  });
});

describe('test connection', () => {
  it('describes what it could read in one line', async () => {
    const s = await setup();
    const line = await s.provider.test(s.http, new AbortController().signal);
    expect(line).toBe(`${sa.clientEmail} impersonating ${s.fake.admin} can read users and groups of the customer (${s.fake.customerId})`);
    expect(line).not.toContain('\n');
    expect(requests(s.fake, /\/users\?/)[0]!.path).toContain('maxResults=1');
  });

  it('with reports on, also proves the activity log is readable', async () => {
    const s = await setup({ config: { reports: true } });
    expect(await s.provider.test(s.http, new AbortController().signal)).toMatch(/and the admin activity log$/);
    expect(requests(s.fake, /\/activity\/users\/all\/applications\/admin\?/)).toHaveLength(1);
  });

  it('fails with the same clear errors as a sync', async () => {
    const s = await setup({ config: { subject: 'nobody@example.com' } });
    await expect(s.provider.test(s.http, new AbortController().signal)).rejects.toThrow(/invalid_grant: Invalid email or User ID/);
  });
});

describe('Reports API enrichment', () => {
  it('attaches the admin and the time of the latest admin activity to what changed since the last round', async () => {
    const s = await setup({ config: { reports: true } });
    const f = s.fake;
    f.createUser({ primaryEmail: 'boss@example.com', isAdmin: true });
    const sam = f.createUser({ primaryEmail: 'sam@example.com' });
    const leaver = f.createUser({ primaryEmail: 'leaver@example.com' });
    const eng = f.createGroup({ email: 'eng@example.com' });

    const first = await run(s);
    expect(requests(f, /\/activity\//)).toHaveLength(0); // the first round only opens the window
    const since = (first.result.cursor as { reportsSince: string }).reportsSince;
    expect(Date.parse(since)).not.toBeNaN();

    // The fake stamps activities with this time; it must fall inside the window the round reads (up to its start).
    const at = new Date();
    f.suspend(sam.id, 'ADMIN', { actor: 'boss@example.com', at });
    f.addMember(eng.id, sam.id, 'MEMBER', { actor: 'boss@example.com', at });
    f.deleteUser(leaver.id, { actor: 'boss@example.com', at });

    const second = await run(s, first.result.cursor);
    const activityRequest = requests(f, /\/activity\/users\/all\/applications\/admin\?/);
    expect(activityRequest).toHaveLength(1);
    const q = new URL(activityRequest[0]!.path, 'http://x').searchParams;
    expect(Date.parse(q.get('startTime')!)).toBe(Date.parse(since) - 10 * 60_000);

    const samNow = allUsers(second.pages).find((u) => u.id === sam.id)!;
    expect(samNow).toMatchObject({ status: 'suspended', actor: 'boss@example.com', occurredAt: at.toISOString() });
    expect(allMembers(second.pages).find((m) => m.memberId === sam.id)).toMatchObject({
      actor: 'boss@example.com',
      occurredAt: at.toISOString(),
    });
    expect(second.pages.flatMap((p) => p.removedUsers ?? [])).toEqual([
      { id: leaver.id, actor: 'boss@example.com', occurredAt: at.toISOString() },
    ]);
    expect(requests(f, /\/users\?.*showDeleted=true/)).toHaveLength(1);
    expect(Date.parse((second.result.cursor as { reportsSince: string }).reportsSince)).toBeGreaterThanOrEqual(Date.parse(since));
  });

  it('with reports off, never touches the Reports API and keeps no cursor', async () => {
    const s = await setup();
    const first = await run(s);
    await run(s, first.result.cursor);
    expect(first.result.cursor).toBeNull();
    expect(requests(s.fake, /\/activity\//)).toHaveLength(0);
  });
});
