/**
 * A stateful fake of Google Workspace's OAuth token endpoint (service-account JWT bearer grant
 * with domain-wide delegation), Admin SDK Directory API (users, groups, members) and Reports API
 * (admin activities), on 127.0.0.1 port 0. Wire shapes follow shared/reference/idp-apis.md §3.
 *
 * What it checks, as Google does: the assertion's signature against the registered service
 * account key, iss, aud (= this token URL), a lifetime of at most an hour, the scopes authorised
 * for domain-wide delegation, and that `sub` is an existing unsuspended user; data calls need a
 * live token whose subject is an admin and whose scopes cover the call. Page sizes are the
 * documented maxima (users 500, groups and members 200, activities 1000); a larger maxResults is
 * refused with 400 like the real discovery-validated parameter.
 *
 * Assumed where the reference is silent: unknown customer or domain → 403 "Not Authorized to
 * access this resource/api"; lists come in creation order (orderBy is ignored); page tokens stay
 * valid while objects are added or removed (keyset on creation order).
 *
 * Test and benchmark infrastructure only; nothing under src/ imports it.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { verifyJwt } from '../../src/main/directories/jwt';
import { mulberry32 } from '../helpers/rng';
import { bearer, formBody, startFakeServer, type Fault, type FakeRequest, type FakeResponse, type FakeServer } from './base';

const SCOPE = 'https://www.googleapis.com/auth/';
export const FAKE_GOOGLE_SCOPES = {
  userRead: `${SCOPE}admin.directory.user.readonly`,
  user: `${SCOPE}admin.directory.user`,
  groupRead: `${SCOPE}admin.directory.group.readonly`,
  group: `${SCOPE}admin.directory.group`,
  memberRead: `${SCOPE}admin.directory.group.member.readonly`,
  member: `${SCOPE}admin.directory.group.member`,
  reports: `${SCOPE}admin.reports.audit.readonly`,
} as const;
const ALL_READ_SCOPES = [FAKE_GOOGLE_SCOPES.userRead, FAKE_GOOGLE_SCOPES.groupRead, FAKE_GOOGLE_SCOPES.reports];

// ---------------------------------------------------------------------------------------------
// Service accounts

export interface TestServiceAccount {
  clientEmail: string;
  clientId: string;
  privateKeyId: string;
  privateKeyPem: string;
  publicKey: KeyObject;
  /** The key file as the Cloud console hands it out. */
  file: string;
}

/** A fresh RSA key and the matching service-account key file. */
export function makeServiceAccount(options: { clientEmail?: string; projectId?: string } = {}): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const projectId = options.projectId ?? 'rollcall-test';
  const clientEmail = options.clientEmail ?? `poller@${projectId}.iam.gserviceaccount.com`;
  const clientId = String(100000000000000000000n + BigInt(`0x${randomBytes(6).toString('hex')}`));
  const privateKeyId = randomBytes(20).toString('hex');
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const file = JSON.stringify(
    {
      type: 'service_account',
      project_id: projectId,
      private_key_id: privateKeyId,
      private_key: privateKeyPem,
      client_email: clientEmail,
      client_id: clientId,
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
      universe_domain: 'googleapis.com',
    },
    null,
    2,
  );
  return { clientEmail, clientId, privateKeyId, privateKeyPem, publicKey, file };
}

interface RegisteredAccount {
  clientEmail: string;
  clientId: string;
  publicKey: KeyObject;
  privateKeyId: string | null;
  /** Scopes authorised for domain-wide delegation in the Admin console. */
  scopes: Set<string>;
}

// ---------------------------------------------------------------------------------------------
// Directory state

export type GUser = {
  kind: 'admin#directory#user';
  id: string;
  etag: string;
  primaryEmail: string;
  name: { givenName: string; familyName: string; fullName: string };
  isAdmin: boolean;
  isDelegatedAdmin: boolean;
  lastLoginTime: string;
  creationTime: string;
  agreedToTerms: boolean;
  suspended: boolean;
  suspensionReason?: string;
  archived: boolean;
  changePasswordAtNextLogin: boolean;
  ipWhitelisted: boolean;
  emails: { address: string; primary?: boolean; type?: string }[];
  externalIds?: { value: string; type: string; customType?: string }[];
  organizations?: Record<string, unknown>[];
  relations?: { value: string; type: string }[];
  customerId: string;
  orgUnitPath: string;
  isMailboxSetup: boolean;
  isEnrolledIn2Sv: boolean;
  isEnforcedIn2Sv: boolean;
  includeInGlobalAddressList: boolean;
  thumbnailPhotoUrl?: string;
  thumbnailPhotoEtag?: string;
  deletionTime?: string;
  [k: string]: unknown;
};

export type GGroup = {
  kind: 'admin#directory#group';
  id: string;
  etag: string;
  email: string;
  name: string;
  description: string;
  directMembersCount: string;
  adminCreated: boolean;
  aliases?: string[];
  nonEditableAliases: string[];
};

export type MemberRole = 'OWNER' | 'MANAGER' | 'MEMBER';
export type MemberType = 'USER' | 'GROUP' | 'EXTERNAL' | 'CUSTOMER';

interface MemberRow {
  id: string;
  email?: string;
  role: MemberRole;
  type: MemberType;
}

export interface GActivity {
  kind: 'audit#activity';
  id: { time: string; uniqueQualifier: string; applicationName: 'admin'; customerId: string };
  etag: string;
  actor: { callerType: 'USER'; email: string; profileId: string };
  ipAddress: string;
  events: { type: string; name: string; parameters: { name: string; value: string }[] }[];
}

