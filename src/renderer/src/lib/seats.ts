/** Shaping of the seat table: rows grouped per app with totals. Pure. */
import type { CallOutput } from '../../../shared/contract';

export type SeatRow = CallOutput<'getSeats'>['rows'][number];

export interface SeatTotals {
  active: number;
  idle: number;
  /** Sum of the purchased counts that are known; null when none is. */
  purchased: number | null;
  /** Active seats of the rows whose purchased count is known (to compare with `purchased`). */
  activeOfPurchased: number;
}

export interface AppSeats {
  app: string;
  rows: SeatRow[];
  totals: SeatTotals;
}

/** Adds up rows; purchased stays null only when no row knows it. */
export function seatTotals(rows: readonly SeatRow[]): SeatTotals {
  let active = 0;
  let idle = 0;
  let purchased: number | null = null;
  let activeOfPurchased = 0;
  for (const r of rows) {
    active += r.active;
    idle += r.idle;
    if (r.purchased !== null) {
      purchased = (purchased ?? 0) + r.purchased;
      activeOfPurchased += r.active;
    }
  }
  return { active, idle, purchased, activeOfPurchased };
}

const byText = (a: string, b: string): number => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true });

/**
 * Groups rows per app (apps by name), billed roles first then by role name (no role last), each
 * app with its totals.
 */
export function groupSeatsByApp(rows: readonly SeatRow[]): AppSeats[] {
  const apps = new Map<string, SeatRow[]>();
  for (const r of rows) {
    const list = apps.get(r.app);
    if (list) list.push(r);
    else apps.set(r.app, [r]);
  }
  return [...apps.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([app, list]) => {
      const sorted = [...list].sort((a, b) => {
        if (a.billed !== b.billed) return a.billed ? -1 : 1;
        if (a.role === null || b.role === null) return a.role === b.role ? 0 : a.role === null ? 1 : -1;
        return byText(a.role, b.role);
      });
      return { app, rows: sorted, totals: seatTotals(sorted) };
    });
}

/** Seats held beyond what was purchased (0 when within, or purchased unknown). */
export function overAllocated(row: Pick<SeatRow, 'active' | 'idle' | 'purchased'>): number {
  if (row.purchased === null) return 0;
  return Math.max(0, row.active + row.idle - row.purchased);
}
