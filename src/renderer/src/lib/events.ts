/** Shaping of event lists for the Timeline and Audit trail pages. Pure. */
import type { EventType, RollcallEvent } from '../../../shared/contract';
import { NO_VALUE } from './format';

/** The event types the Audit trail shows: who gained or lost a role or a group membership. */
export const AUDIT_TYPES: readonly EventType[] = ['role.granted', 'role.revoked', 'group.member_added', 'group.member_removed'];

export interface EventFilter {
  /** Only these types (any type when absent or empty). */
  types?: readonly EventType[];
  sourceId?: string;
  personId?: number;
}

export function matchesEventFilter(event: RollcallEvent, filter: EventFilter): boolean {
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.sourceId !== undefined && event.sourceId !== filter.sourceId) return false;
  if (filter.personId !== undefined && event.personId !== filter.personId) return false;
  return true;
}

/**
 * Puts pushed events in front of a newest-first list: only those matching the page's filter,
 * none already shown (by seq), newest first. Returns the same array when nothing was added, so
 * React can skip the render.
 */
export function mergeLiveEvents(
  current: readonly RollcallEvent[],
  incoming: readonly RollcallEvent[],
  filter: EventFilter,
): readonly RollcallEvent[] {
  const seen = new Set(current.map((e) => e.seq));
  const fresh: RollcallEvent[] = [];
  for (const e of incoming) {
    if (!seen.has(e.seq) && matchesEventFilter(e, filter)) {
      seen.add(e.seq);
      fresh.push(e);
    }
  }
  if (fresh.length === 0) return current;
  fresh.sort((a, b) => b.seq - a.seq);
  return [...fresh, ...current];
}

const NAME_KEYS = ['role', 'roleName', 'group', 'groupName', 'displayName', 'name', 'value', 'id'] as const;

/** A readable name for a role or group value of unknown shape (string, or object with a name). */
export function nameOf(value: unknown, depth = 0): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number') return String(value);
  if (!value || typeof value !== 'object' || Array.isArray(value) || depth > 1) return null;
  const record = value as Record<string, unknown>;
  for (const key of NAME_KEYS) {
    const found = nameOf(record[key], depth + 1);
    if (found) return found;
  }
  return null;
}

export interface AuditChange {
  /** "gained" for grants and additions, "lost" for revocations and removals. */
  direction: 'gained' | 'lost';
  kind: 'role' | 'group';
  /** The role or group concerned. */
  target: string;
  /** One sentence: "Gained role Admin", "Removed from group Engineering". */
  summary: string;
}

/** What a role or membership event changed. */
export function describeAuditChange(event: RollcallEvent): AuditChange {
  const gained = event.type === 'role.granted' || event.type === 'group.member_added';
  const kind = event.type.startsWith('role.') ? 'role' : 'group';
  const target = nameOf(gained ? event.after : event.before) ?? nameOf(gained ? event.before : event.after) ?? event.groupId ?? NO_VALUE;
  const verb = kind === 'role' ? (gained ? 'Gained role' : 'Lost role') : gained ? 'Added to group' : 'Removed from group';
  return {
    direction: gained ? 'gained' : 'lost',
    kind,
    target,
    summary: `${verb} ${target}`,
  };
}

/** A short one-line rendering of a before/after value for a table cell. */
export function shortValue(value: unknown, max = 80): string {
  if (value === null || value === undefined) return NO_VALUE;
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