/** Who and when, for a mutation (default: the fake's admin, now). */
export interface By {
  actor?: string;
  at?: Date;
}

/** Keyset-paged, creation-ordered collection that tolerates deletes between pages. */
export class Ordered<T> {
  private order: { seq: number; id: string }[] = [];
  private readonly rows = new Map<string, { seq: number; value: T }>();
  private seq = 0;
  private dead = 0;

  get size(): number {
    return this.rows.size;
  }
  get(id: string): T | undefined {
    return this.rows.get(id)?.value;
  }
  has(id: string): boolean {
    return this.rows.has(id);
  }
  add(id: string, value: T): void {
    const seq = ++this.seq;
    this.rows.set(id, { seq, value });
    this.order.push({ seq, id });
  }
  delete(id: string): boolean {
    if (!this.rows.delete(id)) return false;
    if (++this.dead > 1000 && this.dead > this.rows.size) {
      this.order = this.order.filter((o) => this.rows.get(o.id)?.seq === o.seq);
      this.dead = 0;
    }
    return true;
  }
  *values(): IterableIterator<T> {
    for (const r of this.rows.values()) yield r.value;
  }
  /** Up to `max` values created after `afterSeq` that match; the seq to continue from, if more may follow. */
  page(afterSeq: number, max: number, match: (v: T) => boolean): { items: T[]; next: number | null } {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const items: T[] = [];
    let last = afterSeq;
    for (let i = lo; i < this.order.length; i++) {
      const o = this.order[i]!;
      const row = this.rows.get(o.id);
      if (!row || row.seq !== o.seq || !match(row.value)) continue;
      if (items.length === max) return { items, next: last };
      items.push(row.value);
      last = o.seq;
    }
    return { items, next: null };
  }
}

// ---------------------------------------------------------------------------------------------

export interface FakeGoogleOptions {
  customerId?: string;
  /** The customer's domains; the first is primary (default example.com). */
  domains?: string[];
  /** A super admin created up front; the default subject and actor (default it-admin@<primary domain>). */
  admin?: string;
  /** Service accounts registered with their domain-wide delegation scopes (default: the read scopes incl. reports). */
  serviceAccounts?: { account: Pick<TestServiceAccount, 'clientEmail' | 'clientId' | 'publicKey' | 'privateKeyId'>; scopes?: string[] }[];
  /** Access token lifetime (default 3600 s; the response says one second less, like Google). */
  tokenTtlS?: number;
  now?: () => number;
  /** Every request is answered this much later (a real API's round trip; default 0). */
  latencyMs?: number;
}

export interface FakeGoogle {
  readonly url: string;
  readonly tokenUrl: string;
  readonly customerId: string;
  readonly admin: string;
  readonly server: FakeServer;
  readonly log: FakeServer['log'];
  fail(fault: Fault): void;
  /** Per-request latency (ms), as the `latencyMs` option; settable between syncs. */
  latencyMs: number;
  /** The most member-list requests (GET …/groups/{id}/members) ever being answered at once. */
  readonly maxMembersInFlight: number;
  /** Starts counting maxMembersInFlight afresh. */
  resetMembersInFlight(): void;
  /** Google's throttling answers: 403 with a usageLimits reason, or 429 (RESOURCE_EXHAUSTED). */
  throttle(options: {
    reason?: 'rateLimitExceeded' | 'userRateLimitExceeded' | 'quotaExceeded' | '429';
    match?: RegExp;
    times?: number;
    after?: number;
    retryAfterS?: number;
  }): void;
  close(): Promise<void>;

  registerServiceAccount(
    account: Pick<TestServiceAccount, 'clientEmail' | 'clientId' | 'publicKey' | 'privateKeyId'>,
    scopes?: string[],
  ): void;
  /** Change what domain-wide delegation authorises for a client. */
  setDelegatedScopes(clientEmail: string, scopes: string[]): void;
  /** Every access token issued so far stops working (401). */
  expireTokens(): void;
  readonly tokensIssued: number;
  /** The last assertion the token endpoint accepted. */
  readonly lastAssertion: { header: Record<string, unknown>; payload: Record<string, unknown> } | null;

  readonly users: Ordered<GUser>;
  readonly deletedUsers: Ordered<GUser>;
  readonly groups: Ordered<GGroup>;
  readonly activities: GActivity[];
  user(idOrEmail: string): GUser | undefined;
  group(idOrEmail: string): GGroup | undefined;
  members(groupId: string): MemberRow[];

  createUser(input: { primaryEmail: string; givenName?: string; familyName?: string } & Partial<GUser>, by?: By): GUser;
  updateUser(id: string, patch: Partial<GUser>, by?: By): GUser;
  suspend(id: string, reason?: string, by?: By): GUser;
  unsuspend(id: string, by?: By): GUser;
  archive(id: string, by?: By): GUser;
  unarchive(id: string, by?: By): GUser;
  deleteUser(id: string, by?: By): void;
  /** The user signs in: lastLoginTime moves (no admin activity). */
  signIn(id: string, at?: Date): GUser;
  createGroup(input: { email: string; name?: string; description?: string }, by?: By): GGroup;
  renameGroup(id: string, name: string, by?: By): GGroup;
  deleteGroup(id: string, by?: By): void;
  addMember(groupId: string, memberIdOrEmail: string, role?: MemberRole, by?: By): void;
  /** An address outside the customer (a personal account); it has a Google id of its own. */
  addExternalMember(groupId: string, email: string, role?: MemberRole, by?: By): string;
  /** "Everyone in the organisation" as a member. */
  addCustomerMember(groupId: string, by?: By): void;
  removeMember(groupId: string, memberId: string, by?: By): void;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): FakeResponse => ({ status, body, headers });

