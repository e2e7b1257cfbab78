/**
 * Opening and resolving alerts. One open alert per dedupe key (the partial unique index
 * alerts_one_open enforces it): a condition seen again adds evidence to the open alert instead of
 * opening a second one, and an alert resolved automatically records when its condition cleared.
 * Callers run these inside the write transaction that stores the evidence.
 */
import {
  alertSettingsSchema,
  DEFAULT_ALERT_SETTINGS,
  type AlertSettings,
  type CallOutput,
  type CallParsedInput,
} from '../../shared/contract';
import { InvalidInputError, NotFoundError } from './dispatch';
import { ALERT_COLUMNS, toAlert, toApiEvent, type AlertRow } from './queries';
import type { Db } from './store/db';
import type { EventRow } from './store/events';
import type { Store } from './store/store';

type EventJoinedRow = EventRow & { source_name: string };

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
  /** When the alert is already open: replace its details with these (default true). */
  refresh?: boolean;
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
    if (a.refresh ?? true) s.touch.run(details, id);
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

// ---------------------------------------------------------------------------------------------
// Settings

const SETTINGS_KEY = 'alertRules';

/**
 * The alert rules' settings as stored (one JSON value in `settings`), each rule parsed on its own
 * and merged over its defaults: a rule whose stored value no longer parses gets its defaults back
 * instead of breaking every rule.
 */
export function readAlertSettings(store: Store): AlertSettings {
  let stored: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(store.getSetting(SETTINGS_KEY) ?? '{}') as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) stored = parsed as Record<string, unknown>;
  } catch {
    // unreadable: defaults
  }
  const out = { ...DEFAULT_ALERT_SETTINGS } as Record<keyof AlertSettings, unknown>;
  for (const key of Object.keys(DEFAULT_ALERT_SETTINGS) as (keyof AlertSettings)[]) {
    const value = stored[key];
    if (value === undefined) continue;
    const merged = alertSettingsSchema.shape[key].safeParse({ ...DEFAULT_ALERT_SETTINGS[key], ...(value as object) });
    if (merged.success) out[key] = merged.data;
  }
  return out as AlertSettings;
}

