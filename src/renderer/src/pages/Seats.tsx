/**
 * Seats (issue #7): per app, active seats over time stacked by role (billed and free apart), the
 * seats purchased and the idle seats, for the last 30, 90 or 365 days; then the idle billed seats
 * one by one — whose they are and when that person left — paged. The dashboard links here with
 * `app` (a connection id or an app name) and `range`.
 */
import { useEffect, useState } from 'react';
import { api, useCall, usePagedList, usePush } from '../api';
import { LoadMore } from '../components/LoadMore';
import { ExportButton } from '../components/ExportDialog';
import { PageHeader } from '../components/PageHeader';
import { SeatChart } from '../components/SeatChart';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import type { CallOutput } from '../../../shared/contract';
import { useCoalesced } from '../hooks';
import { formatCount, formatHours, NO_VALUE } from '../lib/format';
import { personHref } from '../lib/person';
import { parseRange, RANGES, rangeDays, seatCharts, seatsExportFilter, type AppChart, type RangeDays } from '../lib/seat-chart';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, selectRoute } from '../store';
import './pages-b.css';

type IdleSeat = CallOutput<'listIdleSeats'>['items'][number];
const PAGE_SIZE = 50;

export function SeatsPage() {
  const route = useAppStore(selectRoute);
  const range = parseRange(route.params.range);
  const app = route.params.app;
  // The range ends today (UTC); the clock is read again every hour, so the range moves on after midnight.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 3_600_000);
    return () => clearInterval(timer);
  }, []);
  const { from, to } = rangeDays(range, now);
  const series = useCall('getSeatSeries', { from, to });
  const sources = useCall('listSources', {});
  const connections = sources.data?.connections ?? [];
  // `app` may be a connection id or an app name (case-insensitive).
  const appIds = app ? connections.filter((c) => c.id === app || c.app.toLowerCase() === app.toLowerCase()).map((c) => c.id) : [];
  const waiting = app !== undefined && !sources.data && !sources.error;
  const idleKey = JSON.stringify({ app, appIds, waiting });
  const idle = usePagedList<IdleSeat>(idleKey, async (cursor) => {
    if (!app) return api.listIdleSeats({ limit: PAGE_SIZE, cursor });
    // Which connections `app` names is known once the sources are in: until then the list stays "loading".
    if (waiting) return new Promise<never>(() => undefined);
    if (appIds.length === 0) return { items: [], nextCursor: null };
    // One app (the usual case); several connections for one app name: the first one's seats.
    return api.listIdleSeats({ limit: PAGE_SIZE, cursor, sourceId: appIds[0] });
  });
  const refreshSoon = useCoalesced(() => {
    series.reload();
    idle.reload();
  }, 5000);
  usePush((message) => {
    if (message.kind === 'events.appended' || message.kind === 'sources.changed') refreshSoon();
  });

  const all = series.data ? seatCharts(series.data) : [];
  const charts = app
    ? all.filter((c) => c.sourceId === app || appIds.includes(c.sourceId) || c.app.toLowerCase() === app.toLowerCase())
    : all;
  const setParams = (patch: Record<string, string | undefined>): void =>
    navigate(appStore, 'seats', { range: String(range), app, ...patch }, { replace: false });

  return (
    <section className="page" aria-busy={series.loading}>
      <PageHeader
        title="Seats"
        description="Active seats per app and role over time, what you pay for against what you bought, and the seats still held by people who left."
        actions={
          <>
            <div className="range-picker" role="group" aria-label="Time range">
              {RANGES.map((r: RangeDays) => (
                <button key={r} type="button" aria-pressed={r === range} onClick={() => setParams({ range: String(r) })}>
                  {r} days
                </button>
              ))}
            </div>
            <ExportButton report="seats" filters={seatsExportFilter(from, to, appIds[0])} label="Export CSV…" />
          </>
        }
      />
      <div className="toolbar" role="group" aria-label="Filters">
        <label className="field">
          <span className="field__label">App</span>
          <select value={appIds[0] ?? app ?? ''} onChange={(e) => setParams({ app: e.target.value || undefined })}>
            <option value="">All apps</option>
            {app && appIds.length === 0 ? <option value={app}>{app}</option> : null}
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.app} ({c.name})
              </option>
            ))}
          </select>
        </label>
        {app ? (
          <a className="toolbar__reset" href={formatRoute('seats', { range: String(range) })}>
            Show all apps
          </a>
        ) : null}
      </div>

      {series.error ? <ErrorMessage message={series.error} onRetry={series.reload} /> : null}
      {!series.data && series.loading ? <Loading label={`Loading seats for the last ${range} days…`} /> : null}
      {series.data && charts.length === 0 ? (
        <EmptyState title={app ? 'No seats for this app in this range.' : 'No seats yet.'}>
          <p>
            Seats are counted from the app accounts Rollcall sees over SCIM connections; roles and seats purchased come from each
            connection’s role map. {app ? <a href={formatRoute('seats', { range: String(range) })}>Show all apps</a> : null}
            {app ? ', or add' : 'Add'} a connection for each app under <a href={formatRoute('sources')}>Sources</a>.
          </p>
        </EmptyState>
      ) : null}
      {charts.length > 0 ? (
        <div className="seat-charts">
          {charts.map((c) => (
            <ChartCard key={c.sourceId} chart={c} range={range} />
          ))}
        </div>
      ) : null}

      <h2 className="section-heading" id="idle-seats">
        Idle billed seats
      </h2>
      <p className="muted">Seats still active in an app although their person left every directory — longest idle first.</p>
      {idle.error ? <ErrorMessage title="Could not load the idle seats" message={idle.error} onRetry={idle.reload} /> : null}
      {idle.loading ? <Loading label="Loading idle seats…" /> : null}
      {!idle.loading && !idle.error && idle.items.length === 0 ? (
        <EmptyState title="No idle billed seats.">
          <p>
            Everyone who left is out of every paid seat{app ? ' in this app' : ''}. When someone leaves a directory while an app account of
            theirs stays active, the seat shows up here and an{' '}
            <a href={formatRoute('alerts', { rule: 'offboarding_gap' })}>offboarding-gap alert</a> follows after the SLA.
          </p>
        </EmptyState>
      ) : null}
      {idle.items.length > 0 ? <IdleTable seats={idle.items} /> : null}
      <LoadMore list={idle} onLoadMore={idle.loadMore} noun="idle seats" />
    </section>
  );
}

