/**
 * Opening and resolving alerts. One open alert per dedupe key (the partial unique index
 * alerts_one_open enforces it): a condition seen again adds evidence to the open alert instead of
 * opening a second one, and an alert resolved automatically records when its condition cleared.
 * Callers run these inside the write transaction that stores the evidence.
 */
import type { Db } from './store/db';

export type Severity = 'high' | 'medium' | 'low';

export interface AlertInput {
  rule: string;
  severity: Severity;
  dedupeKey: string;
  title: string;
  personId?: number | null;
  sourceId?: string | null;
  details?: Record<string, unknown>;
  /** Event seqs that show the condition. */
  evidence?: readonly number[];
  at: string;
}

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepare(db: Db) {
  return {
    open: db.prepare<[string], { id: number }>("SELECT id FROM alerts WHERE dedupe_key = ? AND status <> 'resolved'"),
    insert: db.prepare(
      `INSERT INTO alerts (rule, severity, status, dedupe_key, title, person_id, source_id, details, opened_at)
       VALUES (@rule, @severity, 'open', @dedupeKey, @title, @personId, @sourceId, @details, @at)`,
    ),
    touch: db.prepare<[string, number]>('UPDATE alerts SET details = ? WHERE id = ?'),
    evidence: db.prepare<[number, number]>('INSERT OR IGNORE INTO alert_evidence (alert_id, event_seq) VALUES (?, ?)'),
    resolve: db.prepare<{ key: string; at: string; by: string | null; resolution: 'auto' | 'manual' }>(
      `UPDATE alerts SET status = 'resolved', resolved_at = @at, resolved_by = @by, resolution = @resolution
        WHERE dedupe_key = @key AND status <> 'resolved'`,
    ),
  };
}

function stmts(db: Db) {
  let s = statements.get(db);
  if (!s) statements.set(db, (s = prepare(db)));
  return s;
}

/**
 * Opens an alert, or adds evidence to the one already open under the same key (its details take
 * the latest values). Returns the alert id and whether it is new.
 */
export function raiseAlert(db: Db, a: AlertInput): { id: number; opened: boolean } {
  const s = stmts(db);
  const details = JSON.stringify(a.details ?? {});
  const existing = s.open.get(a.dedupeKey);
  let id: number;
  if (existing) {
    id = existing.id;
    s.touch.run(details, id);
  } else {
    id = Number(
      s.insert.run({
        rule: a.rule,
        severity: a.severity,
        dedupeKey: a.dedupeKey,
        title: a.title,
        personId: a.personId ?? null,
        sourceId: a.sourceId ?? null,
        details,
        at: a.at,
      }).lastInsertRowid,
    );
  }
  for (const seq of a.evidence ?? []) s.evidence.run(id, seq);
  return { id, opened: !existing };
}

/** Resolves the open alert under `dedupeKey`, if any (automatic unless `by` is given). */
export function resolveAlert(db: Db, dedupeKey: string, at: string, by: string | null = null): boolean {
  return stmts(db).resolve.run({ key: dedupeKey, at, by, resolution: by === null ? 'auto' : 'manual' }).changes > 0;
}
