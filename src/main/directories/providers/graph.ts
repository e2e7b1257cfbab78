/**
 * Microsoft Graph (Entra ID) directory provider: client-credentials token (secret or certificate
 * assertion), users and groups read through `users/delta` and `groups/delta`, which serve both
 * the initial full read (a snapshot round) and the later change rounds (delta rounds).
 *
 * What Graph returns, and what this module relies on (docs/directories/entra.md has the detail):
 * - Requests go out without `Prefer: return=minimal`, so a changed user comes back with every
 *   `$select`ed property (unchanged ones with their old value; properties never set are absent,
 *   which we read as null). A user object lacking userPrincipalName or accountEnabled is therefore
 *   not expected; should one come anyway, it is re-read by id rather than yielded half-empty.
 * - A group can come as `id` + `members@delta` only (continuation pages of a large group, and
 *   membership-only changes in some tenants). Such an object carries no group properties and we
 *   yield only its membership changes, never a group with an empty name.
 * - `@removed` on a user or group (reason `changed` = soft delete, restorable for 30 days;
 *   `deleted` = hard delete) → removedUsers / removedGroups. Inside `members@delta` it is a
 *   membership that ended. Members other than users and groups (devices, service principals,
 *   contacts) are skipped.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { DirectoryHttpError, oauthToken, redactUrl, type AuthScheme, type HttpClient, type HttpClientOptions } from '../http';
import { assertionClaims, certificateThumbprintS256, privateKeyFrom, signJwt } from '../jwt';
import type { ProviderModule } from '../registry';
import type { DirGroup, DirMember, DirUser, DirectoryProvider, RemovedObject, SyncContext, SyncPage, SyncResult } from '../types';

// ---------------------------------------------------------------------------------------------
// Configuration

const baseUrl = (what: string) =>
  z
    .string({ error: `${what} must be a URL` })
    .trim()
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash;
      } catch {
        return false;
      }
    }, `${what} must be an http(s) URL without query or fragment, e.g. https://graph.microsoft.com`)
    .transform((s) => s.replace(/\/+$/, ''));

export const GraphConfigSchema = z
  .object({
    /** Directory (tenant) id: a GUID, or a verified domain such as contoso.onmicrosoft.com. */
    tenantId: z
      .string({ error: 'tenantId is required' })
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'tenantId must be the tenant GUID or a domain such as contoso.onmicrosoft.com'),
    /** Application (client) id of the app registration. */
    clientId: z.string({ error: 'clientId is required' }).trim().min(1, 'clientId is required'),
    /** Microsoft identity platform host; national clouds differ (login.microsoftonline.us, login.chinacloudapi.cn…). */
    authorityUrl: baseUrl('authorityUrl').default('https://login.microsoftonline.com'),
    /** Graph host; national clouds differ (graph.microsoft.us, microsoftgraph.chinacloudapi.cn…). The token scope is `${graphUrl}/.default`. */
    graphUrl: baseUrl('graphUrl').default('https://graph.microsoft.com'),
    auth: z.enum(['secret', 'certificate'], { error: "auth must be 'secret' or 'certificate'" }).default('secret'),
    /** The certificate registered on the app (PEM; public, not a secret). Its SHA-256 thumbprint goes into the assertion. */
    certificate: z.string().trim().optional(),
    /**
     * Or the thumbprint alone: 64 hex digits or base64url (SHA-256, sent as `x5t#S256`), or the
     * 40 hex digits the Entra portal shows (SHA-1, sent as `x5t`).
     */
    certificateThumbprint: z.string().trim().optional(),
    /** `Prefer: odata.maxpagesize` on every request; Graph may send fewer. */
    pageSize: z.number().int().min(1).max(999).default(999),
  })
  .superRefine((c, ctx) => {
    if (c.auth !== 'certificate') return;
    if (!c.certificate && !c.certificateThumbprint) {
      ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'certificate auth needs the certificate (PEM) or its thumbprint' });
    }
    if (c.certificate) {
      try {
        new X509Certificate(c.certificate);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'certificate is not a valid PEM X.509 certificate' });
      }
    }
    if (c.certificateThumbprint && thumbprintHeader(c.certificateThumbprint) === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['certificateThumbprint'],
        message: 'certificateThumbprint must be SHA-256 (64 hex digits or base64url) or SHA-1 (40 hex digits)',
      });
    }
  });

