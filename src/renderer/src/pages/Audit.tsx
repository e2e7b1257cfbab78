/**
 * Audit trail (issue #7): role and group-membership changes — who, which role or group, gained
 * or lost, when, through which source, by whom, before/after — with filters in the URL (person,
 * app/source, kind, day range) and "Load more" paging. The filter's `{from, to, personId,
 * sourceId}` part (auditExportFilter) is what the export button takes.
 */
import { api, usePagedList, usePush } from '../api';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { PersonChip, PersonPicker } from '../components/PersonPicker';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import { ExportButton } from '../components/ExportDialog';
import { SourceSelect } from '../components/SourceSelect';
import type { RollcallEvent } from '../../../shared/contract';
import {
  AUDIT_KIND_LABELS,
  AUDIT_KINDS,
  auditBeforeAfter,
  auditExportFilter,
  auditFilterFromParams,
  auditFilterParams,
  auditListInput,
  isFiltered,
  type AuditFilter,
  type AuditKind,
} from '../lib/audit-filter';
import { AUDIT_TYPES, describeAuditChange, mergeLiveEvents } from '../lib/events';
import { NO_VALUE } from '../lib/format';
import { personHref } from '../lib/person';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, selectRoute } from '../store';
import './pages-b.css';

const PAGE_SIZE = 100;

export function AuditPage() {
  const route = useAppStore(selectRoute);
  const filter = auditFilterFromParams(route.params);
  const key = JSON.stringify(filter);
  const list = usePagedList<RollcallEvent>(key, (cursor) => api.listAuditTrail(auditListInput(filter, PAGE_SIZE, cursor)));
  usePush((message) => {
    // New changes go on top while the range is open-ended (role events are written by the analysis, a moment later).
    if (message.kind === 'events.appended' && filter.to === undefined) {
      const input = auditListInput(filter, PAGE_SIZE);
      list.update((items) =>
        mergeLiveEvents(
          items,
          message.events.filter((e) => filter.from === undefined || e.occurredAt >= filter.from),
          { types: input.types ?? AUDIT_TYPES, sourceId: filter.sourceId, personId: filter.personId },
        ),
      );
    }
  });
  const set = (patch: Partial<AuditFilter>): void => navigate(appStore, 'audit', auditFilterParams({ ...filter, ...patch }));
  const filtered = isFiltered(filter);

  return (
    <section className="page" aria-busy={list.loading}>
      <PageHeader
        title="Audit trail"
        description="Who gained or lost which role or group, when, through which source, and who made the change."
        actions={<ExportButton report="access-changes" filters={auditExportFilter(filter)} label="Export CSV…" />}
      />
      <div className="toolbar" role="group" aria-label="Filters">
        {filter.personId !== undefined ? (
          <div className="field">
            <span className="field__label">Person</span>
            <PersonChip id={filter.personId} removeLabel="Show changes of everyone" onRemove={() => set({ personId: undefined })} />
          </div>
        ) : (
          <PersonPicker label="Person" onPick={(id) => set({ personId: id })} />
        )}
        <SourceSelect value={filter.sourceId} onChange={(id) => set({ sourceId: id || undefined })} />
        <label className="field">
          <span className="field__label">Change</span>
          <select value={filter.kind ?? ''} onChange={(e) => set({ kind: (e.target.value || undefined) as AuditKind | undefined })}>
            <option value="">All role and group changes</option>
            {AUDIT_KINDS.map((k) => (
              <option key={k} value={k}>
                {AUDIT_KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">From (UTC day)</span>
          <input type="date" value={filter.fromDay ?? ''} onChange={(e) => set({ fromDay: e.target.value || undefined })} />
        </label>
        <label className="field">
          <span className="field__label">To (UTC day, included)</span>
          <input type="date" value={filter.toDay ?? ''} onChange={(e) => set({ toDay: e.target.value || undefined })} />
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
              <>
                Widen the day range or pick another person or source, or <a href={formatRoute('audit')}>show all role and group changes</a>.
              </>
            ) : (
              <>
                Group membership changes appear here as identity providers push them over SCIM or directory syncs find them; role changes
                appear once a connection has a role map. Set up sources under <a href={formatRoute('sources')}>Sources</a>.
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
            <th scope="col">When</th>
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
            const who = whoOf(e);
            const diff = auditBeforeAfter(e);
            return (
              <tr key={e.seq}>
                <td className="nowrap">
                  <Time iso={e.occurredAt} />
                </td>
                <td>{e.personId !== null ? <a href={personHref(e.personId)}>{who}</a> : who}</td>
                <td>
                  <span className={`change change--${change.direction}`}>
                    {change.direction === 'gained' ? '+ ' : '− '}
                    {change.summary}
                  </span>
                </td>
                <td>{e.sourceName}</td>
                <td>{e.actor ?? <span className="muted">{NO_VALUE}</span>}</td>
                <td className="small">
                  <div className="diff" title={`${JSON.stringify(e.before) ?? 'null'} → ${JSON.stringify(e.after) ?? 'null'}`}>
                    <span className="diff__before">
                      <span className="visually-hidden">Before: </span>
                      {diff.before}
                    </span>
                    <span className="diff__after">
                      <span className="visually-hidden">After: </span>
                      {diff.after}
                    </span>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The account's user name out of a subject such as "ann@acme.test → Admins". */
function whoOf(e: RollcallEvent): string {
  const subject = e.subject?.split(' → ')[0]?.trim();
  return subject || (e.personId !== null ? `Person #${e.personId}` : NO_VALUE);
}
