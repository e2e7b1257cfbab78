/**
 * Alerts (issue #7): the triage list. Filters live in the URL (the dashboard links here with
 * severity, rule and status); rows are selected with the mouse or the keyboard and acknowledged,
 * resolved or reopened in bulk with a note; a row opens its detail (evidence events, notes, who
 * did what when) in place. The list refreshes when the core pushes an alert change.
 */
import { Fragment, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { api, useCall, usePagedList, usePush } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { PersonChip } from '../components/PersonPicker';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import type { Alert } from '../../../shared/contract';
import { useCoalesced } from '../hooks';
import {
  ACTION_LABELS,
  alertAge,
  alertListInput,
  alertQueryFromParams,
  alertQueryParams,
  applicable,
  EMPTY_SELECTION,
  pruneSelection,
  RULES,
  selectRange,
  slaState,
  STATUS_FILTER_LABELS,
  STATUS_FILTERS,
  toggleAll,
  toggleSelected,
  type AlertQuery,
  type BulkAction,
  type Selection,
} from '../lib/alert-triage';
import { ruleLabel, SEVERITIES } from '../lib/alerts';
import { errorMessage } from '../lib/errors';
import { eventTypeLabel, capitalise, NO_VALUE } from '../lib/format';
import { personHref } from '../lib/person';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, selectRoute } from '../store';
import './pages-b.css';

const PAGE_SIZE = 100;
const NAME_KEY = 'rollcall.triageName';

