/**
 * Google Workspace directory provider: the Admin SDK Directory API read through a service account
 * with domain-wide delegation (JWT bearer grant, `sub` = an admin), optionally enriched with
 * actor and time from the Reports API admin activity log.
 *
 * Every round is a full snapshot: the Directory API has no change feed and no updated-since
 * filter, so users, groups and each group's members are listed in full, page by page, and the
 * engine deletes whatever it holds that the round did not list. The members of `membersConcurrency`
 * groups of the current groups page are listed at once (each group's pages in order). Nothing is
 * buffered beyond the pages in flight, one per group being listed, and the current page of groups.
 *
 * Wire details and sources: shared/reference/idp-apis.md §3. Operator guide: docs/directories/google.md.
 */
import { z } from 'zod';
import { DirectoryHttpError, oauthToken, redactUrl, type AuthScheme, type HttpClient, type HttpClientOptions } from '../http';
import { assertionClaims, privateKeyFrom, signJwt } from '../jwt';
import type { ProviderModule } from '../registry';
import type {
  Attribution,
  DirGroup,
  DirMember,
  DirUser,
  DirUserStatus,
  DirectoryProvider,
  RemovedObject,
  SyncContext,
  SyncPage,
  SyncResult,
} from '../types';
import { DEFAULT_MEMBERS_CONCURRENCY } from '../../../shared/contract';
import { membersConcurrencySchema, mergeConcurrent } from './concurrent';

const SCOPE_BASE = 'https://www.googleapis.com/auth/';
export const GOOGLE_SCOPES = {
  users: `${SCOPE_BASE}admin.directory.user.readonly`,
  groups: `${SCOPE_BASE}admin.directory.group.readonly`,
  reports: `${SCOPE_BASE}admin.reports.audit.readonly`,
} as const;

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_BASE_URL = 'https://admin.googleapis.com';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Page sizes: the documented maxima (users 500, groups and members 200, activities 1000). */
export const GOOGLE_PAGE_SIZES = { users: 500, groups: 200, members: 200, activities: 1000 } as const;

/** Members are handed to the engine in batches of about this many (many groups have a handful each). */
const MEMBER_BATCH = 1000;
/** Reports lag behind the change; each window reaches this far back into the previous one. */
const REPORTS_OVERLAP_MS = 10 * 60_000;

export const GoogleConfigSchema = z.object({
  /** The admin the service account impersonates (`sub` of the assertion). */
  subject: z.email(),
  /** `my_customer` (the subject's own account) or a customer id such as C03az79cb. */
  customer: z.string().trim().min(1).default('my_customer'),
  /** Only this domain's users and groups (a secondary domain); otherwise every domain of the customer. */
  domain: z.string().trim().min(1).optional(),
  tokenUrl: z.url().default(GOOGLE_TOKEN_URL),
  baseUrl: z.url().default(GOOGLE_BASE_URL),
  /** The service account's email, from the key file (`iss` of the assertion). */
  clientEmail: z.email(),
  /** The service account's OAuth client id, from the key file: what the admin authorises for domain-wide delegation. */
  clientId: z.string().trim().min(1).optional(),
  /** Read the Reports API admin activity log to attach actor and time to changes. */
  reports: z.boolean().default(false),
  /** Groups whose members a round lists at once (default 4); each group's pages are still read in order. */
  membersConcurrency: membersConcurrencySchema,
});
export type GoogleConfig = z.output<typeof GoogleConfigSchema>;
export type GoogleConfigInput = z.input<typeof GoogleConfigSchema>;

export const GoogleSecretsSchema = z.object({
  privateKey: z.string().includes('PRIVATE KEY', { message: 'privateKey must be a PEM private key' }),
  privateKeyId: z.string().trim().min(1).optional(),
});
export type GoogleSecrets = z.output<typeof GoogleSecretsSchema>;

export interface ParsedServiceAccount {
  config: { clientEmail: string; clientId?: string; projectId?: string };
  secrets: GoogleSecrets;
}

/**
 * Reads a service-account key file (the JSON downloaded from the Cloud console) into the
 * non-secret config parts and the secrets. Throws a readable error for anything else: an OAuth
 * client file, an authorized_user file, a truncated download, a key that does not parse.
 */
