/**
 * A stateful fake Okta org on 127.0.0.1:0, faithful to the wire format in
 * ../shared/reference/idp-apis.md §1: SSWS and OAuth service-app authentication (the token endpoint
 * verifies the private_key_jwt client assertion), users in every status (the plain listing omits
 * DEPROVISIONED, `filter`/`search` include them), groups, group members, Link-header paging with
 * `limit`/`after` (one `link` header line per relation), the System Log (polling requests with the
 * endless `next` link, bounded and descending queries, `filter`), X-Rate-Limit-* headers on every
 * answer and a per-bucket quota answering real 429 E0000047s, and Okta's error body.
 *
 * Tests change the org through the mutation methods; each appends the System Log event Okta would
 * write, with an actor. Faults (5xx, garbage, hangs) come from base.ts. The clock is injectable so a
 * test can step over rate-limit resets and token expiry without waiting.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { verifyJwt } from '../../directories/jwt';
import { bearer, formBody, startFakeServer, type FakeRequest, type FakeResponse, type FakeServer } from './base';

export type OktaStatus =
  'ACTIVE' | 'STAGED' | 'PROVISIONED' | 'RECOVERY' | 'PASSWORD_EXPIRED' | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED';
export type OktaBucket = 'users' | 'user' | 'groups' | 'group' | 'members' | 'logs' | 'token' | 'other';

export interface FakeOktaActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
}

export interface FakeOktaOptions {
  /** Accepted SSWS token (default 'fake-okta-api-token'); null: SSWS is refused. */
  apiToken?: string | null;
  /** An OAuth service app whose public key verifies client assertions. */
  oauth?: { clientId: string; publicKey: KeyObject | string | Record<string, unknown>; keyId?: string; grantedScopes?: string[] } | null;
  /** Access-token lifetime (Okta: fixed at one hour). */
  tokenLifetimeS?: number;
  /** The org's clock (ms): timestamps, the Date header, rate-limit windows, token expiry. */
  now?: () => number;
  /** Requests per bucket per window (default 600 per 60 s), with per-bucket overrides. */
  rateLimit?: { limit?: number; windowS?: number; buckets?: Partial<Record<OktaBucket, number>> };
  /** Who the mutation methods act as by default. */
  actor?: FakeOktaActor;
  /** Every request is answered this much later (a real org's round trip; default 0). */
  latencyMs?: number;
}

export interface MutationOptions {
  /** An actor, or an admin login (alternateId). */
  actor?: FakeOktaActor | string;
  /** The event's `published` (ms), e.g. to make the log out of order the way Okta's can be. */
  publishedAt?: number;
}

export interface SeedSpec {
  /** A count (generated deterministically) or explicit users. */
  users?: number | SeedUser[];
  groups?: number | SeedGroup[];
  /** A count (spread deterministically over groups and users) or explicit [groupId, userId] pairs. */
  memberships?: number | [string, string][];
  /** Status of generated user i (default: every 100th DEPROVISIONED, every 100th + 1 SUSPENDED, else ACTIVE). */
  statusOf?: (i: number) => OktaStatus;
}
export interface SeedUser {
  id?: string;
  status?: OktaStatus;
  profile: Record<string, unknown> & { login: string };
  lastLogin?: number | null;
}
export interface SeedGroup {
  id?: string;
  type?: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  profile: { name: string; description?: string | null } & Record<string, unknown>;
}

interface UserRec {
  id: string;
  status: OktaStatus;
  created: number;
  activated: number | null;
  statusChanged: number | null;
  lastLogin: number | null;
  lastUpdated: number;
  passwordChanged: number | null;
  profile: Record<string, unknown> & { login: string };
  /** The serialised User object, dropped on every change (list pages are joined from these). */
  text?: string;
}
interface GroupRec {
  id: string;
  type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  created: number;
  lastUpdated: number;
  lastMembershipUpdated: number;
  profile: { name: string; description?: string | null } & Record<string, unknown>;
  /** Member user ids, sorted (paging by `after` = last id). */
  members: string[];
}
interface LogRec {
  seq: number;
  published: number;
  json: Record<string, unknown>;
}

export interface FakeOkta {
  readonly url: string;
  readonly server: FakeServer;
  /** Token endpoint URL (the audience client assertions must name). */
  readonly tokenUrl: string;
  readonly apiToken: string | null;
  /** Access tokens issued so far. */
  readonly tokensIssued: number;
  seed(spec: SeedSpec): { userIds: string[]; groupIds: string[] };
  createUser(
    profile: Record<string, unknown> & { login: string },
    options?: MutationOptions & { status?: 'ACTIVE' | 'STAGED' | 'PROVISIONED' },
  ): string;
  activate(id: string, options?: MutationOptions): void;
  updateProfile(id: string, patch: Record<string, unknown>, options?: MutationOptions): void;
  suspend(id: string, options?: MutationOptions): void;
  unsuspend(id: string, options?: MutationOptions): void;
  deactivate(id: string, options?: MutationOptions): void;
  reactivate(id: string, options?: MutationOptions): void;
  lock(id: string, options?: MutationOptions): void;
  unlock(id: string, options?: MutationOptions): void;
  resetPassword(id: string, options?: MutationOptions): void;
  expirePassword(id: string, options?: MutationOptions): void;
  /** Okta's two-step delete in one call: deactivates first when the user is not DEPROVISIONED. */
  deleteUser(id: string, options?: MutationOptions): void;
  /** A sign-in: lastLogin moves and a user.session.start event is logged (nothing an admin changed). */
  signIn(id: string, options?: MutationOptions): void;
  createGroup(profile: { name: string; description?: string | null }, options?: MutationOptions & { type?: GroupRec['type'] }): string;
  updateGroup(id: string, patch: Record<string, unknown>, options?: MutationOptions): void;
  deleteGroup(id: string, options?: MutationOptions): void;
  addMember(groupId: string, userId: string, options?: MutationOptions): void;
  removeMember(groupId: string, userId: string, options?: MutationOptions): void;
  /** Appends a raw System Log event (fields given override the generated ones). */
  appendEvent(event: Partial<Record<string, unknown>> & { eventType: string }, options?: MutationOptions): Record<string, unknown>;
  /** Sets a status without lifecycle rules or event (state Okta reached by itself, e.g. LOCKED_OUT). */
  setStatus(id: string, status: OktaStatus): void;
  /** The user / group as the API would answer, or undefined. */
  user(id: string): Record<string, unknown> | undefined;
  group(id: string): Record<string, unknown> | undefined;
  members(groupId: string): string[];
  readonly userCount: number;
  readonly groupCount: number;
  readonly events: readonly Record<string, unknown>[];
  /** Every issued access token stops working (expired); the client must mint a new one. */
  expireTokens(): void;
  /** The service app is deactivated: existing tokens and new token requests are refused. */
  revokeClient(): void;
  /** The SSWS token is revoked. */
  revokeApiToken(): void;
  /** The bucket's quota is spent for the rest of the window: its next request gets a 429. */
  drainQuota(bucket: OktaBucket): void;
  setQuota(bucket: OktaBucket, limit: number): void;
  /** Per-request latency (ms), as the `latencyMs` option; settable between syncs. */
  latencyMs: number;
  /** The most group-member requests (GET /api/v1/groups/{id}/users) ever being answered at once. */
  readonly maxMembersInFlight: number;
  /** Starts counting maxMembersInFlight afresh. */
  resetMembersInFlight(): void;
  close(): Promise<void>;
}

