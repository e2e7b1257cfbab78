/** The dashboard's cards, computed from getDashboard. Pure; the page only draws them. */
import type { CallOutput } from '../../../shared/contract';
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

export function dashboardCards(d: Dashboard): DashboardCard[] {
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
      href: formatRoute('seats'),
      tone: d.idleSeats > 0 ? 'warning' : 'neutral',
    },
    {
      id: 'events-24h',
      label: 'Events, last 24 h',
      value: formatCount(d.eventsLast24h),
      detail: 'Provisioning changes seen',
      href: formatRoute('timeline'),
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
