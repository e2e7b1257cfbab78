/** Shaping for the Sources page. Pure. */
import type { PushMessage } from '../../../shared/contract';
import { formatCount } from './format';

export type SyncProgressMessage = Extract<PushMessage, { kind: 'sync.progress' }>;
export interface SyncProgress {
  phase: string;
  done: number;
  total: number | null;
}
export type SyncProgressMap = Readonly<Record<string, SyncProgress>>;

const FINISHED_PHASES = new Set(['done', 'complete', 'completed', 'finished', 'failed', 'error']);

export function isSyncFinished(p: SyncProgress): boolean {
  return FINISHED_PHASES.has(p.phase.toLowerCase());
}

/** Records a progress message; a finished sync is dropped from the map. */
export function applySyncProgress(map: SyncProgressMap, message: SyncProgressMessage): SyncProgressMap {
  const { directoryId, phase, done, total } = message;
  const next: Record<string, SyncProgress> = { ...map };
  if (isSyncFinished({ phase, done, total })) delete next[directoryId];
  else next[directoryId] = { phase, done, total };
  return next;
}

/** "Syncing users: 1,200 of 5,000" (or without the total when it is not known). */
export function syncProgressLabel(p: SyncProgress): string {
  const phase = p.phase.replace(/[._-]+/g, ' ').trim() || 'data';
  return p.total === null
    ? `Syncing ${phase}: ${formatCount(p.done)}`
    : `Syncing ${phase}: ${formatCount(p.done)} of ${formatCount(p.total)}`;
}

/** Progress as a value for <progress> (0–1), or null when the total is unknown. */
export function syncProgressFraction(p: SyncProgress): number | null {
  if (p.total === null || p.total <= 0) return null;
  return Math.min(1, Math.max(0, p.done / p.total));
}

export function modeLabel(mode: 'store' | 'relay'): string {
  return mode === 'relay' ? 'Relay to app' : 'Store';
}

/** The CLI commands the empty states suggest (kept in one place so they stay accurate). */
export const ADD_CONNECTION_COMMAND = 'npx rollcall connections add --name … --app … --idp okta';
