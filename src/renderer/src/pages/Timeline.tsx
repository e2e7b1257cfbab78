import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api, usePagedList, usePush } from '../api';
import { EventDrawer } from '../components/EventDrawer';
import { PageHeader } from '../components/PageHeader';
import { PersonChip, PersonPicker } from '../components/PersonPicker';
import { SourceSelect } from '../components/SourceSelect';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import { eventTypeSchema, type RollcallEvent } from '../../../shared/contract';
import { eventTypeLabel, formatCount, NO_VALUE } from '../lib/format';
import { fromDay, hasFilters, shouldLoadMore, showPending, takeLive, timelineFilters, timelineQuery } from '../lib/timeline';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, selectRoute } from '../store';
import './Timeline.css';

/** The first page is small (first rows fast), later ones bigger (fewer round trips while scrolling). */
const FIRST_PAGE = 100;
const NEXT_PAGE = 500;
/** Row height in px (fixed, so the virtualiser never measures and nothing jumps). */
export const ROW_HEIGHT = 40;
/** Fetch the next page when the last drawn row is this close to the end of what is loaded. */
const PREFETCH_ROWS = 300;
const EVENT_TYPES = eventTypeSchema.options;

export function TimelinePage() {
  const route = useAppStore(selectRoute);
  const filters = useMemo(() => timelineFilters(route.params), [route.params]);
  const query = timelineQuery(filters);
  const key = JSON.stringify(query);
  const list = usePagedList<RollcallEvent>(key, (cursor) =>
    api.listEvents({ limit: cursor === undefined ? FIRST_PAGE : NEXT_PAGE, ...query, cursor }),
  );
  const [pending, setPending] = useState<{ key: string; events: readonly RollcallEvent[] }>({ key, events: [] });
  const pendingEvents = pending.key === key ? pending.events : [];
  const scroller = useRef<HTMLDivElement>(null);
  const openSeq = route.params.event && /^\d{1,15}$/.test(route.params.event) ? Number(route.params.event) : null;

  const atTop = (): boolean => (scroller.current?.scrollTop ?? 0) < ROW_HEIGHT / 2;
  usePush((message) => {
    if (message.kind !== 'events.appended' || list.loading) return;
    if (atTop() && pendingEvents.length === 0) {
      list.update((items) => takeLive({ items, pending: [] }, message.events, filters, true).items);
    } else {
      const next = takeLive({ items: list.items, pending: pendingEvents }, message.events, filters, false);
      if (next.pending !== pendingEvents) setPending({ key, events: next.pending });
    }
  });
  const revealPending = (): void => {
    const shown = pendingEvents;
    list.update((items) => showPending({ items, pending: shown }).items);
    setPending({ key, events: [] });
    scroller.current?.scrollTo({ top: 0 });
  };

  const count = list.items.length + (list.hasMore || list.loadingMore ? 1 : 0);
  // The app is not built with React Compiler (nothing is auto-memoised), so the virtualiser's
  // unmemoisable functions are fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => list.items[i]?.seq ?? 'more',
  });
  const rows = virtualizer.getVirtualItems();
  const lastIndex = rows.length > 0 ? rows[rows.length - 1]!.index : -1;
  const wantMore = shouldLoadMore(lastIndex, list.items.length, list.hasMore, list.loadingMore || !!list.moreError, PREFETCH_ROWS);
  useEffect(() => {
    if (wantMore) list.loadMore();
  });

  const setParams = useCallback(
    (params: Record<string, string | undefined>): void => navigate(appStore, 'timeline', { ...route.params, ...params }),
    [route.params],
  );
  const closeEvent = (): void => {
    const seq = openSeq;
    setParams({ event: undefined });
    // Back to the row the drawer was opened from (when it is still drawn).
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-seq="${seq}"] button`)?.focus());
  };
  const onRowKey = (e: KeyboardEvent<HTMLButtonElement>, index: number): void => {
    const last = list.items.length - 1;
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : e.key === 'Home' ? -index : e.key === 'End' ? last - index : 0;
    if (step === 0) return;
    e.preventDefault();
    const target = Math.max(0, Math.min(last, index + step));
    virtualizer.scrollToIndex(target, { align: 'auto' });
    requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-index="${target}"] button`)?.focus());
  };
  // Rows are memoised and get stable handlers that call the latest ones, so a scroll frame renders
  // only the rows that came into view.
  const latest = useRef({ open: (seq: number) => setParams({ event: String(seq) }), key: onRowKey });
  useLayoutEffect(() => {
    latest.current = { open: (seq: number) => setParams({ event: String(seq) }), key: onRowKey };
  });
  const [rowHandlers] = useState<RowHandlers>(() => ({
    open: (seq) => latest.current.open(seq),
    key: (e, index) => latest.current.key(e, index),
  }));

  const filtered = hasFilters(filters);
  return (
    <section className="page timeline" aria-busy={list.loading}>
      <PageHeader
        title="Timeline"
        description="Every provisioning change Rollcall has seen, newest first. New events appear as they arrive."
      />
      <TimelineFilters filters={filters} onChange={setParams} />
      {list.error ? <ErrorMessage message={list.error} onRetry={list.reload} /> : null}
      <div
        className="tl"
        data-testid="timeline"
        role="table"
        aria-label="Events, newest first"
        aria-rowcount={list.hasMore ? -1 : list.items.length + 1}
      >
        <div role="rowgroup">
          <div className="tl-row tl-row--head" role="row" aria-rowindex={1}>
            <span role="columnheader">Time</span>
            <span role="columnheader">Type</span>
            <span role="columnheader">Source</span>
            <span role="columnheader">Subject</span>
            <span role="columnheader">Actor</span>
          </div>
        </div>
        <div ref={scroller} className="tl-scroll" data-testid="timeline-scroll">
          {/* Zero height and always there: the pill floats over the rows and never pushes them. */}
          <div className="tl-pill-wrap" aria-live="polite">
            {pendingEvents.length > 0 ? (
              <button type="button" className="tl-pill" onClick={revealPending} data-testid="new-events">
                {formatCount(pendingEvents.length)} new {pendingEvents.length === 1 ? 'event' : 'events'} · show
              </button>
            ) : null}
          </div>
          {list.loading ? <Loading label="Loading events…" /> : null}
          {!list.loading && !list.error && list.items.length === 0 ? (
            filtered ? (
              <EmptyState title="No events match these filters.">
                <p>
                  Try another type, source or time range, or <a href={formatRoute('timeline')}>show all events</a>.
                </p>
              </EmptyState>
            ) : (
              <EmptyState title="No events yet.">
                <p>
                  Add a SCIM connection under <a href={formatRoute('sources')}>Sources</a> and point your identity provider at it; its
                  changes appear here as they happen.
                </p>
              </EmptyState>
            )
          ) : null}
          {list.items.length > 0 ? (
            <div className="tl-list" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
              {rows.map((row) => {
                const e = list.items[row.index];
                return (
                  <div
                    key={row.key}
                    data-index={row.index}
                    className="tl-item"
                    role="none"
                    style={{ transform: `translateY(${row.start}px)` }}
                  >
                    {e ? (
                      <EventRow event={e} index={row.index} selected={e.seq === openSeq} handlers={rowHandlers} />
                    ) : list.moreError ? (
                      <div className="tl-more" role="row" aria-rowindex={row.index + 2}>
                        <span role="alert">
                          Could not load more: {list.moreError}{' '}
                          <button type="button" className="button button--small" onClick={list.loadMore}>
                            Try again
                          </button>
                        </span>
                      </div>
                    ) : (
                      <div className="tl-more muted" role="row" aria-rowindex={row.index + 2}>
                        <span role="cell">Loading more events…</span>
                      </div>
                    )}
                  </div>
                );
              })}
            </div>
          ) : null}
        </div>
      </div>
      <p className="tl-status small muted" role="status">
        {list.loading ? '' : `${formatCount(list.items.length)}${list.hasMore ? '+' : ''} events loaded`}
      </p>
      {openSeq !== null ? <EventDrawer seq={openSeq} onClose={closeEvent} /> : null}
    </section>
  );
}

