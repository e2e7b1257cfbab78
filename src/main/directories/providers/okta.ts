/**
 * Okta directory provider (Management API, plain fetch through the shared HttpClient).
 *
 * Full round (snapshot): every user — the plain listing plus `filter=status eq "DEPROVISIONED"`,
 * which the plain listing omits — every group, every group's members, each yielded page by page
 * (the members of `membersConcurrency` groups are listed at once, each group's pages in order);
 * then the System Log from just before the round started, so anything that changed while the
 * directory was being listed is read again before the round ends, and the log position is known.
 *
 * Incremental round (delta): the System Log from the stored `next` URL until a page comes back
 * empty (the polling `next` link never ends). Each user or group an event touches is fetched once
 * (404 → removed), with the latest event's time and actor; membership events become member
 * changes. A full reconcile runs again after `fullSyncEveryHours`.
 *
 * docs/directories/okta.md describes setup, the status mapping, and what is not supported.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DirectoryHttpError, oauthToken, staticAuth, type AuthScheme, type HttpClient, type HttpClientOptions } from '../http';
import { assertionClaims, privateKeyFrom, signJwt } from '../jwt';
import type { ProviderModule } from '../registry';
import type { DirGroup, DirMember, DirUser, DirectoryProvider, RemovedObject, SyncContext, SyncPage, SyncResult } from '../types';
import { DEFAULT_MEMBERS_CONCURRENCY } from '../../../shared/contract';
import { membersConcurrencySchema, mergeConcurrent } from './concurrent';
import {
  actorOf,
  checkArray,
  checkGroup,
  checkLogEvent,
  checkMemberId,
  checkUser,
  parseLinkHeader,
  targetOf,
  toDirGroup,
  toDirUser,
  type OktaLogEvent,
} from './okta/wire';

export { mapOktaStatus, parseLinkHeader, toDirUser, toDirGroup } from './okta/wire';

export const DEFAULT_OKTA_SCOPES = ['okta.users.read', 'okta.groups.read', 'okta.logs.read'] as const;

const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === 'localhost' || host === '[::1]';

/** An http(s) URL: https, or http for a loopback test server only. */
function checkedUrl(raw: string, ctx: z.RefinementCtx, what: string): URL | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${raw}" is not a URL (expected ${what})` });
    return null;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
    ctx.addIssue({
      code: 'custom',
      message: `must use https:// (http:// is accepted only for a loopback test server), got ${u.protocol}//`,
    });
    return null;
  }
  if (u.username || u.password) {
    ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
    return null;
  }
  return u;
}

const orgUrl = z
  .string({ message: 'baseUrl is required: the Okta org URL, e.g. https://acme.okta.com' })
  .trim()
  .transform((raw, ctx) => {
    const u = checkedUrl(raw, ctx, 'the Okta org URL, e.g. https://acme.okta.com');
    if (!u) return z.NEVER;
    if (/-admin\./i.test(u.hostname)) {
      ctx.addIssue({
        code: 'custom',
        message: `${u.host} is the Admin Console address; use the org URL without "-admin" (${u.protocol}//${u.host.replace(/-admin\./i, '.')})`,
      });
      return z.NEVER;
    }
    if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
      ctx.addIssue({ code: 'custom', message: `must be the org URL without a path or query (e.g. ${u.origin}), got ${raw}` });
      return z.NEVER;
    }
    return u.origin;
  });

const tokenUrl = z
  .string()
  .trim()
  .transform((raw, ctx) => (checkedUrl(raw, ctx, 'the token endpoint, e.g. https://acme.okta.com/oauth2/v1/token') ? raw : z.NEVER));

const pageSize = (max: number, dflt: number) =>
  z
    .number({ message: `must be a number between 1 and ${max}` })
    .int()
    .min(1)
    .max(max)
    .default(dflt);

