/**
 * The fake Google itself: it must refuse what Google refuses, or the provider tests prove nothing.
 * Plain fetch and hand-made assertions, no provider code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertionClaims, privateKeyFrom, signJwt } from '../../../src/main/directories/jwt';
import {
  FAKE_GOOGLE_SCOPES as S,
  makeServiceAccount,
  seedGoogle,
  startFakeGoogle,
  type FakeGoogle,
  type TestServiceAccount,
} from '../../fakes/google';

let sa: TestServiceAccount;
let fake: FakeGoogle;
beforeAll(async () => {
  sa = makeServiceAccount();
  fake = await startFakeGoogle({ serviceAccounts: [{ account: sa, scopes: [S.userRead, S.groupRead, S.reports] }] });
});
afterAll(() => fake.close());

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function assertion(over: Record<string, unknown> = {}, opts: { lifetimeS?: number; kid?: string; key?: string } = {}): string {
  const claims = {
    ...assertionClaims({ iss: sa.clientEmail, sub: fake.admin, aud: fake.tokenUrl, scope: S.userRead }, Date.now(), opts.lifetimeS ?? 3600),
    ...over,
  };
  return signJwt({ alg: 'RS256', kid: opts.kid ?? sa.privateKeyId }, claims, privateKeyFrom(opts.key ?? sa.privateKeyPem));
}

async function token(form: Record<string, string>, url = fake.tokenUrl): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function accessToken(scope = `${S.userRead} ${S.groupRead} ${S.reports}`, sub = fake.admin): Promise<string> {
  const r = await token({ grant_type: JWT_BEARER, assertion: assertion({ scope, sub }) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.access_token as string;
}

async function get(path: string, tok: string | null): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}${path}`, { headers: tok ? { authorization: `Bearer ${tok}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('token endpoint', () => {
  it('issues a bearer token for a valid assertion', async () => {
    const r = await token({ grant_type: JWT_BEARER, assertion: assertion() });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(String(r.body.access_token)).toMatch(/^ya29\./);
  });

  it.each([
    ['a wrong grant_type', { grant_type: 'client_credentials' }, {}, {}, 400, 'unsupported_grant_type'],
    ['a wrong audience', {}, { aud: 'https://oauth2.googleapis.com/token' }, {}, 400, 'invalid_grant', 'Failed audience check'],
    ['a lifetime over an hour', {}, {}, { lifetimeS: 3601 }, 400, 'invalid_grant', 'short-lived'],
    ['an expired assertion', {}, { iat: 1_000_000, exp: 1_000_100 }, {}, 400, 'invalid_grant', 'short-lived'],
    ['an unknown kid', {}, {}, { kid: 'nope' }, 400, 'invalid_grant', 'Invalid JWT Signature'],
    ['an unknown issuer', {}, { iss: 'other@x.iam.gserviceaccount.com' }, {}, 400, 'invalid_grant', 'Invalid JWT Signature'],
    ['an unknown subject', {}, { sub: 'ghost@example.com' }, {}, 400, 'invalid_grant', 'Invalid email or User ID'],
    ['no scope', {}, { scope: '' }, {}, 400, 'invalid_scope'],
    [
      'a scope not delegated',
      {},
      { scope: `${S.userRead} ${S.user}` },
      {},
      401,
      'unauthorized_client',
      'not authorized for any of the scopes',
    ],
  ] as const)('refuses %s', async (_what, form, claims, opts, status, error, description?: string) => {
    const r = await token({ grant_type: JWT_BEARER, assertion: assertion(claims, opts), ...form });
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
    expect(String(r.body.error_description)).toContain(description ?? '');
  });

  it('refuses a signature by another key', async () => {
    const other = makeServiceAccount();
    const r = await token({ grant_type: JWT_BEARER, assertion: assertion({}, { key: other.privateKeyPem }) });
    expect(r.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
  });
});

describe('Directory API', () => {
  it('401 without or with a dead token, in Google’s error envelope', async () => {
    const none = await get('/admin/directory/v1/users?customer=my_customer', null);
    expect(none.status).toBe(401);
    const tok = await accessToken();
    fake.expireTokens();
    const dead = await get('/admin/directory/v1/users?customer=my_customer', tok);
    expect(dead.status).toBe(401);
    expect(dead.body).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'authError' }] } });
  });

  it('403 for a token without the scope, for a subject who is not an admin, for another customer', async () => {
    const usersOnly = await accessToken(S.userRead);
    expect((await get('/admin/directory/v1/groups?customer=my_customer', usersOnly)).body).toMatchObject({
      error: { code: 403, errors: [{ reason: 'insufficientPermissions' }] },
    });
    fake.createUser({ primaryEmail: 'plain@example.com' });
    const plain = await accessToken(S.userRead, 'plain@example.com');
    expect((await get('/admin/directory/v1/users?customer=my_customer', plain)).body).toMatchObject({
      error: { code: 403, message: 'Not Authorized to access this resource/api' },
    });
    const tok = await accessToken();
    expect((await get('/admin/directory/v1/users?customer=C999', tok)).status).toBe(403);
    expect((await get('/admin/directory/v1/users', tok)).status).toBe(400);
  });

  it('refuses maxResults above the documented maxima', async () => {
    const tok = await accessToken();
    expect((await get('/admin/directory/v1/users?customer=my_customer&maxResults=501', tok)).body).toMatchObject({
      error: { code: 400, message: "Invalid value '501'. Values must be within the range: [1, 500]" },
    });
    expect((await get('/admin/directory/v1/groups?customer=my_customer&maxResults=201', tok)).status).toBe(400);
    const g = fake.createGroup({ email: 'cap@example.com' });
    expect((await get(`/admin/directory/v1/groups/${g.id}/members?maxResults=201`, tok)).status).toBe(400);
    expect((await get('/admin/directory/v1/users?customer=my_customer&maxResults=500', tok)).status).toBe(200);
  });

  it('serves 100k users in pages of 500, each user exactly once, while users are deleted and added mid-way', async () => {
    const big = await startFakeGoogle({ serviceAccounts: [{ account: sa }] });
    try {
      const t0 = performance.now();
      const { userIds } = seedGoogle(big, { users: 100_000, groups: 100, memberships: 10_000, seed: 42 });
      expect(performance.now() - t0).toBeLessThan(10_000);
      const r = await token(
        { grant_type: JWT_BEARER, assertion: assertion({ scope: S.userRead, aud: big.tokenUrl, sub: big.admin }) },
        big.tokenUrl,
      );
      const tok = r.body.access_token as string;
      const seen = new Set<string>();
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const res = await fetch(
          `${big.url}/admin/directory/v1/users?customer=my_customer&maxResults=500${pageToken ? `&pageToken=${pageToken}` : ''}`,
          {
            headers: { authorization: `Bearer ${tok}` },
          },
        );
        const body = (await res.json()) as { users?: { id: string }[]; nextPageToken?: string };
        for (const u of body.users ?? []) {
          expect(seen.has(u.id)).toBe(false);
          seen.add(u.id);
        }
        pageToken = body.nextPageToken;
        if (++pages === 100) {
          big.deleteUser(userIds[99_999]!); // not yet listed: must not appear
          big.deleteUser(userIds[0]!); // already listed
          big.createUser({ primaryEmail: 'late@example.com' }); // created after the round started: listed at the end
        }
      } while (pageToken);
      expect(pages).toBe(201);
      expect(seen.size).toBe(100_001); // 100,000 seeded and the admin, one deleted before it was reached, one added
      expect(seen.has(userIds[99_999]!)).toBe(false);
      expect(seen.has(big.user('late@example.com')!.id)).toBe(true);
    } finally {
      await big.close();
    }
  }, 60_000);

  it('is deterministic: the same seed gives the same directory', async () => {
    const a = await startFakeGoogle();
    const b = await startFakeGoogle();
    try {
      seedGoogle(a, { users: 300, groups: 20, memberships: 500, seed: 9 });
      seedGoogle(b, { users: 300, groups: 20, memberships: 500, seed: 9 });
      const dump = (f: FakeGoogle) =>
        JSON.stringify({
          users: [...f.users.values()].map(({ etag: _e, creationTime: _c, ...u }) => (u.primaryEmail === f.admin ? { id: u.id } : u)),
          members: [...f.groups.values()].map((g) => [g.id, f.members(g.id)]),
        });
      expect(dump(a)).toBe(dump(b));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('Reports API', () => {
  it('records each mutation as an admin activity, served newest first with paging and a time window', async () => {
    const f = await startFakeGoogle({ serviceAccounts: [{ account: sa }] });
    try {
      const t = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // an hour ago, on the hour
      const u = f.createUser({ primaryEmail: 'x@example.com' }, { at: new Date(t) });
      f.suspend(u.id, 'ADMIN', { actor: 'boss@example.com', at: new Date(t + 1000) });
      f.updateUser(u.id, { orgUnitPath: '/Sales' }, { at: new Date(t + 2000) });
      const g = f.createGroup({ email: 'g@example.com' }, { at: new Date(t + 3000) });
      f.addMember(g.id, u.id, 'MEMBER', { at: new Date(t + 4000) });
      f.deleteUser(u.id, { at: new Date(t + 5000) });
      const r = await token(
        { grant_type: JWT_BEARER, assertion: assertion({ scope: S.reports, aud: f.tokenUrl, sub: f.admin }) },
        f.tokenUrl,
      );
      const tok = r.body.access_token as string;
      const window = `startTime=${new Date(t + 500).toISOString()}&endTime=${new Date(t + 3_600_000).toISOString()}`;
      const path = `/admin/reports/v1/activity/users/all/applications/admin?${window}&maxResults=2`;
      type Activities = { items: { events: { name: string }[] }[]; nextPageToken?: string };
      const list = async (pageToken?: string) =>
        (await (
          await fetch(`${f.url}${path}${pageToken ? `&pageToken=${pageToken}` : ''}`, { headers: { authorization: `Bearer ${tok}` } })
        ).json()) as Activities;
      const names = (a: Activities) => a.items.map((i) => i.events[0]!.name);
      const first = await list();
      expect(names(first)).toEqual(['DELETE_USER', 'ADD_GROUP_MEMBER']);
      const rest = await list(first.nextPageToken);
      expect(names(rest)).toEqual(['CREATE_GROUP', 'MOVE_USER_TO_ORG_UNIT']);
      const last = await list(rest.nextPageToken);
      expect(last.items[0]).toMatchObject({
        kind: 'audit#activity',
        id: { time: new Date(t + 1000).toISOString(), applicationName: 'admin' },
        actor: { email: 'boss@example.com' },
        events: [{ type: 'USER_SETTINGS', name: 'SUSPEND_USER', parameters: [{ name: 'USER_EMAIL', value: 'x@example.com' }] }],
      });
      expect(last.nextPageToken).toBeUndefined();
    } finally {
      await f.close();
    }
  });
});