const DEFAULT_ACTOR: FakeOktaActor = {
  id: '00uadmin0000000000001',
  type: 'User',
  alternateId: 'admin@example.com',
  displayName: 'Org Admin',
};
const SYSTEM_ACTOR: FakeOktaActor = {
  id: '0oa1system00000000001',
  type: 'PublicClientApp',
  alternateId: 'system@okta.com',
  displayName: 'Okta System',
};
const ALL_SCOPES = ['okta.users.read', 'okta.groups.read', 'okta.logs.read', 'okta.apps.read', 'okta.roles.read'];
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DAY = 86_400_000;

const DISPLAY: Record<string, string> = {
  'user.lifecycle.create': 'Create Okta user',
  'user.lifecycle.activate': 'Activate Okta user',
  'user.lifecycle.deactivate': 'Deactivate Okta user',
  'user.lifecycle.reactivate': 'Reactivate Okta user',
  'user.lifecycle.suspend': 'Suspend Okta user',
  'user.lifecycle.unsuspend': 'Unsuspend Okta user',
  'user.lifecycle.delete.initiated': 'Delete Okta user',
  'user.lifecycle.delete.completed': 'Delete Okta user completed',
  'user.account.update_profile': 'Update user profile for Okta',
  'user.account.lock': 'Max sign in attempts exceeded',
  'user.account.unlock_by_admin': 'Unlock user account by admin',
  'user.account.reset_password': 'Reset password',
  'user.account.expire_password': 'Expire password',
  'user.session.start': 'User login to Okta',
  'group.lifecycle.create': 'Create okta user group',
  'group.lifecycle.delete': 'Delete okta user group',
  'group.profile.update': 'Update group profile',
  'group.user_membership.add': 'Add user to group membership',
  'group.user_membership.remove': 'Remove user from group membership',
};

// ---------------------------------------------------------------------------------------------
// Okta's SCIM-like filter expressions: `attr op "value"` joined by and/or, with parentheses.

type FilterNode =
  | { kind: 'and' | 'or'; a: FilterNode; b: FilterNode }
  | { kind: 'cmp'; attr: string; op: string; value: string | number | boolean | null }
  | { kind: 'pr'; attr: string };

class FilterError extends Error {}
const FILTER_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew']);

function parseFilter(text: string): FilterNode {
  const tokens = text.match(/\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+/g) ?? [];
  let i = 0;
  const word = () => tokens[i]?.toLowerCase();
  const orExpr = (): FilterNode => {
    let n = andExpr();
    while (word() === 'or') {
      i++;
      n = { kind: 'or', a: n, b: andExpr() };
    }
    return n;
  };
  const andExpr = (): FilterNode => {
    let n = unary();
    while (word() === 'and') {
      i++;
      n = { kind: 'and', a: n, b: unary() };
    }
    return n;
  };
  const unary = (): FilterNode => {
    const t = tokens[i++];
    if (t === undefined) throw new FilterError('unexpected end of filter');
    if (t === '(') {
      const n = orExpr();
      if (tokens[i++] !== ')') throw new FilterError('missing )');
      return n;
    }
    const op = tokens[i++]?.toLowerCase();
    if (op === 'pr') return { kind: 'pr', attr: t };
    if (!op || !FILTER_OPS.has(op)) throw new FilterError(`unknown operator ${op ?? '(none)'}`);
    const raw = tokens[i++];
    if (raw === undefined) throw new FilterError('missing value');
    let value: string | number | boolean | null;
    if (raw.startsWith('"')) value = JSON.parse(raw) as string;
    else if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (raw === 'null') value = null;
    else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
    else throw new FilterError(`bad value ${raw}`);
    return { kind: 'cmp', attr: t, op, value };
  };
  const n = orExpr();
  if (i !== tokens.length) throw new FilterError(`unexpected ${tokens[i]}`);
  return n;
}

function filterAttrs(n: FilterNode, out: { attr: string; op: string }[] = []): { attr: string; op: string }[] {
  if (n.kind === 'cmp') out.push({ attr: n.attr, op: n.op });
  else if (n.kind === 'pr') out.push({ attr: n.attr, op: 'pr' });
  else {
    filterAttrs(n.a, out);
    filterAttrs(n.b, out);
  }
  return out;
}

function compare(actual: unknown, op: string, value: unknown, fold: boolean): boolean {
  if (actual === undefined) return false;
  if (op === 'eq' && value === null) return actual === null;
  if (op === 'ne' && value === null) return actual !== null;
  if (actual === null) return op === 'ne';
  if (typeof value === 'string' && typeof actual === 'string') {
    const a = fold ? actual.toLowerCase() : actual;
    const v = fold ? value.toLowerCase() : value;
    const at = Date.parse(actual);
    const vt = Date.parse(value);
    const dates = /^\d{4}-\d\d-\d\dT/.test(actual) && !Number.isNaN(at) && !Number.isNaN(vt);
    switch (op) {
      case 'eq':
        return a === v;
      case 'ne':
        return a !== v;
      case 'sw':
        return a.startsWith(v);
      case 'co':
        return a.includes(v);
      case 'ew':
        return a.endsWith(v);
      case 'gt':
        return dates ? at > vt : a > v;
      case 'ge':
        return dates ? at >= vt : a >= v;
      case 'lt':
        return dates ? at < vt : a < v;
      case 'le':
        return dates ? at <= vt : a <= v;
    }
    return false;
  }
  if (op === 'eq') return actual === value;
  if (op === 'ne') return actual !== value;
  if (typeof actual === 'number' && typeof value === 'number')
    return op === 'gt'
      ? actual > value
      : op === 'ge'
        ? actual >= value
        : op === 'lt'
          ? actual < value
          : op === 'le'
            ? actual <= value
            : false;
  return false;
}