export const GraphSecretsSchema = z.object({
  /** Client secret value (not the secret's id). */
  clientSecret: z.string().min(1, 'clientSecret is empty').optional(),
  /** PEM private key of the certificate, for certificate auth. */
  privateKey: z.string().min(1, 'privateKey is empty').optional(),
});

export type GraphConfig = z.output<typeof GraphConfigSchema>;
export type GraphConfigInput = z.input<typeof GraphConfigSchema>;
export type GraphSecrets = z.output<typeof GraphSecretsSchema>;

function parseOrExplain<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new Error(`Entra directory ${what} invalid: ${issues.join('; ')}`);
}

/** The JWT header entry naming the certificate, from a thumbprint in any of the accepted spellings. */
function thumbprintHeader(t: string): Record<string, string> | null {
  const s = t.replace(/[\s:]/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(s)) return { 'x5t#S256': Buffer.from(s, 'hex').toString('base64url') };
  if (/^[0-9a-fA-F]{40}$/.test(s)) return { x5t: Buffer.from(s, 'hex').toString('base64url') };
  if (/^[A-Za-z0-9_-]{43}$/.test(s)) return { 'x5t#S256': s };
  return null;
}

// ---------------------------------------------------------------------------------------------
// What we ask for

/** Stable user properties, tracked by users/delta and kept as attributes. */
export const USER_SELECT = [
  'id',
  'userPrincipalName',
  'mail',
  'displayName',
  'givenName',
  'surname',
  'accountEnabled',
  'userType',
  'employeeId',
  'employeeType',
  'jobTitle',
  'department',
  'companyName',
  'officeLocation',
  'onPremisesImmutableId',
  'onPremisesSyncEnabled',
  'createdDateTime',
] as const;

/** Group properties kept as attributes (besides id and displayName). */
export const GROUP_PROPS = ['description', 'mail', 'mailEnabled', 'securityEnabled', 'groupTypes'] as const;
const GROUP_SELECT = ['displayName', ...GROUP_PROPS, 'members'];

/** A deltaLink older than this is not trusted (Graph keeps directory state about 7 days). */
export const DELTA_LINK_MAX_AGE_MS = 6 * 24 * 3600 * 1000;

const CursorLink = z.object({ deltaLink: z.string().min(1), at: z.string().min(1) });
const GraphCursor = z.object({ v: z.literal(1), users: CursorLink, groups: CursorLink });
export type GraphCursor = z.infer<typeof GraphCursor>;

// ---------------------------------------------------------------------------------------------
// Errors

interface GraphErrorBody {
  error?: { code?: unknown; message?: unknown; innerError?: { code?: unknown } } | string;
  error_description?: unknown;
}

/** `code: message` from Graph's `{error:{code,message}}` or the token endpoint's `{error, error_description}`. */
export function describeGraphError(_status: number, body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as GraphErrorBody;
  if (typeof b.error === 'string') {
    // AADSTS descriptions run on with trace and correlation ids; the first line is the message.
    const desc = typeof b.error_description === 'string' ? b.error_description.split(/\r?\n/)[0]!.trim() : '';
    return desc ? `${b.error}: ${desc}` : b.error;
  }
  if (b.error && typeof b.error === 'object') {
    const code = typeof b.error.code === 'string' ? b.error.code : null;
    const message = typeof b.error.message === 'string' ? b.error.message : null;
    if (code && message) return `${code}: ${message}`;
    return code ?? message;
  }
  return null;
}

const TRANSIENT_CODES = new Set(['TooManyRequests', 'activityLimitReached', 'serviceNotAvailable', 'throttledRequest']);

/** Besides 429/5xx (retried by http.ts anyway): Graph's throttling codes on whatever status they come with. */
export function isGraphRetryable(_status: number, body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const e = (body as GraphErrorBody).error;
  if (!e || typeof e !== 'object') return false;
  return (
    (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) ||
    (typeof e.innerError?.code === 'string' && TRANSIENT_CODES.has(e.innerError.code))
  );
}

const RESYNC_CODES = new Set(['syncStateNotFound', 'resyncRequired', 'syncStateInvalid']);

/** Graph says the delta state is gone (by status 410 or by the error's code): start again with an initial round. */
export function needsResync(err: unknown): boolean {
  if (!(err instanceof DirectoryHttpError)) return false;
  if (err.status === 410) return true;
  if (err.status === null || err.status < 400 || err.status >= 500) return false;
  const e = err.body && typeof err.body === 'object' ? (err.body as GraphErrorBody).error : undefined;
  if (!e || typeof e !== 'object') return false;
  return (
    (typeof e.code === 'string' && RESYNC_CODES.has(e.code)) ||
    (typeof e.innerError?.code === 'string' && RESYNC_CODES.has(e.innerError.code))
  );
}

