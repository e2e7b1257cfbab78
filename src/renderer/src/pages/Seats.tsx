import { Fragment } from 'react';
import { useCall, usePush } from '../api';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { useCoalesced } from '../hooks';
import { formatCount, formatPercent, NO_VALUE } from '../lib/format';
import { groupSeatsByApp, overAllocated, type AppSeats } from '../lib/seats';
import { formatRoute } from '../store/route';

export function SeatsPage() {
  const { data, error, loading, reload } = useCall('getSeats', {});
  const refreshSoon = useCoalesced(reload, 5000);
  usePush((message) => {
    if (message.kind === 'events.appended' || message.kind === 'sources.changed') refreshSoon();
  });
  const apps = data ? groupSeatsByApp(data.rows) : [];

  return (
    <section className="page" aria-busy={loading}>
      <PageHeader
        title="Seats"
        description="Seats per app and role: in use, idle (held by people who left or are inactive), and purchased."
      />
      {error ? <ErrorMessage message={error} onRetry={reload} /> : null}
      {!data && loading ? <Loading label="Loading seats…" /> : null}
      {data && apps.length === 0 ? (
        <EmptyState title="No seats yet.">
          <p>
            Seats are counted from the app accounts Rollcall sees over SCIM connections. Add a connection for each app under{' '}
            <a href={formatRoute('sources')}>Sources</a>.
          </p>
        </EmptyState>
      ) : null}
      {apps.length > 0 ? <SeatTable apps={apps} /> : null}
    </section>
  );
}

function SeatTable({ apps }: { apps: readonly AppSeats[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">App / role</th>
            <th scope="col">Billing</th>
            <th scope="col" className="num">
              Active
            </th>
            <th scope="col" className="num">
              Idle
            </th>
            <th scope="col" className="num">
              Purchased
            </th>
            <th scope="col" className="num">
              Active of purchased
            </th>
          </tr>
        </thead>
        {apps.map(({ app, rows, totals }) => (
          <Fragment key={app}>
            <tbody className="group">
              <tr className="group__head">
                <th scope="rowgroup">{app}</th>
                <td className="muted">{rows.length === 1 ? '1 role' : `${rows.length} roles`}</td>
                <td className="num">{formatCount(totals.active)}</td>
                <td className={totals.idle > 0 ? 'num warn' : 'num'}>{formatCount(totals.idle)}</td>
                <td className="num">{formatCount(totals.purchased)}</td>
                <td className="num">{formatPercent(totals.activeOfPurchased, totals.purchased)}</td>
              </tr>
              {rows.map((r) => {
                const over = overAllocated(r);
                return (
                  <tr key={`${r.sourceId}/${r.role ?? ''}`}>
                    <th scope="row" className="indent">
                      {r.role ?? <span className="muted">No role</span>}
                    </th>
                    <td>
                      <span className={r.billed ? 'badge badge--billed' : 'badge'}>{r.billed ? 'Paid' : 'Free'}</span>
                    </td>
                    <td className="num">{formatCount(r.active)}</td>
                    <td className={r.idle > 0 ? 'num warn' : 'num'}>{formatCount(r.idle)}</td>
                    <td className="num">
                      {r.purchased === null ? <span className="muted">{NO_VALUE}</span> : formatCount(r.purchased)}
                      {over > 0 ? <span className="over"> (+{formatCount(over)} over)</span> : null}
                    </td>
                    <td className="num">{formatPercent(r.active, r.purchased)}</td>
                  </tr>
                );
              })}
            </tbody>
          </Fragment>
        ))}
      </table>
    </div>
  );
}
