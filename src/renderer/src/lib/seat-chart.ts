/**
 * Shaping of the seat charts (issue #7): the getSeatSeries answer turned into one recharts data
 * set per app (a row per day, a column per role, idle and purchased totals). Pure: the chart
 * component only draws what this returns.
 */
import type { CallOutput } from '../../../shared/contract';

export type SeatSeries = CallOutput<'getSeatSeries'>;

export const RANGES = [30, 90, 365] as const;
export type RangeDays = (typeof RANGES)[number];

/** `range` from the URL (30, 90 or 365 days; 90 by default). */
export function parseRange(value: string | undefined): RangeDays {
  const n = Number(value);
  return (RANGES as readonly number[]).includes(n) ? (n as RangeDays) : 90;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The UTC days of the last `days` days, today included. */
export function rangeDays(days: number, now: number): { from: string; to: string } {
  return { from: dayOf(now - (days - 1) * 86_400_000), to: dayOf(now) };
}

/** The export preset for a range of days (`to` inclusive) and, optionally, one app. */
export function seatsExportFilter(fromDay: string, toDay: string, sourceId?: string): { from: string; to: string; sourceId?: string } {
  const to = new Date(Date.parse(`${toDay}T00:00:00.000Z`) + 86_400_000).toISOString();
  return { from: `${fromDay}T00:00:00.000Z`, to, ...(sourceId !== undefined ? { sourceId } : {}) };
}

export interface ChartRole {
  /** The data key of the role's column ("r12", or "none" for accounts no mapping gives a role). */
  key: string;
  name: string;
  billed: boolean;
}

export interface ChartRow {
  day: string;
  /** Active seats per role key, plus `idle` (all roles) and `purchased` (billed roles that say). */
  [key: string]: string | number | null;
}

export interface AppChart {
  sourceId: string;
  app: string;
  /** Billed roles first, then free ones; by name within each. */
  roles: ChartRole[];
  rows: ChartRow[];
  /** Sum of seats purchased over billed roles; null when no role says. */
  purchased: number | null;
  /** The last day's figures. */
  latest: { active: number; billed: number; free: number; idle: number };
}

const roleKey = (roleId: number | null): string => (roleId === null ? 'none' : `r${roleId}`);

/** One chart per app (by app name), each a row per day with a column per role. */
export function seatCharts(data: SeatSeries): AppChart[] {
  const apps = new Map<string, SeatSeries['series']>();
  for (const s of data.series) {
    const list = apps.get(s.sourceId);
    if (list) list.push(s);
    else apps.set(s.sourceId, [s]);
  }
  const charts: AppChart[] = [];
  for (const [sourceId, list] of apps) {
    const sorted = [...list].sort((a, b) => {
      if (a.billed !== b.billed) return a.billed ? -1 : 1;
      if (a.role === null || b.role === null) return a.role === b.role ? 0 : a.role === null ? 1 : -1;
      return a.role.localeCompare(b.role);
    });
    const roles = sorted.map((s) => ({ key: roleKey(s.roleId), name: s.role ?? 'No role', billed: s.billed }));
    const known = sorted.filter((s) => s.billed && s.purchased !== null);
    const purchased = known.length ? known.reduce((n, s) => n + s.purchased!, 0) : null;
    const rows: ChartRow[] = data.days.map((day, i) => {
      const row: ChartRow = { day, idle: 0, purchased };
      let idle = 0;
      for (const s of sorted) {
        row[roleKey(s.roleId)] = s.active[i] ?? 0;
        idle += s.idle[i] ?? 0;
      }
      row.idle = idle;
      return row;
    });
    const last = data.days.length - 1;
    const latest = { active: 0, billed: 0, free: 0, idle: 0 };
    if (last >= 0)
      for (const s of sorted) {
        const n = s.active[last] ?? 0;
        latest.active += n;
        if (s.billed) latest.billed += n;
        else latest.free += n;
        latest.idle += s.idle[last] ?? 0;
      }
    charts.push({ sourceId, app: list[0]!.app, roles, rows, purchased, latest });
  }
  return charts.sort((a, b) => a.app.localeCompare(b.app) || a.sourceId.localeCompare(b.sourceId));
}

/** A short axis label for a UTC day: "3 Mar" (with the year for a range over a year). */
export function dayTick(day: string, withYear = false): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(d.getTime())) return day;
  const month = d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  return withYear ? `${d.getUTCDate()} ${month} ${String(d.getUTCFullYear()).slice(2)}` : `${d.getUTCDate()} ${month}`;
}
