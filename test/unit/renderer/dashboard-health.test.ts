import { describe, expect, it } from 'vitest';
import type { SourceHealth } from '../../../src/shared/contract';
import { dashboardCards, sourceHealthRows, type Dashboard } from '../../../src/renderer/src/lib/dashboard';
import { parseRoute } from '../../../src/renderer/src/store/route';

const NOW = new Date('2026-11-29T12:00:00.000Z');
const ago = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
function src(over: Partial<SourceHealth>): SourceHealth {
  return {
    id: 'x',
    kind: 'connection',
    name: 'X',
    app: null,
    lastActivityAt: ago(1),
    lastSyncStatus: null,
    errorCount: 0,
    recentErrors: [],
    ...over,
  };
}

describe("the dashboard's sources table", () => {
  it('puts sources with errors first, then silent ones, then healthy ones by name', () => {
    const rows = sourceHealthRows(
      [
        src({ id: 'a', name: 'Zoom' }),
        src({ id: 'b', name: 'Loom', lastActivityAt: ago(100) }),
        src({ id: 'c', name: 'Slack', errorCount: 3, recentErrors: [{ at: ago(1), message: 'POST /Users: refused (401)' }] }),
        src({ id: 'd', name: 'Okta', kind: 'directory', lastSyncStatus: 'failed' }),
        src({ id: 'e', name: 'Jira', lastActivityAt: null }),
        src({ id: 'f', name: 'Asana' }),
      ],
      NOW,
    );
    expect(rows.map((r) => [r.name, r.tone, r.verdict])).toEqual([
      ['Okta', 'danger', 'Last sync failed'],
      ['Slack', 'danger', 'Errors in the last 24 h'],
      ['Jira', 'warning', 'No SCIM request yet'],
      ['Loom', 'warning', 'No SCIM request for over 72 h'],
      ['Asana', 'ok', 'Healthy'],
      ['Zoom', 'ok', 'Healthy'],
    ]);
    const slack = rows.find((r) => r.id === 'c')!;
    expect(slack.latestError).toBe('POST /Users: refused (401)');
    expect(parseRoute(slack.timelineHref)).toEqual({ page: 'timeline', params: { source: 'c' } });
    expect(rows.find((r) => r.id === 'd')!.activityLabel).toBe('Last successful sync');
  });

  it('says a running sync is syncing, and a directory that never synced', () => {
    const rows = sourceHealthRows(
      [
        src({ id: 'r', name: 'A', kind: 'directory', lastSyncStatus: 'running' }),
        src({ id: 'n', name: 'B', kind: 'directory', lastActivityAt: null }),
      ],
      NOW,
    );
    expect(rows.map((r) => r.verdict)).toEqual(['Never synced', 'Syncing now']);
  });
});

describe('dashboard cards link to the list behind each number', () => {
  const d: Dashboard = {
    openAlerts: { high: 2, medium: 0, low: 1 },
    activeSeats: 10,
    idleSeats: 3,
    eventsLast24h: 40,
    medianHoursToDeprovision: 5,
    sources: { connections: 1, directories: 1 },
  };
  it('events of the last 24 h open the timeline from 24 h before now', () => {
    const cards = Object.fromEntries(dashboardCards(d, NOW).map((c) => [c.id, c]));
    expect(parseRoute(cards['events-24h']!.href)).toEqual({ page: 'timeline', params: { from: ago(24) } });
    expect(parseRoute(cards['alerts-high']!.href)).toEqual({ page: 'alerts', params: { status: 'open', severity: 'high' } });
    expect(parseRoute(cards['seats-idle']!.href).page).toBe('seats');
  });
});