function malformed(url: string, what: string): DirectoryHttpError {
  const shown = redactUrl(url);
  return new DirectoryHttpError('malformed', `${shown}: malformed Graph page: ${what}`, 200, shown);
}

// ---------------------------------------------------------------------------------------------
// Mapping

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Graph user → DirUser. Null when the object lacks what every full user has (then we re-read it). */
export function mapGraphUser(u: Json): DirUser | null {
  const id = u.id as string;
  if (typeof u.userPrincipalName !== 'string' || typeof u.accountEnabled !== 'boolean') return null;
  const attributes: Json = {};
  for (const k of USER_SELECT) if (k !== 'id') attributes[k] = u[k] ?? null;
  const enabled = u.accountEnabled;
  return {
    id,
    userName: u.userPrincipalName,
    email: str(u.mail),
    displayName: str(u.displayName),
    employeeNumber: str(u.employeeId),
    externalId: str(u.onPremisesImmutableId),
    status: enabled ? 'active' : 'disabled',
    active: enabled,
    lastSignInAt: null,
    attributes,
  };
}

/** The group's own properties, or null when the object carries none (a membership-only object). */
export function mapGraphGroup(g: Json): DirGroup | 'partial' | null {
  const hasProps = 'displayName' in g || GROUP_PROPS.some((k) => k in g);
  if (!hasProps) return null;
  if (typeof g.displayName !== 'string') return 'partial';
  const attributes: Json = {};
  for (const k of GROUP_PROPS) attributes[k] = g[k] ?? null;
  return { id: g.id as string, displayName: g.displayName, attributes };
}

function memberType(odataType: unknown): DirMember['memberType'] | null {
  if (odataType === '#microsoft.graph.user') return 'User';
  if (odataType === '#microsoft.graph.group') return 'Group';
  return null;
}

// ---------------------------------------------------------------------------------------------
// The provider

interface DeltaPage {
  url: string;
  value: Json[];
  nextLink: string | null;
  deltaLink: string | null;
}

export interface GraphProvider {
  provider: DirectoryProvider;
  auth: AuthScheme;
  httpOptions: Pick<HttpClientOptions, 'isRetryable' | 'describeError'>;
}

