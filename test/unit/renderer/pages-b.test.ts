/** Pure logic of the Alerts, Audit trail, Seats and People pages (issue #7). */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/contract';
import {
  alertListInput,
  alertQueryFromParams,
  alertQueryParams,
  applicable,
  EMPTY_SELECTION,
  matchesAlertQuery,
  pruneSelection,
  selectRange,
  slaState,
  toggleAll,
  toggleSelected,
} from '../../../src/renderer/src/lib/alert-triage';
import {
  auditBeforeAfter,
  auditExportFilter,
  auditFilterFromParams,
  auditFilterParams,
  auditListInput,
} from '../../../src/renderer/src/lib/audit-filter';
import { appStatuses, personHref, personLabel, type PersonAccount } from '../../../src/renderer/src/lib/person';
import { dayTick, parseRange, rangeDays, seatCharts, seatsExportFilter, type SeatSeries } from '../../../src/renderer/src/lib/seat-chart';
import { parseRoute } from '../../../src/renderer/src/store/route';

const H = 3_600_000;
const alert = (over: Partial<Alert> = {}): Alert => ({
  id: 1,
  rule: 'offboarding_gap',
  severity: 'high',
  status: 'open',
  title: 't',
  personId: 7,
  sourceId: 'c-1',
  openedAt: '2026-05-04T13:00:00.000Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  resolution: null,
  openForMs: 0,
  details: {},
  notes: 0,
  evidence: [],
  ...over,
});

