import { useCall, usePush } from '../api';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { useCoalesced } from '../hooks';
import { dashboardCards, needsSetup } from '../lib/dashboard';
import { formatRoute } from '../store/route';

export function DashboardPage() {
  const { data, error, loading, reload } = useCall('getDashboard', {});
  const refreshSoon = useCoalesced(reload, 2000);
  usePush((message) => {
    if (message.kind === 'alerts.changed' || message.kind === 'sources.changed') reload();
    else if (message.kind === 'events.appended') refreshSoon();
  });

  return (
    <section className="page" aria-busy={loading}>
      <PageHeader title="Dashboard" description="Who has access to what, and what needs attention now." />
      {error ? <ErrorMessage message={error} onRetry={reload} /> : null}
      {!data && loading ? <Loading label="Loading the dashboard…" /> : null}
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
    </section>
  );
}