export function createGraphProvider(configInput: GraphConfigInput, secretsInput: unknown): GraphProvider {
  const config = parseOrExplain(GraphConfigSchema, configInput, 'settings');
  const secrets = parseOrExplain(GraphSecretsSchema, secretsInput ?? {}, 'secrets');
  const tokenUrl = `${config.authorityUrl}/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`;
  const graphOrigin = new URL(config.graphUrl).origin;
  const scope = `${config.graphUrl}/.default`;

  let credential: () => Record<string, string>;
  if (config.auth === 'secret') {
    const secret = secrets.clientSecret;
    if (!secret) throw new Error('Entra directory secrets invalid: clientSecret is required for secret auth');
    credential = () => ({ client_secret: secret });
  } else {
    if (!secrets.privateKey) throw new Error('Entra directory secrets invalid: privateKey (PEM) is required for certificate auth');
    const key = privateKeyFrom(secrets.privateKey);
    const kid = config.certificate
      ? { 'x5t#S256': certificateThumbprintS256(config.certificate) }
      : thumbprintHeader(config.certificateThumbprint ?? '')!;
    credential = () => {
      const claims = assertionClaims({ iss: config.clientId, sub: config.clientId, aud: tokenUrl }, Date.now(), 600);
      return {
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: signJwt({ alg: 'PS256', ...kid }, { ...claims, nbf: claims.iat }, key),
      };
    };
  }

  const auth = oauthToken({
    tokenUrl,
    form: () => ({ grant_type: 'client_credentials', client_id: config.clientId, scope, ...credential() }),
  });

  const usersDeltaUrl = `${config.graphUrl}/v1.0/users/delta?$select=${USER_SELECT.join(',')}`;
  const groupsDeltaUrl = `${config.graphUrl}/v1.0/groups/delta?$select=${GROUP_SELECT.join(',')}`;
  const prefer = { prefer: `odata.maxpagesize=${config.pageSize}` };

  /** Never send the token anywhere but the configured Graph host. */
  const checkLink = (link: string, from: string): string => {
    let origin: string;
    try {
      origin = new URL(link).origin;
    } catch {
      throw malformed(from, 'a paging link that is not a URL');
    }
    if (origin !== graphOrigin) throw malformed(from, `a paging link to ${origin}, not the configured Graph host ${graphOrigin}`);
    return link;
  };

  const fetchPage = async (http: HttpClient, url: string, signal: AbortSignal): Promise<DeltaPage> => {
    const res = await http.getJson(url, { headers: prefer, signal });
    const body = res.body;
    if (!isObj(body)) throw malformed(url, 'the body is not a JSON object');
    const value = body.value;
    if (!Array.isArray(value)) throw malformed(url, '"value" is not an array');
    for (let i = 0; i < value.length; i++) {
      const o: unknown = value[i];
      if (!isObj(o) || typeof o.id !== 'string' || o.id === '') throw malformed(url, `value[${i}] has no string id`);
    }
    const next = body['@odata.nextLink'];
    const delta = body['@odata.deltaLink'];
    if (next !== undefined && typeof next !== 'string') throw malformed(url, '@odata.nextLink is not a string');
    if (delta !== undefined && typeof delta !== 'string') throw malformed(url, '@odata.deltaLink is not a string');
    if ((next === undefined) === (delta === undefined))
      throw malformed(url, 'expected exactly one of @odata.nextLink and @odata.deltaLink');
    return {
      url,
      value: value as Json[],
      nextLink: next === undefined ? null : checkLink(next, url),
      deltaLink: delta === undefined ? null : checkLink(delta, url),
    };
  };

  /** Re-read one object by id (an unexpectedly partial delta object). Null if it is gone by now. */
  const reread = async (http: HttpClient, path: string, select: readonly string[], signal: AbortSignal): Promise<Json | null> => {
    const url = `${config.graphUrl}/v1.0/${path}?$select=${select.join(',')}`;
    try {
      const res = await http.getJson(url, { signal });
      if (!isObj(res.body) || typeof res.body.id !== 'string') throw malformed(url, 'the object has no id');
      return res.body;
    } catch (err) {
      if (err instanceof DirectoryHttpError && err.status === 404) return null;
      throw err;
    }
  };

  async function toUserPage(http: HttpClient, page: DeltaPage, signal: AbortSignal, phase: SyncPage['phase']): Promise<SyncPage> {
    const users: DirUser[] = [];
    const removedUsers: RemovedObject[] = [];
    for (let i = 0; i < page.value.length; i++) {
      const o = page.value[i]!;
      if ('@removed' in o) {
        removedUsers.push({ id: o.id as string });
        continue;
      }
      let u = mapGraphUser(o);
      if (!u) {
        const full = await reread(http, `users/${encodeURIComponent(o.id as string)}`, USER_SELECT, signal);
        if (!full) continue; // gone since; the next round reports its removal
        u = mapGraphUser(full);
        if (!u) throw malformed(page.url, `user ${String(o.id)} has no userPrincipalName or accountEnabled`);
      }
      users.push(u);
    }
    return { users, removedUsers, phase };
  }

  async function toGroupPage(http: HttpClient, page: DeltaPage, signal: AbortSignal, phase: SyncPage['phase']): Promise<SyncPage> {
    const groups: DirGroup[] = [];
    const removedGroups: RemovedObject[] = [];
    const members: DirMember[] = [];
    const removedMembers: DirMember[] = [];
    for (let i = 0; i < page.value.length; i++) {
      const o = page.value[i]!;
      const groupId = o.id as string;
      if ('@removed' in o) {
        removedGroups.push({ id: groupId });
        continue;
      }
      let g = mapGraphGroup(o);
      if (g === 'partial') {
        const full = await reread(http, `groups/${encodeURIComponent(groupId)}`, ['id', 'displayName', ...GROUP_PROPS], signal);
        g = full ? mapGraphGroup(full) : null;
        if (g === 'partial') throw malformed(page.url, `group ${groupId} has no displayName`);
      }
      if (g) groups.push(g);
      const delta = o['members@delta'];
      if (delta === undefined) continue;
      if (!Array.isArray(delta)) throw malformed(page.url, `members@delta of group ${groupId} is not an array`);
      for (const m of delta as unknown[]) {
        if (!isObj(m) || typeof m.id !== 'string') throw malformed(page.url, `a member of group ${groupId} has no id`);
        const type = memberType(m['@odata.type']);
        if (!type) continue; // devices, service principals, contacts: not people, not groups
        const entry: DirMember = { groupId, memberId: m.id, memberType: type };
        if ('@removed' in m) removedMembers.push(entry);
        else members.push(entry);
      }
    }
    return { groups, removedGroups, members, removedMembers, phase };
  }

  /**
   * One collection's round: pages from `first` (already fetched) or `start`, until the deltaLink.
   * Returns the new deltaLink.
   */
  async function* round(
    ctx: SyncContext,
    start: string,
    first: DeltaPage | null,
    convert: (http: HttpClient, page: DeltaPage, signal: AbortSignal, phase: SyncPage['phase']) => Promise<SyncPage>,
    phase: SyncPage['phase'],
  ): AsyncGenerator<SyncPage, string, void> {
    let page = first ?? (await fetchPage(ctx.http, start, ctx.signal));
    for (;;) {
      yield await convert(ctx.http, page, ctx.signal, phase);
      if (page.deltaLink) return page.deltaLink;
      const next = page.nextLink!;
      try {
        page = await fetchPage(ctx.http, next, ctx.signal);
      } catch (err) {
        if (needsResync(err)) {
          throw new DirectoryHttpError(
            'http',
            `Graph dropped the delta state in the middle of a round (${(err as Error).message}); the next sync starts over`,
            (err as DirectoryHttpError).status,
            redactUrl(next),
          );
        }
        throw err;
      }
    }
  }

  const provider: DirectoryProvider = {
    kind: 'entra',

    async *sync(ctx: SyncContext): AsyncGenerator<SyncPage, SyncResult, void> {
      const startedAt = ctx.now();
      const parsed = GraphCursor.safeParse(ctx.cursor);
      let cursor = parsed.success ? parsed.data : null;
      if (cursor) {
        const tooOld = [cursor.users, cursor.groups].some((l) => {
          const at = Date.parse(l.at);
          return Number.isNaN(at) || startedAt.getTime() - at > DELTA_LINK_MAX_AGE_MS;
        });
        const elsewhere = [cursor.users, cursor.groups].some((l) => {
          try {
            return new URL(l.deltaLink).origin !== graphOrigin;
          } catch {
            return true;
          }
        });
        if (tooOld || elsewhere) cursor = null;
      }

      // Delta round: fetch the first page of both collections before yielding anything, so a
      // 410 on either turns the whole round into a snapshot before any delta page was applied.
      let usersFirst: DeltaPage | null = null;
      let groupsFirst: DeltaPage | null = null;
      let mode: SyncResult['mode'] = ctx.full || !cursor ? 'snapshot' : 'delta';
      if (mode === 'delta' && cursor) {
        try {
          usersFirst = await fetchPage(ctx.http, cursor.users.deltaLink, ctx.signal);
          groupsFirst = await fetchPage(ctx.http, cursor.groups.deltaLink, ctx.signal);
        } catch (err) {
          if (!needsResync(err)) throw err;
          mode = 'snapshot';
          usersFirst = groupsFirst = null;
        }
      }

      const usersPhase = mode === 'delta' ? 'changes' : 'users';
      const groupsPhase = mode === 'delta' ? 'changes' : 'groups';
      const usersLink = yield* round(ctx, usersDeltaUrl, usersFirst, toUserPage, usersPhase);
      const usersAt = ctx.now().toISOString();
      const groupsLink = yield* round(ctx, groupsDeltaUrl, groupsFirst, toGroupPage, groupsPhase);
      const next: GraphCursor = {
        v: 1,
        users: { deltaLink: usersLink, at: usersAt },
        groups: { deltaLink: groupsLink, at: ctx.now().toISOString() },
      };
      return { mode, cursor: next };
    },

    async test(http: HttpClient, signal: AbortSignal): Promise<string> {
      // Both calls are what a sync needs (User.Read.All, Group/GroupMember.Read.All).
      await http.getJson(`${config.graphUrl}/v1.0/users?$top=1&$select=id`, { signal });
      await http.getJson(`${config.graphUrl}/v1.0/groups?$top=1&$select=id`, { signal });
      return `Entra tenant ${config.tenantId}: users and groups readable through ${config.graphUrl} (${config.auth} auth)`;
    },
  };

  return { provider, auth, httpOptions: { isRetryable: isGraphRetryable, describeError: describeGraphError } };
}

/** The registry's entry for Entra (providers/index.ts: `entra: graphProviderModule`). */
export const graphProviderModule: ProviderModule = {
  kind: 'entra',
  label: 'Microsoft Entra ID',
  configSchema: GraphConfigSchema,
  secretsSchema: GraphSecretsSchema,
  create: (config: GraphConfigInput, secrets: GraphSecrets) => createGraphProvider(config, secrets),
};
