import { useCall, usePush } from '../api';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import { useCoalesced } from '../hooks';
import { dashboardCards, needsSetup, sourceHealthRows } from '../lib/dashboard';
import { formatCount } from '../lib/format';
import { formatRoute } from '../store/route';
import './Dashboard.css';

export function DashboardPage() {
  const { data, error, loading, reload } = useCall('getDashboard', {});
  const health = useCall('getSourceHealth', {});
  const refreshSoon = useCoalesced(() => {
    reload();
    health.reload();
  }, 2000);
  usePush((message) => {
    if (message.kind === 'alerts.changed' || message.kind === 'sources.changed') {
      reload();
      health.reload();
    } else if (message.kind === 'events.appended') refreshSoon();
    else if (message.kind === 'sync.progress' && (message.phase === 'done' || message.phase === 'failed')) health.reload();
  });

  return (
    <section className="page" aria-busy={loading}>
      <PageHeader title="Dashboard" description="Who has access to what, and what needs attention now." />
      {error ? <ErrorMessage message={error} onRetry={reload} /> : null}
      {!data && loading ? (
        <div className="dashboard-placeholder">
          <Loading label="Loading the dashboard…" />
        </div>
      ) : null}
      {data ? (
        <>
          {needsSetup(data) ? (
            <EmptyState title="Nothing is connected yet.">
              <p>
                Add a SCIM connection for each app your identity provider provisions under <a href={formatRoute('sources')}>Sources</a>. The
                numbers below fill in as events arrive.
              </p>
            </EmptyState>
          ) : null}
          <ul className="cards" aria-label="Key numbers">
            {dashboardCards(data).map((card) => (
              <li key={card.id}>
                <a href={card.href} className={`card card--${card.tone}`} data-testid={`card-${card.id}`}>
                  <span className="card__label">{card.label}</span>
                  <span className="card__value">{card.value}</span>
                  <span className="card__detail">{card.detail}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <SourcesHealth health={health} />
    </section>
  );
}

function SourcesHealth({ health }: { health: ReturnType<typeof useCall<'getSourceHealth'>> }) {
  const rows = health.data ? sourceHealthRows(health.data.sources) : null;
  return (
    <section className="dashboard-section" aria-labelledby="health-title" aria-busy={health.loading}>
      <div className="dashboard-section__head">
        <h2 id="health-title">Sources</h2>
        <a href={formatRoute('sources')} className="small">
          Manage sources
        </a>
      </div>
      {health.error ? <ErrorMessage title="Could not load the sources' health" message={health.error} onRetry={health.reload} /> : null}
      {!rows && health.loading ? <Loading label="Checking the sources…" /> : null}
      {rows && rows.length === 0 ? (
        <EmptyState title="No sources yet.">
          <p>
            Add a SCIM connection or a directory under <a href={formatRoute('sources')}>Sources</a>.
          </p>
        </EmptyState>
      ) : null}
      {rows && rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="source-health">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Health</th>
                <th scope="col">Last activity</th>
                <th scope="col" className="num">
                  Errors, {health.data!.windowHours} h
                </th>
                <th scope="col">Latest error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <a href={r.timelineHref} title={`Events from ${r.name}`}>
                      {r.name}
                    </a>
                    <span className="muted small"> · {r.kind === 'connection' ? 'SCIM connection' : 'directory'}</span>
                  </th>
                  <td>
                    <span className={`badge badge--${r.tone}`}>{r.verdict}</span>
                  </td>
                  <td className="nowrap">
                    <span className="visually-hidden">{r.activityLabel}: </span>
                    {r.lastActivityAt ? <Time iso={r.lastActivityAt} relative /> : <span className="muted">Never</span>}
                  </td>
                  <td className="num">
                    <a
                      href={formatRoute('sources', { source: r.id })}
                      aria-label={`${formatCount(r.errorCount)} ${r.errorCount === 1 ? 'error' : 'errors'} from ${r.name} in the last ${health.data!.windowHours} hours`}
                      className={r.errorCount > 0 ? 'health-count health-count--bad' : 'health-count'}
                    >
                      {formatCount(r.errorCount)}
                    </a>
                  </td>
                  <td className="small">{r.latestError ?? <span className="muted">None</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
