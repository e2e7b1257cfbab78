import { api, usePagedList, usePush } from '../api';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import type { EventType, RollcallEvent } from '../../../shared/contract';
import { AUDIT_TYPES, describeAuditChange, eventQuery, mergeLiveEvents, shortValue, type EventFilter } from '../lib/events';
import { eventTypeLabel, NO_VALUE } from '../lib/format';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, selectRoute } from '../store';

const PAGE_SIZE = 100;

function auditType(value: string | undefined): EventType | undefined {
  return AUDIT_TYPES.find((t) => t === value);
}

export function AuditPage() {
  const route = useAppStore(selectRoute);
  const type = auditType(route.params.type);
  const eventFilter: EventFilter = {
    types: type ? [type] : AUDIT_TYPES,
    sourceId: route.params.source || undefined,
  };
  const key = JSON.stringify(eventFilter);
  const list = usePagedList<RollcallEvent>(key, (cursor) => api.listEvents({ limit: PAGE_SIZE, ...eventQuery(eventFilter), cursor }));
  usePush((message) => {
    if (message.kind === 'events.appended') list.update((items) => mergeLiveEvents(items, message.events, eventFilter));
  });
  const filtered = type !== undefined || eventFilter.sourceId !== undefined;

  return (
    <section className="page" aria-busy={list.loading}>
      <PageHeader title="Audit trail" description="Who gained or lost which role or group, when, and through which source." />
      <div className="toolbar" role="group" aria-label="Filters">
        <label className="field">
          <span className="field__label">Change</span>
          <select
            value={type ?? ''}
            onChange={(e) =>
              navigate(appStore, 'audit', {
                ...route.params,
                type: e.target.value || undefined,
              })
            }
          >
            <option value="">All role and group changes</option>
            {AUDIT_TYPES.map((t) => (
              <option key={t} value={t}>
                {eventTypeLabel(t)}
              </option>
            ))}
          </select>
        </label>
        {filtered ? (
          <a className="toolbar__reset" href={formatRoute('audit')}>
            Clear filters
          </a>
        ) : null}
      </div>
      {list.error ? <ErrorMessage message={list.error} onRetry={list.reload} /> : null}
      {list.loading ? <Loading label="Loading role and group changes…" /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? (
        <EmptyState title={filtered ? 'No changes match these filters.' : 'No role or group changes yet.'}>
          <p>
            {filtered ? (
              <a href={formatRoute('audit')}>Show all role and group changes.</a>
            ) : (
              <>
                Role grants and group membership changes appear here as identity providers push them over SCIM or directory syncs find them.
                Set up sources under <a href={formatRoute('sources')}>Sources</a>.
              </>
            )}
          </p>
        </EmptyState>
      ) : null}
      {list.items.length > 0 ? <AuditTable events={list.items} /> : null}
      <LoadMore list={list} onLoadMore={list.loadMore} noun="changes" />
    </section>
  );
}

function AuditTable({ events }: { events: readonly RollcallEvent[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            <th scope="col">Change</th>
            <th scope="col">Source</th>
            <th scope="col">Actor</th>
            <th scope="col">Before → after</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => {
            const change = describeAuditChange(e);
            return (
              <tr key={e.seq}>
                <td className="nowrap">
                  <Time iso={e.occurredAt} />
                </td>
                <td>
                  {e.personId !== null ? (
                    <a
                      href={formatRoute('timeline', {
                        person: String(e.personId),
                      })}
                    >
                      {e.subject ?? `Person #${e.personId}`}
                    </a>
                  ) : (
                    (e.subject ?? NO_VALUE)
                  )}
                </td>
                <td>
                  <span className={`change change--${change.direction}`}>{change.summary}</span>
                </td>
                <td>{e.sourceName}</td>
                <td>{e.actor ?? <span className="muted">{NO_VALUE}</span>}</td>
                <td className="mono small" title={`${JSON.stringify(e.before) ?? 'null'} → ${JSON.stringify(e.after) ?? 'null'}`}>
                  {shortValue(e.before, 40)} → {shortValue(e.after, 40)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
