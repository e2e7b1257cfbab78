import { describe, expect, it } from 'vitest';
import { ruleLabel } from '../../../src/renderer/src/lib/alerts';
import { dashboardCards, needsSetup, type Dashboard } from '../../../src/renderer/src/lib/dashboard';
import {
  ADD_CONNECTION_COMMAND,
  applySyncProgress,
  isSyncFinished,
  connectionModeView,
  syncProgressFraction,
  syncProgressLabel,
  type SyncProgressMessage,
} from '../../../src/renderer/src/lib/sources';
import { effectiveTheme, parseTheme, themeAttribute } from '../../../src/renderer/src/lib/theme';
import { errorMessage } from '../../../src/renderer/src/lib/errors';
import { parseRoute } from '../../../src/renderer/src/store/route';

describe('alerts', () => {
  it('words rule ids', () => {
    expect(ruleLabel('offboarding_gap')).toBe('Offboarding gap');
    expect(ruleLabel('privileged-role.granted')).toBe('Privileged role granted');
  });
});

const dashboard: Dashboard = {
  openAlerts: { high: 2, medium: 0, low: 1 },
  activeSeats: 1234,
  idleSeats: 61,
  eventsLast24h: 0,
  medianHoursToDeprovision: null,
  sources: { connections: 1, directories: 0 },
};

describe('dashboard cards', () => {
  it('has every number, each linking to its page', () => {
    const cards = dashboardCards(dashboard);
    const byId = Object.fromEntries(cards.map((c) => [c.id, c]));
    expect(cards.map((c) => c.id)).toEqual([
      'alerts-high',
      'alerts-medium',
      'alerts-low',
      'seats-active',
      'seats-idle',
      'events-24h',
      'deprovision-median',
      'sources',
    ]);
    expect(byId['alerts-high']).toMatchObject({ value: '2', tone: 'danger' });
    expect(parseRoute(byId['alerts-high']!.href)).toEqual({
      page: 'alerts',
      params: { status: 'open', severity: 'high' },
    });
    expect(byId['alerts-medium']?.tone).toBe('neutral');
    expect(parseRoute(byId['seats-idle']!.href).page).toBe('seats');
    expect(byId['seats-idle']?.tone).toBe('warning');
    expect(parseRoute(byId['events-24h']!.href).page).toBe('timeline');
    expect(byId['deprovision-median']?.value).toBe('—');
    expect(byId.sources).toMatchObject({
      value: '1',
      detail: '1 connection · 0 directories',
    });
    expect(parseRoute(byId.sources!.href).page).toBe('sources');
  });

  it('shows the median when known and asks for setup when there is no source', () => {
    const cards = dashboardCards({
      ...dashboard,
      medianHoursToDeprovision: 5.25,
    });
    expect(cards.find((c) => c.id === 'deprovision-median')?.value).toBe('5.3 h');
    expect(needsSetup(dashboard)).toBe(false);
    expect(needsSetup({ ...dashboard, sources: { connections: 0, directories: 0 } })).toBe(true);
  });
});

describe('sources', () => {
  const progress = (over: Partial<SyncProgressMessage>): SyncProgressMessage => ({
    kind: 'sync.progress',
    directoryId: 'd1',
    syncId: 1,
    phase: 'users',
    pages: 1,
    users: 0,
    groups: 0,
    memberships: 0,
    events: 0,
    waiting: null,
    error: null,
    baseline: false,
    ...over,
  });

  it('tracks sync progress per directory and drops finished syncs', () => {
    let map = applySyncProgress({}, progress({ directoryId: 'd1', users: 10 }));
    map = applySyncProgress(map, progress({ directoryId: 'd2', phase: 'groups', groups: 3 }));
    expect(map.d1).toMatchObject({ phase: 'users', users: 10 });
    expect(map.d2).toMatchObject({ phase: 'groups', groups: 3 });
    const before = map;
    map = applySyncProgress(map, progress({ directoryId: 'd1', phase: 'done', users: 100 }));
    expect(Object.keys(map)).toEqual(['d2']);
    expect(before.d1).toBeDefined(); // not mutated
    map = applySyncProgress(map, progress({ directoryId: 'd2', phase: 'failed', error: 'HTTP 500' }));
    expect(map).toEqual({});
    expect(isSyncFinished({ phase: 'deletions' })).toBe(false);
  });

  it('labels progress', () => {
    expect(syncProgressLabel(progress({ users: 1200, groups: 3, memberships: 0, events: 1203 }))).toBe(
      'Reading users: 1,200 users · 3 groups · 0 memberships · 1,203 changes',
    );
    expect(syncProgressLabel(progress({ phase: 'members', waiting: 'HTTP 429: retrying in 3 s' }))).toBe(
      'Reading memberships: 0 users · 0 groups · 0 memberships · 0 changes (HTTP 429: retrying in 3 s)',
    );
    const previous = { users: 100, groups: 50, memberships: 50 };
    expect(syncProgressFraction(progress({ users: 50 }), previous)).toBe(0.25);
    expect(syncProgressFraction(progress({ users: 500 }), previous)).toBe(0.98);
    expect(syncProgressFraction(progress({ users: 5 }), null)).toBeNull();
    expect(syncProgressFraction(progress({ users: 5 }), { users: 0, groups: 0, memberships: 0 })).toBeNull();
  });

  it('says what each connection does with the IdP’s requests', () => {
    expect(connectionModeView({ mode: 'store', upstream: null })).toEqual({ mode: 'store', label: 'Stores' });
    const upstream = {
      baseUrl: 'https://api.slack.com/scim/v2',
      authKind: 'bearer' as const,
      timeoutMs: 30_000,
      headerNames: [],
      customCa: false,
      tlsVerify: true,
    };
    expect(connectionModeView({ mode: 'relay', upstream })).toEqual({
      mode: 'relay',
      label: 'Relays to',
      baseUrl: 'https://api.slack.com/scim/v2',
      detail: 'Bearer token · timeout 30 s',
    });
    // What differs from the defaults is said too (set from the CLI or the API).
    expect(
      connectionModeView({
        mode: 'relay',
        upstream: { ...upstream, authKind: 'oauth', timeoutMs: 2_500, headerNames: ['X-Tenant'], customCa: true, tlsVerify: false },
      }),
    ).toMatchObject({ detail: 'OAuth 2.0 client credentials · timeout 2.5 s · trusted CA · 1 extra header · TLS verification off' });
    expect(connectionModeView({ mode: 'relay', upstream: { ...upstream, authKind: 'basic', headerNames: ['A', 'B'] } })).toMatchObject({
      detail: 'HTTP Basic · timeout 30 s · 2 extra headers',
    });
  });

  it('suggests the documented CLI command', () => {
    expect(ADD_CONNECTION_COMMAND).toBe('npx rollcall connections add --name … --app … --idp okta');
  });
});

describe('theme and errors', () => {
  it('maps the preference to the <html data-theme> attribute', () => {
    expect(themeAttribute('system')).toBeNull();
    expect(themeAttribute('light')).toBe('light');
    expect(themeAttribute('dark')).toBe('dark');
    expect(effectiveTheme('system', true)).toBe('dark');
    expect(effectiveTheme('system', false)).toBe('light');
    expect(effectiveTheme('light', true)).toBe('light');
    expect(parseTheme('dark')).toBe('dark');
    expect(parseTheme('blue')).toBeUndefined();
    expect(parseTheme(null)).toBeUndefined();
  });

  it('turns anything thrown into a sentence', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage({ message: 'obj' })).toBe('obj');
    expect(errorMessage(undefined)).toBe('Something went wrong.');
  });
});
