/**
 * Relay mode: a transparent recording proxy between the IdP and the app's own SCIM API.
 *
 * The IdP's request (already authenticated against the connection's Rollcall token, size-capped
 * and checked to be JSON by the listener) goes upstream byte for byte with the app's credentials
 * in place of the IdP's; the app's status, body bytes and relevant headers come back unchanged
 * (Location rewritten to the relay's URL). What the relay adds is the record: one scim_exchanges
 * row per request with the upstream status, latency or error; the mirror of the app's state from
 * successful writes (ids are the app's; events exactly as in store mode); a `relay.failed` event
 * for every failed forward; and the two alerts an admin must not miss — a deprovisioning the app
 * did not carry out, and an app that stopped accepting Rollcall's credentials.
 *
 * Writes and failures are answered after their record commits (as store mode answers writes), so
 * an IdP never hears of a deprovisioning whose outcome Rollcall has not kept. Successful reads are
 * answered first and recorded in the next group commit.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { raiseAlert, readAlertSettings, resolveAlert } from '../core/alerts';
import type { Connection } from '../core/connections';
import type { SecretStore } from '../core/secrets/secret-store';
import type { NewEvent } from '../core/store/events';
import type { GroupCommit } from '../core/store/group-commit';
import type { Store } from '../core/store/store';
import { ScimError } from '../scim/errors';
import type { ExchangeLog, ExchangeStart } from '../scim/exchanges';
import type { JsonObject } from '../scim/patch';
import { membersOf, type ScimResources, type WriteContext } from '../scim/resources';
import type { ResourceTypeName } from '../scim/schema';
import { openUpstreamClient, UpstreamError, type StoredUpstream, type UpstreamAnswer, type UpstreamClient } from './upstream';

const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
/** Request headers the app needs to see; everything else (the IdP's Authorization above all) stays here. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'if-match', 'if-none-match'] as const;
/** Answer headers passed back to the IdP (Location rewritten). */
const RETURNED_HEADERS = { etag: 'ETag', 'retry-after': 'Retry-After', allow: 'Allow', 'cache-control': 'Cache-Control' } as const;

export interface RelayJob {
  connection: Connection & { upstream: StoredUpstream };
  start: ExchangeStart;
  t0: number;
  method: string;
  /** The path below the connection's base as received (still percent-encoded): '' or '/Users/…'. */
  rawPath: string;
  query: string | null;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The request body parsed (undefined when there was none). */
  body: unknown;
  /** The relay's own base URL for this connection (what Location headers are rewritten to). */
  base: string;
  res: ServerResponse;
}

/** What a request is about: `/Users/{id}` → { type: 'User', id }. */
interface Target {
  type: ResourceTypeName | null;
  id: string | null;
  /** A plain resource path (/Users, /Users/{id}, /Groups, /Groups/{id}): the mirror follows it. */
  mirrored: boolean;
}

interface Outcome {
  status: number;
  headers: Record<string, string>;
  body: Buffer | null;
  upstreamStatus: number | null;
  upstreamLatencyMs: number | null;
  upstreamError: string | null;
  /** A failed forward: relay.failed, and for a deprovisioning the alert. */
  failed: boolean;
  credentialsRejected: boolean;
  /** The app's answer parsed, when it is JSON. */
  json: unknown;
  /** The resource as read back from the app after a write answered without it (see `forward`). */
  refreshed?: unknown;
}

/** A resource whose state in the app is uncertain (see Relay.uncertain). */
interface Uncertain {
  connection: RelayJob['connection'];
  type: ResourceTypeName;
  id: string;
  /** Bumped by every write that starts on it: a read-back older than a write is not applied. */
  generation: number;
  attempts: number;
  due: number;
  /**
   * Not settled before this time: a request the app never answered (timeout, cut connection) may
   * still be applied by it later, so its resource stays uncertain for the request timeout, and
   * only a read-back after that settles it.
   */
  notBefore: number;
}