interface RowHandlers {
  open(seq: number): void;
  key(e: KeyboardEvent<HTMLButtonElement>, index: number): void;
}

const EventRow = memo(function EventRow({
  event: e,
  index,
  selected,
  handlers,
}: {
  event: RollcallEvent;
  index: number;
  selected: boolean;
  handlers: RowHandlers;
}) {
  // A table row (the whole row opens the event on click); the button in its first cell is what the
  // keyboard reaches: Enter or Space opens, arrows move between rows.
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={selected ? 'tl-row tl-row--selected' : 'tl-row'}
      data-seq={e.seq}
      data-testid="timeline-row"
      onClick={() => handlers.open(e.seq)}
    >
      <span role="cell" className="tl-cell nowrap">
        <button type="button" className="tl-open" onKeyDown={(k) => handlers.key(k, index)} aria-current={selected ? 'true' : undefined}>
          <Time iso={e.occurredAt} />
          <span className="visually-hidden">, open this event</span>
        </button>
      </span>
      <span role="cell" className="tl-cell">
        <span className={`event-type event-type--${e.type.split('.')[0] ?? 'other'}`}>{eventTypeLabel(e.type)}</span>
      </span>
      <span role="cell" className="tl-cell">
        {e.sourceName}
      </span>
      <span role="cell" className="tl-cell">
        {e.subject ?? (e.personId !== null ? `Person #${e.personId}` : NO_VALUE)}
      </span>
      <span role="cell" className="tl-cell muted">
        {e.actor ?? NO_VALUE}
      </span>
    </div>
  );
});

const TimelineFilters = memo(function TimelineFilters({
  filters,
  onChange,
}: {
  filters: ReturnType<typeof timelineFilters>;
  onChange: (params: Record<string, string | undefined>) => void;
}) {
  const set = (name: string, value: string): void => onChange({ [name]: value || undefined, event: undefined });
  return (
    <div className="toolbar" role="group" aria-label="Filters">
      <label className="field">
        <span className="field__label">Type</span>
        <select value={filters.type ?? ''} onChange={(e) => set('type', e.target.value)}>
          <option value="">All types</option>
          {EVENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {eventTypeLabel(t)}
            </option>
          ))}
        </select>
      </label>
      <SourceSelect value={filters.sourceId} onChange={(id) => set('source', id)} />
      {filters.personId !== undefined ? (
        <PersonChip id={filters.personId} removeLabel="Show events of everyone" onRemove={() => set('person', '')} />
      ) : (
        <PersonPicker label="Person" onPick={(id) => set('person', String(id))} />
      )}
      <label className="field">
        <span className="field__label">From</span>
        <input type="date" value={fromDay(filters.from)} max={filters.to} onChange={(e) => set('from', e.target.value)} />
      </label>
      <label className="field">
        <span className="field__label">To</span>
        <input type="date" value={filters.to ?? ''} min={fromDay(filters.from) || undefined} onChange={(e) => set('to', e.target.value)} />
      </label>
      {hasFilters(filters) ? (
        <a className="toolbar__reset" href={formatRoute('timeline')}>
          Clear filters
        </a>
      ) : null}
    </div>
  );
});