export function parseServiceAccountFile(json: string): ParsedServiceAccount {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('the service account file is not JSON (expected the key file downloaded from the Google Cloud console)');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the service account file is not a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.type !== 'service_account') {
    const what =
      'installed' in o || 'web' in o
        ? 'an OAuth client secret file'
        : o.type === undefined
          ? 'a file without a "type"'
          : `type "${String(o.type)}"`;
    throw new Error(`the file is ${what}, not a service account key (expected "type": "service_account")`);
  }
  const str = (k: string): string | undefined =>
    typeof o[k] === 'string' && (o[k] as string).trim() !== '' ? (o[k] as string) : undefined;
  const clientEmail = str('client_email');
  const privateKey = str('private_key');
  const missing = [!clientEmail && 'client_email', !privateKey && 'private_key'].filter(Boolean);
  if (missing.length > 0) throw new Error(`the service account key file has no ${missing.join(' and no ')}`);
  if (!z.email().safeParse(clientEmail).success)
    throw new Error(`the service account key file's client_email "${clientEmail}" is not an email`);
  try {
    privateKeyFrom(privateKey!);
  } catch {
    throw new Error('the service account key file has a private_key that is not a valid PEM RSA private key');
  }
  const config: ParsedServiceAccount['config'] = { clientEmail: clientEmail! };
  const clientId = str('client_id');
  const projectId = str('project_id');
  if (clientId) config.clientId = clientId;
  if (projectId) config.projectId = projectId;
  const secrets: GoogleSecrets = { privateKey: privateKey! };
  const privateKeyId = str('private_key_id');
  if (privateKeyId) secrets.privateKeyId = privateKeyId;
  return { config, secrets };
}

/** The scopes requested (and to authorise for domain-wide delegation). */
export function googleScopes(config: Pick<GoogleConfig, 'reports'>): string[] {
  return config.reports ? [GOOGLE_SCOPES.users, GOOGLE_SCOPES.groups, GOOGLE_SCOPES.reports] : [GOOGLE_SCOPES.users, GOOGLE_SCOPES.groups];
}

// ---------------------------------------------------------------------------------------------
// Errors and throttling

const THROTTLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; errors?: { reason?: string; domain?: string; message?: string }[] } | string;
  error_description?: string;
}

function googleError(body: unknown): Exclude<GoogleErrorBody['error'], string | undefined> | null {
  const e = (body as GoogleErrorBody | null)?.error;
  return e && typeof e === 'object' ? e : null;
}

/** 403 with a rate-limit reason (Google throttles with 403 as well as 429), or RESOURCE_EXHAUSTED. */
export function isGoogleRetryable(status: number, body: unknown): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  const e = googleError(body);
  if (!e) return false;
  return e.status === 'RESOURCE_EXHAUSTED' || (e.errors ?? []).some((x) => THROTTLE_REASONS.has(x?.reason ?? ''));
}

function describeGoogleError(config: GoogleConfig, status: number, body: unknown): string | null {
  const b = body as GoogleErrorBody | null;
  // OAuth token endpoint: {"error":"invalid_grant","error_description":"…"}
  if (b && typeof b.error === 'string') {
    const text = b.error_description ? `${b.error}: ${b.error_description}` : b.error;
    if (b.error === 'unauthorized_client')
      return (
        `${text} — authorise client ID ${config.clientId ?? `of ${config.clientEmail}`} for domain-wide delegation ` +
        `(Admin console → Security → API controls) with exactly these scopes: ${googleScopes(config).join(',')}`
      );
    if (b.error === 'invalid_grant')
      return `${text} — check that ${config.subject} is an existing, unsuspended admin of the domain and that the key file is current`;
    return text;
  }
  const e = googleError(body);
  if (!e) return null;
  const reason = e.errors?.find((x) => x?.reason)?.reason ?? e.status;
  let text = [e.message ?? `HTTP ${status}`, reason ? `(${reason})` : ''].filter(Boolean).join(' ');
  if (status === 403 && /not authorized to access this resource/i.test(e.message ?? ''))
    text += ` — ${config.subject} must be an admin allowed to read users and groups`;
  if (status === 403 && reason === 'insufficientPermissions')
    text += ` — domain-wide delegation must grant ${googleScopes(config).join(',')}`;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Mapping

/** Fields that change without an admin changing anything: never diffed. */
const VOLATILE_USER_FIELDS = new Set([
  'kind',
  'etag',
  'lastLoginTime',
  'thumbnailPhotoUrl',
  'thumbnailPhotoEtag',
  'isMailboxSetup',
  'agreedToTerms',
]);
const VOLATILE_GROUP_FIELDS = new Set(['kind', 'etag', 'directMembersCount']);

interface GUser {
  id: string;
  primaryEmail: string;
  name?: { fullName?: string; displayName?: string; givenName?: string; familyName?: string };
  suspended?: boolean;
  archived?: boolean;
  lastLoginTime?: string;
  externalIds?: { value?: unknown; type?: unknown; customType?: unknown }[];
  [k: string]: unknown;
}

interface GGroup {
  id: string;
  email?: string;
  name?: string;
  [k: string]: unknown;
}

interface GMember {
  id?: string;
  email?: string;
  role?: string;
  type?: string;
  status?: string;
}

const NEVER = Date.UTC(1971, 0, 1);

/** lastLoginTime, or null when it is missing, unparsable or the 1970 epoch Google reports for "never". */
function signInTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  if (Number.isNaN(t) || t < NEVER) return null;
  return new Date(t).toISOString();
}