function ChartCard({ chart, range }: { chart: AppChart; range: number }) {
  const over = chart.purchased !== null ? chart.latest.billed - chart.purchased : 0;
  return (
    <article className="seat-chart" aria-labelledby={`seat-chart-${chart.sourceId}`}>
      <h2 id={`seat-chart-${chart.sourceId}`}>{chart.app}</h2>
      <p className="seat-chart__figures">
        Today: {formatCount(chart.latest.active)} active ({formatCount(chart.latest.billed)} billed, {formatCount(chart.latest.free)} free)
        {' · '}
        <span className={chart.latest.idle > 0 ? 'warn' : undefined}>{formatCount(chart.latest.idle)} idle</span>
        {' · '}
        {chart.purchased === null ? 'purchased not set' : `${formatCount(chart.purchased)} purchased`}
        {over > 0 ? <span className="warn"> ({formatCount(over)} over)</span> : null}
      </p>
      <SeatChart chart={chart} days={range} />
    </article>
  );
}

function IdleTable({ seats }: { seats: readonly IdleSeat[] }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-labelledby="idle-seats">
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">App</th>
            <th scope="col">Account</th>
            <th scope="col">Roles</th>
            <th scope="col">Left on</th>
            <th scope="col" className="num">
              Idle for
            </th>
          </tr>
        </thead>
        <tbody>
          {seats.map((s) => (
            <tr key={`${s.sourceId}/${s.accountId}`}>
              <td>
                <a href={personHref(s.personId)}>{s.personName ?? s.personEmail ?? `Person #${s.personId}`}</a>
              </td>
              <td>{s.app}</td>
              <td className="mono small">{s.userName ?? s.accountId}</td>
              <td>
                {s.roles.length ? (
                  s.roles.map((r) => `${r.name}${r.billed ? '' : ' (free)'}`).join(', ')
                ) : (
                  <span className="muted">No role (billed)</span>
                )}
              </td>
              <td className="nowrap">
                <Time iso={s.leftAt} />
              </td>
              <td className="num">{formatHours(s.idleHours) ?? NO_VALUE}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
