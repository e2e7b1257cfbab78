/**
 * Read models of the Timeline's event detail and the sources' health (Dashboard, Sources page;
 * issue #7). Pure SQL with bound parameters, answered from the database like queries.ts.
 */
import type { CallOutput } from '../../shared/contract';
import type { Db } from './store/db';
import type { EventRow } from './store/events';
import { toApiEvent } from './queries';
import { NotFoundError } from './dispatch';

interface ExchangeRow {
  id: number;
  connection_id: string | null;
  received_at: string;
  method: string;
  path: string;
  query: string | null;
  status: number;
  latency_ms: number;
  request_body: string | null;
  response_body: string | null;
  upstream_status: number | null;
  upstream_latency_ms: number | null;
  upstream_error: string | null;
}

/**
 * One event with the SCIM exchange it came from. The exchange's bodies are returned as stored:
 * secrets (passwords and configured attributes) were redacted before storage (scim/exchanges.ts),
 * and request headers (the bearer token) are never stored at all.
 */
export function getEvent(db: Db, seq: number): CallOutput<'getEvent'> {
  const row = db
    .prepare<[number], EventRow & { source_name: string }>(
      'SELECT e.*, s.name AS source_name FROM events e JOIN sources s ON s.id = e.source_id WHERE e.seq = ?',
    )
    .get(seq);
  if (!row) throw new NotFoundError(`No event #${seq}`);
  const x =
    row.exchange_id === null
      ? undefined
      : db
          .prepare<[number], ExchangeRow>(
            `SELECT id, connection_id, received_at, method, path, query, status, latency_ms, request_body, response_body,
                    upstream_status, upstream_latency_ms, upstream_error
               FROM scim_exchanges WHERE id = ?`,
          )
          .get(row.exchange_id);
  return {
    event: toApiEvent(row),
    exchange: x
      ? {
          id: x.id,
          receivedAt: x.received_at,
          method: x.method,
          path: x.path,
          query: x.query,
          status: x.status,
          latencyMs: x.latency_ms,
          requestBody: x.request_body,
          responseBody: x.response_body,
          upstreamStatus: x.upstream_status,
          upstreamLatencyMs: x.upstream_latency_ms,
          upstreamError: x.upstream_error,
        }
      : null,
  };
}

/** How far back "recent" errors go, and how many are listed per source. */
export const HEALTH_WINDOW_MS = 24 * 3_600_000;
export const HEALTH_RECENT_ERRORS = 5;

/**
 * A SCIM exchange counts as an error when Rollcall or the app failed (5xx), the caller was refused
 * (401/403: a wrong or revoked token — provisioning has silently stopped), or the app behind a relay
 * did not answer or answered 5xx. 404 and 409 are ordinary SCIM answers (IdPs probe for users), and
 * other 4xx are the IdP's own malformed requests, also listed.
 */
const EXCHANGE_IS_ERROR = `(x.status >= 400 AND x.status NOT IN (404, 409)) OR x.upstream_error IS NOT NULL OR x.upstream_status >= 500`;

/** Per source: when it was last heard from, and its errors of the last 24 hours. */
export function getSourceHealth(db: Db, now: Date): CallOutput<'getSourceHealth'> {
  const since = new Date(now.getTime() - HEALTH_WINDOW_MS).toISOString();
  const sources = db
    .prepare<[], { id: string; kind: 'connection' | 'directory'; name: string; app: string | null }>(
      'SELECT id, kind, name, app FROM sources WHERE removed_at IS NULL ORDER BY created_at, id',
    )
    .all();
  const lastRequest = db.prepare<[string], { at: string | null }>(
    'SELECT max(received_at) AS at FROM scim_exchanges WHERE connection_id = ?',
  );
  // Through scim_exchanges_connection (connection_id, received_at): only the window's rows are read.
  const exchangeErrors = db.prepare<
    { id: string; since: string; limit: number },
    { received_at: string; method: string; path: string; status: number; upstream_status: number | null; upstream_error: string | null }
  >(
    `SELECT received_at, method, path, status, upstream_status, upstream_error FROM scim_exchanges x
      WHERE x.connection_id = @id AND x.received_at >= @since AND (${EXCHANGE_IS_ERROR})
      ORDER BY x.received_at DESC LIMIT @limit`,
  );
  const exchangeErrorCount = db.prepare<{ id: string; since: string }, { n: number }>(
    `SELECT count(*) AS n FROM scim_exchanges x WHERE x.connection_id = @id AND x.received_at >= @since AND (${EXCHANGE_IS_ERROR})`,
  );
  const lastSync = db.prepare<[string], { status: string; finished_at: string | null; started_at: string; error: string | null }>(
    'SELECT status, started_at, finished_at, error FROM directory_syncs WHERE source_id = ? ORDER BY id DESC LIMIT 1',
  );
  const lastOkSync = db.prepare<[string], { at: string | null }>(
    "SELECT max(finished_at) AS at FROM directory_syncs WHERE source_id = ? AND status = 'ok'",
  );
  const syncErrors = db.prepare<{ id: string; since: string; limit: number }, { started_at: string; error: string | null }>(
    `SELECT started_at, error FROM directory_syncs
      WHERE source_id = @id AND status = 'failed' AND started_at >= @since ORDER BY id DESC LIMIT @limit`,
  );
  const syncErrorCount = db.prepare<{ id: string; since: string }, { n: number }>(
    "SELECT count(*) AS n FROM directory_syncs WHERE source_id = @id AND status = 'failed' AND started_at >= @since",
  );

  return {
    windowHours: HEALTH_WINDOW_MS / 3_600_000,
    sources: sources.map((s) => {
      const args = { id: s.id, since, limit: HEALTH_RECENT_ERRORS };
      if (s.kind === 'connection') {
        const errors = exchangeErrors.all(args).map((x) => ({
          at: x.received_at,
          message: exchangeErrorMessage(x),
        }));
        return {
          id: s.id,
          kind: s.kind,
          name: s.name,
          app: s.app,
          lastActivityAt: lastRequest.get(s.id)?.at ?? null,
          lastSyncStatus: null,
          errorCount: exchangeErrorCount.get({ id: s.id, since })!.n,
          recentErrors: errors,
        };
      }
      const last = lastSync.get(s.id);
      return {
        id: s.id,
        kind: s.kind,
        name: s.name,
        app: null,
        lastActivityAt: lastOkSync.get(s.id)?.at ?? null,
        lastSyncStatus: (last?.status ?? null) as 'running' | 'ok' | 'failed' | 'cancelled' | null,
        errorCount: syncErrorCount.get({ id: s.id, since })!.n,
        recentErrors: syncErrors.all(args).map((r) => ({ at: r.started_at, message: r.error ?? 'The sync failed.' })),
      };
    }),
  };
}

function exchangeErrorMessage(x: {
  method: string;
  path: string;
  status: number;
  upstream_status: number | null;
  upstream_error: string | null;
}): string {
  const request = `${x.method} ${x.path}`;
  if (x.upstream_error) return `${request}: the app did not answer (${x.upstream_error})`;
  if (x.upstream_status !== null && x.upstream_status >= 500) return `${request}: the app answered ${x.upstream_status}`;
  if (x.status === 401 || x.status === 403) return `${request}: refused (${x.status}), the identity provider's token is wrong or revoked`;
  return `${request}: answered ${x.status}`;
}