/** Applies a partial change (only the rules and fields given) and returns every rule's settings. */
export function updateAlertSettings(
  store: Store,
  change: Partial<{ [K in keyof AlertSettings]: Partial<AlertSettings[K]> }>,
): AlertSettings {
  return store.write(() => {
    const current = readAlertSettings(store);
    const next = { ...current } as Record<string, unknown>;
    for (const [key, patch] of Object.entries(change)) {
      if (patch === undefined) continue;
      next[key] = { ...current[key as keyof AlertSettings], ...patch };
    }
    const parsed = alertSettingsSchema.safeParse(next);
    if (!parsed.success) {
      throw new InvalidInputError(
        'Invalid alert settings',
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    }
    store.setSetting(SETTINGS_KEY, JSON.stringify(parsed.data));
    return parsed.data;
  });
}

// ---------------------------------------------------------------------------------------------
// Triage: one alert, transitions, notes

interface NoteRow {
  id: number;
  at: string;
  author: string | null;
  text: string;
}

export function getAlert(db: Db, id: number, now: Date): CallOutput<'getAlert'> {
  const row = db.prepare<[number], AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = ?`).get(id);
  if (!row) throw new NotFoundError(`No alert ${id}`);
  const notes = db.prepare<[number], NoteRow>('SELECT id, at, author, text FROM alert_notes WHERE alert_id = ? ORDER BY id').all(id);
  const evidence = db
    .prepare<[number], EventJoinedRow>(
      `SELECT e.*, s.name AS source_name FROM alert_evidence ae JOIN events e ON e.seq = ae.event_seq
         JOIN sources s ON s.id = e.source_id WHERE ae.alert_id = ? ORDER BY e.seq LIMIT 500`,
    )
    .all(id);
  return { alert: toAlert(row, now), notes, evidence: evidence.map(toApiEvent) };
}

const DEFAULT_ACTOR = 'dashboard';

const triageCache = new WeakMap<Db, ReturnType<typeof prepareTriage>>();

function prepareTriage(db: Db) {
  return {
    get: db.prepare<[number], { id: number; status: string; dedupe_key: string }>('SELECT id, status, dedupe_key FROM alerts WHERE id = ?'),
    exists: db.prepare<[number], number>('SELECT 1 FROM alerts WHERE id = ?').pluck(),
    acknowledge: db.prepare<[string, string, number]>(
      "UPDATE alerts SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
    ),
    resolve: db.prepare<[string, string, number]>(
      "UPDATE alerts SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolution = 'manual' WHERE id = ?",
    ),
    newerOpen: db.prepare<[string, number], { id: number }>(
      "SELECT id FROM alerts WHERE dedupe_key = ? AND status <> 'resolved' AND id <> ?",
    ),
    reopen: db.prepare<[number]>(
      `UPDATE alerts SET status = 'open', resolved_at = NULL, resolved_by = NULL, resolution = NULL,
         acknowledged_at = NULL, acknowledged_by = NULL WHERE id = ?`,
    ),
    note: db.prepare<[number, string, string, string]>('INSERT INTO alert_notes (alert_id, at, author, text) VALUES (?, ?, ?, ?)'),
  };
}

function triage(db: Db) {
  let s = triageCache.get(db);
  if (!s) triageCache.set(db, (s = prepareTriage(db)));
  return s;
}

/**
 * Acknowledge (open → acknowledged), resolve (open/acknowledged → resolved, manual) or reopen
 * (resolved → open, unless a newer alert for the same condition is open). Alerts already in the
 * target state, or missing, are listed as skipped with the reason; the note, if any, goes on every
 * alert that changed. One transaction.
 */
export function updateAlerts(store: Store, input: CallParsedInput<'updateAlerts'>, now: Date): CallOutput<'updateAlerts'> {
  const s = triage(store.db);
  const at = now.toISOString();
  const by = input.by ?? DEFAULT_ACTOR;
  /** Why `a` cannot take the action, or null after taking it. */
  const apply = (a: { id: number; status: string; dedupe_key: string }): string | null => {
    if (input.action === 'acknowledge') {
      if (a.status !== 'open') return `already ${a.status}`;
      s.acknowledge.run(at, by, a.id);
    } else if (input.action === 'resolve') {
      if (a.status === 'resolved') return 'already resolved';
      s.resolve.run(at, by, a.id);
    } else {
      if (a.status !== 'resolved') return `not resolved (${a.status})`;
      const newer = s.newerOpen.get(a.dedupe_key, a.id);
      if (newer) return `alert ${newer.id} is open for the same condition`;
      s.reopen.run(a.id);
    }
    return null;
  };
  return store.write(() => {
    const updated: number[] = [];
    const skipped: { id: number; reason: string }[] = [];
    for (const id of [...new Set(input.ids)]) {
      const a = s.get.get(id);
      const refused = a ? apply(a) : 'no such alert';
      if (refused !== null) {
        skipped.push({ id, reason: refused });
        continue;
      }
      if (input.note) s.note.run(id, at, by, input.note);
      updated.push(id);
    }
    return { updated, skipped };
  });
}

export function addAlertNote(store: Store, input: CallParsedInput<'addAlertNote'>, now: Date): CallOutput<'addAlertNote'> {
  const s = triage(store.db);
  return store.write(() => {
    if (s.exists.get(input.id) === undefined) throw new NotFoundError(`No alert ${input.id}`);
    const at = now.toISOString();
    const author = input.by ?? DEFAULT_ACTOR;
    const info = s.note.run(input.id, at, author, input.text);
    return { id: Number(info.lastInsertRowid), at, author, text: input.text };
  });
}
