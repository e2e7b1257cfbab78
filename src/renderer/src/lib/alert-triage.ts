/**
 * The Alerts page's triage logic (issue #7): filters read from and written to the URL, the SLA
 * state of an alert, and multi-selection. Pure (no DOM, no API).
 */
import { ALERT_RULES, type Alert, type CallInput } from '../../../shared/contract';
import { formatHours } from './format';

export type StatusFilter = 'unresolved' | 'open' | 'acknowledged' | 'resolved' | 'all';
export const STATUS_FILTERS: readonly StatusFilter[] = ['unresolved', 'open', 'acknowledged', 'resolved', 'all'];
export const STATUS_FILTER_LABELS: Readonly<Record<StatusFilter, string>> = {
  unresolved: 'Open or acknowledged',
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  all: 'Any status',
};
export const RULES: readonly string[] = Object.values(ALERT_RULES);

export interface AlertQuery {
  status: StatusFilter;
  severity?: Alert['severity'];
  rule?: string;
  personId?: number;
  sourceId?: string;
}

const positiveInt = (v: string | undefined): number | undefined => (v && /^[1-9]\d{0,15}$/.test(v) ? Number(v) : undefined);

/**
 * `#/alerts?status=open&severity=high&rule=offboarding_gap&person=7&source=c-1`. Unknown values
 * are ignored; without a status the page shows what still needs someone (open or acknowledged).
 */
export function alertQueryFromParams(params: Readonly<Record<string, string>>): AlertQuery {
  const q: AlertQuery = { status: 'unresolved' };
  if ((STATUS_FILTERS as readonly string[]).includes(params.status ?? '')) q.status = params.status as StatusFilter;
  if (params.severity === 'high' || params.severity === 'medium' || params.severity === 'low') q.severity = params.severity;
  if (params.rule && RULES.includes(params.rule)) q.rule = params.rule;
  const person = positiveInt(params.person);
  if (person !== undefined) q.personId = person;
  if (params.source) q.sourceId = params.source;
  return q;
}

/** The URL parameters of a query (the default status is left out). */
export function alertQueryParams(q: AlertQuery): Record<string, string | undefined> {
  return {
    status: q.status === 'unresolved' ? undefined : q.status,
    severity: q.severity,
    rule: q.rule,
    person: q.personId === undefined ? undefined : String(q.personId),
    source: q.sourceId,
  };
}

/** The listAlerts input for a query. */
export function alertListInput(q: AlertQuery, limit: number, cursor?: string): CallInput<'listAlerts'> {
  const input: CallInput<'listAlerts'> = { limit, cursor };
  if (q.status === 'unresolved') input.statuses = ['open', 'acknowledged'];
  else if (q.status !== 'all') input.status = q.status;
  if (q.severity) input.severity = q.severity;
  if (q.rule) input.rule = q.rule;
  if (q.personId !== undefined) input.personId = q.personId;
  if (q.sourceId !== undefined) input.sourceId = q.sourceId;
  return input;
}

/** True when a pushed or updated alert belongs in the list of this query. */
export function matchesAlertQuery(a: Alert, q: AlertQuery): boolean {
  if (q.status === 'unresolved' ? a.status === 'resolved' : q.status !== 'all' && a.status !== q.status) return false;
  if (q.severity && a.severity !== q.severity) return false;
  if (q.rule && a.rule !== q.rule) return false;
  if (q.personId !== undefined && a.personId !== q.personId) return false;
  if (q.sourceId !== undefined && a.sourceId !== q.sourceId) return false;
  return true;
}

export interface SlaState {
  /** "4 h SLA, 1 h over" / "4 h SLA, 30 min left" / "4 h SLA, met". */
  label: string;
  state: 'over' | 'within' | 'met';
}

/**
 * The SLA of an alert that has one (an offboarding gap: `details.slaHours` from `details.leftAt`):
 * how far over it is now, or was when resolved. Null for rules without an SLA.
 */