/** Non-secret settings of an Okta directory. */
export const OktaConfigSchema = z
  .object({
    baseUrl: orgUrl,
    auth: z.enum(['ssws', 'oauth'], { message: 'auth must be "ssws" (API token) or "oauth" (OAuth 2.0 service app)' }).default('ssws'),
    /** OAuth service app: its client ID. */
    clientId: z.string().trim().min(1, 'clientId must not be empty').optional(),
    /** OAuth service app: the `kid` of the registered public key (taken from a JWK private key when absent). */
    keyId: z.string().trim().min(1, 'keyId must not be empty').optional(),
    scopes: z
      .union([z.string(), z.array(z.string())], { message: 'scopes must be a space-separated string or a list of scopes' })
      .default(DEFAULT_OKTA_SCOPES.join(' '))
      .transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/)).map((s) => s.trim()).filter(Boolean)),
    tokenUrl: tokenUrl.optional(),
    fullSyncEveryHours: z
      .number({ message: 'fullSyncEveryHours must be a number of hours' })
      .positive('fullSyncEveryHours must be more than 0')
      .max(24 * 30, 'fullSyncEveryHours must be at most 720 (30 days; the System Log keeps 90)')
      .default(24),
    usersPageSize: pageSize(200, 200),
    groupsPageSize: pageSize(10_000, 200),
    membersPageSize: pageSize(1000, 200),
    logsPageSize: pageSize(1000, 1000),
    /** Groups whose members a full round lists at once (default 4); each group's pages are still read in order. */
    membersConcurrency: membersConcurrencySchema,
  })
  .superRefine((c, ctx) => {
    if (c.auth === 'oauth' && !c.clientId)
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'clientId is required for auth "oauth" (the service app\'s client ID)' });
    if (c.auth === 'oauth' && c.scopes.length === 0)
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'at least one scope is required' });
  });

export type OktaConfigInput = z.input<typeof OktaConfigSchema>;
export type OktaConfig = z.output<typeof OktaConfigSchema>;

/** Secrets of an Okta directory (stored encrypted by the caller). */
export const OktaSecretsSchema = z.object({
  /** SSWS API token (a leading "SSWS " is tolerated). */
  apiToken: z.string().trim().min(1, 'apiToken must not be empty').optional(),
  /** OAuth service app: the RSA private key, PEM or JWK (object or JSON text). */
  privateKey: z.union([z.string().trim().min(1, 'privateKey must not be empty'), z.record(z.string(), z.unknown())]).optional(),
});
export type OktaSecrets = z.input<typeof OktaSecretsSchema>;

