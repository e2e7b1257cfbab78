/**
 * The Timeline page's logic, pure and unit-tested: filters from the URL, the listEvents query,
 * live events held back while the reader is scrolled down, when to fetch the next page, and the
 * before/after diff of the detail drawer.
 */
import { eventTypeSchema, type EventType, type RollcallEvent } from '../../../shared/contract';
import type { RouteParams } from '../store/route';
import { matchesEventFilter } from './events';

export interface TimelineFilters {
  type?: EventType;
  sourceId?: string;
  personId?: number;
  /** `YYYY-MM-DD`, a local day: events from its start; or a UTC instant (the Dashboard's "last 24 h"). */
  from?: string;
  /** `YYYY-MM-DD`, a local day: events up to its end (inclusive). */
  to?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A local calendar day (`YYYY-MM-DD`) as a Date at its local midnight; null when not a real day. */
export function localDay(day: string): Date | null {
  const m = DAY.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  return date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d ? date : null;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/;
function isInstant(value: string): boolean {
  return INSTANT.test(value) && !Number.isNaN(Date.parse(value));
}

/** The local day a `from` filter shows in its date box. */
export function fromDay(from: string | undefined): string {
  if (!from) return '';
  if (!isInstant(from)) return from;
  const d = new Date(from);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** `#/timeline?type=…&source=…&person=…&from=YYYY-MM-DD&to=YYYY-MM-DD`; invalid values are ignored. */
export function timelineFilters(params: RouteParams): TimelineFilters {
  const f: TimelineFilters = {};
  const type = eventTypeSchema.safeParse(params.type);
  if (type.success) f.type = type.data;
  if (params.source) f.sourceId = params.source;
  if (params.person && /^\d{1,15}$/.test(params.person)) f.personId = Number(params.person);
  if (params.from && (localDay(params.from) || isInstant(params.from))) f.from = params.from;
  if (params.to && localDay(params.to)) f.to = params.to;
  return f;
}

export function hasFilters(f: TimelineFilters): boolean {
  return f.type !== undefined || f.sourceId !== undefined || f.personId !== undefined || f.from !== undefined || f.to !== undefined;
}

/** The UTC instants a filter's days stand for: `[from's midnight, the day after to's midnight)`. */
export function timeRange(f: TimelineFilters): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  if (f.from && isInstant(f.from)) range.from = new Date(f.from).toISOString();
  const from = f.from ? localDay(f.from) : null;
  if (from) range.from = from.toISOString();
  const to = f.to ? localDay(f.to) : null;
  if (to) range.to = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1).toISOString();
  return range;
}

/** The listEvents input for the filters (absent fields left out). */
export function timelineQuery(f: TimelineFilters): {
  types?: EventType[];
  sourceId?: string;
  personId?: number;
  from?: string;
  to?: string;
} {
  const q: ReturnType<typeof timelineQuery> = { ...timeRange(f) };
  if (f.type) q.types = [f.type];
  if (f.sourceId !== undefined) q.sourceId = f.sourceId;
  if (f.personId !== undefined) q.personId = f.personId;
  return q;
}

/**
 * Whether a pushed event belongs in the list shown. Pushed events carry a person only when the
 * analyzer wrote them, so with a person filter an event without one is left to the next reload.
 */
export function matchesTimeline(e: RollcallEvent, f: TimelineFilters): boolean {
  if (!matchesEventFilter(e, { types: f.type ? [f.type] : undefined, sourceId: f.sourceId, personId: f.personId })) return false;
  const { from, to } = timeRange(f);
  if (from && e.occurredAt < from) return false;
  if (to && e.occurredAt >= to) return false;
  return true;
}

export interface LiveState {
  items: readonly RollcallEvent[];
  /** Pushed events not yet shown (newest first): the "N new events" pill. */
  pending: readonly RollcallEvent[];
}

/**
 * Takes pushed events. At the top of the list they go in front at once; scrolled down they wait
 * in `pending`, so nothing moves under the reader. Duplicates (by seq) and events outside the
 * filters are dropped. Returns the same object when nothing changed.
 */
export function takeLive(state: LiveState, incoming: readonly RollcallEvent[], f: TimelineFilters, atTop: boolean): LiveState {
  const seen = new Set<number>();
  for (const e of state.items) seen.add(e.seq);
  for (const e of state.pending) seen.add(e.seq);
  const fresh: RollcallEvent[] = [];
  for (const e of incoming) {
    if (!seen.has(e.seq) && matchesTimeline(e, f)) {
      seen.add(e.seq);
      fresh.push(e);
    }
  }
  if (fresh.length === 0) return state;
  const pending = [...fresh, ...state.pending].sort((a, b) => b.seq - a.seq);
  return atTop ? { items: [...pending, ...state.items], pending: [] } : { items: state.items, pending };
}

/** Shows the pending events (the pill was clicked, or the reader scrolled back to the top). */
export function showPending(state: LiveState): LiveState {
  if (state.pending.length === 0) return state;
  const seen = new Set(state.items.map((e) => e.seq));
  return { items: [...state.pending.filter((e) => !seen.has(e.seq)), ...state.items], pending: [] };
}

/** Fetch the next page when the last row drawn is within `ahead` rows of the end of what is loaded. */
export function shouldLoadMore(lastVisibleIndex: number, loaded: number, hasMore: boolean, busy: boolean, ahead: number): boolean {
  return hasMore && !busy && loaded > 0 && lastVisibleIndex >= loaded - 1 - ahead;
}

export interface DiffRow {
  /** The attribute (a dotted path one level deep for nested objects). */
  key: string;
  before: string | null;
  after: string | null;
  change: 'added' | 'removed' | 'changed' | 'same';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v: unknown): string | null {
  if (v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Flattens an object one level (`name.givenName`); arrays and deeper values stay as JSON. */
function flatten(v: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!isRecord(v)) {
    if (v !== null && v !== undefined) out.set('value', v);
    return out;
  }
  for (const [k, val] of Object.entries(v)) {
    if (isRecord(val) && Object.keys(val).length > 0) for (const [k2, v2] of Object.entries(val)) out.set(`${k}.${k2}`, v2);
    else out.set(k, val);
  }
  return out;
}

/** The before/after of an event as rows, changed ones first then the rest, each group by key. */
export function diffRows(before: unknown, after: unknown): DiffRow[] {
  const b = flatten(before);
  const a = flatten(after);
  const keys = [...new Set([...b.keys(), ...a.keys()])].sort();
  const rows = keys.map((key): DiffRow => {
    const bv = show(b.get(key));
    const av = show(a.get(key));
    const change = !b.has(key) ? 'added' : !a.has(key) ? 'removed' : bv === av ? 'same' : 'changed';
    return { key, before: bv, after: av, change };
  });
  return [...rows.filter((r) => r.change !== 'same'), ...rows.filter((r) => r.change === 'same')];
}

/** A stored body pretty-printed when it is JSON, as stored otherwise. */
export function prettyBody(text: string | null): string | null {
  if (text === null || text === '') return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
