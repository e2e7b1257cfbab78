/** Formatting for display. Pure (no DOM); the time zone and locale can be passed for tests. */
import type { EventType } from '../../../shared/contract';

export const NO_VALUE = '—';

const formatters = new Map<string, Intl.DateTimeFormat>();
function dateTimeFormat(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(key, f);
  }
  return f;
}

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * An instant in local time as `YYYY-MM-DD HH:MM:SS` (sortable, unambiguous, the same in every
 * locale). Unparseable input is returned unchanged rather than hidden.
 */
export function formatTime(iso: string, timeZone?: string): string {
  const d = parse(iso);
  if (!d) return iso;
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of dateTimeFormat(timeZone).formatToParts(d)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The UTC ISO-8601 form shown on hover: the input itself when it already is UTC (`…Z`). */
export function utcIso(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(iso)) return iso;
  const d = parse(iso);
  return d ? d.toISOString() : iso;
}

/**
 * How long ago, coarsely: "just now", "5 min ago", "3 h ago", "2 d ago"; from 60 days on, the
 * local date instead.
 */
export function formatAge(iso: string, now: number = Date.now(), timeZone?: string): string {
  const d = parse(iso);
  if (!d) return iso;
  const seconds = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return days < 60 ? `${days} d ago` : formatTime(iso, timeZone).slice(0, 10);
}

/** A duration given in hours: "—" when unknown, minutes below an hour, days from two days. */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours) || hours < 0) return NO_VALUE;
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${trim1(hours)} h`;
  return `${trim1(hours / 24)} d`;
}

function trim1(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A count with grouping separators ("12,345"); null gives "—". */
export function formatCount(n: number | null | undefined, locale?: string): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NO_VALUE;
  const key = locale ?? '';
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    numberFormats.set(key, f);
  }
  return f.format(n);
}

/** A share as a whole percentage; "—" when the whole is unknown or zero. */
export function formatPercent(part: number, whole: number | null | undefined): string {
  if (whole === null || whole === undefined || whole <= 0 || !Number.isFinite(part)) return NO_VALUE;
  return `${Math.round((part / whole) * 100)}%`;
}

export const EVENT_TYPE_LABELS: Readonly<Record<EventType, string>> = {
  'user.created': 'User created',
  'user.updated': 'User updated',
  'user.deactivated': 'User deactivated',
  'user.reactivated': 'User reactivated',
  'user.deleted': 'User deleted',
  'group.created': 'Group created',
  'group.updated': 'Group updated',
  'group.deleted': 'Group deleted',
  'group.member_added': 'Added to group',
  'group.member_removed': 'Removed from group',
  'role.granted': 'Role granted',
  'role.revoked': 'Role revoked',
  'relay.failed': 'Relay failed',
};

export function eventTypeLabel(type: EventType): string {
  return EVENT_TYPE_LABELS[type];
}

export const PROVIDER_LABELS: Readonly<Record<string, string>> = {
  okta: 'Okta',
  entra: 'Microsoft Entra ID',
  google: 'Google Workspace',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  generic: 'Generic SCIM',
};

export function providerLabel(provider: string): string {
  return PROVIDER_LABELS[provider] ?? provider;
}

/** Capitalises the first letter ("open" → "Open"). */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
