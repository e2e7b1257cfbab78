/**
 * Read models for the UI: each function answers one contract call from the database.
 * Pure SQL with bound parameters; cursors are opaque strings holding the last row's key.
 */
import type { Alert, CallOutput, CallParsedInput, RollcallEvent, SyncRun } from '../../shared/contract';
import type { Db } from './store/db';
import type { EventRow } from './store/events';
import { dueAfter, parseStored } from '../directories/registry';
import { storedUpstreamOf, upstreamView, type StoredUpstream } from '../relay/upstream';

export class InvalidCursorError extends Error {}

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const n = Number(cursor);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidCursorError(`Invalid cursor "${cursor}"`);
  return n;
}

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

type EventJoined = EventRow & { source_name: string };

export function toApiEvent(row: EventJoined): RollcallEvent {
  return {
    seq: row.seq,
    type: row.type as RollcallEvent['type'],
    sourceId: row.source_id,
    sourceName: row.source_name,
    accountId: row.account_id,
    groupId: row.group_id,
    personId: row.person_id,
    subject: row.subject,
    occurredAt: row.occurred_at,
    observedAt: row.observed_at,
    actor: row.actor,
    before: parseJson(row.before),
    after: parseJson(row.after),
    exchangeId: row.exchange_id,
    hash: row.hash,
  };
}

const EVENT_SELECT = `SELECT e.*, s.name AS source_name FROM events e JOIN sources s ON s.id = e.source_id`;

export function listEvents(db: Db, input: CallParsedInput<'listEvents'>): CallOutput<'listEvents'> {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: input.limit + 1 };
  const before = decodeCursor(input.cursor);
  if (before !== undefined) {
    where.push('e.seq < @before');
    params.before = before;
  }
  if (input.sourceId !== undefined) {
    where.push('e.source_id = @sourceId');
    params.sourceId = input.sourceId;
  }
  if (input.personId !== undefined) {
    // A person's events are those of their accounts (events.person_id is part of the hash, so only
    // the analyzer's own events carry it): account_events, maintained by the analysis layer.
    where.push(
      'e.seq IN (SELECT ae.seq FROM account_events ae WHERE ae.account_pk IN (SELECT pk FROM accounts WHERE person_id = @personId))',
    );
    params.personId = input.personId;
  }
  if (input.from !== undefined) {
    where.push('e.occurred_at >= @from');
    params.from = new Date(input.from).toISOString();
  }
  if (input.to !== undefined) {
    where.push('e.occurred_at < @to');
    params.to = new Date(input.to).toISOString();
  }
  if (input.types !== undefined && input.types.length > 0) {
    // One named placeholder per type (the values are bound, never spliced into the SQL text); a
    // literal IN list lets SQLite use the (type, seq) index, which a json_each() subquery does not.
    const names = input.types.map((t, i) => {
      params[`type${i}`] = t;
      return `@type${i}`;
    });
    where.push(`e.type IN (${names.join(', ')})`);
  }
  // The page's seqs first, then its rows (Timeline, issue #7): the inner query reads only indexes
  // where it can — a time range alone is answered from events_occurred, which holds (occurred_at,
  // seq), sorting seqs instead of fetching every event of the range (a month of 1.3M events: 708 ms
  // before, see docs/benchmarks.md) — and only the page's rows are read and joined with sources.
  const inner = `SELECT e.seq FROM events e ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq DESC LIMIT @limit`;
  const sql = `${EVENT_SELECT} WHERE e.seq IN (${inner}) ORDER BY e.seq DESC`;
  const rows = db.prepare<Record<string, unknown>, EventJoined>(sql).all(params);
  const more = rows.length > input.limit;
  const page = more ? rows.slice(0, input.limit) : rows;
  return { items: page.map(toApiEvent), nextCursor: more ? String(page[page.length - 1]!.seq) : null };
}

export function eventsAfter(db: Db, seq: number, limit = 500): RollcallEvent[] {
  return db
    .prepare<[number, number], EventJoined>(`${EVENT_SELECT} WHERE e.seq > ? ORDER BY e.seq ASC LIMIT ?`)
    .all(seq, limit)
    .map(toApiEvent);
}

export function maxEventSeq(db: Db): number {
  return db.prepare<[], { m: number | null }>('SELECT max(seq) AS m FROM events').get()?.m ?? 0;
}

export interface AlertRow {
  id: number;
  rule: string;
  severity: 'high' | 'medium' | 'low';
  status: 'open' | 'acknowledged' | 'resolved';
  title: string;
  person_id: number | null;
  source_id: string | null;
  details: string;
  opened_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: 'auto' | 'manual' | null;
  evidence: string;
  notes: number;
}

/** An alert row with its evidence seqs and note count (the columns `toAlert` needs). */
export const ALERT_COLUMNS = `a.*, (SELECT json_group_array(event_seq) FROM alert_evidence WHERE alert_id = a.id) AS evidence,
  (SELECT count(*) FROM alert_notes n WHERE n.alert_id = a.id) AS notes`;