export function googleUserStatus(u: { suspended?: unknown; archived?: unknown }): DirUserStatus {
  if (u.archived === true) return 'archived';
  if (u.suspended === true) return 'suspended';
  return 'active';
}

function externalIdValue(u: GUser, pick: (type: string) => boolean): string | null {
  for (const x of Array.isArray(u.externalIds) ? u.externalIds : []) {
    if (x && typeof x.value === 'string' && x.value !== '' && pick(typeof x.type === 'string' ? x.type : '')) return x.value;
  }
  return null;
}

/**
 * A Directory API user → DirUser. Status: archived → archived, else suspended → suspended, else
 * active (a deleted user is simply not listed). employeeNumber: the externalIds entry of type
 * `organization` (the Admin console's "Employee ID"); externalId: the first externalIds entry of
 * any other type (account, login, network, customer, custom).
 */
export function mapGoogleUser(u: GUser): DirUser {
  const status = googleUserStatus(u);
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(u)) if (!VOLATILE_USER_FIELDS.has(k) && v !== undefined) attributes[k] = v;
  const n = u.name ?? {};
  const joined = [n.givenName, n.familyName].filter((x) => typeof x === 'string' && x !== '').join(' ');
  return {
    id: u.id,
    userName: u.primaryEmail,
    email: u.primaryEmail,
    displayName: n.fullName || n.displayName || joined || null,
    employeeNumber: externalIdValue(u, (t) => t === 'organization'),
    externalId: externalIdValue(u, (t) => t !== 'organization'),
    status,
    active: status === 'active',
    lastSignInAt: signInTime(u.lastLoginTime),
    attributes,
  };
}

export function mapGoogleGroup(g: GGroup): DirGroup {
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g)) if (!VOLATILE_GROUP_FIELDS.has(k) && v !== undefined) attributes[k] = v;
  return { id: g.id, displayName: g.name || g.email || g.id, attributes };
}

/**
 * A member → DirMember. USER → User; GROUP (nested group) → Group; EXTERNAL (an account outside
 * the customer, e.g. a personal address) → User with its Google id, which is not among the listed
 * users. CUSTOMER ("everyone in the organisation") and members without an id are skipped.
 */
export function mapGoogleMember(groupId: string, m: GMember): DirMember | null {
  if (typeof m.id !== 'string' || m.id === '') return null;
  switch (m.type) {
    case 'USER':
    case 'EXTERNAL':
      return { groupId, memberId: m.id, memberType: 'User' };
    case 'GROUP':
      return { groupId, memberId: m.id, memberType: 'Group' };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Page validation: a page that does not have the documented shape fails the round before
// anything from it is yielded.

function malformed(url: string, what: string): DirectoryHttpError {
  const shown = redactUrl(url);
  return new DirectoryHttpError('malformed', `${shown}: malformed page: ${what}`, 200, shown);
}

interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

function readPage<T>(url: string, body: unknown, key: string, check: (item: Record<string, unknown>) => string | null): Page<T> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw malformed(url, 'the body is not a JSON object');
  const b = body as Record<string, unknown>;
  const list = b[key];
  // Google omits an empty list altogether.
  if (list !== undefined && !Array.isArray(list)) throw malformed(url, `"${key}" is not an array`);
  const items = (list ?? []) as unknown[];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (!it || typeof it !== 'object' || Array.isArray(it)) throw malformed(url, `${key}[${i}] is not an object`);
    const problem = check(it as Record<string, unknown>);
    if (problem) throw malformed(url, `${key}[${i}] ${problem}`);
  }
  const next = b.nextPageToken;
  if (next !== undefined && next !== null && typeof next !== 'string') throw malformed(url, '"nextPageToken" is not a string');
  return { items: items as T[], nextPageToken: typeof next === 'string' && next !== '' ? next : null };
}

