import { api, usePagedList, usePush } from '../api';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import type { Alert } from '../../../shared/contract';
import { ALERT_STATUSES, filterAlerts, lastChange, ruleLabel, SEVERITIES } from '../lib/alerts';
import { capitalise, formatCount } from '../lib/format';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { alertFilterFromParams, formatRoute, selectRoute } from '../store';

const PAGE_SIZE = 100;

export function AlertsPage() {
  const route = useAppStore(selectRoute);
  const filter = alertFilterFromParams(route.params);
  const key = filter.status ?? 'any';
  const list = usePagedList<Alert>(key, (cursor) => api.listAlerts({ limit: PAGE_SIZE, status: filter.status, cursor }));
  usePush((message) => {
    if (message.kind === 'alerts.changed') list.reload();
  });
  const shown = filterAlerts(list.items, filter);
  const filtered = filter.status !== undefined || filter.severity !== undefined;
  const setParam = (name: string, value: string): void =>
    navigate(appStore, 'alerts', {
      ...route.params,
      [name]: value || undefined,
    });

  return (
    <section className="page" aria-busy={list.loading}>
      <PageHeader
        title="Alerts"
        description="Offboarding gaps, failed deprovisioning, orphaned accounts and other access that needs a look."
      />
      <div className="toolbar" role="group" aria-label="Filters">
        <label className="field">
          <span className="field__label">Status</span>
          <select value={filter.status ?? ''} onChange={(e) => setParam('status', e.target.value)}>
            <option value="">Any status</option>
            {ALERT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {capitalise(s)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Severity</span>
          <select value={filter.severity ?? ''} onChange={(e) => setParam('severity', e.target.value)}>
            <option value="">Any severity</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {capitalise(s)}
              </option>
            ))}
          </select>
        </label>
        {filtered ? (
          <a className="toolbar__reset" href={formatRoute('alerts')}>
            Clear filters
          </a>
        ) : null}
      </div>
      {list.error ? <ErrorMessage message={list.error} onRetry={list.reload} /> : null}
      {list.loading ? <Loading label="Loading alerts…" /> : null}
      {!list.loading && !list.error && shown.length === 0 ? (
        filtered ? (
          <EmptyState title="No alerts match these filters.">
            <p>
              {list.hasMore ? 'None among the alerts loaded so far; load more below, or ' : ''}
              <a href={formatRoute('alerts')}>show all alerts</a>.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No alerts.">
            <p>
              Rollcall raises an alert when someone who left still has an app account, a deprovisioning request fails, an account has no
              owner, a privileged role is granted or a source goes silent. Alerts need data: add a directory and SCIM connections under{' '}
              <a href={formatRoute('sources')}>Sources</a>.
            </p>
          </EmptyState>
        )
      ) : null}
      {shown.length > 0 ? <AlertTable alerts={shown} /> : null}
      <LoadMore list={list} onLoadMore={list.loadMore} noun="alerts" />
    </section>
  );
}

function AlertTable({ alerts }: { alerts: readonly Alert[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Alert</th>
            <th scope="col">Rule</th>
            <th scope="col">Status</th>
            <th scope="col">Opened</th>
            <th scope="col">Last change</th>
            <th scope="col" className="num">
              Evidence
            </th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => {
            const change = lastChange(a);
            return (
              <tr key={a.id}>
                <td>
                  <span className={`badge badge--${a.severity}`}>{capitalise(a.severity)}</span>
                </td>
                <td>
                  {a.title}
                  {a.personId !== null ? (
                    <>
                      {' '}
                      <a
                        className="row-link"
                        href={formatRoute('timeline', {
                          person: String(a.personId),
                        })}
                      >
                        Person’s timeline
                      </a>
                    </>
                  ) : null}
                </td>
                <td>{ruleLabel(a.rule)}</td>
                <td>
                  <span className={`status status--${a.status}`}>{capitalise(a.status)}</span>
                </td>
                <td className="nowrap">
                  <Time iso={a.openedAt} />
                </td>
                <td className="nowrap">
                  {change.label === 'Opened' ? (
                    <span className="muted">—</span>
                  ) : (
                    <>
                      {change.label} <Time iso={change.at} relative />
                    </>
                  )}
                </td>
                <td className="num">{formatCount(a.evidence.length)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