const REPAIR_FIRST_MS = 100;
const REPAIR_MAX_MS = 30_000;
/** Uncertain resources remembered at most (an app down for hours makes every write uncertain). */
const MAX_UNCERTAIN = 10_000;
/** The actor of events the mirror learns by reading a resource back rather than from an exchange. */
export const REPAIR_ACTOR = 'rollcall relay (read back from the app)';

const resourceKey = (connectionId: string, type: ResourceTypeName, id: string): string => `${connectionId}/${type}/${id}`;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFalse = (v: unknown): boolean => v === false || (typeof v === 'string' && v.trim().toLowerCase() === 'false');

export function targetOf(rawPath: string): Target {
  const parts = rawPath.split('/').filter(Boolean);
  const decode = (s: string | undefined): string | null => {
    if (s === undefined) return null;
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const head = parts[0];
  const type: ResourceTypeName | null = head === 'Users' ? 'User' : head === 'Groups' ? 'Group' : null;
  const id = decode(parts[1]);
  return { type, id: id === '.search' ? null : id, mirrored: type !== null && parts.length <= 2 && id !== '.search' };
}

/**
 * Whether a request deactivates or deletes a user: DELETE /Users/{id}; PUT with active false; a
 * PATCH that sets active false by path (`"path": "active"`) or without a path (`{"active": false}`,
 * Okta), the value a boolean or Entra's string "False".
 */
export function isDeprovision(method: string, target: Target, body: unknown): boolean {
  if (target.type !== 'User' || target.id === null || !target.mirrored) return false;
  if (method === 'DELETE') return true;
  if (!isObject(body)) return false;
  const activeOf = (o: JsonObject): unknown => o[Object.keys(o).find((k) => k.toLowerCase() === 'active') ?? 'active'];
  if (method === 'PUT') return isFalse(activeOf(body));
  if (method !== 'PATCH') return false;
  const ops = Object.entries(body).find(([k]) => k.toLowerCase() === 'operations')?.[1];
  if (!Array.isArray(ops)) return false;
  return ops.some((op) => {
    if (!isObject(op)) return false;
    const field = (name: string): unknown => op[Object.keys(op).find((k) => k.toLowerCase() === name) ?? name];
    const name = String(field('op') ?? '').toLowerCase();
    if (name !== 'replace' && name !== 'add') return false;
    const path = field('path');
    const value = field('value');
    if (typeof path === 'string' && path.trim() !== '') return /(^|:)active$/i.test(path.trim()) && isFalse(value);
    return isObject(value) && isFalse(activeOf(value));
  });
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export class Relay {
  private readonly clients = new Map<string, { stamp: string; client: Promise<UpstreamClient> }>();
  /**
   * Resources whose state in the app is uncertain: a write to them failed in a way that leaves open
   * whether the app applied it (5xx, timeout, cut connection, garbage). The mirror cannot follow
   * a later write answered without the resource (a 204 to a PATCH) by replaying the request on an
   * uncertain base: such a write reads the resource back from the app, and a background repair
   * reads back every uncertain resource (with backoff) until its state is known again.
   */
  private readonly uncertain = new Map<string, Uncertain>();
  /** Writes in flight per resource key: the repair never applies a read that a write may overtake. */
  private readonly inflight = new Map<string, number>();
  /**
   * Connections whose "credentials rejected" alert is known not to be open, so an accepted request
   * need not try to resolve it (an UPDATE per request). Unknown at start: one may have been opened
   * before a restart or by another process.
   */
  private readonly credentialsKnownClear = new Set<string>();
  private repairTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Runs a function in its own savepoint (prepared once: better-sqlite3 builds a wrapper per call). */
  private readonly savepoint: (fn: () => void) => void;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretStore,
    private readonly resources: ScimResources,
    private readonly exchanges: ExchangeLog,
    private readonly batch: GroupCommit,
    private readonly log: (message: string) => void = (m) => console.error(m),
  ) {
    this.savepoint = store.db.transaction((fn: () => void) => fn());
  }

  /** The client of a connection's upstream, built once per configuration. */
  client(connection: Connection & { upstream: StoredUpstream }): Promise<UpstreamClient> {
    const stamp = connection.updatedAt;
    const cached = this.clients.get(connection.id);
    if (cached && cached.stamp === stamp) return cached.client;
    if (cached) void cached.client.then((c) => c.close()).catch(() => undefined);
    const client = this.openClient(connection);
    this.clients.set(connection.id, { stamp, client });
    client.catch(() => this.clients.delete(connection.id));
    return client;
  }

  private openClient(connection: Connection & { upstream: StoredUpstream }): Promise<UpstreamClient> {
    return openUpstreamClient(this.store.db, this.secrets, connection.id, connection.upstream);
  }

  async forward(job: RelayJob): Promise<void> {
    const target = targetOf(job.rawPath);
    const tracked = target.mirrored && target.id !== null && job.method !== 'GET';
    const key = tracked ? resourceKey(job.connection.id, target.type!, target.id!) : '';
    // A write is in flight on its resource — and a user's DELETE also on the groups it is in, which
    // the app changes without a write to them: a read-back of one of those groups that started
    // before this DELETE must not be applied after it.
    const keys = !tracked
      ? []
      : target.type === 'User' && job.method === 'DELETE'
        ? [key, ...this.resources.groupIdsOfUser(job.connection.id, target.id!).map((g) => resourceKey(job.connection.id, 'Group', g))]
        : [key];
    for (const k of keys) {
      this.inflight.set(k, (this.inflight.get(k) ?? 0) + 1);
      const u = this.uncertain.get(k);
      if (u) u.generation++;
    }
    try {
      await this.forwardTracked(job, target, key);
    } finally {
      for (const k of keys) {
        const n = (this.inflight.get(k) ?? 1) - 1;
        if (n > 0) this.inflight.set(k, n);
        else this.inflight.delete(k);
        // Whatever it changed, a read-back that was in flight meanwhile is stale.
        const u = this.uncertain.get(k);
        if (u) u.generation++;
      }
    }
  }

  private async forwardTracked(job: RelayJob, target: Target, key: string): Promise<void> {
    const deprovision = isDeprovision(job.method, target, job.body);
    const outcome = await this.exchange(job);
    const ok = !outcome.failed && outcome.status >= 200 && outcome.status < 300;
    if (key !== '') {
      const answered = (o: Outcome): boolean => {
        const full = o.refreshed ?? o.json;
        return isObject(full) && typeof full[target.type === 'User' ? 'userName' : 'displayName'] === 'string';
      };
      if (ok && job.method !== 'DELETE' && !answered(outcome) && this.uncertain.has(key)) {
        outcome.refreshed = await this.readBack(job.connection, target.type!, target.id!).catch(() => undefined);
        if (outcome.refreshed === null) outcome.refreshed = undefined;
      }
      // The app's own 4xx answers (and 429) mean it did not apply the write: certainty is unchanged.
      const refused = outcome.upstreamStatus !== null && outcome.upstreamStatus >= 400 && outcome.upstreamStatus < 500;
      const settles = this.uncertain.get(key);
      if (ok && (job.method === 'DELETE' || answered(outcome)) && (settles === undefined || settles.notBefore <= Date.now())) {
        this.uncertain.delete(key);
      } else if (!ok && !refused) {
        // No answer at all (timeout, cut connection): the app may still apply it later.
        const grace = outcome.upstreamStatus === null ? job.connection.upstream.timeoutMs : 0;
        this.markUncertain(job.connection, target.type!, target.id!, grace);
        // A user the app may have deleted may also have left its groups there.
        if (target.type === 'User' && job.method === 'DELETE') {
          for (const g of this.resources.groupIdsOfUser(job.connection.id, target.id!)) {
            this.markUncertain(job.connection, 'Group', g, grace);
          }
        }
      }
    }
    if (ok && job.method === 'GET') {
      this.send(job, outcome);
      this.batch.defer(
        () => this.record(job, target, outcome, deprovision),
        (err) => this.log(`rollcall: could not record a relayed SCIM exchange: ${String(err)}`),
      );
      return;
    }
    try {
      await this.batch.run(() => this.record(job, target, outcome, deprovision));
    } catch (err) {
      // The app has done (or refused) the work: the IdP must hear its answer even if the record failed.
      this.log(`rollcall: could not record a relayed SCIM exchange: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.send(job, outcome);
  }

  private markUncertain(connection: RelayJob['connection'], type: ResourceTypeName, id: string, graceMs = 0): void {
    const key = resourceKey(connection.id, type, id);
    const now = Date.now();
    const notBefore = now + graceMs;
    const due = now + Math.max(REPAIR_FIRST_MS, graceMs);
    const existing = this.uncertain.get(key);
    if (existing) {
      existing.generation++;
      existing.notBefore = Math.max(existing.notBefore, notBefore);
      existing.due = Math.max(existing.due, due);
    } else if (this.uncertain.size < MAX_UNCERTAIN) {
      this.uncertain.set(key, { connection, type, id, generation: 0, attempts: 0, due, notBefore });
    }
    this.scheduleRepair();
  }

  private scheduleRepair(): void {
    if (this.repairTimer !== null || this.closed || this.uncertain.size === 0) return;
    let due = Infinity;
    for (const u of this.uncertain.values()) due = Math.min(due, u.due);
    this.repairTimer = setTimeout(
      () => {
        this.repairTimer = null;
        void this.repairDue().finally(() => this.scheduleRepair());
      },
      Math.max(0, due - Date.now()),
    );
    this.repairTimer.unref();
  }

  /** Reads back the uncertain resources that are due (a few at a time) and makes the mirror follow. */
  private async repairDue(): Promise<void> {
    const now = Date.now();
    const due = [...this.uncertain.entries()].filter(([k, u]) => u.due <= now && !this.inflight.has(k)).slice(0, 16);
    // Those skipped for a write in flight are tried again shortly.
    for (const [k, u] of this.uncertain) if (u.due <= now && this.inflight.has(k)) u.due = now + REPAIR_FIRST_MS;
    await Promise.all(due.map(([k, u]) => this.repairOne(k, u)));
  }

  private async repairOne(key: string, u: Uncertain): Promise<void> {
    const generation = u.generation;
    let resource: unknown;
    try {
      resource = await this.readBack(u.connection, u.type, u.id);
    } catch {
      resource = undefined;
    }
    const overtaken = this.uncertain.get(key) !== u || u.generation !== generation || this.inflight.has(key);
    if (overtaken) return;
    const nameKey = u.type === 'User' ? 'userName' : 'displayName';
    if (resource !== null && !(isObject(resource) && typeof resource[nameKey] === 'string')) {
      u.attempts++;
      u.due = Date.now() + Math.min(REPAIR_MAX_MS, REPAIR_FIRST_MS * 2 ** u.attempts);
      return;
    }
    try {
      await this.batch.run(() => {
        const ctx: WriteContext = { connectionId: u.connection.id, exchangeId: null, now: new Date().toISOString(), actor: REPAIR_ACTOR };
        if (resource === null) this.resources.mirrorDelete(ctx, u.type, u.id);
        else if (u.type === 'User') this.resources.mirrorUser(ctx, u.id, resource);
        else {
          const members = (resource as JsonObject).members;
          this.resources.mirrorGroup(ctx, u.id, resource, members === undefined ? [] : membersOf(members));
        }
      });
      if (this.uncertain.get(key) === u && u.generation === generation) this.uncertain.delete(key);
    } catch (err) {
      this.log(
        `rollcall: relay ${u.connection.slug}: could not repair the mirror of ${u.type} ${u.id}: ${err instanceof Error ? err.message : String(err)}`,
      );
      this.uncertain.delete(key);
    }
  }

  /** Resolves once no resource is uncertain any more (tests, shutdown), or false after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.uncertain.size > 0 || this.inflight.size > 0) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** How many resources the mirror is unsure of (shown nowhere yet; tests and diagnostics). */
  get uncertainCount(): number {
    return this.uncertain.size;
  }

  /**
   * GET of one resource from the app (the mirror's read-back): the resource, null when the app
   * answers 404 (it does not have it), undefined when it cannot be had now.
   */
  private async readBack(connection: RelayJob['connection'], type: ResourceTypeName, id: string): Promise<unknown> {
    const client = await this.client(connection);
    const path = `/${type === 'User' ? 'Users' : 'Groups'}/${encodeURIComponent(id)}`;
    const answer = await client.send({ method: 'GET', path, query: null, headers: { accept: 'application/scim+json' }, body: null });
    if (answer.status === 404) return null;
    if (answer.status !== 200) return undefined;
    try {
      return JSON.parse(answer.body.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  /** Sends the request upstream and decides what the IdP hears. */
  private async exchange(job: RelayJob): Promise<Outcome> {
    let answer: UpstreamAnswer;
    try {
      const client = await this.client(job.connection);
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const v = firstHeader(job.headers[name]);
        if (v !== undefined) headers[name] = v;
      }
      if (job.raw.length > 0 && headers['content-type'] === undefined) headers['content-type'] = 'application/scim+json';
      answer = await client.send({
        method: job.method,
        path: job.rawPath,
        query: job.query,
        headers,
        body: job.raw.length > 0 ? job.raw : null,
      });
    } catch (err) {
      const e = err instanceof UpstreamError ? err : new UpstreamError('network', err instanceof Error ? err.message : String(err));
      const status = e.kind === 'timeout' ? 504 : 502;
      const detail =
        e.kind === 'timeout'
          ? `The app did not answer in time: ${e.message}`
          : `The app could not be reached through the relay: ${e.message}`;
      return this.errorOutcome(status, detail, {
        upstreamStatus: null,
        upstreamError: `${e.kind}: ${e.message}`,
        credentialsRejected: e.credentialsRejected,
      });
    }
    const text = answer.body.length > 0 ? answer.body.toString('utf8') : '';
    let json: unknown = undefined;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        return this.errorOutcome(502, `The app answered ${answer.status} with a body that is not JSON`, {
          upstreamStatus: answer.status,
          upstreamLatencyMs: answer.latencyMs,
          upstreamError: `invalid answer: not JSON (${answer.body.length} bytes, ${firstHeader(answer.headers['content-type']) ?? 'no Content-Type'})`,
        });
      }
    }
    const headers: Record<string, string> = {};
    if (text !== '') headers['Content-Type'] = firstHeader(answer.headers['content-type']) ?? SCIM_CONTENT_TYPE;
    for (const [name, as] of Object.entries(RETURNED_HEADERS)) {
      const v = firstHeader(answer.headers[name]);
      if (v !== undefined) headers[as] = v;
    }
    const location = firstHeader(answer.headers.location);
    if (location !== undefined) headers.Location = this.rewriteLocation(job, location);
    const credentialsRejected = answer.status === 401 || answer.status === 403;
    return {
      status: answer.status,
      headers,
      body: text === '' ? null : answer.body,
      upstreamStatus: answer.status,
      upstreamLatencyMs: answer.latencyMs,
      upstreamError: null,
      // 5xx, refused credentials and rate limits are failed forwards; other 4xx are the app's
      // answers to the IdP (a 404 for a user it never had, a 409 for a duplicate).
      failed: answer.status >= 500 || credentialsRejected || answer.status === 429,
      credentialsRejected,
      json,
    };
  }

  private errorOutcome(
    status: number,
    detail: string,
    up: { upstreamStatus: number | null; upstreamLatencyMs?: number; upstreamError: string; credentialsRejected?: boolean },
  ): Outcome {
    return {
      status,
      headers: { 'Content-Type': SCIM_CONTENT_TYPE },
      body: Buffer.from(JSON.stringify(new ScimError(status, undefined, detail).toBody()), 'utf8'),
      upstreamStatus: up.upstreamStatus,
      upstreamLatencyMs: up.upstreamLatencyMs ?? null,
      upstreamError: up.upstreamError,
      failed: true,
      credentialsRejected: up.credentialsRejected ?? false,
      json: undefined,
    };
  }

  /** An absolute Location below the app's base URL becomes the same path below the relay's. */
  private rewriteLocation(job: RelayJob, location: string): string {
    const base = job.connection.upstream.baseUrl;
    try {
      const loc = new URL(location, `${base}/`);
      const up = new URL(base);
      const prefix = up.pathname.replace(/\/+$/, '');
      if (loc.origin === up.origin && (loc.pathname === prefix || loc.pathname.startsWith(`${prefix}/`))) {
        return `${job.base}${loc.pathname.slice(prefix.length)}${loc.search}`;
      }
    } catch {
      // not a URL: passed through as the app sent it
    }
    return location;
  }

  private send(job: RelayJob, outcome: Outcome): void {
    const { res } = job;
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = { ...outcome.headers };
    if (outcome.body !== null) headers['Content-Length'] = outcome.body.length;
    res.writeHead(outcome.status, headers);
    res.end(outcome.body ?? undefined);
  }

  /** The exchange row, the mirror, the events and the alerts of one request (inside a group commit). */
  private record(job: RelayJob, target: Target, outcome: Outcome, deprovision: boolean): void {
    const db = this.store.db;
    const connectionId = job.connection.id;
    const now = job.start.receivedAt;
    const ctx: WriteContext = { connectionId, exchangeId: null, now, actor: null, pendingEvents: [] };
    const ok = !outcome.failed && outcome.status >= 200 && outcome.status < 300;
    if (ok && target.mirrored && job.method !== 'GET') {
      try {
        // Its own savepoint: a mirror that cannot follow (an answer our schema refuses) loses its
        // own changes only, never the exchange row.
        this.savepoint(() => this.mirror(ctx, job, target, outcome));
      } catch (err) {
        ctx.pendingEvents = [];
        this.log(
          `rollcall: relay ${job.connection.slug}: the mirror could not follow ${job.method} ${job.start.path}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    const exchangeId = this.exchanges.record(job.start, {
      status: outcome.status,
      responseBody: outcome.body === null ? null : outcome.body.toString('utf8'),
      latencyMs: performance.now() - job.t0,
      upstreamStatus: outcome.upstreamStatus,
      upstreamLatencyMs: outcome.upstreamLatencyMs,
      upstreamError: outcome.upstreamError,
    });
    const events: NewEvent[] = ctx.pendingEvents!.map((e) => ({ ...e, exchangeId }));
    const deprovisionFailed = deprovision && !ok && outcome.status !== 404;
    const subject = this.subjectOf(job, target);
    if (outcome.failed || deprovisionFailed) {
      events.push({
        type: 'relay.failed',
        sourceId: connectionId,
        accountId: target.type === 'User' ? target.id : null,
        groupId: target.type === 'Group' ? target.id : null,
        subject,
        observedAt: now,
        exchangeId,
        after: {
          method: job.method,
          path: job.start.path,
          status: outcome.status,
          upstreamStatus: outcome.upstreamStatus,
          error: outcome.upstreamError,
          deprovision,
        },
      });
    }
    const seqs = events.length ? this.store.events.append(events) : [];
    const failedSeq = outcome.failed || deprovisionFailed ? seqs[seqs.length - 1] : undefined;
    const app = job.connection.app;
    const deprovisionKey = `deprovision_failed:${connectionId}:${target.id ?? ''}`;
    const settings = deprovisionFailed || outcome.credentialsRejected ? readAlertSettings(this.store) : undefined;
    if (deprovisionFailed && settings!.deprovisionFailed.enabled) {
      raiseAlert(db, {
        rule: 'deprovision_failed',
        severity: settings!.deprovisionFailed.severity,
        dedupeKey: deprovisionKey,
        title: `Deprovisioning of ${subject ?? target.id} failed in ${app}`,
        sourceId: connectionId,
        details: {
          exchangeId,
          accountId: target.id,
          method: job.method,
          status: outcome.status,
          upstreamStatus: outcome.upstreamStatus,
          error: outcome.upstreamError,
        },
        evidence: failedSeq === undefined ? [] : [failedSeq],
        at: now,
      });
    } else if (deprovision && (ok || outcome.status === 404)) {
      // Carried out (or the app no longer has the user): the earlier failure is cleared.
      resolveAlert(db, deprovisionKey, now);
    }
    const credentialsKey = `upstream_credentials_rejected:${connectionId}`;
    if (outcome.credentialsRejected && settings!.upstreamCredentialsRejected.enabled) {
      raiseAlert(db, {
        rule: 'upstream_credentials_rejected',
        severity: settings!.upstreamCredentialsRejected.severity,
        dedupeKey: credentialsKey,
        title: `${app} rejected Rollcall's credentials: provisioning to it has stopped`,
        sourceId: connectionId,
        details: { exchangeId, upstreamStatus: outcome.upstreamStatus, error: outcome.upstreamError },
        evidence: failedSeq === undefined ? [] : [failedSeq],
        at: now,
      });
    } else if (outcome.upstreamStatus !== null && outcome.upstreamStatus < 400 && !this.credentialsKnownClear.has(connectionId)) {
      // Only while one may be open: otherwise every accepted request would pay an UPDATE.
      resolveAlert(db, credentialsKey, now);
      this.credentialsKnownClear.add(connectionId);
    }
    if (outcome.credentialsRejected) this.credentialsKnownClear.delete(connectionId);
  }

  /** A label for events and alerts: the mirror's userName / displayName, else the request's. */
  private subjectOf(job: RelayJob, target: Target): string | null {
    if (target.type === 'User' && target.id !== null) {
      const known = this.resources.userNameOf(job.connection.id, target.id);
      if (known !== undefined) return known;
    }
    if (isObject(job.body)) {
      const name = job.body.userName ?? job.body.displayName;
      if (typeof name === 'string') return name;
    }
    return target.id;
  }

  /** Makes the mirror follow a successful write. */
  private mirror(ctx: WriteContext, job: RelayJob, target: Target, outcome: Outcome): void {
    const type = target.type!;
    const method = job.method;
    if (method === 'DELETE') {
      if (target.id !== null) this.resources.mirrorDelete(ctx, type, target.id);
      return;
    }
    const key = type === 'User' ? 'userName' : 'displayName';
    // The app's answer is the resource when it carries the identifying attribute; else the request
    // says what changed — unless the resource was uncertain and has been read back.
    const full = outcome.refreshed ?? outcome.json;
    const answer = isObject(full) && typeof full[key] === 'string' ? full : undefined;
    const id = target.id ?? (isObject(outcome.json) && typeof outcome.json.id === 'string' ? outcome.json.id : null);
    if (id === null) {
      this.log(
        `rollcall: relay ${job.connection.slug}: ${method} ${job.start.path} succeeded without an id in the answer; the mirror skips it`,
      );
      return;
    }
    const readBack = outcome.refreshed !== undefined && answer !== undefined;
    if (method === 'PATCH' && !readBack) {
      if (type === 'Group' && !(answer && Array.isArray(answer.members))) {
        // Members are not in the answer (apps answer group PATCH with 204 or without members):
        // the request's member operations are applied to the mirror's list.
        this.resources.mirrorPatch(ctx, type, id, job.body);
        if (answer) this.resources.mirrorGroup(ctx, id, answer, undefined);
        return;
      }
      if (!answer) {
        this.resources.mirrorPatch(ctx, type, id, job.body);
        return;
      }
    }
    if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return;
    const resource = answer ?? job.body;
    if (type === 'User') {
      this.resources.mirrorUser(ctx, id, resource);
      return;
    }
    // A resource read back is complete: no members there means none.
    const from =
      answer && Array.isArray(answer.members) ? answer.members : readBack ? [] : isObject(job.body) ? job.body.members : undefined;
    // POST and PUT set the whole member list (absent = none); a PATCH answer without members changes none.
    const members = from !== undefined ? membersOf(from) : method === 'PATCH' ? undefined : [];
    this.resources.mirrorGroup(ctx, id, resource, members);
  }

  close(): void {
    this.closed = true;
    if (this.repairTimer !== null) clearTimeout(this.repairTimer);
    this.repairTimer = null;
    for (const { client } of this.clients.values()) void client.then((c) => c.close()).catch(() => undefined);
    this.clients.clear();
  }
}