const nonEmpty = (v: unknown) => typeof v === 'string' && v !== '';
const checkUser = (u: Record<string, unknown>) =>
  !nonEmpty(u.id) ? 'has no id' : !nonEmpty(u.primaryEmail) ? `(${String(u.id)}) has no primaryEmail` : null;
const checkGroup = (g: Record<string, unknown>) => (!nonEmpty(g.id) ? 'has no id' : null);
const checkMember = (m: Record<string, unknown>) =>
  m.id !== undefined && typeof m.id !== 'string' ? 'has an id that is not a string' : null;
const checkActivity = (a: Record<string, unknown>) => {
  const id = a.id as Record<string, unknown> | undefined;
  return !id || !nonEmpty(id.time) ? 'has no id.time' : !Array.isArray(a.events) ? 'has no events' : null;
};

/** Follows pageToken until the last page; a server repeating a token would otherwise loop forever. */
async function* pages<T>(
  http: HttpClient,
  signal: AbortSignal,
  urlFor: (pageToken: string | null) => string,
  key: string,
  check: (item: Record<string, unknown>) => string | null,
): AsyncGenerator<T[], void, void> {
  let token: string | null = null;
  const seen = new Set<string>();
  do {
    const url = urlFor(token);
    const res = await http.getJson(url, { signal });
    const page: Page<T> = readPage<T>(url, res.body, key, check);
    yield page.items;
    if (page.nextPageToken !== null && seen.has(page.nextPageToken)) throw malformed(url, 'the server repeated a nextPageToken');
    if (page.nextPageToken !== null) seen.add(page.nextPageToken);
    token = page.nextPageToken;
  } while (token !== null);
}

// ---------------------------------------------------------------------------------------------
// Reports API enrichment

interface Activity {
  id: { time: string; uniqueQualifier?: string };
  actor?: { email?: string; callerType?: string; key?: string };
  events: { type?: string; name?: string; parameters?: { name?: string; value?: unknown }[] }[];
}

interface Attributions {
  users: Map<string, Attribution>;
  groups: Map<string, Attribution>;
  members: Map<string, Attribution>;
  deletedUsers: Map<string, Attribution>;
}

const lower = (s: string) => s.toLowerCase();
const memberKey = (groupEmail: string, memberEmail: string) => `${lower(groupEmail)}\n${lower(memberEmail)}`;

