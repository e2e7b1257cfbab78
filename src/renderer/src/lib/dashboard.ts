/** The dashboard's cards, computed from getDashboard. Pure; the page only draws them. */
import type { CallOutput, SourceHealth } from '../../../shared/contract';
import { formatRoute } from '../store/route';
import { formatCount, formatHours } from './format';

export type Dashboard = CallOutput<'getDashboard'>;

export interface DashboardCard {
  id: string;
  label: string;
  value: string;
  /** A short line under the value. */
  detail: string;
  /** Where the card links to (a hash route). */
  href: string;
  tone: 'neutral' | 'danger' | 'warning' | 'ok';
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function dashboardCards(d: Dashboard, now: Date = new Date()): DashboardCard[] {
  const { high, medium, low } = d.openAlerts;
  const sources = d.sources.connections + d.sources.directories;
  return [
    {
      id: 'alerts-high',
      label: 'High-severity alerts',
      value: formatCount(high),
      detail: high > 0 ? 'Open, need attention' : 'None open',
      href: formatRoute('alerts', { status: 'open', severity: 'high' }),
      tone: high > 0 ? 'danger' : 'ok',
    },
    {
      id: 'alerts-medium',
      label: 'Medium-severity alerts',
      value: formatCount(medium),
      detail: medium > 0 ? 'Open' : 'None open',
      href: formatRoute('alerts', { status: 'open', severity: 'medium' }),
      tone: medium > 0 ? 'warning' : 'neutral',
    },
    {
      id: 'alerts-low',
      label: 'Low-severity alerts',
      value: formatCount(low),
      detail: low > 0 ? 'Open' : 'None open',
      href: formatRoute('alerts', { status: 'open', severity: 'low' }),
      tone: 'neutral',
    },
    {
      id: 'seats-active',
      label: 'Active seats',
      value: formatCount(d.activeSeats),
      detail: 'Held by active people',
      href: formatRoute('seats'),
      tone: 'neutral',
    },
    {
      id: 'seats-idle',
      label: 'Idle seats',
      value: formatCount(d.idleSeats),
      detail: d.idleSeats > 0 ? 'Held by people who left or are inactive' : 'No seat is idle',
      href: formatRoute('seats', { range: '30' }),
      tone: d.idleSeats > 0 ? 'warning' : 'neutral',
    },
    {
      id: 'events-24h',
      label: 'Events, last 24 h',
      value: formatCount(d.eventsLast24h),
      detail: 'Provisioning changes seen',
      href: formatRoute('timeline', { from: new Date(now.getTime() - 24 * 3_600_000).toISOString() }),
      tone: 'neutral',
    },
    {
      id: 'deprovision-median',
      label: 'Median time to deprovision',
      value: formatHours(d.medianHoursToDeprovision),
      detail: d.medianHoursToDeprovision === null ? 'No offboarding measured yet' : 'From leaving to removed from apps',
      href: formatRoute('timeline', { type: 'user.deactivated' }),
      tone: 'neutral',
    },
    {
      id: 'sources',
      label: 'Sources',
      value: formatCount(sources),
      detail: `${plural(d.sources.connections, 'connection', 'connections')} · ${plural(d.sources.directories, 'directory', 'directories')}`,
      href: formatRoute('sources'),
      tone: sources === 0 ? 'warning' : 'neutral',
    },
  ];
}

/** True before any source exists: the dashboard then leads with what to set up first. */
export function needsSetup(d: Dashboard): boolean {
  return d.sources.connections + d.sources.directories === 0;
}

// ---- Sources' health (issue #7, ui-a)

/** A connection silent for longer than this is flagged (the silent-source alert's default: 72 h). */
export const QUIET_HOURS = 72;

export interface SourceHealthRow {
  id: string;
  name: string;
  kind: 'connection' | 'directory';
  /** What "last activity" means for this kind of source. */
  activityLabel: string;
  lastActivityAt: string | null;
  errorCount: number;
  latestError: string | null;
  tone: 'ok' | 'warning' | 'danger';
  /** One short phrase: why the tone. */
  verdict: string;
  /** The timeline of this source. */
  timelineHref: string;
}

/** The dashboard's sources table: errors first, then silent sources, then the rest by name. */
export function sourceHealthRows(sources: readonly SourceHealth[], now: Date = new Date()): SourceHealthRow[] {
  const rows = sources.map((s): SourceHealthRow => {
    const quiet = s.lastActivityAt === null || now.getTime() - Date.parse(s.lastActivityAt) > QUIET_HOURS * 3_600_000;
    let tone: SourceHealthRow['tone'] = 'ok';
    let verdict = 'Healthy';
    if (s.errorCount > 0 || s.lastSyncStatus === 'failed') {
      tone = 'danger';
      verdict = s.kind === 'directory' && s.lastSyncStatus === 'failed' ? 'Last sync failed' : 'Errors in the last 24 h';
    } else if (s.kind === 'directory' && s.lastSyncStatus === 'running') {
      verdict = 'Syncing now';
    } else if (quiet) {
      tone = 'warning';
      verdict =
        s.lastActivityAt === null
          ? s.kind === 'connection'
            ? 'No SCIM request yet'
            : 'Never synced'
          : s.kind === 'connection'
            ? `No SCIM request for over ${QUIET_HOURS} h`
            : `No successful sync for over ${QUIET_HOURS} h`;
    }
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      activityLabel: s.kind === 'connection' ? 'Last SCIM request' : 'Last successful sync',
      lastActivityAt: s.lastActivityAt,
      errorCount: s.errorCount,
      latestError: s.recentErrors[0]?.message ?? null,
      tone,
      verdict,
      timelineHref: formatRoute('timeline', { source: s.id }),
    };
  });
  const rank = { danger: 0, warning: 1, ok: 2 } as const;
  return rows.sort((a, b) => rank[a.tone] - rank[b.tone] || a.name.localeCompare(b.name));
}