export function listAlerts(db: Db, input: CallParsedInput<'listAlerts'>, now: Date = new Date()): CallOutput<'listAlerts'> {
  const before = decodeCursor(input.cursor);
  const statuses = input.statuses ?? (input.status ? [input.status] : null);
  const rows = db
    .prepare<
      {
        before: number | null;
        statuses: string | null;
        severity: string | null;
        rule: string | null;
        person: number | null;
        source: string | null;
        limit: number;
      },
      AlertRow
    >(
      `SELECT ${ALERT_COLUMNS}
         FROM alerts a
        WHERE (@before IS NULL OR a.id < @before)
          AND (@statuses IS NULL OR a.status IN (SELECT value FROM json_each(@statuses)))
          AND (@severity IS NULL OR a.severity = @severity)
          AND (@rule IS NULL OR a.rule = @rule)
          AND (@person IS NULL OR a.person_id = @person)
          AND (@source IS NULL OR a.source_id = @source)
        ORDER BY a.id DESC LIMIT @limit`,
    )
    .all({
      before: before ?? null,
      statuses: statuses ? JSON.stringify(statuses) : null,
      severity: input.severity ?? null,
      rule: input.rule ?? null,
      person: input.personId ?? null,
      source: input.sourceId ?? null,
      limit: input.limit + 1,
    });
  const more = rows.length > input.limit;
  const page = more ? rows.slice(0, input.limit) : rows;
  return { items: page.map((r) => toAlert(r, now)), nextCursor: more ? String(page[page.length - 1]!.id) : null };
}

export const toAlert = (r: AlertRow, now: Date = new Date()): Alert => {
  let details: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(r.details) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) details = parsed as Record<string, unknown>;
  } catch {
    // a hand-edited row: shown without details
  }
  const end = r.resolved_at ? Date.parse(r.resolved_at) : now.getTime();
  return {
    id: r.id,
    rule: r.rule,
    severity: r.severity,
    status: r.status,
    title: r.title,
    personId: r.person_id,
    sourceId: r.source_id,
    openedAt: r.opened_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolution: r.resolution,
    openForMs: Math.max(0, end - Date.parse(r.opened_at)),
    details,
    notes: r.notes,
    evidence: JSON.parse(r.evidence) as number[],
  };
};

export function maxAlertId(db: Db): number {
  return (db.prepare('SELECT coalesce(max(id), 0) AS m FROM alerts').get() as { m: number }).m;
}

/** Alerts created after `afterId`, oldest first (for the push stream). */
export function alertsAfter(db: Db, afterId: number, limit: number): Alert[] {
  return db
    .prepare<[number, number], AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id > ? ORDER BY a.id LIMIT ?`)
    .all(afterId, limit)
    .map((r) => toAlert(r));
}

export function openHighAlerts(db: Db): number {
  return (db.prepare("SELECT count(*) AS n FROM alerts WHERE status = 'open' AND severity = 'high'").get() as { n: number }).n;
}

export function listSources(db: Db, scimOrigin: string | null): CallOutput<'listSources'> {
  const rows = db
    .prepare<
      [],
      {
        id: string;
        kind: string;
        provider: string;
        name: string;
        app: string | null;
        slug: string | null;
        config: string;
        created_at: string;
        last_request_at: string | null;
        last_sync_at: string | null;
        paused: number;
      }
    >(
      `SELECT s.*, (SELECT max(received_at) FROM scim_exchanges x WHERE x.connection_id = s.id) AS last_request_at,
              (SELECT max(finished_at) FROM directory_syncs d WHERE d.source_id = s.id AND d.status = 'ok') AS last_sync_at,
              s.paused
         FROM sources s WHERE s.removed_at IS NULL ORDER BY s.created_at`,
    )
    .all();
  type Provider = CallOutput<'listSources'>['connections'][number]['provider'];
  return {
    connections: rows
      .filter((r) => r.kind === 'connection')
      .map((r) => ({
        id: r.id,
        name: r.name,
        app: r.app ?? r.name,
        provider: r.provider as Provider,
        slug: r.slug!,
        scimUrl: scimOrigin ? `${scimOrigin}/scim/v2/${r.slug!}` : null,
        ...connectionMode(r.config),
        createdAt: r.created_at,
        lastRequestAt: r.last_request_at,
      })),
    directories: rows.filter((r) => r.kind === 'directory').map((r) => directoryView(db, r)),
  };
}

function connectionMode(config: string): { mode: 'store' | 'relay'; upstream: ReturnType<typeof upstreamView> | null } {
  let upstream: StoredUpstream | null;
  try {
    upstream = storedUpstreamOf(JSON.parse(config));
  } catch {
    // an unreadable upstream is shown as relay mode without details
    return { mode: 'relay', upstream: null };
  }
  return upstream ? { mode: 'relay', upstream: upstreamView(upstream) } : { mode: 'store', upstream: null };
}

interface SyncRunRow {
  id: number;
  trigger: SyncRun['trigger'];
  full: number;
  baseline: number;
  status: SyncRun['status'];
  mode: SyncRun['mode'];
  started_at: string;
  finished_at: string | null;
  pages: number;
  users: number;
  groups: number;
  memberships: number;
  events: number;
  error: string | null;
}

export const toSyncRun = (r: SyncRunRow): SyncRun => ({
  id: r.id,
  trigger: r.trigger,
  full: r.full === 1,
  baseline: r.baseline === 1,
  status: r.status,
  mode: r.mode,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  pages: r.pages,
  users: r.users,
  groups: r.groups,
  memberships: r.memberships,
  events: r.events,
  error: r.error,
});

type DirectoryView = CallOutput<'listSources'>['directories'][number];

function directoryView(
  db: Db,
  r: { id: string; name: string; provider: string; config: string; created_at: string; last_sync_at: string | null; paused: number },
): DirectoryView {
  const { provider: settings, intervalMinutes } = parseStored(r.config);
  const last = db.prepare<[string], SyncRunRow>('SELECT * FROM directory_syncs WHERE source_id = ? ORDER BY id DESC LIMIT 1').get(r.id);
  const paused = r.paused === 1;
  return {
    id: r.id,
    name: r.name,
    provider: r.provider as DirectoryView['provider'],
    createdAt: r.created_at,
    lastSyncAt: r.last_sync_at,
    intervalMinutes,
    paused,
    settings,
    lastSync: last ? toSyncRun(last) : null,
    nextSyncAt: paused || !last ? null : dueAfter(last.started_at, intervalMinutes).toISOString(),
  };
}
