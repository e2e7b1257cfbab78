/** Shaping for the Sources page. Pure. */
import type { CallOutput, PushMessage, SyncRun } from '../../../shared/contract';
import { AUTH_KIND_LABELS } from './connection-form';
import { capitalise, formatCount } from './format';

/** A connection as `listSources` gives it. */
export type Connection = CallOutput<'listSources'>['connections'][number];

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

/** "1 user", "1,200 users": a count with its noun in the right number. */
function counted(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "1,200 users · 3 groups · 1 membership": what a sync saw so far. */
function seenCounts(p: { users: number; groups: number; memberships: number }): string {
  return `${counted(p.users, 'user', 'users')} · ${counted(p.groups, 'group', 'groups')} · ${counted(p.memberships, 'membership', 'memberships')}`;
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
  const counts = `${seenCounts(p)} · ${counted(p.events, 'change', 'changes')}`;
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

/** What the Mode cell of the connections list says about a connection. */
export type ConnectionModeView = { mode: 'store'; label: string } | { mode: 'relay'; label: string; baseUrl: string; detail: string };

/** "Stores", or "Relays to https://…" with the authentication kind and what is not the default. */
export function connectionModeView(c: Pick<Connection, 'mode' | 'upstream'>): ConnectionModeView {
  if (c.mode !== 'relay' || !c.upstream) return { mode: 'store', label: 'Stores' };
  const u = c.upstream;
  const extras = [
    AUTH_KIND_LABELS[u.authKind] ?? u.authKind,
    `timeout ${Math.round(u.timeoutMs / 100) / 10} s`,
    u.customCa ? 'trusted CA' : null,
    u.headerNames.length > 0 ? `${u.headerNames.length} extra ${u.headerNames.length === 1 ? 'header' : 'headers'}` : null,
    u.tlsVerify ? null : 'TLS verification off',
  ].filter((p): p is string => p !== null);
  return { mode: 'relay', label: 'Relays to', baseUrl: u.baseUrl, detail: extras.join(' · ') };
}

/** The CLI commands the empty states suggest (kept in one place so they stay accurate). */
export const ADD_CONNECTION_COMMAND = 'npx rollcall connections add --name … --app … --idp okta';
export const ADD_DIRECTORY_COMMAND = 'npx rollcall directories add --kind okta --name … --base-url https://… --token-env OKTA_API_TOKEN';

// ---------------------------------------------------------------------------------------------
// Directories

/** A directory as `listSources` gives it. */
export type Directory = CallOutput<'listSources'>['directories'][number];

const TRIGGER_LABELS: Readonly<Record<SyncRun['trigger'], string>> = {
  schedule: 'scheduled',
  manual: 'started here',
  cli: 'from the command line',
};

/** How a sync was started, as the list says it. */
export function syncTriggerLabel(run: Pick<SyncRun, 'trigger' | 'full'>): string {
  const trigger = TRIGGER_LABELS[run.trigger] ?? run.trigger;
  return run.full ? `Full sync, ${trigger}` : capitalise(trigger);
}

/**
 * "1,200 users · 3 groups · 40 memberships · 5 changes" for a finished sync; a baseline (the
 * directory's first sync, which records what exists without an event each) says so instead.
 */
export function syncCountsLabel(run: Pick<SyncRun, 'users' | 'groups' | 'memberships' | 'events'> & { baseline?: boolean }): string {
  const events = run.baseline ? 'baseline recorded' : counted(run.events, 'change', 'changes');
  return `${seenCounts(run)} · ${events}`;
}

export type SyncResultTone = 'ok' | 'failed' | 'running' | 'cancelled';

export interface SyncResult {
  tone: SyncResultTone;
  /** "Succeeded", "Failed", "Running", "Cancelled". */
  label: string;
  /** When it finished (or started, while running). */
  at: string;
  counts: string | null;
  error: string | null;
  trigger: string;
}

/** The last sync of a directory as the list shows it; null when it never synced. */
export function lastSyncResult(run: SyncRun | null): SyncResult | null {
  if (!run) return null;
  const trigger = syncTriggerLabel(run);
  const at = run.finishedAt ?? run.startedAt;
  switch (run.status) {
    case 'ok':
      return { tone: 'ok', label: 'Succeeded', at, counts: syncCountsLabel(run), error: null, trigger };
    case 'failed':
      return { tone: 'failed', label: 'Failed', at, counts: null, error: run.error ?? 'No reason was recorded.', trigger };
    case 'cancelled':
      return { tone: 'cancelled', label: 'Cancelled', at, counts: null, error: run.error, trigger };
    default:
      return { tone: 'running', label: 'Running', at, counts: null, error: null, trigger };
  }
}

/** "Every 15 min", "Every 2 h", "Every 1 h 30 min", "Once a day". */
export function intervalLabel(minutes: number): string {
  if (minutes >= 1440) return 'Once a day';
  if (minutes < 60) return `Every ${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `Every ${h} h` : `Every ${h} h ${m} min`;
}

function str(settings: Record<string, unknown>, key: string): string | null {
  const v = settings[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** One line naming what the directory points at (from its non-secret settings): org, tenant or admin. */
export function directoryDetail(d: Pick<Directory, 'provider' | 'settings'>): string | null {
  const s = d.settings;
  switch (d.provider) {
    case 'okta': {
      const url = str(s, 'baseUrl');
      const auth = s.auth === 'oauth' ? 'OAuth service app' : s.auth === 'ssws' ? 'API token' : null;
      return [url ? hostOf(url) : null, auth].filter(Boolean).join(' · ') || null;
    }
    case 'entra': {
      const tenant = str(s, 'tenantId');
      const auth = s.auth === 'certificate' ? 'certificate' : s.auth === 'secret' ? 'client secret' : null;
      return [tenant ? `Tenant ${tenant}` : null, auth].filter(Boolean).join(' · ') || null;
    }
    case 'google': {
      const subject = str(s, 'subject');
      return subject ? `As ${subject}` : null;
    }
    default:
      return null;
  }
}

/** What the sync cell of a directory shows right now. */
export type SyncActivity =
  /** A sync runs: its latest progress, or null before the first progress message (or when the page opened mid-sync). */
  { running: true; progress: SyncProgress | null } | { running: false };

/**
 * Whether a directory is syncing: a progress message says so; else its last run is still
 * `running`; else this page asked for sync `requested` and the list does not show it finished yet.
 */
export function syncActivity(
  d: Pick<Directory, 'lastSync'>,
  progress: SyncProgress | undefined,
  requested: number | undefined,
): SyncActivity {
  if (progress) return { running: true, progress };
  if (d.lastSync?.status === 'running') return { running: true, progress: null };
  if (requested !== undefined && !(d.lastSync && d.lastSync.id >= requested)) return { running: true, progress: null };
  return { running: false };
}

/** What a screen reader hears when a sync ends (from the final progress message). */
export function syncFinishedAnnouncement(name: string, message: Pick<SyncProgressMessage, 'phase' | 'events' | 'error'>): string | null {
  if (message.phase === 'done') {
    return `Sync of “${name}” finished: ${counted(message.events, 'change', 'changes')}.`;
  }
  if (message.phase === 'failed') return `Sync of “${name}” failed${message.error ? `: ${message.error}` : '.'}`;
  return null;
}