function rememberedName(): string {
  try {
    return window.localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

export function AlertsPage() {
  const route = useAppStore(selectRoute);
  const query = alertQueryFromParams(route.params);
  const key = JSON.stringify(query);
  const list = usePagedList<Alert>(key, (cursor) => api.listAlerts(alertListInput(query, PAGE_SIZE, cursor)));
  const sources = useCall('listSources', {});
  const refreshSoon = useCoalesced(list.reload, 500);
  usePush((message) => {
    if (message.kind === 'alerts.changed' || message.kind === 'alerts.opened') refreshSoon();
  });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);

  const [selection, setSelection] = useState<Selection>(EMPTY_SELECTION);
  const order = list.items.map((a) => a.id);
  const shownSelection = pruneSelection(selection, order);
  const selected = list.items.filter((a) => shownSelection.ids.has(a.id));
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const [action, setAction] = useState<BulkAction | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);

  const apps = new Map<string, string>([
    ...(sources.data?.connections ?? []).map((c) => [c.id, c.app] as [string, string]),
    ...(sources.data?.directories ?? []).map((d) => [d.id, d.name] as [string, string]),
  ]);
  const setQuery = (patch: Partial<AlertQuery>): void => {
    setSelection(EMPTY_SELECTION);
    navigate(appStore, 'alerts', alertQueryParams({ ...query, ...patch }));
  };
  const filtered = JSON.stringify(query) !== JSON.stringify({ status: 'unresolved' });

  return (
    <section className="page" aria-busy={list.loading}>
      <PageHeader
        title="Alerts"
        description="Offboarding gaps, failed deprovisioning, orphaned accounts and other access that needs a look. Select alerts to acknowledge or resolve them with a note."
      />
      <div className="toolbar" role="group" aria-label="Filters">
        <label className="field">
          <span className="field__label">Status</span>
          <select value={query.status} onChange={(e) => setQuery({ status: e.target.value as AlertQuery['status'] })}>
            {STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {STATUS_FILTER_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Severity</span>
          <select
            value={query.severity ?? ''}
            onChange={(e) => setQuery({ severity: (e.target.value || undefined) as AlertQuery['severity'] })}
          >
            <option value="">Any severity</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {capitalise(s)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Rule</span>
          <select value={query.rule ?? ''} onChange={(e) => setQuery({ rule: e.target.value || undefined })}>
            <option value="">Any rule</option>
            {RULES.map((r) => (
              <option key={r} value={r}>
                {ruleLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">App or source</span>
          <select value={query.sourceId ?? ''} onChange={(e) => setQuery({ sourceId: e.target.value || undefined })}>
            <option value="">Any source</option>
            {query.sourceId && !apps.has(query.sourceId) ? <option value={query.sourceId}>{query.sourceId}</option> : null}
            {[...apps].map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {query.personId !== undefined ? (
          <PersonChip id={query.personId} removeLabel="Show alerts of everyone" onRemove={() => setQuery({ personId: undefined })} />
        ) : null}
        {filtered ? (
          <a className="toolbar__reset" href={formatRoute('alerts')}>
            Clear filters
          </a>
        ) : null}
      </div>

      <BulkBar
        selected={selected}
        onAction={(a) => {
          setOutcome(null);
          setAction(a);
        }}
        onClear={() => setSelection(EMPTY_SELECTION)}
        outcome={outcome}
      />

      {list.error ? <ErrorMessage message={list.error} onRetry={list.reload} /> : null}
      {list.loading ? <Loading label="Loading alerts…" /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? (
        filtered ? (
          <EmptyState title="No alerts match these filters.">
            <p>
              <a href={formatRoute('alerts')}>Show every open or acknowledged alert</a>, or pick “Any status” to include resolved ones.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="Nothing needs a look right now.">
            <p>
              Rollcall raises an alert when someone who left still has an app account past the SLA, a deprovisioning request fails, an
              account has no owner, a privileged role is granted or a source goes silent. Without sources there is nothing to watch: add a
              directory and SCIM connections under <a href={formatRoute('sources')}>Sources</a>. Resolved alerts are under{' '}
              <a href={formatRoute('alerts', { status: 'resolved' })}>Resolved</a>.
            </p>
          </EmptyState>
        )
      ) : null}
      {list.items.length > 0 ? (
        <AlertTable
          alerts={list.items}
          apps={apps}
          now={now}
          selection={shownSelection}
          onSelection={setSelection}
          expanded={expanded}
          onExpanded={setExpanded}
        />
      ) : null}
      <LoadMore list={list} onLoadMore={list.loadMore} noun="alerts" />

      {action ? (
        <BulkDialog
          action={action}
          selected={selected}
          onCancel={() => setAction(null)}
          onDone={(message) => {
            setAction(null);
            setOutcome(message);
            setSelection(EMPTY_SELECTION);
            list.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function BulkBar({
  selected,
  onAction,
  onClear,
  outcome,
}: {
  selected: readonly Alert[];
  onAction(a: BulkAction): void;
  onClear(): void;
  outcome: string | null;
}) {
  const actions: BulkAction[] = ['acknowledge', 'resolve', 'reopen'];
  return (
    <div className="bulk-bar" role="group" aria-label="Selected alerts">
      <span className="bulk-bar__count" aria-live="polite">
        {selected.length === 0 ? 'No alerts selected' : selected.length === 1 ? '1 alert selected' : `${selected.length} alerts selected`}
      </span>
      {actions.map((a) => {
        const n = applicable(a, selected).length;
        return (
          <button
            key={a}
            type="button"
            className={a === 'resolve' ? 'button button--small button--primary' : 'button button--small'}
            aria-disabled={n === 0 || undefined}
            onClick={() => n > 0 && onAction(a)}
          >
            {ACTION_LABELS[a].verb}
            {n > 0 ? ` (${n})` : ''}
          </button>
        );
      })}
      <button type="button" className="button button--small" aria-disabled={selected.length === 0 || undefined} onClick={onClear}>
        Clear selection
      </button>
      <span className="bulk-bar__hint muted">↑/↓ move · Space selects · Shift+↑/↓ extends · Ctrl+A all · Esc clears</span>
      {outcome ? (
        <p className="bulk-bar__outcome" role="status">
          {outcome}
        </p>
      ) : null}
    </div>
  );
}

function BulkDialog({
  action,
  selected,
  onCancel,
  onDone,
}: {
  action: BulkAction;
  selected: readonly Alert[];
  onCancel(): void;
  onDone(message: string): void;
}) {
  const ids = applicable(action, selected);
  const [note, setNote] = useState('');
  const [name, setName] = useState(rememberedName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const noteId = useId();
  const labels = ACTION_LABELS[action];
  const confirm = (): void => {
    setBusy(true);
    setError(null);
    const by = name.trim() || undefined;
    try {
      if (by) window.localStorage.setItem(NAME_KEY, by);
    } catch {
      // storage disabled: the name is asked again next time
    }
    api.updateAlerts({ ids, action, note: note.trim() || undefined, by }).then(
      (r) => {
        const done = `${r.updated.length === 1 ? '1 alert' : `${r.updated.length} alerts`} ${labels.done}.`;
        const skipped = r.skipped.length ? ` ${r.skipped.length} skipped: ${r.skipped.map((s) => `#${s.id} ${s.reason}`).join('; ')}.` : '';
        onDone(done + skipped);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  };
  return (
    <ConfirmDialog
      title={`${labels.verb} ${ids.length === 1 ? '1 alert' : `${ids.length} alerts`}`}
      confirmLabel={labels.verb}
      busyLabel={labels.busy}
      busy={busy}
      error={error}
      onConfirm={confirm}
      onCancel={onCancel}
    >
      <p>
        {action === 'resolve'
          ? 'Resolved alerts leave the triage list; the note says what was done (for the audit).'
          : action === 'acknowledge'
            ? 'Acknowledged alerts stay on the list, marked as being looked at.'
            : 'Reopened alerts go back to open.'}
      </p>
      <label className="field" htmlFor={noteId}>
        <span className="field__label">Note (optional)</span>
      </label>
      <textarea id={noteId} className="textarea" rows={3} maxLength={4000} value={note} onChange={(e) => setNote(e.target.value)} />
      <label className="field">
        <span className="field__label">Your name (optional, recorded as who did it)</span>
        <input type="text" value={name} maxLength={200} autoComplete="name" onChange={(e) => setName(e.target.value)} />
      </label>
    </ConfirmDialog>
  );
}

function AlertTable({
  alerts,
  apps,
  now,
  selection,
  onSelection,
  expanded,
  onExpanded,
}: {
  alerts: readonly Alert[];
  apps: ReadonlyMap<string, string>;
  now: number;
  selection: Selection;
  onSelection(s: Selection): void;
  expanded: ReadonlySet<number>;
  onExpanded(s: ReadonlySet<number>): void;
}) {
  const order = alerts.map((a) => a.id);
  const body = useRef<HTMLTableSectionElement>(null);
  const allSelected = order.length > 0 && order.every((id) => selection.ids.has(id));
  const someSelected = selection.ids.size > 0 && !allSelected;
  const headBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (headBox.current) headBox.current.indeterminate = someSelected;
  }, [someSelected]);

  const focusRow = (id: number): void => body.current?.querySelector<HTMLInputElement>(`input[data-alert="${id}"]`)?.focus();
  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>): void => {
    const target = e.target as HTMLElement;
    const current = Number(target.closest('tr')?.getAttribute('data-alert-row'));
    if (!current) return;
    const i = order.indexOf(current);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const next = order[e.key === 'ArrowDown' ? i + 1 : i - 1];
      if (next === undefined) return;
      e.preventDefault();
      if (e.shiftKey) onSelection(selectRange(selection.anchor === null ? { ...selection, anchor: current } : selection, order, next));
      focusRow(next);
    } else if ((e.key === 'a' || e.key === 'A') && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onSelection(toggleAll(selection, order));
    } else if (e.key === 'Escape' && selection.ids.size > 0) {
      e.preventDefault();
      onSelection(EMPTY_SELECTION);
    }
  };

  return (
    <div className="table-wrap">
      <table className="table alert-table">
        <thead>
          <tr>
            <th scope="col" className="check">
              <input
                ref={headBox}
                type="checkbox"
                aria-label={allSelected ? 'Unselect all alerts shown' : 'Select all alerts shown'}
                checked={allSelected}
                onChange={() => onSelection(toggleAll(selection, order))}
              />
            </th>
            <th scope="col">Severity</th>
            <th scope="col">Alert</th>
            <th scope="col">Rule</th>
            <th scope="col">App</th>
            <th scope="col">Age</th>
            <th scope="col">SLA</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody ref={body} onKeyDown={onKeyDown}>
          {alerts.map((a) => {
            const sla = slaState(a, now);
            const open = expanded.has(a.id);
            const detailId = `alert-detail-${a.id}`;
            return (
              <Fragment key={a.id}>
                <tr data-alert-row={a.id} className={selection.ids.has(a.id) ? 'is-selected' : undefined}>
                  <td className="check">
                    <input
                      type="checkbox"
                      data-alert={a.id}
                      aria-label={`Select alert: ${a.title}`}
                      checked={selection.ids.has(a.id)}
                      onChange={() => undefined}
                      onClick={(e) => {
                        onSelection(e.shiftKey ? selectRange(selection, order, a.id) : toggleSelected(selection, a.id));
                      }}
                    />
                  </td>
                  <td>
                    <span className={`badge badge--${a.severity}`}>{capitalise(a.severity)}</span>
                  </td>
                  <td>
                    <span className="alert-title">{a.title}</span>
                    {a.personId !== null ? (
                      <a className="row-link" href={personHref(a.personId)}>
                        Person
                        <span className="visually-hidden"> of alert {a.title}</span>
                      </a>
                    ) : null}
                  </td>
                  <td>{ruleLabel(a.rule)}</td>
                  <td>{a.sourceId ? (apps.get(a.sourceId) ?? a.sourceId) : <span className="muted">{NO_VALUE}</span>}</td>
                  <td className="nowrap" title={`Opened ${new Date(a.openedAt).toISOString()}`}>
                    {alertAge(a)}
                  </td>
                  <td className={sla?.state === 'over' ? 'nowrap sla sla--over' : 'nowrap sla'}>
                    {sla ? sla.label : <span className="muted">{NO_VALUE}</span>}
                  </td>
                  <td>
                    <span className={`status status--${a.status}`}>{capitalise(a.status)}</span>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button button--small"
                      aria-expanded={open}
                      aria-controls={open ? detailId : undefined}
                      aria-label={`${open ? 'Hide' : 'Show'} details of alert: ${a.title}`}
                      onClick={() => {
                        const next = new Set(expanded);
                        if (open) next.delete(a.id);
                        else next.add(a.id);
                        onExpanded(next);
                      }}
                    >
                      {open ? 'Hide' : 'Details'}
                    </button>
                  </td>
                </tr>
                {open ? (
                  <tr className="alert-detail-row">
                    <td colSpan={9} id={detailId}>
                      <AlertDetail alert={a} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Evidence, notes and who did what when; refreshed when the alert changes. */
function AlertDetail({ alert }: { alert: Alert }) {
  const detail = useCall('getAlert', { id: alert.id }, [alert.status, alert.notes, alert.acknowledgedAt, alert.resolvedAt]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const noteId = useId();
  if (detail.error && !detail.data)
    return <ErrorMessage title="Could not load this alert" message={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <Loading label="Loading the alert’s evidence…" size="inline" />;
  const { alert: a, notes, evidence } = detail.data;
  const addNote = (): void => {
    if (!text.trim()) {
      setError('Write the note first.');
      return;
    }
    setBusy(true);
    setError(null);
    api.addAlertNote({ id: a.id, text: text.trim(), by: rememberedName() || undefined }).then(
      () => {
        setBusy(false);
        setText('');
        detail.reload();
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  };
  return (
    <div className="alert-detail">
      <dl className="alert-detail__history">
        <dt>Opened</dt>
        <dd>
          <Time iso={a.openedAt} />
        </dd>
        <dt>Acknowledged</dt>
        <dd>
          {a.acknowledgedAt ? (
            <>
              <Time iso={a.acknowledgedAt} /> by {a.acknowledgedBy ?? 'someone'}
            </>
          ) : (
            <span className="muted">{NO_VALUE}</span>
          )}
        </dd>
        <dt>Resolved</dt>
        <dd>
          {a.resolvedAt ? (
            <>
              <Time iso={a.resolvedAt} /> {a.resolution === 'auto' ? '(the condition cleared)' : `by ${a.resolvedBy ?? 'someone'}`}
            </>
          ) : (
            <span className="muted">{NO_VALUE}</span>
          )}
        </dd>
      </dl>
      <h3 className="alert-detail__heading">Evidence</h3>
      {evidence.length === 0 ? (
        <p className="muted">No events recorded as evidence for this alert.</p>
      ) : (
        <ul className="evidence-list">
          {evidence.map((e) => (
            <li key={e.seq}>
              <Time iso={e.occurredAt} /> · <strong>{eventTypeLabel(e.type)}</strong> {e.subject ?? ''} · {e.sourceName}
              {e.actor ? ` · by ${e.actor}` : ''}{' '}
              <a
                className="row-link"
                href={formatRoute('timeline', { person: e.personId === null ? undefined : String(e.personId), source: e.sourceId })}
              >
                On the timeline
              </a>
            </li>
          ))}
        </ul>
      )}
      <h3 className="alert-detail__heading">Notes</h3>
      {notes.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ul className="note-list">
          {notes.map((n) => (
            <li key={n.id}>
              <p className="note-list__text">{n.text}</p>
              <p className="muted small">
                {n.author ?? 'someone'}, <Time iso={n.at} />
              </p>
            </li>
          ))}
        </ul>
      )}
      <div className="note-form">
        <label className="field__label" htmlFor={noteId}>
          Add a note
        </label>
        <textarea id={noteId} className="textarea" rows={2} maxLength={4000} value={text} onChange={(e) => setText(e.target.value)} />
        <div>
          <button type="button" className="button button--small" aria-disabled={busy || undefined} onClick={() => !busy && addNote()}>
            {busy ? 'Saving…' : 'Add note'}
          </button>
          {error ? (
            <span className="inline-error" role="alert">
              {' '}
              {error}
            </span>
          ) : null}
        </div>
      </div>
    </div>
  );
}