/** The newest admin activity per user / group / membership in the window (results come newest first; we do not rely on it). */
function collectAttributions(activities: Iterable<Activity>, into: Attributions): void {
  const keep = (map: Map<string, Attribution>, key: string, a: Attribution) => {
    const prev = map.get(key);
    if (!prev || (prev.occurredAt ?? '') < (a.occurredAt ?? '')) map.set(key, a);
  };
  for (const act of activities) {
    const t = Date.parse(act.id.time);
    if (Number.isNaN(t)) continue;
    const attribution: Attribution = {
      occurredAt: new Date(t).toISOString(),
      actor: act.actor?.email ?? act.actor?.key ?? act.actor?.callerType ?? null,
    };
    for (const ev of act.events) {
      const param = (name: string) => {
        const v = ev.parameters?.find((p) => p?.name === name)?.value;
        return typeof v === 'string' && v !== '' ? v : null;
      };
      const user = param('USER_EMAIL');
      const group = param('GROUP_EMAIL');
      if (ev.type === 'USER_SETTINGS' && user) {
        if (ev.name === 'DELETE_USER') keep(into.deletedUsers, lower(user), attribution);
        else keep(into.users, lower(user), attribution);
        const renamedTo = ev.name === 'RENAME_USER' ? param('NEW_VALUE') : null;
        if (renamedTo) keep(into.users, lower(renamedTo), attribution);
      } else if (ev.type === 'GROUP_SETTINGS' && group) {
        if (user && ev.name !== 'REMOVE_GROUP_MEMBER') keep(into.members, memberKey(group, user), attribution);
        else if (!user) keep(into.groups, lower(group), attribution);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

export interface GoogleCursor {
  /** ISO time the last round's Reports window ended at (reports on only). */
  reportsSince?: string;
}

export interface GoogleProviderOptions {
  /** Clock for assertion iat/exp and token expiry (tests). */
  now?: () => number;
}

export function createGoogleProvider(
  config: GoogleConfig,
  secrets: GoogleSecrets,
  options: GoogleProviderOptions = {},
): {
  provider: DirectoryProvider;
  auth: AuthScheme & { readonly minted: number };
  httpOptions: Pick<HttpClientOptions, 'isRetryable' | 'describeError'>;
} {
  const now = options.now ?? Date.now;
  const key = privateKeyFrom(secrets.privateKey);
  const scope = googleScopes(config).join(' ');
  const base = config.baseUrl.replace(/\/+$/, '');
  const dir = `${base}/admin/directory/v1`;

  const auth = oauthToken({
    tokenUrl: config.tokenUrl,
    now,
    form: () => ({
      grant_type: JWT_BEARER,
      assertion: signJwt(
        { alg: 'RS256', ...(secrets.privateKeyId ? { kid: secrets.privateKeyId } : {}) },
        // Google refuses assertions valid for more than an hour.
        assertionClaims({ iss: config.clientEmail, sub: config.subject, aud: config.tokenUrl, scope }, now(), 3600),
        key,
      ),
    }),
  });

  const httpOptions = {
    isRetryable: isGoogleRetryable,
    describeError: (status: number, body: unknown) => describeGoogleError(config, status, body),
  };

  /** customer= or domain= (with a domain, only that domain's objects: the snapshot is that domain). */
  const scopeParams = (q: URLSearchParams) => {
    if (config.domain) q.set('domain', config.domain);
    else q.set('customer', config.customer);
  };

  const usersUrl = (pageToken: string | null, extra: Record<string, string> = {}) => {
    const q = new URLSearchParams();
    scopeParams(q);
    q.set('maxResults', String(GOOGLE_PAGE_SIZES.users));
    q.set('projection', 'full');
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    if (pageToken) q.set('pageToken', pageToken);
    return `${dir}/users?${q}`;
  };
  const groupsUrl = (pageToken: string | null) => {
    const q = new URLSearchParams();
    scopeParams(q);
    q.set('maxResults', String(GOOGLE_PAGE_SIZES.groups));
    if (pageToken) q.set('pageToken', pageToken);
    return `${dir}/groups?${q}`;
  };
  const membersUrl = (groupId: string) => (pageToken: string | null) => {
    const q = new URLSearchParams({ maxResults: String(GOOGLE_PAGE_SIZES.members) });
    if (pageToken) q.set('pageToken', pageToken);
    return `${dir}/groups/${encodeURIComponent(groupId)}/members?${q}`;
  };
  const activitiesUrl = (startTime: string, endTime: string) => (pageToken: string | null) => {
    const q = new URLSearchParams({ startTime, endTime, maxResults: String(GOOGLE_PAGE_SIZES.activities) });
    if (config.customer !== 'my_customer') q.set('customerId', config.customer);
    if (pageToken) q.set('pageToken', pageToken);
    return `${base}/admin/reports/v1/activity/users/all/applications/admin?${q}`;
  };

  async function readAttributions(ctx: SyncContext, since: string, until: string): Promise<Attributions> {
    const into: Attributions = { users: new Map(), groups: new Map(), members: new Map(), deletedUsers: new Map() };
    const start = new Date(Math.max(Date.parse(since) - REPORTS_OVERLAP_MS, Date.parse(until) - 180 * 86_400_000)).toISOString();
    for await (const items of pages<Activity>(ctx.http, ctx.signal, activitiesUrl(start, until), 'items', checkActivity))
      collectAttributions(items, into);
    return into;
  }

  const provider: DirectoryProvider = {
    kind: 'google',

    async *sync(ctx: SyncContext): AsyncGenerator<SyncPage, SyncResult, void> {
      const { http, signal } = ctx;
      const roundStart = ctx.now().toISOString();
      const prev = (ctx.cursor ?? null) as GoogleCursor | null;

      // Attribution for the changes since the last round. The first round has nothing to
      // attribute (everything is new to Rollcall), so it only starts the window.
      let attr: Attributions | null = null;
      if (config.reports && typeof prev?.reportsSince === 'string' && !Number.isNaN(Date.parse(prev.reportsSince)))
        attr = await readAttributions(ctx, prev.reportsSince, roundStart);
      const attach = <T extends Attribution>(obj: T, a: Attribution | undefined): T => (a ? { ...obj, ...a } : obj);

      for await (const items of pages<GUser>(http, signal, (t) => usersUrl(t), 'users', checkUser)) {
        yield {
          phase: 'users',
          users: items.map((u) => attach(mapGoogleUser(u), attr?.users.get(lower(u.primaryEmail)))),
        };
      }

      // Deletions are implied by the snapshot; when the admin log names who deleted whom, hand
      // the engine those deletions explicitly so the user.deleted events carry actor and time.
      // The ids come from the recently-deleted list (showDeleted=true), the log only has emails.
      if (attr && attr.deletedUsers.size > 0) {
        for await (const items of pages<GUser>(http, signal, (t) => usersUrl(t, { showDeleted: 'true' }), 'users', checkUser)) {
          const removedUsers: RemovedObject[] = [];
          for (const u of items) {
            const a = attr.deletedUsers.get(lower(u.primaryEmail));
            if (a) removedUsers.push({ id: u.id, ...a });
          }
          if (removedUsers.length > 0) yield { phase: 'changes', removedUsers };
        }
      }

      /** One group's members, a page at a time (the request's signal aborts with the other groups'). */
      async function* groupMembers(g: GGroup, groupSignal: AbortSignal): AsyncGenerator<DirMember[], void, void> {
        try {
          for await (const members of pages<GMember>(http, groupSignal, membersUrl(g.id), 'members', checkMember)) {
            const out: DirMember[] = [];
            for (const m of members) {
              const dm = mapGoogleMember(g.id, m);
              if (!dm) continue;
              out.push(attach(dm, g.email && m.email ? attr?.members.get(memberKey(g.email, m.email)) : undefined));
            }
            yield out;
          }
        } catch (err) {
          // Deleted between the groups page and its members: it will be absent next round.
          if (err instanceof DirectoryHttpError && err.status === 404) return;
          throw err;
        }
      }

      const concurrency = config.membersConcurrency ?? DEFAULT_MEMBERS_CONCURRENCY;
      let batch: DirMember[] = [];
      for await (const groups of pages<GGroup>(http, signal, groupsUrl, 'groups', checkGroup)) {
        yield {
          phase: 'groups',
          groups: groups.map((g) => attach(mapGoogleGroup(g), g.email ? attr?.groups.get(lower(g.email)) : undefined)),
        };
        // This page's groups, a few at a time; pages of different groups interleave in the batches.
        for await (const members of mergeConcurrent(groups, groupMembers, { concurrency, signal })) {
          for (const m of members) batch.push(m);
          if (batch.length >= MEMBER_BATCH) {
            yield { phase: 'members', members: batch };
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield { phase: 'members', members: batch };

      return { mode: 'snapshot', cursor: config.reports ? ({ reportsSince: roundStart } satisfies GoogleCursor) : null };
    },

    async test(http: HttpClient, signal: AbortSignal): Promise<string> {
      const url = usersUrl(null, { maxResults: '1', projection: 'basic' });
      const res = await http.getJson(url, { signal });
      const page = readPage<GUser>(url, res.body, 'users', checkUser);
      if (config.reports) {
        const until = new Date(now()).toISOString();
        const since = new Date(now() - 3_600_000).toISOString();
        const reportsUrl = activitiesUrl(since, until)(null).replace(/maxResults=\d+/, 'maxResults=1');
        readPage(reportsUrl, (await http.getJson(reportsUrl, { signal })).body, 'items', checkActivity);
      }
      const where = config.domain
        ? `domain ${config.domain}`
        : config.customer === 'my_customer'
          ? 'the customer'
          : `customer ${config.customer}`;
      const customerId = typeof page.items[0]?.customerId === 'string' ? ` (${page.items[0].customerId})` : '';
      return (
        `${config.clientEmail} impersonating ${config.subject} can read users and groups of ${where}${customerId}` +
        (config.reports ? ' and the admin activity log' : '')
      );
    },
  };

  return { provider, auth, httpOptions };
}

/** For the registry (providers/index.ts). */
export const googleModule: ProviderModule = {
  kind: 'google',
  label: 'Google Workspace',
  configSchema: GoogleConfigSchema,
  secretsSchema: GoogleSecretsSchema,
  create: (config: GoogleConfig, secrets: GoogleSecrets) => createGoogleProvider(config, secrets),
};
