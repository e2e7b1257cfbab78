import { api, useCall, usePagedList, usePush } from '../api';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import { eventTypeSchema, type RollcallEvent } from '../../../shared/contract';
import { eventQuery, mergeLiveEvents, type EventFilter } from '../lib/events';
import { eventTypeLabel, NO_VALUE } from '../lib/format';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, selectRoute, timelineFilterFromParams } from '../store';

const PAGE_SIZE = 100;
const EVENT_TYPES = eventTypeSchema.options;

export function TimelinePage() {
  const route = useAppStore(selectRoute);
  const filter = timelineFilterFromParams(route.params);
  const eventFilter: EventFilter = {
    types: filter.type ? [filter.type] : undefined,
    sourceId: filter.sourceId,
    personId: filter.personId,
  };
  const key = JSON.stringify(eventFilter);
  const list = usePagedList<RollcallEvent>(key, (cursor) => api.listEvents({ limit: PAGE_SIZE, ...eventQuery(eventFilter), cursor }));
  const sources = useCall('listSources', {});
  usePush((message) => {
    if (message.kind === 'events.appended') list.update((items) => mergeLiveEvents(items, message.events, eventFilter));
  });

  const sourceOptions = [
    ...(sources.data?.connections ?? []).map((c) => ({
      id: c.id,
      name: `${c.name} (SCIM)`,
    })),
    ...(sources.data?.directories ?? []).map((d) => ({
      id: d.id,
      name: `${d.name} (directory)`,
    })),
  ];
  const filtered = filter.type !== undefined || filter.sourceId !== undefined || filter.personId !== undefined;
  const setParam = (name: string, value: string): void =>
    navigate(appStore, 'timeline', {
      ...route.params,
      [name]: value || undefined,
    });

  return (
    <section className="page" aria-busy={list.loading}>
      <PageHeader
        title="Timeline"
        description="Every provisioning change Rollcall has seen, newest first. New events appear as they arrive."
      />
      <div className="toolbar" role="group" aria-label="Filters">
        <label className="field">
          <span className="field__label">Type</span>
          <select value={filter.type ?? ''} onChange={(e) => setParam('type', e.target.value)}>
            <option value="">All types</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {eventTypeLabel(t)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Source</span>
          <select value={filter.sourceId ?? ''} onChange={(e) => setParam('source', e.target.value)}>
            <option value="">All sources</option>
            {filter.sourceId && !sourceOptions.some((s) => s.id === filter.sourceId) ? (
              <option value={filter.sourceId}>{filter.sourceId}</option>
            ) : null}
            {sourceOptions.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        {filter.personId !== undefined ? (
          <span className="chip">
            Person #{filter.personId}
            <a
              href={formatRoute('timeline', {
                ...route.params,
                person: undefined,
              })}
              className="chip__remove"
              aria-label="Remove the person filter"
            >
              ×
            </a>
          </span>
        ) : null}
        {filtered ? (
          <a className="toolbar__reset" href={formatRoute('timeline')}>
            Clear filters
          </a>
        ) : null}
      </div>
      {list.error ? <ErrorMessage message={list.error} onRetry={list.reload} /> : null}
      {list.loading ? <Loading label="Loading events…" /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? (
        filtered ? (
          <EmptyState title="No events match these filters.">
            <p>
              Try another type or source, or <a href={formatRoute('timeline')}>show all events</a>.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No events yet.">
            <p>
              No events yet. Add a SCIM connection under <a href={formatRoute('sources')}>Sources</a> and point your identity provider at
              it.
            </p>
          </EmptyState>
        )
      ) : null}
      {list.items.length > 0 ? <EventTable events={list.items} /> : null}
      <LoadMore list={list} onLoadMore={list.loadMore} noun="events" />
    </section>
  );
}

function EventTable({ events }: { events: readonly RollcallEvent[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">Source</th>
            <th scope="col">Subject</th>
            <th scope="col">Actor</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.seq}>
              <td className="nowrap">
                <Time iso={e.occurredAt} />
              </td>
              <td>
                <span className={`event-type event-type--${e.type.split('.')[0] ?? 'other'}`}>{eventTypeLabel(e.type)}</span>
              </td>
              <td>
                <a href={formatRoute('timeline', { source: e.sourceId })}>{e.sourceName}</a>
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
              <td>{e.actor ?? <span className="muted">{NO_VALUE}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