function apiError(code: number, message: string, reason: string, status: string, domain = 'global'): FakeResponse {
  return json(code, { error: { code, message, errors: [{ message, domain, reason }], status } });
}
const oauthError = (status: number, error: string, description: string): FakeResponse =>
  json(status, { error, error_description: description });

const encodeToken = (kind: string, n: number) => Buffer.from(`${kind}:${n}`).toString('base64url');
function decodeToken(kind: string, token: string | null): number | null {
  if (token === null) return 0;
  const m = /^([a-z]+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m && m[1] === kind ? Number(m[2]) : null;
}

const fakeUserId = (n: number) => String(100000000000000000000n + BigInt(n) * 7919n);
const fakeGroupId = (n: number) => `0${(n * 7919).toString(36).padStart(14, '0')}`;

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const now = options.now ?? Date.now;
  const customerId = options.customerId ?? 'C03az79cb';
  const domains = (options.domains ?? ['example.com']).map((d) => d.toLowerCase());
  const primaryDomain = domains[0]!;
  const ttlS = options.tokenTtlS ?? 3600;

  const accounts = new Map<string, RegisteredAccount>();
  const tokens = new Map<string, { sub: string | null; scopes: Set<string>; expiresAt: number }>();
  let tokensIssued = 0;
  let lastAssertion: FakeGoogle['lastAssertion'] = null;

  const users = new Ordered<GUser>();
  const deletedUsers = new Ordered<GUser>();
  const usersByEmail = new Map<string, string>();
  const groups = new Ordered<GGroup>();
  const groupsByEmail = new Map<string, string>();
  const memberships = new Map<string, Map<string, MemberRow>>();
  const memberCache = new Map<string, MemberRow[]>();
  const externalIds = new Map<string, string>();
  const activities: GActivity[] = [];
  let userSeq = 0;
  let groupSeq = 0;
  let etagSeq = 0;
  let activitySeq = 0;

  const iso = (t: number | Date) => new Date(t).toISOString();
  const etag = () => `"fake-etag-${++etagSeq}"`;
  const emailOk = (email: string) => /^[^@\s]+@[^@\s]+$/.test(email);

  function record(by: By | undefined, type: string, name: string, params: Record<string, string>): void {
    const n = ++activitySeq;
    const actor = by?.actor ?? admin;
    activities.push({
      kind: 'audit#activity',
      id: { time: iso(by?.at ?? now()), uniqueQualifier: String(-4002873813067783265n + BigInt(n)), applicationName: 'admin', customerId },
      etag: `"fake-activity-${n}"`,
      actor: { callerType: 'USER', email: actor, profileId: users.get(usersByEmail.get(actor) ?? '')?.id ?? '100000000000000000001' },
      ipAddress: '203.0.113.7',
      events: [{ type, name, parameters: Object.entries(params).map(([k, v]) => ({ name: k, value: v })) }],
    });
  }

  function mustUser(idOrEmail: string): GUser {
    const u = lookupUser(idOrEmail);
    if (!u) throw new Error(`fake google: no user ${idOrEmail}`);
    return u;
  }
  function mustGroup(idOrEmail: string): GGroup {
    const g = lookupGroup(idOrEmail);
    if (!g) throw new Error(`fake google: no group ${idOrEmail}`);
    return g;
  }
  function lookupUser(idOrEmail: string): GUser | undefined {
    return users.get(idOrEmail) ?? users.get(usersByEmail.get(idOrEmail.toLowerCase()) ?? '');
  }
  function lookupGroup(idOrEmail: string): GGroup | undefined {
    return groups.get(idOrEmail) ?? groups.get(groupsByEmail.get(idOrEmail.toLowerCase()) ?? '');
  }
  const touch = (u: GUser | GGroup) => {
    u.etag = etag();
  };
  const groupChanged = (groupId: string) => {
    memberCache.delete(groupId);
    const g = groups.get(groupId);
    if (g) {
      g.directMembersCount = String(memberships.get(groupId)?.size ?? 0);
      touch(g);
    }
  };

  function createUser(
    input: { primaryEmail: string; givenName?: string; familyName?: string } & Partial<GUser>,
    by?: By,
    quiet = false,
  ): GUser {
    const { givenName, familyName, primaryEmail: _email, name: _name, id: _id, kind: _kind, etag: _etag, ...rest } = input;
    const email = input.primaryEmail.toLowerCase();
    if (!emailOk(email)) throw new Error(`fake google: bad email ${email}`);
    if (usersByEmail.has(email) || groupsByEmail.has(email)) throw new Error(`fake google: ${email} is taken`);
    const local = email.split('@')[0]!;
    const given = givenName ?? input.name?.givenName ?? local;
    const family = familyName ?? input.name?.familyName ?? 'User';
    const id = fakeUserId(++userSeq);
    const u: GUser = {
      kind: 'admin#directory#user',
      id,
      etag: etag(),
      primaryEmail: email,
      name: { givenName: given, familyName: family, fullName: `${given} ${family}` },
      isAdmin: false,
      isDelegatedAdmin: false,
      lastLoginTime: '1970-01-01T00:00:00.000Z',
      creationTime: iso(by?.at ?? now()),
      agreedToTerms: false,
      suspended: false,
      archived: false,
      changePasswordAtNextLogin: false,
      ipWhitelisted: false,
      emails: [{ address: email, primary: true }],
      customerId,
      orgUnitPath: '/',
      isMailboxSetup: true,
      isEnrolledIn2Sv: false,
      isEnforcedIn2Sv: false,
      includeInGlobalAddressList: true,
      ...rest,
    };
    users.add(id, u);
    usersByEmail.set(email, id);
    if (!quiet) record(by, 'USER_SETTINGS', 'CREATE_USER', { USER_EMAIL: email });
    return u;
  }

  /** Field → the admin event Google records when an admin changes it. */
  const UPDATE_EVENTS: Record<string, string> = {
    organizations: 'CHANGE_USER_ORGANIZATION',
    relations: 'CHANGE_USER_RELATION',
    externalIds: 'CHANGE_USER_EXTERNAL_ID',
    orgUnitPath: 'MOVE_USER_TO_ORG_UNIT',
  };

  function updateUser(id: string, patch: Partial<GUser>, by?: By): GUser {
    const u = mustUser(id);
    const oldEmail = u.primaryEmail;
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'id' || k === 'kind' || k === 'etag' || k === 'customerId') continue;
      if (k === 'primaryEmail') continue;
      if (k === 'name' && v && typeof v === 'object') {
        const n = v as Partial<GUser['name']>;
        if (n.givenName !== undefined && n.givenName !== u.name.givenName)
          record(by, 'USER_SETTINGS', 'CHANGE_FIRST_NAME', { USER_EMAIL: u.primaryEmail, NEW_VALUE: n.givenName });
        if (n.familyName !== undefined && n.familyName !== u.name.familyName)
          record(by, 'USER_SETTINGS', 'CHANGE_LAST_NAME', { USER_EMAIL: u.primaryEmail, NEW_VALUE: n.familyName });
        const given = n.givenName ?? u.name.givenName;
        const family = n.familyName ?? u.name.familyName;
        u.name = { givenName: given, familyName: family, fullName: `${given} ${family}` };
        continue;
      }
      if (k === 'isAdmin' && v !== u.isAdmin)
        record(by, 'USER_SETTINGS', v ? 'GRANT_ADMIN_PRIVILEGE' : 'REVOKE_ADMIN_PRIVILEGE', { USER_EMAIL: u.primaryEmail });
      else if (UPDATE_EVENTS[k])
        record(by, 'USER_SETTINGS', UPDATE_EVENTS[k], { USER_EMAIL: u.primaryEmail, NEW_VALUE: JSON.stringify(v) });
      if (v === undefined) delete u[k];
      else u[k] = v;
    }
    if (patch.primaryEmail && patch.primaryEmail.toLowerCase() !== oldEmail) {
      const email = patch.primaryEmail.toLowerCase();
      if (usersByEmail.has(email) || groupsByEmail.has(email)) throw new Error(`fake google: ${email} is taken`);
      usersByEmail.delete(oldEmail);
      usersByEmail.set(email, u.id);
      u.primaryEmail = email;
      u.emails = [{ address: email, primary: true }, ...u.emails.filter((e) => e.address !== oldEmail && e.address !== email)];
      record(by, 'USER_SETTINGS', 'RENAME_USER', { USER_EMAIL: oldEmail, NEW_VALUE: email });
    }
    touch(u);
    return u;
  }

  function setState(id: string, change: (u: GUser) => void, event: string, by?: By): GUser {
    const u = mustUser(id);
    change(u);
    touch(u);
    record(by, 'USER_SETTINGS', event, { USER_EMAIL: u.primaryEmail });
    return u;
  }

  function removeEverywhere(memberId: string): void {
    for (const [gid, m] of memberships) if (m.delete(memberId)) groupChanged(gid);
  }

  function deleteUser(id: string, by?: By): void {
    const u = mustUser(id);
    users.delete(u.id);
    usersByEmail.delete(u.primaryEmail);
    removeEverywhere(u.id);
    u.deletionTime = iso(by?.at ?? now());
    touch(u);
    deletedUsers.add(u.id, u);
    record(by, 'USER_SETTINGS', 'DELETE_USER', { USER_EMAIL: u.primaryEmail });
  }

  function createGroup(input: { email: string; name?: string; description?: string }, by?: By, quiet = false): GGroup {
    const email = input.email.toLowerCase();
    if (!emailOk(email)) throw new Error(`fake google: bad email ${email}`);
    if (usersByEmail.has(email) || groupsByEmail.has(email)) throw new Error(`fake google: ${email} is taken`);
    const id = fakeGroupId(++groupSeq);
    const g: GGroup = {
      kind: 'admin#directory#group',
      id,
      etag: etag(),
      email,
      name: input.name ?? email.split('@')[0]!,
      description: input.description ?? '',
      directMembersCount: '0',
      adminCreated: true,
      nonEditableAliases: [`${email.split('@')[0]}@${email.split('@')[1]}.test-google-a.com`],
    };
    groups.add(id, g);
    groupsByEmail.set(email, id);
    memberships.set(id, new Map());
    if (!quiet) record(by, 'GROUP_SETTINGS', 'CREATE_GROUP', { GROUP_EMAIL: email });
    return g;
  }

  const memberEmail = (row: MemberRow): string | undefined =>
    row.type === 'USER' ? users.get(row.id)?.primaryEmail : row.type === 'GROUP' ? groups.get(row.id)?.email : row.email;

  function addMemberRow(groupId: string, row: MemberRow, by: By | undefined, quiet: boolean): void {
    const g = mustGroup(groupId);
    const m = memberships.get(g.id)!;
    if (m.has(row.id)) throw new Error(`fake google: ${row.id} is already a member of ${g.email}`);
    m.set(row.id, row);
    groupChanged(g.id);
    if (!quiet) record(by, 'GROUP_SETTINGS', 'ADD_GROUP_MEMBER', { USER_EMAIL: memberEmail(row) ?? row.id, GROUP_EMAIL: g.email });
  }

  function addMember(groupId: string, memberIdOrEmail: string, role: MemberRole = 'MEMBER', by?: By, quiet = false): void {
    const u = lookupUser(memberIdOrEmail);
    if (u) return addMemberRow(groupId, { id: u.id, role, type: 'USER' }, by, quiet);
    const g = lookupGroup(memberIdOrEmail);
    if (g) {
      if (g.id === mustGroup(groupId).id) throw new Error('fake google: a group cannot contain itself');
      return addMemberRow(groupId, { id: g.id, role: 'MEMBER', type: 'GROUP' }, by, quiet);
    }
    throw new Error(`fake google: no user or group ${memberIdOrEmail}`);
  }

  const admin = (options.admin ?? `it-admin@${primaryDomain}`).toLowerCase();
  createUser({ primaryEmail: admin, givenName: 'IT', familyName: 'Admin', isAdmin: true, lastLoginTime: iso(now()) }, undefined, true);

  // -------------------------------------------------------------------------------------------
  // HTTP

  function tokenEndpoint(req: FakeRequest): FakeResponse {
    const form = formBody(req.body);
    if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
    if (!form.assertion) return oauthError(400, 'invalid_request', 'Missing required parameter: assertion');
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(form.assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return oauthError(400, 'invalid_grant', 'Invalid JWT: Malformed.');
    }
    const account = accounts.get(String(claims.iss));
    let decoded: { header: Record<string, unknown>; payload: Record<string, unknown> };
    try {
      if (!account) throw new Error('unknown issuer');
      decoded = verifyJwt(form.assertion, account.publicKey);
    } catch {
      return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    }
    const { header, payload } = decoded;
    if (header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (header.kid !== undefined && header.kid !== account!.privateKeyId) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (payload.aud !== tokenUrl) return oauthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
    const iat = Number(payload.iat);
    const exp = Number(payload.exp);
    const t = now() / 1000;
    if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp - iat > 3600 || exp <= t || iat > t + 300 || exp <= iat)
      return oauthError(
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    const requested = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    if (requested.length === 0) return oauthError(400, 'invalid_scope', 'Empty or missing scope not allowed.');
    const sub = typeof payload.sub === 'string' ? payload.sub.toLowerCase() : null;
    if (sub !== null) {
      const u = lookupUser(sub);
      if (!u || u.suspended || u.archived) return oauthError(400, 'invalid_grant', 'Invalid email or User ID');
      if (!requested.every((s) => account!.scopes.has(s)))
        return oauthError(
          401,
          'unauthorized_client',
          'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
        );
    }
    const value = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    tokens.set(value, {
      sub: sub === null ? null : mustUser(sub).primaryEmail,
      scopes: new Set(requested),
      expiresAt: now() + ttlS * 1000,
    });
    tokensIssued++;
    lastAssertion = { header, payload };
    return json(200, { access_token: value, expires_in: ttlS - 1, token_type: 'Bearer' });
  }

  /** The token's subject may make this call (any of `scopes`), or the error Google gives. */
  function authorize(req: FakeRequest, scopes: string[]): FakeResponse | null {
    const value = bearer(req.headers);
    if (value === null)
      return apiError(
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        'required',
        'UNAUTHENTICATED',
      );
    const tok = tokens.get(value);
    if (!tok || tok.expiresAt <= now())
      return apiError(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        'authError',
        'UNAUTHENTICATED',
      );
    if (!scopes.some((s) => tok.scopes.has(s)))
      return apiError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions', 'PERMISSION_DENIED');
    const u = tok.sub ? lookupUser(tok.sub) : undefined;
    if (!u || !(u.isAdmin || u.isDelegatedAdmin))
      return apiError(403, 'Not Authorized to access this resource/api', 'forbidden', 'PERMISSION_DENIED');
    return null;
  }

  function maxResults(q: URLSearchParams, max: number, dflt: number): number | FakeResponse {
    const raw = q.get('maxResults');
    if (raw === null) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max)
      return apiError(400, `Invalid value '${raw}'. Values must be within the range: [1, ${max}]`, 'invalidParameter', 'INVALID_ARGUMENT');
    return n;
  }

  /** customer= / domain=: a predicate on email, or an error. */
  function scopeFilter(q: URLSearchParams): ((email: string) => boolean) | FakeResponse {
    const customer = q.get('customer');
    const domain = q.get('domain')?.toLowerCase() ?? null;
    if (customer === null && domain === null) return apiError(400, 'Bad Request', 'badRequest', 'INVALID_ARGUMENT');
    if (customer !== null && customer !== 'my_customer' && customer !== customerId)
      return apiError(403, 'Not Authorized to access this resource/api', 'forbidden', 'PERMISSION_DENIED');
    if (domain !== null) {
      if (!domains.includes(domain)) return apiError(403, 'Not Authorized to access this resource/api', 'forbidden', 'PERMISSION_DENIED');
      return (email) => email.endsWith(`@${domain}`);
    }
    return () => true;
  }

  const badToken = () => apiError(400, 'Invalid Input', 'invalid', 'INVALID_ARGUMENT');

  function listUsers(req: FakeRequest): FakeResponse {
    const denied = authorize(req, [FAKE_GOOGLE_SCOPES.userRead, FAKE_GOOGLE_SCOPES.user]);
    if (denied) return denied;
    const q = req.url.searchParams;
    const filter = scopeFilter(q);
    if (typeof filter !== 'function') return filter;
    const max = maxResults(q, 500, 100);
    if (typeof max !== 'number') return max;
    const projection = q.get('projection') ?? 'basic';
    if (!['basic', 'full', 'custom'].includes(projection))
      return apiError(400, `Invalid value for projection: ${projection}`, 'invalidParameter', 'INVALID_ARGUMENT');
    const after = decodeToken('u', q.get('pageToken'));
    if (after === null) return badToken();
    const store = q.get('showDeleted') === 'true' ? deletedUsers : users;
    const page = store.page(after, max, (u) => filter(u.primaryEmail));
    const body: Record<string, unknown> = { kind: 'admin#directory#users', etag: `"fake-users-${etagSeq}"` };
    if (page.items.length > 0) body.users = page.items;
    if (page.next !== null) body.nextPageToken = encodeToken('u', page.next);
    return json(200, body);
  }

  function listGroups(req: FakeRequest): FakeResponse {
    const denied = authorize(req, [FAKE_GOOGLE_SCOPES.groupRead, FAKE_GOOGLE_SCOPES.group]);
    if (denied) return denied;
    const q = req.url.searchParams;
    const filter = scopeFilter(q);
    if (typeof filter !== 'function') return filter;
    const max = maxResults(q, 200, 200);
    if (typeof max !== 'number') return max;
    const after = decodeToken('g', q.get('pageToken'));
    if (after === null) return badToken();
    const page = groups.page(after, max, (g) => filter(g.email));
    const body: Record<string, unknown> = { kind: 'admin#directory#groups', etag: `"fake-groups-${etagSeq}"` };
    if (page.items.length > 0) body.groups = page.items;
    if (page.next !== null) body.nextPageToken = encodeToken('g', page.next);
    return json(200, body);
  }

  function memberJson(r: MemberRow): Record<string, unknown> {
    const base = { kind: 'admin#directory#member', etag: `"fake-member-${r.id}"`, id: r.id, role: r.role, type: r.type };
    if (r.type === 'USER') {
      const u = users.get(r.id)!;
      return { ...base, email: u.primaryEmail, status: u.archived ? 'ARCHIVED' : u.suspended ? 'SUSPENDED' : 'ACTIVE' };
    }
    if (r.type === 'GROUP') return { ...base, email: groups.get(r.id)!.email };
    if (r.type === 'EXTERNAL') return { ...base, email: r.email, status: 'ACTIVE' };
    return base;
  }

  function listMembers(req: FakeRequest, groupKey: string): FakeResponse {
    const denied = authorize(req, [
      FAKE_GOOGLE_SCOPES.groupRead,
      FAKE_GOOGLE_SCOPES.group,
      FAKE_GOOGLE_SCOPES.memberRead,
      FAKE_GOOGLE_SCOPES.member,
    ]);
    if (denied) return denied;
    const g = lookupGroup(decodeURIComponent(groupKey));
    if (!g) return apiError(404, 'Resource Not Found: groupKey', 'notFound', 'NOT_FOUND');
    const q = req.url.searchParams;
    const max = maxResults(q, 200, 200);
    if (typeof max !== 'number') return max;
    const offset = decodeToken('m', q.get('pageToken'));
    if (offset === null) return badToken();
    let rows = memberCache.get(g.id);
    if (!rows) {
      rows = [...memberships.get(g.id)!.values()];
      memberCache.set(g.id, rows);
    }
    const roles = q.get('roles')?.split(',');
    const selected = roles ? rows.filter((r) => roles.includes(r.role)) : rows;
    const slice = selected.slice(offset, offset + max);
    const body: Record<string, unknown> = { kind: 'admin#directory#members', etag: `"fake-members-${g.etag}"` };
    if (slice.length > 0) body.members = slice.map(memberJson);
    if (offset + max < selected.length) body.nextPageToken = encodeToken('m', offset + max);
    return json(200, body);
  }

  function listActivities(req: FakeRequest, userKey: string, app: string): FakeResponse {
    const denied = authorize(req, [FAKE_GOOGLE_SCOPES.reports]);
    if (denied) return denied;
    if (app !== 'admin') return apiError(400, `Invalid value '${app}'`, 'invalidParameter', 'INVALID_ARGUMENT');
    const q = req.url.searchParams;
    const max = maxResults(q, 1000, 1000);
    if (typeof max !== 'number') return max;
    const parseTime = (name: string, dflt: number): number | FakeResponse => {
      const raw = q.get(name);
      if (raw === null) return dflt;
      const t = Date.parse(raw);
      return Number.isNaN(t) || !/^\d{4}-\d\d-\d\dT/.test(raw)
        ? apiError(400, `Invalid value for ${name}: ${raw}`, 'invalid', 'INVALID_ARGUMENT')
        : t;
    };
    const start = parseTime('startTime', now() - 180 * 86_400_000);
    if (typeof start !== 'number') return start;
    const end = parseTime('endTime', now());
    if (typeof end !== 'number') return end;
    if (start > end) return apiError(400, 'Start time must be less than or equal to the end time.', 'invalid', 'INVALID_ARGUMENT');
    if (start < now() - 180 * 86_400_000) return apiError(400, 'Start time is older than 180 days.', 'invalid', 'INVALID_ARGUMENT');
    const offset = decodeToken('a', q.get('pageToken'));
    if (offset === null) return badToken();
    const userFilter = userKey === 'all' ? null : decodeURIComponent(userKey).toLowerCase();
    const eventName = q.get('eventName');
    const selected: GActivity[] = [];
    for (let i = activities.length - 1; i >= 0; i--) {
      const a = activities[i]!;
      const t = Date.parse(a.id.time);
      if (t < start || t > end) continue;
      if (userFilter && a.actor.email !== userFilter) continue;
      if (eventName && !a.events.some((e) => e.name === eventName)) continue;
      selected.push(a);
    }
    // Newest first, as observed.
    selected.sort((x, y) => (x.id.time < y.id.time ? 1 : x.id.time > y.id.time ? -1 : 0));
    const slice = selected.slice(offset, offset + max);
    const body: Record<string, unknown> = { kind: 'reports#activities', etag: `"fake-activities-${activities.length}"` };
    if (slice.length > 0) body.items = slice;
    if (offset + max < selected.length) body.nextPageToken = encodeToken('a', offset + max);
    return json(200, body);
  }

  let latencyMs = options.latencyMs ?? 0;
  let membersInFlight = 0;
  let maxMembersInFlight = 0;
  const MEMBERS_PATH = /^\/admin\/directory\/v1\/groups\/([^/]+)\/members$/;
  const server = await startFakeServer(async (req) => {
    const members = req.method === 'GET' && MEMBERS_PATH.test(req.url.pathname);
    if (members) maxMembersInFlight = Math.max(maxMembersInFlight, ++membersInFlight);
    try {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return route(req);
    } finally {
      if (members) membersInFlight--;
    }
  });
  function route(req: FakeRequest): FakeResponse {
    const p = req.url.pathname;
    if (req.method === 'POST' && p === '/token') return tokenEndpoint(req);
    if (req.method === 'GET') {
      if (p === '/admin/directory/v1/users') return listUsers(req);
      if (p === '/admin/directory/v1/groups') return listGroups(req);
      const m = MEMBERS_PATH.exec(p);
      if (m) return listMembers(req, m[1]!);
      const a = /^\/admin\/reports\/v1\/activity\/users\/([^/]+)\/applications\/([^/]+)$/.exec(p);
      if (a) return listActivities(req, a[1]!, a[2]!);
    }
    return apiError(404, 'Not Found', 'notFound', 'NOT_FOUND');
  }
  const tokenUrl = `${server.url}/token`;

  const fake: FakeGoogle = {
    url: server.url,
    tokenUrl,
    customerId,
    get admin() {
      return admin;
    },
    server,
    log: server.log,
    fail: (f) => server.fail(f),
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
    throttle({ reason = 'rateLimitExceeded', match, times, after, retryAfterS }) {
      const headers = retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : undefined;
      if (reason === '429') {
        server.fail({
          match,
          times,
          after,
          status: 429,
          headers,
          body: {
            error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', errors: [], status: 'RESOURCE_EXHAUSTED' },
          },
        });
        return;
      }
      const message = {
        rateLimitExceeded: 'Rate Limit Exceeded',
        userRateLimitExceeded: 'User Rate Limit Exceeded',
        quotaExceeded: 'Quota exceeded',
      }[reason];
      server.fail({
        match,
        times,
        after,
        status: 403,
        headers,
        body: { error: { code: 403, message, errors: [{ domain: 'usageLimits', reason, message }] } },
      });
    },
    close: () => server.close(),

    registerServiceAccount(account, scopes = ALL_READ_SCOPES) {
      accounts.set(account.clientEmail, {
        clientEmail: account.clientEmail,
        clientId: account.clientId,
        publicKey: account.publicKey,
        privateKeyId: account.privateKeyId ?? null,
        scopes: new Set(scopes),
      });
    },
    setDelegatedScopes(clientEmail, scopes) {
      const a = accounts.get(clientEmail);
      if (!a) throw new Error(`fake google: no service account ${clientEmail}`);
      a.scopes = new Set(scopes);
    },
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    get lastAssertion() {
      return lastAssertion;
    },

    users,
    deletedUsers,
    groups,
    activities,
    user: lookupUser,
    group: lookupGroup,
    members: (groupId) => [...(memberships.get(mustGroup(groupId).id)?.values() ?? [])],

    createUser: (input, by) => createUser(input, by),
    updateUser,
    suspend: (id, reason = 'ADMIN', by) =>
      setState(
        id,
        (u) => {
          u.suspended = true;
          u.suspensionReason = reason;
        },
        'SUSPEND_USER',
        by,
      ),
    unsuspend: (id, by) =>
      setState(
        id,
        (u) => {
          u.suspended = false;
          delete u.suspensionReason;
        },
        'UNSUSPEND_USER',
        by,
      ),
    archive: (id, by) => setState(id, (u) => (u.archived = true), 'ARCHIVE_USER', by),
    unarchive: (id, by) => setState(id, (u) => (u.archived = false), 'UNARCHIVE_USER', by),
    deleteUser,
    signIn(id, at) {
      const u = mustUser(id);
      u.lastLoginTime = iso(at ?? now());
      if (!u.agreedToTerms) u.agreedToTerms = true;
      touch(u);
      return u;
    },
    createGroup: (input, by) => createGroup(input, by),
    renameGroup(id, name, by) {
      const g = mustGroup(id);
      record(by, 'GROUP_SETTINGS', 'CHANGE_GROUP_NAME', { GROUP_EMAIL: g.email, OLD_VALUE: g.name, NEW_VALUE: name });
      g.name = name;
      touch(g);
      return g;
    },
    deleteGroup(id, by) {
      const g = mustGroup(id);
      groups.delete(g.id);
      groupsByEmail.delete(g.email);
      memberships.delete(g.id);
      memberCache.delete(g.id);
      removeEverywhere(g.id);
      record(by, 'GROUP_SETTINGS', 'DELETE_GROUP', { GROUP_EMAIL: g.email });
    },
    addMember: (groupId, member, role, by) => addMember(groupId, member, role, by),
    addExternalMember(groupId, email, role = 'MEMBER', by) {
      const e = email.toLowerCase();
      let id = externalIds.get(e);
      if (!id) {
        id = fakeUserId(900_000_000 + externalIds.size);
        externalIds.set(e, id);
      }
      addMemberRow(groupId, { id, email: e, role, type: 'EXTERNAL' }, by, false);
      return id;
    },
    addCustomerMember(groupId, by) {
      addMemberRow(groupId, { id: customerId, role: 'MEMBER', type: 'CUSTOMER' }, by, false);
    },
    removeMember(groupId, memberId, by) {
      const g = mustGroup(groupId);
      const m = memberships.get(g.id)!;
      const row = m.get(memberId) ?? m.get(lookupUser(memberId)?.id ?? lookupGroup(memberId)?.id ?? '');
      if (!row) throw new Error(`fake google: ${memberId} is not a member of ${g.email}`);
      m.delete(row.id);
      groupChanged(g.id);
      record(by, 'GROUP_SETTINGS', 'REMOVE_GROUP_MEMBER', { USER_EMAIL: memberEmail(row) ?? row.id, GROUP_EMAIL: g.email });
    },
  };

  for (const sa of options.serviceAccounts ?? []) fake.registerServiceAccount(sa.account, sa.scopes);
  seeders.set(fake, { createUser, createGroup, addMember });
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Seeding