function evalFilter(n: FilterNode, get: (attr: string) => unknown[], fold: boolean): boolean {
  switch (n.kind) {
    case 'and':
      return evalFilter(n.a, get, fold) && evalFilter(n.b, get, fold);
    case 'or':
      return evalFilter(n.a, get, fold) || evalFilter(n.b, get, fold);
    case 'pr':
      return get(n.attr).some((v) => v !== null && v !== undefined && v !== '');
    case 'cmp':
      return get(n.attr).some((v) => compare(v, n.op, n.value, fold));
  }
}

/** A dotted path over JSON, any array element matching (the log's `target.id`). */
function pathValues(obj: unknown, path: string): unknown[] {
  let cur: unknown[] = [obj];
  for (const key of path.split('.')) {
    const next: unknown[] = [];
    for (const c of cur) {
      const items = Array.isArray(c) ? c : [c];
      for (const it of items) if (it && typeof it === 'object' && key in it) next.push((it as Record<string, unknown>)[key]);
    }
    cur = next;
  }
  return cur.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

// ---------------------------------------------------------------------------------------------

/** First index in a sorted array whose value is > key. */
function upperBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function insertSorted(sorted: string[], key: string): boolean {
  const at = lowerBound(sorted, key);
  if (sorted[at] === key) return false;
  sorted.splice(at, 0, key);
  return true;
}
function removeSorted(sorted: string[], key: string): boolean {
  const at = lowerBound(sorted, key);
  if (sorted[at] !== key) return false;
  sorted.splice(at, 1);
  return true;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function oktaError(status: number, errorCode: string, errorSummary: string, causes: string[] = []): FakeResponse {
  return {
    status,
    body: {
      errorCode,
      errorSummary,
      errorLink: errorCode,
      errorId: `oae${randomBytes(9).toString('base64url')}`,
      errorCauses: causes.map((c) => ({ errorSummary: c })),
    },
  };
}
const oauthError = (status: number, error: string, error_description: string): FakeResponse => ({
  status,
  body: { error, error_description },
});

export async function startFakeOkta(options: FakeOktaOptions = {}): Promise<FakeOkta> {
  const now = options.now ?? Date.now;
  const apiTokenInit = options.apiToken === undefined ? 'fake-okta-api-token' : options.apiToken;
  let apiToken = apiTokenInit;
  const oauth = options.oauth ?? null;
  let clientEnabled = true;
  const tokenLifetimeS = options.tokenLifetimeS ?? 3600;
  const tokens = new Map<string, { expiresAt: number; scopes: Set<string> }>();
  const usedJti = new Set<string>();
  let tokensIssued = 0;
  const defaultActor = options.actor ?? DEFAULT_ACTOR;

  const users = new Map<string, UserRec>();
  const userOrder: string[] = []; // sorted ids
  const logins = new Map<string, string>(); // lower-case login → id
  const userGroups = new Map<string, Set<string>>();
  const groups = new Map<string, GroupRec>();
  const groupOrder: string[] = [];
  const log: LogRec[] = [];
  let userSeq = 0;
  let generatedUsers = 0;
  let groupSeq = 0;
  let eventSeq = 0;

  const windowS = options.rateLimit?.windowS ?? 60;
  const quotas = new Map<OktaBucket, { limit: number; windowStart: number; used: number }>();
  const quota = (b: OktaBucket) => {
    let q = quotas.get(b);
    if (!q) {
      q = { limit: options.rateLimit?.buckets?.[b] ?? options.rateLimit?.limit ?? 600, windowStart: 0, used: 0 };
      quotas.set(b, q);
    }
    const nowS = Math.floor(now() / 1000);
    const start = nowS - (nowS % windowS);
    if (start !== q.windowStart) {
      q.windowStart = start;
      q.used = 0;
    }
    return q;
  };

  // Okta ids: a 3-character type prefix and 17 more; here zero-padded base 36 so that string order is creation order.
  const newUserId = () => `00u${(++userSeq).toString(36).padStart(17, '0')}`;
  const newGroupId = () => `00g${(++groupSeq).toString(36).padStart(17, '0')}`;

  let origin = '';

  const userJson = (u: UserRec): Record<string, unknown> => ({
    id: u.id,
    status: u.status,
    created: iso(u.created),
    activated: iso(u.activated),
    statusChanged: iso(u.statusChanged),
    lastLogin: iso(u.lastLogin),
    lastUpdated: iso(u.lastUpdated),
    passwordChanged: iso(u.passwordChanged),
    type: { id: 'oty1fakeusertype00001' },
    profile: u.profile,
    credentials: { password: {}, provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${origin}/api/v1/users/${u.id}` } },
  });
  const userText = (u: UserRec): string => (u.text ??= JSON.stringify(userJson(u)));
  const usersBody = (ids: string[]): string => `[${ids.map((id) => userText(users.get(id)!)).join(',')}]`;
  const groupJson = (g: GroupRec): Record<string, unknown> => ({
    id: g.id,
    created: iso(g.created),
    lastUpdated: iso(g.lastUpdated),
    lastMembershipUpdated: iso(g.lastMembershipUpdated),
    objectClass: ['okta:user_group'],
    type: g.type,
    profile: g.profile,
    _links: {
      logo: [{ name: 'medium', href: `${origin}/img/logos/groups/okta-medium.png`, type: 'image/png' }],
      users: { href: `${origin}/api/v1/groups/${g.id}/users` },
      apps: { href: `${origin}/api/v1/groups/${g.id}/apps` },
    },
  });

  const userTarget = (u: UserRec) => ({
    id: u.id,
    type: 'User',
    alternateId: u.profile.login,
    displayName: [u.profile.firstName, u.profile.lastName].filter(Boolean).join(' ') || u.profile.login,
    detailEntry: null,
  });
  const groupTarget = (g: GroupRec) => ({
    id: g.id,
    type: 'UserGroup',
    alternateId: 'unknown',
    displayName: g.profile.name,
    detailEntry: null,
  });

  const actorOf = (a: MutationOptions['actor']): FakeOktaActor =>
    a === undefined
      ? defaultActor
      : typeof a === 'string'
        ? { id: `00u${Buffer.from(a).toString('hex').slice(0, 17).padEnd(17, '0')}`, type: 'User', alternateId: a, displayName: a }
        : a;

  const appendEvent = (
    event: Partial<Record<string, unknown>> & { eventType: string },
    mo: MutationOptions = {},
  ): Record<string, unknown> => {
    const published = mo.publishedAt ?? now();
    const seq = ++eventSeq;
    const json: Record<string, unknown> = {
      uuid: `${seq.toString(16).padStart(8, '0')}-fake-4ok7-a000-${randomBytes(6).toString('hex')}`,
      published: new Date(published).toISOString(),
      version: '0',
      severity: 'INFO',
      legacyEventType: null,
      displayMessage: DISPLAY[event.eventType] ?? event.eventType,
      actor: { ...actorOf(mo.actor), detailEntry: null },
      client: {
        ipAddress: '127.0.0.1',
        device: 'Unknown',
        zone: 'null',
        userAgent: { rawUserAgent: 'rollcall-fake', os: 'Unknown', browser: 'UNKNOWN' },
      },
      authenticationContext: { authenticationStep: 0, externalSessionId: 'trs-fake' },
      securityContext: {},
      outcome: { result: 'SUCCESS', reason: null },
      target: [],
      transaction: { type: 'WEB', id: `W${randomBytes(12).toString('base64url')}`, detail: {} },
      debugContext: { debugData: {} },
      request: { ipChain: [{ ip: '127.0.0.1', version: 'V4' }] },
      ...event,
    };
    log.push({ seq, published, json });
    return json;
  };

  const getUser = (id: string): UserRec => {
    const u = users.get(id) ?? users.get(logins.get(id.toLowerCase()) ?? '');
    if (!u) throw new Error(`fake Okta: no user ${id}`);
    return u;
  };
  const getGroup = (id: string): GroupRec => {
    const g = groups.get(id);
    if (!g) throw new Error(`fake Okta: no group ${id}`);
    return g;
  };

  const insertUser = (rec: UserRec) => {
    if (users.has(rec.id)) throw new Error(`fake Okta: duplicate user id ${rec.id}`);
    const key = rec.profile.login.toLowerCase();
    if (logins.has(key)) throw new Error(`fake Okta: login ${rec.profile.login} already exists`);
    users.set(rec.id, rec);
    logins.set(key, rec.id);
    if (userOrder.length === 0 || userOrder[userOrder.length - 1]! < rec.id) userOrder.push(rec.id);
    else insertSorted(userOrder, rec.id);
  };
  const insertGroup = (rec: GroupRec) => {
    if (groups.has(rec.id)) throw new Error(`fake Okta: duplicate group id ${rec.id}`);
    groups.set(rec.id, rec);
    if (groupOrder.length === 0 || groupOrder[groupOrder.length - 1]! < rec.id) groupOrder.push(rec.id);
    else insertSorted(groupOrder, rec.id);
  };

  const transition = (id: string, to: OktaStatus, eventType: string, mo: MutationOptions | undefined, allowedFrom?: OktaStatus[]) => {
    const u = getUser(id);
    if (allowedFrom && !allowedFrom.includes(u.status)) throw new Error(`fake Okta: cannot ${eventType} a ${u.status} user`);
    const t = now();
    u.text = undefined;
    u.status = to;
    u.statusChanged = t;
    u.lastUpdated = t;
    if (to === 'ACTIVE' && u.activated === null) u.activated = t;
    appendEvent({ eventType, target: [userTarget(u)] }, mo);
  };

  // -------------------------------------------------------------------------------------------
  // HTTP

  const bucketOf = (path: string): OktaBucket => {
    if (path === '/oauth2/v1/token') return 'token';
    if (path === '/api/v1/users') return 'users';
    if (/^\/api\/v1\/users\/[^/]+$/.test(path)) return 'user';
    if (path === '/api/v1/groups') return 'groups';
    if (/^\/api\/v1\/groups\/[^/]+\/users$/.test(path)) return 'members';
    if (/^\/api\/v1\/groups\/[^/]+$/.test(path)) return 'group';
    if (path === '/api/v1/logs') return 'logs';
    return 'other';
  };

  const handler = (req: FakeRequest): FakeResponse => {
    const path = req.url.pathname;
    const bucket = bucketOf(path);
    const q = quota(bucket);
    const reset = q.windowStart + windowS;
    let res: FakeResponse;
    if (q.used >= q.limit) {
      res = oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
    } else {
      q.used++;
      res = route(req, bucket);
    }
    res.headers = {
      ...res.headers,
      'x-rate-limit-limit': String(q.limit),
      'x-rate-limit-remaining': String(Math.max(0, q.limit - q.used)),
      'x-rate-limit-reset': String(reset),
      date: new Date(now()).toUTCString(),
    };
    return res;
  };

  const route = (req: FakeRequest, bucket: OktaBucket): FakeResponse => {
    const path = req.url.pathname;
    if (bucket === 'token')
      return req.method === 'POST'
        ? tokenEndpoint(req)
        : oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
    if (!path.startsWith('/api/v1/')) return oktaError(404, 'E0000007', `Not found: Resource not found: ${path} (Path)`);
    const denied = authenticate(req, bucket);
    if (denied) return denied;
    if (req.method !== 'GET') return oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
    const p = req.url.searchParams;
    switch (bucket) {
      case 'users':
        return listUsers(p);
      case 'user': {
        const id = decodeURIComponent(path.slice('/api/v1/users/'.length));
        const u = users.get(id) ?? users.get(logins.get(id.toLowerCase()) ?? '');
        return u
          ? { status: 200, body: userJson(u), headers: { etag: `W/"${u.lastUpdated}"` } }
          : oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (User)`);
      }
      case 'groups':
        return listGroups(p);
      case 'group': {
        const id = decodeURIComponent(path.slice('/api/v1/groups/'.length));
        const g = groups.get(id);
        return g ? { status: 200, body: groupJson(g) } : oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (UserGroup)`);
      }
      case 'members': {
        const id = decodeURIComponent(path.split('/')[4]!);
        const g = groups.get(id);
        if (!g) return oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (UserGroup)`);
        const limit = clampLimit(p, 1000, 1000);
        const page = pageIds(g.members, p.get('after'), limit, () => true);
        return listAnswer(req, usersBody(page.ids), page.more ? page.ids[page.ids.length - 1]! : null, limit);
      }
      case 'logs':
        return listLogs(req);
      default:
        return oktaError(404, 'E0000007', `Not found: Resource not found: ${path} (Path)`);
    }
  };

  const SCOPE_OF: Partial<Record<OktaBucket, string>> = {
    users: 'okta.users.read',
    user: 'okta.users.read',
    groups: 'okta.groups.read',
    group: 'okta.groups.read',
    members: 'okta.groups.read',
    logs: 'okta.logs.read',
  };

  const authenticate = (req: FakeRequest, bucket: OktaBucket): FakeResponse | null => {
    const invalid = oktaError(401, 'E0000011', 'Invalid token provided');
    const ssws = bearer(req.headers, 'SSWS');
    if (ssws !== null) return apiToken !== null && ssws === apiToken ? null : invalid;
    const token = bearer(req.headers, 'Bearer');
    if (token === null) return invalid;
    const t = tokens.get(token);
    if (!t || !clientEnabled || now() >= t.expiresAt) return invalid;
    const need = SCOPE_OF[bucket];
    if (need && !t.scopes.has(need)) return oktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
    return null;
  };

  const tokenUrl = () => `${origin}/oauth2/v1/token`;

  const tokenEndpoint = (req: FakeRequest): FakeResponse => {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return oauthError(400, 'invalid_request', 'The request must be application/x-www-form-urlencoded.');
    const f = formBody(req.body);
    if (f.grant_type !== 'client_credentials')
      return oauthError(
        400,
        'unsupported_grant_type',
        `The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].`,
      );
    if (!oauth)
      return oauthError(401, 'invalid_client', 'Client authentication failed. Either the client or the client credentials are invalid.');
    if (f.client_assertion_type !== ASSERTION_TYPE || !f.client_assertion)
      return oauthError(401, 'invalid_client', 'No client credentials found.');
    let decoded: ReturnType<typeof verifyJwt>;
    try {
      decoded = verifyJwt(f.client_assertion, oauth.publicKey);
    } catch {
      return oauthError(401, 'invalid_client', 'The client_assertion signature is invalid.');
    }
    const { header, payload } = decoded;
    if (header.alg !== 'RS256') return oauthError(401, 'invalid_client', 'The client_assertion token has an unsupported algorithm.');
    if (oauth.keyId !== undefined && header.kid !== undefined && header.kid !== oauth.keyId)
      return oauthError(401, 'invalid_client', 'The client_assertion token has a kid which does not identify a registered key.');
    if (payload.iss !== oauth.clientId || payload.sub !== oauth.clientId)
      return oauthError(401, 'invalid_client', 'The client_assertion token must have iss and sub equal to the client_id.');
    if (payload.aud !== tokenUrl())
      return oauthError(401, 'invalid_client', `The audience [${String(payload.aud)}] in the client_assertion is invalid.`);
    const nowS = Math.floor(now() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp <= nowS)
      return oauthError(401, 'invalid_client', 'The client_assertion token is expired.');
    if (payload.exp > nowS + 3600)
      return oauthError(401, 'invalid_client', 'The client_assertion token has an expiration too far in the future.');
    if (typeof payload.jti === 'string' && usedJti.has(payload.jti))
      return oauthError(401, 'invalid_client', 'The client_assertion token has already been used.');
    if (!clientEnabled) return oauthError(401, 'invalid_client', 'The client is not active.');
    const requested = (f.scope ?? '').split(' ').filter(Boolean);
    if (requested.length === 0) return oauthError(400, 'invalid_scope', 'No scopes were requested.');
    const granted = new Set(oauth.grantedScopes ?? ALL_SCOPES);
    const refused = requested.filter((s) => !granted.has(s));
    if (refused.length) return oauthError(400, 'invalid_scope', `The following scopes were not granted: ${refused.join(' ')}`);
    if (typeof payload.jti === 'string') usedJti.add(payload.jti);
    const access = randomBytes(24).toString('base64url');
    tokens.set(access, { expiresAt: now() + tokenLifetimeS * 1000, scopes: new Set(requested) });
    tokensIssued++;
    return { status: 200, body: { token_type: 'Bearer', expires_in: tokenLifetimeS, access_token: access, scope: requested.join(' ') } };
  };

  const clampLimit = (p: URLSearchParams, dflt: number, max: number): number => {
    const raw = p.get('limit');
    const n = raw === null ? dflt : Number.parseInt(raw, 10);
    return Number.isFinite(n) ? Math.max(1, Math.min(max, n)) : dflt;
  };

  /** Up to `limit` ids after `after` that pass, and whether more would follow. */
  const pageIds = (sorted: string[], after: string | null, limit: number, pass: (id: string) => boolean) => {
    const ids: string[] = [];
    let i = after ? upperBound(sorted, after) : 0;
    for (; i < sorted.length && ids.length < limit; i++) if (pass(sorted[i]!)) ids.push(sorted[i]!);
    let more = false;
    for (; i < sorted.length; i++)
      if (pass(sorted[i]!)) {
        more = true;
        break;
      }
    return { ids, more };
  };

  /** The answer to a list request: a bare array, with `link` self and (if more) next as separate header lines. */
  const listAnswer = (req: FakeRequest, body: unknown[] | string, after: string | null, limit: number): FakeResponse => {
    const self = new URL(req.url.pathname + req.url.search, origin);
    const links = [`<${self.toString()}>; rel="self"`];
    if (after !== null) {
      const next = new URL(self);
      next.searchParams.set('after', after);
      next.searchParams.set('limit', String(limit));
      links.push(`<${next.toString()}>; rel="next"`);
    }
    return { status: 200, body, headers: { link: links } };
  };

  const USER_FILTER_ATTRS = new Set([
    'status',
    'lastUpdated',
    'id',
    'profile.login',
    'profile.email',
    'profile.firstName',
    'profile.lastName',
  ]);
  const userValue = (u: UserRec, attr: string): unknown[] => {
    if (attr.startsWith('profile.')) return [u.profile[attr.slice(8)]];
    switch (attr) {
      case 'id':
      case 'status':
        return [u[attr]];
      case 'created':
      case 'activated':
      case 'statusChanged':
      case 'lastLogin':
      case 'lastUpdated':
      case 'passwordChanged':
        return [iso(u[attr])];
      default:
        return [];
    }
  };

  const listUsers = (p: URLSearchParams): FakeResponse => {
    const limit = clampLimit(p, 200, 200);
    let pass: (id: string) => boolean;
    const filter = p.get('filter');
    const search = p.get('search');
    const qv = p.get('q');
    if (filter !== null || search !== null) {
      let node: FilterNode;
      try {
        node = parseFilter((filter ?? search)!);
      } catch {
        return oktaError(400, 'E0000031', 'Invalid search criteria.');
      }
      // filter: a few attributes, eq only except on lastUpdated; search: anything.
      if (filter !== null)
        for (const { attr, op } of filterAttrs(node))
          if (!USER_FILTER_ATTRS.has(attr) || (op !== 'eq' && !(attr === 'lastUpdated' && ['gt', 'ge', 'lt', 'le'].includes(op))))
            return oktaError(400, 'E0000031', 'Invalid search criteria.');
      const fold = a0(node);
      pass = (id) => {
        const u = users.get(id)!;
        return evalFilter(node, (a) => userValue(u, a), fold);
      };
    } else if (qv !== null) {
      const needle = qv.toLowerCase();
      pass = (id) => {
        const u = users.get(id)!;
        if (u.status === 'DEPROVISIONED') return false;
        return ['firstName', 'lastName', 'email'].some((k) =>
          String(u.profile[k] ?? '')
            .toLowerCase()
            .startsWith(needle),
        );
      };
    } else pass = (id) => users.get(id)!.status !== 'DEPROVISIONED';
    const page = pageIds(userOrder, p.get('after'), limit, pass);
    return listAnswer(
      { url: new URL(`/api/v1/users?${p.toString()}`, origin) } as FakeRequest,
      usersBody(page.ids),
      page.more ? page.ids[page.ids.length - 1]! : null,
      limit,
    );
  };
  // profile.* comparisons are case-insensitive in Okta; status/id are exact.
  const a0 = (node: FilterNode): boolean => filterAttrs(node).every((x) => x.attr.startsWith('profile.'));

  const listGroups = (p: URLSearchParams): FakeResponse => {
    const limit = clampLimit(p, 10_000, 10_000);
    const filter = p.get('filter') ?? p.get('search');
    const qv = p.get('q');
    let pass: (id: string) => boolean = () => true;
    if (filter !== null) {
      let node: FilterNode;
      try {
        node = parseFilter(filter);
      } catch {
        return oktaError(400, 'E0000031', 'Invalid search criteria.');
      }
      pass = (id) => {
        const g = groups.get(id)!;
        return evalFilter(
          node,
          (a) =>
            a.startsWith('profile.')
              ? [g.profile[a.slice(8)]]
              : a === 'lastUpdated' || a === 'lastMembershipUpdated' || a === 'created'
                ? [iso(g[a])]
                : a === 'id' || a === 'type'
                  ? [g[a]]
                  : [],
          false,
        );
      };
    } else if (qv !== null) pass = (id) => groups.get(id)!.profile.name.toLowerCase().startsWith(qv.toLowerCase());
    const page = pageIds(groupOrder, p.get('after'), limit, pass);
    return listAnswer(
      { url: new URL(`/api/v1/groups?${p.toString()}`, origin) } as FakeRequest,
      page.ids.map((id) => groupJson(groups.get(id)!)),
      page.more ? page.ids[page.ids.length - 1]! : null,
      limit,
    );
  };

  /** `after` tokens are opaque to clients: a polling position, or an offset into a bounded result. */
  const encodeAfter = (v: { k: 'poll'; seq: number; since: number } | { k: 'page'; off: number; since: number }) =>
    Buffer.from(JSON.stringify(v)).toString('base64url');
  const decodeAfter = (raw: string): { k: 'poll'; seq: number; since: number } | { k: 'page'; off: number; since: number } | null => {
    try {
      const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { k?: string; seq?: number; off?: number; since?: number };
      if (v.k === 'poll' && typeof v.seq === 'number' && typeof v.since === 'number') return { k: 'poll', seq: v.seq, since: v.since };
      if (v.k === 'page' && typeof v.off === 'number' && typeof v.since === 'number') return { k: 'page', off: v.off, since: v.since };
    } catch {
      /* fall through */
    }
    return null;
  };

  const listLogs = (req: FakeRequest): FakeResponse => {
    const p = req.url.searchParams;
    const rawLimit = p.get('limit');
    const limit = rawLimit === null ? 100 : Number.parseInt(rawLimit, 10);
    if (!Number.isFinite(limit) || limit < 0 || limit > 1000)
      return oktaError(400, 'E0000001', 'Api validation failed: limit', ['limit: must be between 0 and 1000']);
    const sortOrder = (p.get('sortOrder') ?? 'ASCENDING').toUpperCase();
    if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING') return oktaError(400, 'E0000001', 'Api validation failed: sortOrder');
    const nowMs = now();
    const untilRaw = p.get('until');
    const until = untilRaw === null ? null : Date.parse(untilRaw);
    if (until !== null && Number.isNaN(until)) return oktaError(400, 'E0000001', 'Api validation failed: until');
    const sinceRaw = p.get('since');
    const afterRaw = p.get('after');
    if (sinceRaw !== null && afterRaw !== null)
      return oktaError(400, 'E0000001', 'Api validation failed: since and after are mutually exclusive');
    const after = afterRaw === null ? null : decodeAfter(afterRaw);
    if (afterRaw !== null && !after) return oktaError(400, 'E0000001', 'Api validation failed: after');
    let since = after ? after.since : sinceRaw === null ? (until ?? nowMs) - 7 * DAY : Date.parse(sinceRaw);
    if (Number.isNaN(since)) return oktaError(400, 'E0000001', 'Api validation failed: since');
    if (sinceRaw !== null && since < nowMs - 180 * DAY)
      return oktaError(400, 'E0000053', 'Invalid SCIM filter.', ['since: The since parameter is over 180 days prior to the current day.']);
    since = Math.max(since, nowMs - 90 * DAY); // retention
    let node: FilterNode | null = null;
    const filter = p.get('filter');
    if (filter !== null) {
      try {
        node = parseFilter(filter);
      } catch (err) {
        return oktaError(400, 'E0000053', 'Invalid SCIM filter.', [String((err as Error).message)]);
      }
      if (filterAttrs(node).some((x) => x.attr === 'published'))
        return oktaError(400, 'E0000053', 'Invalid SCIM filter.', ['published cannot be filtered on']);
    }
    const qWords = (p.get('q') ?? '').split(/\s+/).filter(Boolean);
    const matches = (r: LogRec): boolean => {
      if (r.published < since || (until !== null && r.published >= until)) return false;
      if (node && !evalFilter(node, (a) => pathValues(r.json, a), false)) return false;
      if (qWords.length) {
        const text = JSON.stringify(r.json).toLowerCase();
        if (!qWords.every((w) => text.includes(w.toLowerCase()))) return false;
      }
      return true;
    };
    const nextUrl = (token: string): string => {
      const u = new URL(`/api/v1/logs`, origin);
      for (const [k, v] of p) if (k !== 'after' && k !== 'since') u.searchParams.append(k, v);
      u.searchParams.set('after', token);
      return u.toString();
    };
    const self = new URL(req.url.pathname + req.url.search, origin).toString();
    const links = [`<${self}>; rel="self"`];

    // Polling: no until, ascending — in persistence order, and the next link never ends.
    if (until === null && sortOrder === 'ASCENDING' && (!after || after.k === 'poll')) {
      const out: Record<string, unknown>[] = [];
      let pos = after ? after.seq : 0; // seq of the last event considered
      while (pos < log.length && out.length < limit) {
        const r = log[pos]!;
        pos++;
        if (matches(r)) out.push(r.json);
      }
      links.push(`<${nextUrl(encodeAfter({ k: 'poll', seq: pos, since }))}>; rel="next"`);
      return { status: 200, body: out, headers: { link: links } };
    }
    // Bounded or descending: ordered by published; the last page has no next link.
    const all = log.filter(matches).sort((a, b) => (a.published - b.published || a.seq - b.seq) * (sortOrder === 'ASCENDING' ? 1 : -1));
    const off = after && after.k === 'page' ? after.off : 0;
    const body = all.slice(off, off + limit).map((r) => r.json);
    if (off + limit < all.length) links.push(`<${nextUrl(encodeAfter({ k: 'page', off: off + limit, since }))}>; rel="next"`);
    return { status: 200, body, headers: { link: links } };
  };

  let latencyMs = options.latencyMs ?? 0;
  let membersInFlight = 0;
  let maxMembersInFlight = 0;
  const server = await startFakeServer(async (req) => {
    const members = bucketOf(req.url.pathname) === 'members';
    if (members) maxMembersInFlight = Math.max(maxMembersInFlight, ++membersInFlight);
    try {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return handler(req);
    } finally {
      if (members) membersInFlight--;
    }
  });
  origin = server.url;

  // -------------------------------------------------------------------------------------------
  // The test's side: seed and mutations.

  const fake: FakeOkta = {
    url: server.url,
    server,
    tokenUrl: tokenUrl(),
    get apiToken() {
      return apiToken;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    get userCount() {
      return users.size;
    },
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(ms: number) {
      latencyMs = ms;
    },
    get maxMembersInFlight() {
      return maxMembersInFlight;
    },
    resetMembersInFlight() {
      maxMembersInFlight = membersInFlight;
    },
    get groupCount() {
      return groups.size;
    },
    get events() {
      return log.map((r) => r.json);
    },

    seed(spec) {
      const t = now();
      const userIds: string[] = [];
      const groupIds: string[] = [];
      const statusOf = spec.statusOf ?? ((i: number) => (i % 100 === 99 ? 'DEPROVISIONED' : i % 100 === 98 ? 'SUSPENDED' : 'ACTIVE'));
      const seedUsers: SeedUser[] | number = spec.users ?? 0;
      const nUsers = typeof seedUsers === 'number' ? seedUsers : seedUsers.length;
      for (let i = 0; i < nUsers; i++) {
        let rec: UserRec;
        if (typeof seedUsers === 'number') {
          const n = String(++generatedUsers).padStart(6, '0');
          const status = statusOf(i);
          rec = {
            id: newUserId(),
            status,
            created: t - DAY * 30,
            activated: status === 'STAGED' ? null : t - DAY * 30,
            statusChanged: t - DAY * 10,
            lastLogin: status === 'ACTIVE' ? t - DAY : null,
            lastUpdated: t - DAY * 10,
            passwordChanged: t - DAY * 30,
            profile: {
              login: `user${n}@example.com`,
              email: `user${n}@example.com`,
              firstName: 'User',
              lastName: n,
              employeeNumber: n,
              department: `Dept ${i % 20}`,
              mobilePhone: null,
            },
          };
        } else {
          const s = seedUsers[i]!;
          const status = s.status ?? 'ACTIVE';
          rec = {
            id: s.id ?? newUserId(),
            status,
            created: t - DAY * 30,
            activated: status === 'STAGED' ? null : t - DAY * 30,
            statusChanged: t - DAY * 10,
            lastLogin: s.lastLogin === undefined ? null : s.lastLogin,
            lastUpdated: t - DAY * 10,
            passwordChanged: null,
            profile: { ...s.profile },
          };
        }
        insertUser(rec);
        userIds.push(rec.id);
      }
      const seedGroups: SeedGroup[] | number = spec.groups ?? 0;
      const nGroups = typeof seedGroups === 'number' ? seedGroups : seedGroups.length;
      for (let i = 0; i < nGroups; i++) {
        const s = typeof seedGroups === 'number' ? null : seedGroups[i]!;
        const rec: GroupRec = {
          id: s?.id ?? newGroupId(),
          type: s?.type ?? 'OKTA_GROUP',
          created: t - DAY * 30,
          lastUpdated: t - DAY * 10,
          lastMembershipUpdated: t - DAY * 10,
          profile: s ? { ...s.profile } : { name: `Group ${String(i + 1).padStart(5, '0')}`, description: `Seeded group ${i + 1}` },
          members: [],
        };
        insertGroup(rec);
        groupIds.push(rec.id);
      }
      const link = (g: GroupRec, uid: string) => {
        g.members.push(uid);
        let set = userGroups.get(uid);
        if (!set) userGroups.set(uid, (set = new Set()));
        set.add(g.id);
      };
      const touched = new Set<GroupRec>();
      if (typeof spec.memberships === 'number') {
        const allGroups = [...groups.values()];
        const allUsers = userOrder;
        if (allGroups.length && allUsers.length) {
          const perGroup = Math.min(allUsers.length, Math.ceil(spec.memberships / allGroups.length));
          let left = spec.memberships;
          // Group g gets users (j + 131·g) mod U, j = 0…: distinct within a group, spread across the directory.
          for (let j = 0; j < perGroup && left > 0; j++)
            for (let g = 0; g < allGroups.length && left > 0; g++, left--) {
              const grp = allGroups[g]!;
              const uid = allUsers[(j + 131 * g) % allUsers.length]!;
              if (userGroups.get(uid)?.has(grp.id)) continue;
              link(grp, uid);
              touched.add(grp);
            }
        }
      } else
        for (const [gid, uid] of spec.memberships ?? []) {
          const g = getGroup(gid);
          getUser(uid);
          if (userGroups.get(uid)?.has(gid)) continue;
          link(g, uid);
          touched.add(g);
        }
      for (const g of touched) g.members.sort();
      return { userIds, groupIds };
    },

    createUser(profile, mo = {}) {
      const t = now();
      const status = mo.status ?? 'ACTIVE';
      const rec: UserRec = {
        id: newUserId(),
        status,
        created: t,
        activated: status === 'ACTIVE' ? t : null,
        statusChanged: status === 'STAGED' ? null : t,
        lastLogin: null,
        lastUpdated: t,
        passwordChanged: status === 'ACTIVE' ? t : null,
        profile: { ...profile },
      };
      insertUser(rec);
      appendEvent({ eventType: 'user.lifecycle.create', target: [userTarget(rec)] }, mo);
      if (status !== 'STAGED') appendEvent({ eventType: 'user.lifecycle.activate', target: [userTarget(rec)] }, mo);
      return rec.id;
    },
    activate: (id, mo) => transition(id, 'ACTIVE', 'user.lifecycle.activate', mo, ['STAGED', 'PROVISIONED', 'DEPROVISIONED']),
    updateProfile(id, patch, mo) {
      const u = getUser(id);
      if (typeof patch.login === 'string' && patch.login.toLowerCase() !== u.profile.login.toLowerCase()) {
        if (logins.has(patch.login.toLowerCase())) throw new Error(`fake Okta: login ${patch.login} already exists`);
        logins.delete(u.profile.login.toLowerCase());
        logins.set(patch.login.toLowerCase(), u.id);
      }
      u.text = undefined;
      u.profile = { ...u.profile, ...patch } as UserRec['profile'];
      u.lastUpdated = now();
      appendEvent({ eventType: 'user.account.update_profile', target: [userTarget(u)] }, mo);
    },
    suspend: (id, mo) => transition(id, 'SUSPENDED', 'user.lifecycle.suspend', mo, ['ACTIVE']),
    unsuspend: (id, mo) => transition(id, 'ACTIVE', 'user.lifecycle.unsuspend', mo, ['SUSPENDED']),
    deactivate: (id, mo) => transition(id, 'DEPROVISIONED', 'user.lifecycle.deactivate', mo),
    reactivate: (id, mo) => transition(id, 'ACTIVE', 'user.lifecycle.reactivate', mo, ['DEPROVISIONED', 'PROVISIONED']),
    lock: (id, mo) =>
      transition(id, 'LOCKED_OUT', 'user.account.lock', { actor: SYSTEM_ACTOR, ...mo }, ['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY']),
    unlock: (id, mo) => transition(id, 'ACTIVE', 'user.account.unlock_by_admin', mo, ['LOCKED_OUT']),
    resetPassword: (id, mo) => transition(id, 'RECOVERY', 'user.account.reset_password', mo),
    expirePassword: (id, mo) => transition(id, 'PASSWORD_EXPIRED', 'user.account.expire_password', mo),
    deleteUser(id, mo) {
      const u = getUser(id);
      if (u.status !== 'DEPROVISIONED') transition(id, 'DEPROVISIONED', 'user.lifecycle.deactivate', mo);
      appendEvent({ eventType: 'user.lifecycle.delete.initiated', target: [userTarget(u)] }, mo);
      for (const gid of userGroups.get(u.id) ?? []) removeSorted(groups.get(gid)!.members, u.id);
      userGroups.delete(u.id);
      users.delete(u.id);
      logins.delete(u.profile.login.toLowerCase());
      removeSorted(userOrder, u.id);
      appendEvent({ eventType: 'user.lifecycle.delete.completed', target: [userTarget(u)] }, mo);
    },
    signIn(id, mo) {
      const u = getUser(id);
      u.text = undefined;
      u.lastLogin = now();
      appendEvent({ eventType: 'user.session.start', target: [], actor: { ...userTarget(u), detailEntry: null } }, mo);
    },
    createGroup(profile, mo = {}) {
      const t = now();
      const rec: GroupRec = {
        id: newGroupId(),
        type: mo.type ?? 'OKTA_GROUP',
        created: t,
        lastUpdated: t,
        lastMembershipUpdated: t,
        profile: { ...profile },
        members: [],
      };
      insertGroup(rec);
      appendEvent({ eventType: 'group.lifecycle.create', target: [groupTarget(rec)] }, mo);
      return rec.id;
    },
    updateGroup(id, patch, mo) {
      const g = getGroup(id);
      g.profile = { ...g.profile, ...patch } as GroupRec['profile'];
      g.lastUpdated = now();
      appendEvent({ eventType: 'group.profile.update', target: [groupTarget(g)] }, mo);
    },
    deleteGroup(id, mo) {
      const g = getGroup(id);
      for (const uid of g.members) userGroups.get(uid)?.delete(g.id);
      groups.delete(g.id);
      removeSorted(groupOrder, g.id);
      appendEvent({ eventType: 'group.lifecycle.delete', target: [groupTarget(g)] }, mo);
    },
    addMember(groupId, userId, mo) {
      const g = getGroup(groupId);
      const u = getUser(userId);
      if (!insertSorted(g.members, u.id)) return;
      let set = userGroups.get(u.id);
      if (!set) userGroups.set(u.id, (set = new Set()));
      set.add(g.id);
      g.lastMembershipUpdated = now();
      appendEvent({ eventType: 'group.user_membership.add', target: [userTarget(u), groupTarget(g)] }, mo);
    },
    removeMember(groupId, userId, mo) {
      const g = getGroup(groupId);
      const u = getUser(userId);
      if (!removeSorted(g.members, u.id)) return;
      userGroups.get(u.id)?.delete(g.id);
      g.lastMembershipUpdated = now();
      // Okta does not promise target order; the group comes first here to keep clients honest.
      appendEvent({ eventType: 'group.user_membership.remove', target: [groupTarget(g), userTarget(u)] }, mo);
    },
    appendEvent: (event, mo) => appendEvent(event, mo),
    setStatus(id, status) {
      const u = getUser(id);
      u.text = undefined;
      u.status = status;
      u.statusChanged = u.lastUpdated = now();
    },
    user: (id) => {
      const u = users.get(id);
      return u && userJson(u);
    },
    group: (id) => {
      const g = groups.get(id);
      return g && groupJson(g);
    },
    members: (groupId) => [...getGroup(groupId).members],
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    revokeClient() {
      clientEnabled = false;
    },
    revokeApiToken() {
      apiToken = null;
    },
    drainQuota(bucket) {
      const q = quota(bucket);
      q.used = q.limit;
    },
    setQuota(bucket, limit) {
      quota(bucket).limit = limit;
    },
    close: () => server.close(),
  };
  return fake;
}