describe('alert triage', () => {
  it('reads filters from the URL, ignoring what is not valid, and writes them back without the default', () => {
    expect(alertQueryFromParams({})).toEqual({ status: 'unresolved' });
    const q = alertQueryFromParams({ status: 'resolved', severity: 'high', rule: 'offboarding_gap', person: '12', source: 'c-1' });
    expect(q).toEqual({ status: 'resolved', severity: 'high', rule: 'offboarding_gap', personId: 12, sourceId: 'c-1' });
    expect(alertQueryFromParams({ status: 'nope', severity: 'urgent', rule: 'made_up', person: '-3' })).toEqual({ status: 'unresolved' });
    expect(alertQueryParams(alertQueryFromParams({ severity: 'low' }))).toEqual({
      status: undefined,
      severity: 'low',
      rule: undefined,
      person: undefined,
      source: undefined,
    });
  });

  it('turns a query into the listAlerts input and matches pushed alerts against it', () => {
    expect(alertListInput({ status: 'unresolved', severity: 'high' }, 50)).toEqual({
      limit: 50,
      cursor: undefined,
      statuses: ['open', 'acknowledged'],
      severity: 'high',
    });
    expect(alertListInput({ status: 'all', rule: 'reactivation' }, 10, 'c')).toEqual({ limit: 10, cursor: 'c', rule: 'reactivation' });
    expect(alertListInput({ status: 'open', personId: 3 }, 10)).toMatchObject({ status: 'open', personId: 3 });
    expect(matchesAlertQuery(alert(), { status: 'unresolved' })).toBe(true);
    expect(matchesAlertQuery(alert({ status: 'resolved' }), { status: 'unresolved' })).toBe(false);
    expect(matchesAlertQuery(alert({ severity: 'low' }), { status: 'all', severity: 'high' })).toBe(false);
    expect(matchesAlertQuery(alert(), { status: 'all', sourceId: 'c-2' })).toBe(false);
  });

  it('says how far over its SLA an offboarding gap is, or was when resolved', () => {
    const details = { leftAt: '2026-05-04T08:00:00.000Z', slaHours: 4 };
    const now = Date.parse('2026-05-04T13:00:00.000Z');
    expect(slaState(alert({ details }), now)).toEqual({ label: '4 h SLA, 1 h over', state: 'over' });
    expect(slaState(alert({ details }), now - 2 * H)).toEqual({ label: '4 h SLA, 1 h left', state: 'within' });
    expect(slaState(alert({ details, resolvedAt: '2026-05-04T11:30:00.000Z' }), now)).toEqual({ label: '4 h SLA, met', state: 'met' });
    expect(slaState(alert({ details, resolvedAt: '2026-05-04T12:30:00.000Z' }), now)?.label).toBe('4 h SLA, 30 min over');
    expect(slaState(alert({ details }), now - 1000)?.label).toBe('4 h SLA, 1 h over'); // not "60 min"
    expect(slaState(alert({ details: {} }), now)).toBeNull();
    expect(slaState(alert({ details: { slaHours: 4, leftAt: 'garbage' } }), now)).toBeNull();
  });

  it('selects one, a range from the anchor, all, and forgets what is no longer shown', () => {
    const order = [5, 4, 3, 2, 1];
    let s = toggleSelected(EMPTY_SELECTION, 4);
    expect([...s.ids]).toEqual([4]);
    s = selectRange(s, order, 2);
    expect([...s.ids].sort()).toEqual([2, 3, 4]);
    s = selectRange(s, order, 5); // the anchor stays at 4
    expect([...s.ids].sort()).toEqual([2, 3, 4, 5]);
    expect(toggleSelected(s, 3).ids.has(3)).toBe(false);
    expect([...toggleAll(s, order).ids].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(toggleAll(toggleAll(s, order), order).ids.size).toBe(0);
    const pruned = pruneSelection(s, [5, 1]);
    expect([...pruned.ids]).toEqual([5]);
    expect(pruned.anchor).toBeNull();
    expect(pruneSelection(s, order)).toBe(s);
    expect(selectRange(EMPTY_SELECTION, order, 9)).toBe(EMPTY_SELECTION);
  });

  it('applies a bulk action only to the alerts it can change', () => {
    const list = [
      { id: 1, status: 'open' as const },
      { id: 2, status: 'acknowledged' as const },
      { id: 3, status: 'resolved' as const },
    ];
    expect(applicable('acknowledge', list)).toEqual([1]);
    expect(applicable('resolve', list)).toEqual([1, 2]);
    expect(applicable('reopen', list)).toEqual([2, 3]);
  });
});

describe('audit filters', () => {
  it('reads person, source, kind and an inclusive day range, swapping a backwards range', () => {
    const f = auditFilterFromParams({ person: '7', source: 'c-1', kind: 'role', from: '2026-03-31', to: '2026-03-01' });
    expect(f).toEqual({
      personId: 7,
      sourceId: 'c-1',
      kind: 'role',
      fromDay: '2026-03-01',
      from: '2026-03-01T00:00:00.000Z',
      toDay: '2026-03-31',
      to: '2026-04-01T00:00:00.000Z',
    });
    expect(auditFilterFromParams({ person: 'x', kind: 'other', from: '2026-13-45', to: 'yesterday' })).toEqual({});
    expect(auditFilterParams(f)).toEqual({ person: '7', source: 'c-1', kind: 'role', from: '2026-03-01', to: '2026-03-31' });
  });

  it('gives the export its {from, to, personId, sourceId} and the list its types', () => {
    const f = auditFilterFromParams({ person: '7', kind: 'revoked', to: '2026-03-01' });
    expect(auditExportFilter(f)).toEqual({ personId: 7, to: '2026-03-02T00:00:00.000Z' });
    expect(auditListInput(f, 100)).toEqual({
      limit: 100,
      cursor: undefined,
      personId: 7,
      to: '2026-03-02T00:00:00.000Z',
      types: ['role.revoked', 'group.member_removed'],
    });
    expect(auditListInput({}, 5, 'next')).toEqual({ limit: 5, cursor: 'next' });
  });
});

describe('audit before/after', () => {
  it('says which roles were held and whether the account was in the group', () => {
    expect(
      auditBeforeAfter({
        type: 'role.granted',
        groupId: null,
        before: { roles: [] },
        after: { role: 'Creator', roles: ['Creator', 'Admin'] },
      }),
    ).toEqual({ before: 'no role', after: 'Creator, Admin' });
    expect(auditBeforeAfter({ type: 'group.member_added', groupId: 'g1', before: null, after: { group: 'Viewers', member: 'x' } })).toEqual(
      {
        before: 'not in Viewers',
        after: 'member of Viewers',
      },
    );
    expect(auditBeforeAfter({ type: 'group.member_removed', groupId: 'g1', before: null, after: null })).toEqual({
      before: 'member of g1',
      after: 'not in g1',
    });
    expect(auditBeforeAfter({ type: 'role.revoked', groupId: null, before: 'Admin', after: null })).toEqual({
      before: 'Admin',
      after: '—',
    });
  });
});

describe('seat charts', () => {
  const data: SeatSeries = {
    days: ['2026-03-01', '2026-03-02', '2026-03-03'],
    series: [
      {
        sourceId: 'c-loom',
        app: 'Loom',
        roleId: 2,
        role: 'Viewer',
        billed: false,
        privileged: false,
        purchased: null,
        active: [5, 5, 6],
        idle: [0, 0, 1],
      },
      {
        sourceId: 'c-loom',
        app: 'Loom',
        roleId: 1,
        role: 'Creator',
        billed: true,
        privileged: false,
        purchased: 10,
        active: [3, 4, 4],
        idle: [0, 1, 1],
      },
      {
        sourceId: 'c-loom',
        app: 'Loom',
        roleId: null,
        role: null,
        billed: true,
        privileged: false,
        purchased: null,
        active: [1, 1, 0],
        idle: [0, 0, 0],
      },
      {
        sourceId: 'c-gh',
        app: 'GitHub',
        roleId: 3,
        role: 'Member',
        billed: true,
        privileged: false,
        purchased: 20,
        active: [7, 7, 7],
        idle: [0, 0, 0],
      },
    ],
  };
  it('makes one chart per app: a row per day, a column per role (billed first), idle and purchased totals', () => {
    const [gh, loom] = seatCharts(data);
    expect(gh!.app).toBe('GitHub');
    expect(loom!.roles).toEqual([
      { key: 'r1', name: 'Creator', billed: true },
      { key: 'none', name: 'No role', billed: true },
      { key: 'r2', name: 'Viewer', billed: false },
    ]);
    expect(loom!.purchased).toBe(10);
    expect(loom!.rows[2]).toEqual({ day: '2026-03-03', r1: 4, none: 0, r2: 6, idle: 2, purchased: 10 });
    expect(loom!.latest).toEqual({ active: 10, billed: 4, free: 6, idle: 2 });
    expect(seatCharts({ days: [], series: [] })).toEqual([]);
  });

  it('reads the range from the URL and turns it into UTC days, today included', () => {
    expect(parseRange('30')).toBe(30);
    expect(parseRange('365')).toBe(365);
    expect(parseRange('7')).toBe(90);
    expect(parseRange(undefined)).toBe(90);
    expect(rangeDays(30, Date.parse('2026-03-30T23:59:00Z'))).toEqual({ from: '2026-03-01', to: '2026-03-30' });
    expect(dayTick('2026-03-03')).toBe('3 Mar');
    expect(dayTick('2026-03-03', true)).toBe('3 Mar 26');
  });

  it('presets the seats export to the days shown, the last day included, and the app picked', () => {
    expect(seatsExportFilter('2026-03-01', '2026-03-31')).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' });
    expect(seatsExportFilter('2026-12-02', '2026-12-31', 'c-loom')).toEqual({
      from: '2026-12-02T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
      sourceId: 'c-loom',
    });
  });
});

describe('people', () => {
  const account = (over: Partial<PersonAccount>): PersonAccount => ({
    sourceId: 'c-1',
    sourceName: 'Slack via Okta',
    sourceKind: 'connection',
    app: 'Slack',
    accountId: 'a',
    userName: null,
    displayName: null,
    email: null,
    status: null,
    active: true,
    deleted: false,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    deletedAt: null,
    groups: [],
    roles: [],
    link: 'auto',
    flag: null,
    ...over,
  });
  it('sums up a status per app, directories left out, the most alive account winning', () => {
    const statuses = appStatuses([
      account({ sourceId: 'd-1', sourceKind: 'directory', app: null, sourceName: 'Okta' }),
      account({ sourceId: 'c-1', accountId: 'a', active: false }),
      account({
        sourceId: 'c-1',
        accountId: 'b',
        roles: [{ id: 1, name: 'Full', billed: true, privileged: false, since: '2026-01-01T00:00:00.000Z' }],
      }),
      account({ sourceId: 'c-2', app: null, sourceName: 'Loom conn', deleted: true, active: false }),
    ]);
    expect(statuses).toEqual([
      { app: 'Loom conn', sourceId: 'c-2', state: 'deleted', accounts: 1, billedRoles: [] },
      { app: 'Slack', sourceId: 'c-1', state: 'active', accounts: 2, billedRoles: ['Full'] },
    ]);
  });

  it('labels people and links their page, which the router reads as the People page with a person', () => {
    expect(personLabel({ id: 3, displayName: null, primaryEmail: 'a@b.c' })).toBe('a@b.c');
    expect(personLabel({ id: 3, displayName: null, primaryEmail: null })).toBe('Person #3');
    expect(personHref(42)).toBe('#/people/42');
    expect(parseRoute(personHref(42))).toEqual({ page: 'people', params: { person: '42' } });
    expect(parseRoute('#/people/42?tab=x')).toEqual({ page: 'people', params: { person: '42', tab: 'x' } });
    expect(parseRoute('#/people/0').page).toBe('dashboard');
    expect(parseRoute('#/people/abc').page).toBe('dashboard');
  });
});
