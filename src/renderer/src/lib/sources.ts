/** Shaping for the Sources page. Pure. */
import type { PushMessage } from '../../../shared/contract';
import { formatCount } from './format';

export type SyncProgressMessage = Extract<PushMessage, { kind: 'sync.progress' }>;
export type SyncProgress = Omit<SyncProgressMessage, 'kind' | 'directoryId'>;
export type SyncProgressMap = Readonly<Record<string, SyncProgress>>;

/** What the directory's previous sync saw: the yardstick for this one's progress bar. */
export interface SyncTotals {
  users: number;
  groups: number;
  memberships: number;
}

export function isSyncFinished(p: Pick<SyncProgress, 'phase'>): boolean {
  return p.phase === 'done' || p.phase === 'failed';
}

/** Records a progress message; a finished sync is dropped from the map (the source list shows its result). */
export function applySyncProgress(map: SyncProgressMap, message: SyncProgressMessage): SyncProgressMap {
  const { kind: _kind, directoryId, ...progress } = message;
  const next: Record<string, SyncProgress> = { ...map };
  if (isSyncFinished(progress)) delete next[directoryId];
  else next[directoryId] = progress;
  return next;
}

const PHASE_LABELS: Record<string, string> = {
  starting: 'Starting',
  users: 'Reading users',
  groups: 'Reading groups',
  members: 'Reading memberships',
  changes: 'Reading changes',
  deletions: 'Recording deletions',
};

/** "Reading users: 1,200 users · 3 groups · 0 memberships · 1,203 changes" (+ a wait, if any). */
export function syncProgressLabel(p: SyncProgress): string {
  const phase = PHASE_LABELS[p.phase] ?? p.phase.replace(/[._-]+/g, ' ').trim();
  const counts = `${formatCount(p.users)} users · ${formatCount(p.groups)} groups · ${formatCount(p.memberships)} memberships · ${formatCount(p.events)} changes`;
  return p.waiting ? `${phase}: ${counts} (${p.waiting})` : `${phase}: ${counts}`;
}

/**
 * Progress as a value for <progress> (0–1), judged against what the previous sync saw; null
 * (an indeterminate bar) when there is no previous sync to compare with.
 */
export function syncProgressFraction(p: SyncProgress, previous: SyncTotals | null): number | null {
  if (!previous) return null;
  const total = previous.users + previous.groups + previous.memberships;
  if (total <= 0) return null;
  if (p.phase === 'deletions') return 0.99;
  return Math.min(0.98, Math.max(0, (p.users + p.groups + p.memberships) / total));
}

export function modeLabel(mode: 'store' | 'relay'): string {
  return mode === 'relay' ? 'Relay to app' : 'Store';
}

/** The CLI commands the empty states suggest (kept in one place so they stay accurate). */
export const ADD_CONNECTION_COMMAND = 'npx rollcall connections add --name … --app … --idp okta';