export function slaState(alert: Pick<Alert, 'details' | 'resolvedAt'>, now: number): SlaState | null {
  const sla = alert.details.slaHours;
  const leftAt = alert.details.leftAt;
  if (typeof sla !== 'number' || !Number.isFinite(sla) || typeof leftAt !== 'string') return null;
  const left = Date.parse(leftAt);
  if (Number.isNaN(left)) return null;
  const due = left + sla * 3_600_000;
  const end = alert.resolvedAt ? Date.parse(alert.resolvedAt) : now;
  const slaText = `${formatHours(sla)} SLA`;
  if (end > due) return { label: `${slaText}, ${hoursText(end - due)} over`, state: 'over' };
  if (alert.resolvedAt) return { label: `${slaText}, met`, state: 'met' };
  return { label: `${slaText}, ${hoursText(due - end)} left`, state: 'within' };
}

/** A duration in whole minutes first (59.99 minutes is "1 h", not "60 min"). */
const hoursText = (ms: number): string => formatHours(Math.round(ms / 60_000) / 60);

/** The age of an alert from its `openForMs` ("3 h", "2 d"). */
export function alertAge(alert: Pick<Alert, 'openForMs'>): string {
  return hoursText(alert.openForMs);
}

// ---------------------------------------------------------------------------------------------
// Selection: a set of ids plus an anchor for range selection (shift-click, shift+arrow).

export interface Selection {
  ids: ReadonlySet<number>;
  anchor: number | null;
}
export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null };

export function toggleSelected(s: Selection, id: number): Selection {
  const ids = new Set(s.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { ids, anchor: id };
}

/** Selects every id between the anchor and `id` in the order shown (the anchor alone when unknown). */
export function selectRange(s: Selection, order: readonly number[], id: number): Selection {
  const from = s.anchor === null ? -1 : order.indexOf(s.anchor);
  const to = order.indexOf(id);
  if (to === -1) return s;
  if (from === -1) return { ids: new Set([...s.ids, id]), anchor: id };
  const [lo, hi] = from < to ? [from, to] : [to, from];
  const ids = new Set(s.ids);
  for (let i = lo; i <= hi; i++) ids.add(order[i]!);
  return { ids, anchor: s.anchor };
}

/** All shown selected, or none when all already are. */
export function toggleAll(s: Selection, order: readonly number[]): Selection {
  const all = order.length > 0 && order.every((id) => s.ids.has(id));
  return all ? EMPTY_SELECTION : { ids: new Set(order), anchor: s.anchor };
}

/** Keeps only ids still shown (after a reload or a filter change). */
export function pruneSelection(s: Selection, order: readonly number[]): Selection {
  const shown = new Set(order);
  const kept = [...s.ids].filter((id) => shown.has(id));
  if (kept.length === s.ids.size && (s.anchor === null || shown.has(s.anchor))) return s;
  return { ids: new Set(kept), anchor: s.anchor !== null && shown.has(s.anchor) ? s.anchor : null };
}

export type BulkAction = 'acknowledge' | 'resolve' | 'reopen';

/** Which of the selected alerts an action applies to (acknowledge: open ones; resolve: unresolved; reopen: resolved or acknowledged). */
export function applicable(action: BulkAction, alerts: readonly Pick<Alert, 'id' | 'status'>[]): number[] {
  return alerts
    .filter((a) => (action === 'acknowledge' ? a.status === 'open' : action === 'resolve' ? a.status !== 'resolved' : a.status !== 'open'))
    .map((a) => a.id);
}

export const ACTION_LABELS: Readonly<Record<BulkAction, { verb: string; busy: string; done: string }>> = {
  acknowledge: { verb: 'Acknowledge', busy: 'Acknowledging…', done: 'acknowledged' },
  resolve: { verb: 'Resolve', busy: 'Resolving…', done: 'resolved' },
  reopen: { verb: 'Reopen', busy: 'Reopening…', done: 'reopened' },
};