export class OktaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OktaConfigError';
  }
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export function parseOktaConfig(input: unknown): OktaConfig {
  const r = OktaConfigSchema.safeParse(input);
  if (!r.success) throw new OktaConfigError(`Okta directory settings: ${issuesText(r.error)}`);
  return r.data;
}

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function oauthKey(material: string | Record<string, unknown>): { key: KeyObject; kid: string | null } {
  let jwk: Record<string, unknown> | null = typeof material === 'string' ? null : material;
  if (typeof material === 'string' && material.startsWith('{')) {
    try {
      jwk = JSON.parse(material) as Record<string, unknown>;
    } catch {
      throw new OktaConfigError('Okta directory secrets: privateKey looks like JSON but does not parse as a JWK');
    }
  }
  let key: KeyObject;
  try {
    key = privateKeyFrom(jwk ?? (material as string));
  } catch (err) {
    throw new OktaConfigError(`Okta directory secrets: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new OktaConfigError(
      `Okta directory secrets: the private key is ${key.asymmetricKeyType ?? 'not RSA'}; Rollcall signs RS256 and needs an RSA key`,
    );
  return { key, kid: jwk && typeof jwk.kid === 'string' ? jwk.kid : null };
}

export interface OktaProviderOptions {
  /** Clock for client assertions and the token cache (tests). */
  now?: () => number;
  /** Users fetched at once in an incremental round (default 4). */
  concurrency?: number;
  /** Log pages read in one round before the rest waits for the next round (default 50). */
  maxLogPages?: number;
}

export interface OktaSetup {
  provider: DirectoryProvider;
  auth: AuthScheme;
  httpOptions: Pick<HttpClientOptions, 'isRetryable' | 'describeError'>;
}

export function createOktaProvider(
  configInput: OktaConfigInput | OktaConfig,
  secretsInput: OktaSecrets,
  options: OktaProviderOptions = {},
): OktaSetup {
  const config = parseOktaConfig(configInput);
  const s = OktaSecretsSchema.safeParse(secretsInput ?? {});
  if (!s.success) throw new OktaConfigError(`Okta directory secrets: ${issuesText(s.error)}`);
  const secrets = s.data;
  let auth: AuthScheme;
  if (config.auth === 'ssws') {
    if (!secrets.apiToken) throw new OktaConfigError('Okta directory secrets: apiToken is required for auth "ssws" (an Okta API token)');
    auth = staticAuth(`SSWS ${secrets.apiToken.replace(/^SSWS\s+/i, '')}`);
  } else {
    if (!secrets.privateKey)
      throw new OktaConfigError(
        'Okta directory secrets: privateKey is required for auth "oauth" (the service app\'s RSA private key, PEM or JWK)',
      );
    const { key, kid } = oauthKey(secrets.privateKey);
    const keyId = config.keyId ?? kid;
    const url = config.tokenUrl ?? `${config.baseUrl}/oauth2/v1/token`;
    const clientId = config.clientId!;
    const now = options.now ?? Date.now;
    auth = oauthToken({
      tokenUrl: url,
      now,
      form: () => ({
        grant_type: 'client_credentials',
        scope: config.scopes.join(' '),
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: signJwt(
          keyId ? { alg: 'RS256', kid: keyId } : { alg: 'RS256' },
          assertionClaims({ iss: clientId, sub: clientId, aud: url }, now(), 300),
          key,
        ),
      }),
    });
  }
  return {
    provider: new OktaProvider(config, options),
    auth,
    httpOptions: { isRetryable: oktaIsRetryable, describeError: describeOktaError },
  };
}

/** Okta for the directory registry (providers/index.ts). */
export const oktaModule: ProviderModule = {
  kind: 'okta',
  label: 'Okta',
  configSchema: OktaConfigSchema,
  secretsSchema: OktaSecretsSchema,
  create: (config: OktaConfig, secrets: OktaSecrets) => createOktaProvider(config, secrets),
};

/** Okta's rate-limit error may come with other statuses than 429 (it never should, but the code is what counts). */
export function oktaIsRetryable(_status: number, body: unknown): boolean {
  return errorField(body, 'errorCode') === 'E0000047';
}

function errorField(body: unknown, key: string): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const v = (body as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A readable message from Okta's error body or the token endpoint's OAuth error, with hints for the usual mistakes. */
export function describeOktaError(status: number, body: unknown): string | null {
  const code = errorField(body, 'errorCode');
  const summary = errorField(body, 'errorSummary');
  if (code || summary) {
    const causes = Array.isArray((body as { errorCauses?: unknown }).errorCauses)
      ? ((body as { errorCauses: unknown[] }).errorCauses.map((c) => errorField(c, 'errorSummary')).filter(Boolean) as string[])
      : [];
    let text = `${summary ?? 'error'}${causes.length ? `: ${causes.join('; ')}` : ''} (${code ?? `HTTP ${status}`})`;
    if (code === 'E0000006' || code === 'E0000015')
      text +=
        ' — the token lacks a scope or admin role (OAuth service app: grant okta.users.read, okta.groups.read and okta.logs.read and a read-only admin role)';
    return text;
  }
  const error = errorField(body, 'error');
  if (error) {
    const description = errorField(body, 'error_description');
    let text = description ? `${error}: ${description}` : error;
    if (error === 'invalid_dpop_proof' || error === 'use_dpop_nonce')
      text +=
        ' — the service app requires DPoP, which Rollcall does not send: turn off "Require Demonstrating Proof of Possession (DPoP) header in token requests"';
    return text;
  }
  return null;
}

/** What the provider remembers between rounds. */
interface OktaCursor {
  v: 1;
  /** The System Log URL to request next (the last `next` link, or the first `since` query). */
  log: string;
  /** When the last full reconcile started (ISO). */
  lastFullSyncAt: string;
}

function readCursor(raw: unknown, baseUrl: string): OktaCursor | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const c = raw as Partial<OktaCursor>;
  if (c.v !== 1 || typeof c.log !== 'string' || typeof c.lastFullSyncAt !== 'string' || Number.isNaN(Date.parse(c.lastFullSyncAt)))
    return null;
  if (!sameOrigin(c.log, baseUrl)) return null; // the org URL changed: start over
  return c as OktaCursor;
}

function sameOrigin(url: string, baseUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(baseUrl).origin;
  } catch {
    return false;
  }
}

/** Lifecycle and profile events that change what Rollcall keeps about a user. */
const USER_EVENTS = new Set([
  'user.account.lock',
  'user.account.unlock',
  'user.account.unlock_by_admin',
  'user.account.update_profile',
  'user.account.reset_password',
  'user.account.expire_password',
  'user.account.update_password',
]);
const USER_EVENT_PREFIX = 'user.lifecycle.';
const GROUP_EVENTS = new Set(['group.lifecycle.create', 'group.lifecycle.delete', 'group.profile.update']);
const MEMBER_ADD = 'group.user_membership.add';
const MEMBER_REMOVE = 'group.user_membership.remove';

/** The System Log filter: only the event types above (sign-ins and the rest dominate a real log). */
export const OKTA_LOG_FILTER = [
  `eventType sw "${USER_EVENT_PREFIX}"`,
  ...[...USER_EVENTS, ...GROUP_EVENTS, MEMBER_ADD, MEMBER_REMOVE].map((t) => `eventType eq "${t}"`),
].join(' or ');

/** Read the log from this far before a full round started, so nothing that happened during it is missed. */
const LOG_OVERLAP_MS = 5 * 60_000;
/** Objects per yielded page in the changes phase. */
const CHANGES_PAGE = 100;

interface Touch {
  occurredAt: string;
  actor: string | null;
}
interface MemberTouch extends Touch {
  groupId: string;
  userId: string;
  added: boolean;
}

interface LogRead {
  users: Map<string, Touch>;
  groups: Map<string, Touch>;
  members: Map<string, MemberTouch>;
  /** Where the next round starts. */
  next: string;
  events: number;
}

const q = (params: Record<string, string | number>): string =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

class OktaProvider implements DirectoryProvider {
  readonly kind = 'okta' as const;
  private readonly base: string;

  constructor(
    private readonly config: OktaConfig,
    private readonly options: OktaProviderOptions,
  ) {
    this.base = config.baseUrl;
  }

  async test(http: HttpClient, signal: AbortSignal): Promise<string> {
    const usersUrl = `${this.base}/api/v1/users?limit=1`;
    const users = await http.getJson(usersUrl, { signal });
    checkArray(users.body, usersUrl, 'users');
    const logUrl = `${this.base}/api/v1/logs?${q({ limit: 1, since: new Date(Date.now() - 60_000).toISOString() })}`;
    try {
      const logs = await http.getJson(logUrl, { signal });
      checkArray(logs.body, logUrl, 'System Log events');
    } catch (err) {
      if (err instanceof DirectoryHttpError)
        throw new DirectoryHttpError(err.kind, `users readable, but the System Log is not: ${err.message}`, err.status, err.url);
      throw err;
    }
    const how = this.config.auth === 'ssws' ? 'API token' : `OAuth service app ${this.config.clientId}`;
    return `Okta ${new URL(this.base).host}: users and System Log readable (${how})`;
  }

  async *sync(ctx: SyncContext): AsyncGenerator<SyncPage, SyncResult, void> {
    const cursor = readCursor(ctx.cursor, this.base);
    const nowMs = ctx.now().getTime();
    const due = !cursor || ctx.full || nowMs - Date.parse(cursor.lastFullSyncAt) >= this.config.fullSyncEveryHours * 3_600_000;
    if (!due) {
      let read: LogRead | null = null;
      try {
        read = await this.readLog(ctx, cursor.log);
      } catch (err) {
        // A stored position Okta no longer accepts (400: too old, or a filter it now refuses): reconcile instead.
        if (!(err instanceof DirectoryHttpError && err.status === 400)) throw err;
      }
      if (read) {
        yield* this.applyChanges(ctx, read);
        return { mode: 'delta', cursor: { v: 1, log: read.next, lastFullSyncAt: cursor.lastFullSyncAt } satisfies OktaCursor };
      }
    }
    return yield* this.fullRound(ctx, nowMs);
  }

  private async *fullRound(ctx: SyncContext, startedMs: number): AsyncGenerator<SyncPage, SyncResult, void> {
    const { config } = this;
    for (const extra of [{}, { filter: 'status eq "DEPROVISIONED"' }] as Record<string, string>[]) {
      const url = `${this.base}/api/v1/users?${q({ limit: config.usersPageSize, ...extra })}`;
      for await (const { body, url: at } of this.pages(ctx, url)) {
        const users = checkArray(body, at, 'users').map((u, i) => toDirUser(checkUser(u, at, i)));
        yield { phase: 'users', users };
      }
    }
    const groupIds: string[] = [];
    for await (const { body, url: at } of this.pages(ctx, `${this.base}/api/v1/groups?${q({ limit: config.groupsPageSize })}`)) {
      const groups = checkArray(body, at, 'groups').map((g, i) => toDirGroup(checkGroup(g, at, i)));
      for (const g of groups) groupIds.push(g.id);
      yield { phase: 'groups', groups };
    }
    // A few groups at a time; each page holds one group's members, pages of different groups interleave.
    const concurrency = config.membersConcurrency ?? DEFAULT_MEMBERS_CONCURRENCY;
    const groupMembers = (groupId: string, signal: AbortSignal) => this.groupMembers(ctx, groupId, signal);
    for await (const members of mergeConcurrent(groupIds, groupMembers, { concurrency, signal: ctx.signal }))
      if (members.length) yield { phase: 'members', members };
    // Whatever changed while the directory was being listed, and where the log continues from.
    const since = new Date(startedMs - LOG_OVERLAP_MS).toISOString();
    const read = await this.readLog(ctx, this.logSinceUrl(since));
    yield* this.applyChanges(ctx, read);
    return { mode: 'snapshot', cursor: { v: 1, log: read.next, lastFullSyncAt: new Date(startedMs).toISOString() } satisfies OktaCursor };
  }

  /**
   * One group's members, page by page (validated before the page is handed on). A group deleted
   * after the groups were listed answers 404: it is skipped, and the System Log read that ends the
   * round records its deletion.
   */
  private async *groupMembers(ctx: SyncContext, groupId: string, signal: AbortSignal): AsyncGenerator<DirMember[], void, void> {
    const url = `${this.base}/api/v1/groups/${encodeURIComponent(groupId)}/users?${q({ limit: this.config.membersPageSize })}`;
    try {
      for await (const { body, url: at } of this.pages(ctx, url, signal))
        yield checkArray(body, at, 'group members').map((u, i) => ({
          groupId,
          memberId: checkMemberId(u, at, i),
          memberType: 'User' as const,
        }));
    } catch (err) {
      if (err instanceof DirectoryHttpError && err.status === 404) return;
      throw err;
    }
  }

  private logSinceUrl(since: string): string {
    return `${this.base}/api/v1/logs?${q({ since, sortOrder: 'ASCENDING', limit: this.config.logsPageSize, filter: OKTA_LOG_FILTER })}`;
  }

  /** Pages of a Link-paged list; refuses a `next` link to another origin (the token would go with it). */
  private async *pages(
    ctx: SyncContext,
    first: string,
    signal: AbortSignal = ctx.signal,
  ): AsyncGenerator<{ body: unknown; url: string; next: string | null }> {
    let url: string | null = first;
    const seen = new Set<string>();
    while (url) {
      if (seen.has(url)) throw new DirectoryHttpError('malformed', `${url}: the next link points back to a page already read`, 200, url);
      seen.add(url);
      const res = await ctx.http.getJson(url, { signal });
      const next = this.nextLink(res.headers, url);
      yield { body: res.body, url, next };
      url = next;
    }
  }

  private nextLink(headers: Headers, url: string): string | null {
    const next = parseLinkHeader(headers.get('link'), url).next ?? null;
    if (next && !sameOrigin(next, this.base))
      throw new DirectoryHttpError(
        'malformed',
        `${url}: the next link leads to another host (${new URL(next).host}); not following it`,
        200,
        url,
      );
    return next;
  }

  /**
   * Reads the System Log from `start` until a page comes back empty (or the page budget is spent),
   * and folds the events into what to fetch: each user and group once with its latest attribution,
   * each membership's last add or remove.
   */
  private async readLog(ctx: SyncContext, start: string): Promise<LogRead> {
    const read: LogRead = { users: new Map(), groups: new Map(), members: new Map(), next: start, events: 0 };
    const seen = new Set<string>();
    const maxPages = this.options.maxLogPages ?? 50;
    let url = start;
    for (let page = 0; page < maxPages; page++) {
      const res = await ctx.http.getJson(url, { signal: ctx.signal });
      const events = checkArray(res.body, url, 'System Log events').map((e, i) => checkLogEvent(e, url, i));
      // Polling mode always sends a next link; without one, ask the same URL again next time.
      const next = this.nextLink(res.headers, url) ?? url;
      for (const e of events) {
        if (seen.has(e.uuid)) continue;
        seen.add(e.uuid);
        this.fold(read, e);
      }
      read.next = next;
      if (events.length === 0 || next === url) break;
      url = next;
    }
    return read;
  }

  private fold(read: LogRead, e: OktaLogEvent): void {
    const result = e.outcome?.result;
    if (result && result !== 'SUCCESS') return;
    const touch: Touch = { occurredAt: e.published, actor: actorOf(e) };
    const type = e.eventType;
    if (type.startsWith(USER_EVENT_PREFIX) || USER_EVENTS.has(type)) {
      const id = targetOf(e, 'User');
      if (!id) return;
      read.events++;
      read.users.delete(id); // keep Map order = order of the latest touch
      read.users.set(id, touch);
    } else if (GROUP_EVENTS.has(type)) {
      const id = targetOf(e, 'UserGroup');
      if (!id) return;
      read.events++;
      read.groups.delete(id);
      read.groups.set(id, touch);
    } else if (type === MEMBER_ADD || type === MEMBER_REMOVE) {
      const userId = targetOf(e, 'User');
      const groupId = targetOf(e, 'UserGroup');
      if (!userId || !groupId) return;
      read.events++;
      const key = `${groupId}\u0000${userId}`;
      read.members.delete(key);
      read.members.set(key, { ...touch, groupId, userId, added: type === MEMBER_ADD });
    }
  }

  /** Fetches what the events touched and yields it: users, then groups, then memberships. */
  private async *applyChanges(ctx: SyncContext, read: LogRead): AsyncGenerator<SyncPage, void, void> {
    const goneUsers = new Set<string>();
    const goneGroups = new Set<string>();

    for await (const { found: users, removed: removedUsers } of this.fetchTouched(
      ctx,
      read.users,
      'users',
      checkUser,
      toDirUser,
      goneUsers,
    ))
      yield { phase: 'changes', ...(users.length ? { users } : {}), ...(removedUsers.length ? { removedUsers } : {}) };
    for await (const { found: groups, removed: removedGroups } of this.fetchTouched(
      ctx,
      read.groups,
      'groups',
      checkGroup,
      toDirGroup,
      goneGroups,
    ))
      yield { phase: 'changes', ...(groups.length ? { groups } : {}), ...(removedGroups.length ? { removedGroups } : {}) };

    let members: DirMember[] = [];
    let removedMembers: DirMember[] = [];
    for (const m of read.members.values()) {
      const member: DirMember = { groupId: m.groupId, memberId: m.userId, memberType: 'User', occurredAt: m.occurredAt, actor: m.actor };
      if (!m.added) removedMembers.push(member);
      // An add for a user or group deleted later in the same round is moot.
      else if (!goneUsers.has(m.userId) && !goneGroups.has(m.groupId)) members.push(member);
      if (members.length + removedMembers.length >= CHANGES_PAGE) {
        yield { phase: 'changes', ...(members.length ? { members } : {}), ...(removedMembers.length ? { removedMembers } : {}) };
        members = [];
        removedMembers = [];
      }
    }
    if (members.length + removedMembers.length)
      yield { phase: 'changes', ...(members.length ? { members } : {}), ...(removedMembers.length ? { removedMembers } : {}) };
  }

  /** GET each id's current state (a few at a time); null where Okta answers 404. */
  /**
   * The users or groups the log touched, fetched CHANGES_PAGE at a time with the log's time and
   * actor; one that answers 404 is gone (recorded in `gone`, for the memberships that follow).
   */
  private async *fetchTouched<R, D extends DirUser | DirGroup>(
    ctx: SyncContext,
    touched: Map<string, Touch>,
    collection: 'users' | 'groups',
    check: (body: unknown, url: string) => R,
    map: (r: R) => D,
    gone: Set<string>,
  ): AsyncGenerator<{ found: D[]; removed: RemovedObject[] }, void, void> {
    const ids = [...touched.keys()];
    for (let i = 0; i < ids.length; i += CHANGES_PAGE) {
      const chunk = ids.slice(i, i + CHANGES_PAGE);
      const fetched = await this.fetchAll(ctx, chunk, (id) => `${this.base}/api/v1/${collection}/${encodeURIComponent(id)}`, check);
      const found: D[] = [];
      const removed: RemovedObject[] = [];
      chunk.forEach((id, k) => {
        const t = touched.get(id)!;
        const r = fetched[k];
        if (r) found.push({ ...map(r), occurredAt: t.occurredAt, actor: t.actor });
        else {
          gone.add(id);
          removed.push({ id, occurredAt: t.occurredAt, actor: t.actor });
        }
      });
      yield { found, removed };
    }
  }

  private async fetchAll<T>(
    ctx: SyncContext,
    ids: string[],
    urlOf: (id: string) => string,
    check: (body: unknown, url: string) => T,
  ): Promise<(T | null)[]> {
    const out: (T | null)[] = new Array<T | null>(ids.length).fill(null);
    let nextIndex = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < ids.length) {
        const k = nextIndex++;
        const url = urlOf(ids[k]!);
        try {
          const res = await ctx.http.getJson(url, { signal: ctx.signal });
          out[k] = check(res.body, url);
        } catch (err) {
          if (err instanceof DirectoryHttpError && err.status === 404) out[k] = null;
          else throw err;
        }
      }
    };
    const n = Math.max(1, Math.min(this.options.concurrency ?? 4, ids.length));
    await Promise.all(Array.from({ length: n }, worker));
    return out;
  }
}