const seeders = new WeakMap<
  FakeGoogle,
  {
    createUser: (input: { primaryEmail: string } & Partial<GUser>, by: By | undefined, quiet: boolean) => GUser;
    createGroup: (input: { email: string; name?: string }, by: By | undefined, quiet: boolean) => GGroup;
    addMember: (groupId: string, member: string, role: MemberRole, by: By | undefined, quiet: boolean) => void;
  }
>();

const GIVEN = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Niklaus', 'Radia', 'Tim'];
const FAMILY = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Wirth', 'Perlman'];
const UNITS = ['/', '/Engineering', '/Sales', '/Support', '/Finance', '/Engineering/Platform'];
const TITLES = ['Engineer', 'Manager', 'Analyst', 'Designer', 'Consultant'];

export interface SeedResult {
  userIds: string[];
  groupIds: string[];
  memberships: number;
}

/**
 * A deterministic directory (same seed, same directory): `users` users (about 3% suspended, 1%
 * archived, a fifth never signed in, employee ids in externalIds), `groups` groups and
 * `memberships` distinct (group, user) pairs, without admin activities (an import, not changes).
 * Holds 100k users / 10k groups / 1M memberships.
 */
export function seedGoogle(
  fake: FakeGoogle,
  spec: { users: number; groups?: number; memberships?: number; seed?: number; domain?: string },
): SeedResult {
  const s = seeders.get(fake);
  if (!s) throw new Error('seedGoogle: not a fake from startFakeGoogle');
  const rand = mulberry32(spec.seed ?? 1);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const domain = spec.domain ?? fake.admin.split('@')[1]!;
  const base = Date.UTC(2026, 0, 1);
  const userIds: string[] = [];
  for (let i = 0; i < spec.users; i++) {
    const given = pick(GIVEN);
    const family = pick(FAMILY);
    const r = rand();
    const neverSignedIn = rand() < 0.2;
    const u = s.createUser(
      {
        primaryEmail: `${given}.${family}.${i}@${domain}`.toLowerCase(),
        name: { givenName: given, familyName: family, fullName: `${given} ${family}` },
        suspended: r < 0.03,
        ...(r < 0.03 ? { suspensionReason: 'ADMIN' } : {}),
        archived: r >= 0.03 && r < 0.04,
        orgUnitPath: pick(UNITS),
        externalIds: [{ value: `E${100000 + i}`, type: 'organization' }],
        organizations: [{ title: pick(TITLES), department: pick(UNITS).slice(1) || 'General', primary: true, customType: '' }],
        lastLoginTime: neverSignedIn ? '1970-01-01T00:00:00.000Z' : new Date(base + Math.floor(rand() * 90 * 86_400_000)).toISOString(),
        agreedToTerms: !neverSignedIn,
        creationTime: new Date(base - Math.floor(rand() * 900 * 86_400_000)).toISOString(),
      },
      undefined,
      true,
    );
    userIds.push(u.id);
  }
  const groupIds: string[] = [];
  for (let i = 0; i < (spec.groups ?? 0); i++) {
    groupIds.push(s.createGroup({ email: `group-${i}@${domain}`, name: `Group ${i}` }, undefined, true).id);
  }
  let memberships = 0;
  const target = spec.memberships ?? 0;
  if (target > 0 && (groupIds.length === 0 || userIds.length === 0)) throw new Error('seedGoogle: memberships need users and groups');
  if (target > groupIds.length * userIds.length) throw new Error('seedGoogle: more memberships than (group, user) pairs');
  const used = new Set<number>();
  while (memberships < target) {
    const g = Math.floor(rand() * groupIds.length);
    const u = Math.floor(rand() * userIds.length);
    const key = g * userIds.length + u;
    if (used.has(key)) continue;
    used.add(key);
    s.addMember(groupIds[g]!, userIds[u]!, rand() < 0.05 ? 'OWNER' : 'MEMBER', undefined, true);
    memberships++;
  }
  return { userIds, groupIds, memberships };
}
