/**
 * People (issue #7): search, and a person's page (`#/people/ID`) with every account across
 * directories and apps, the status per app, groups and roles, manual link/unlink, and their own
 * events newest first (paged; the full Timeline filtered to them is one link away).
 */
import { useEffect, useId, useState } from 'react';
import { api, useCall, usePagedList, usePush } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { PersonPicker } from '../components/PersonPicker';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import { Time } from '../components/Time';
import type { CallOutput, RollcallEvent } from '../../../shared/contract';
import { useCoalesced, useDebouncedValue } from '../hooks';
import { errorMessage } from '../lib/errors';
import { capitalise, eventTypeLabel, formatCount, NO_VALUE } from '../lib/format';
import { accountState, appStatuses, personHref, personLabel, type PersonAccount } from '../lib/person';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, peopleQueryFromParams, selectRoute } from '../store';
import './pages-b.css';

type Person = CallOutput<'searchPeople'>['items'][number];
const PAGE_SIZE = 100;
const EVENTS_PAGE = 50;
const SEARCH_DELAY_MS = 300;

export function PeoplePage() {
  const route = useAppStore(selectRoute);
  const personId = route.params.person && /^[1-9]\d{0,15}$/.test(route.params.person) ? Number(route.params.person) : undefined;
  return personId === undefined ? <PeopleSearch /> : <PersonPage key={personId} id={personId} />;
}

function PeopleSearch() {
  const route = useAppStore(selectRoute);
  const query = peopleQueryFromParams(route.params);
  const [text, setText] = useState(query);
  const debounced = useDebouncedValue(text.trim(), SEARCH_DELAY_MS);

  // The search lives in the URL (#/people?q=…) without adding a history entry per keystroke.
  useEffect(() => {
    const params = appStore.getState().route.params;
    if (debounced !== peopleQueryFromParams(params))
      navigate(appStore, 'people', { ...params, q: debounced || undefined }, { replace: true });
  }, [debounced]);

  const list = usePagedList<Person>(query, (cursor) => api.searchPeople({ limit: PAGE_SIZE, query: query || undefined, cursor }));

  return (
    <section className="page" aria-busy={list.loading}>
      <PageHeader title="People" description="Each person once, with their accounts across every directory and app." />
      <div className="toolbar" role="search">
        <label className="field field--grow">
          <span className="field__label">Search people</span>
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Start of a name or email"
            autoComplete="off"
            spellCheck={false}
          />
        </label>
      </div>
      {list.error ? <ErrorMessage message={list.error} onRetry={list.reload} /> : null}
      {list.loading ? <Loading label={query ? `Searching for “${query}”…` : 'Loading people…'} /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? (
        query ? (
          <EmptyState title={`No one matches “${query}”.`}>
            <p>Search matches the start of a name or an email address. Check the spelling or type fewer letters.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No people yet.">
            <p>
              People appear when Rollcall receives users from a directory sync or a SCIM connection. Add one under{' '}
              <a href={formatRoute('sources')}>Sources</a>.
            </p>
          </EmptyState>
        )
      ) : null}
      {list.items.length > 0 ? <PeopleTable people={list.items} /> : null}
      <LoadMore list={list} onLoadMore={list.loadMore} noun="people" />
    </section>
  );
}

function PeopleTable({ people }: { people: readonly Person[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Accounts
            </th>
            <th scope="col">Left</th>
            <th scope="col">
              <span className="visually-hidden">Links</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.id}>
              <th scope="row">
                <a href={personHref(p.id)}>{p.displayName ?? p.primaryEmail ?? `Person #${p.id}`}</a>
                {p.flagged ? <span className="badge badge--medium"> Check links</span> : null}
                {!p.managed ? <span className="badge"> Not in a directory</span> : null}
              </th>
              <td>{p.primaryEmail ?? <span className="muted">{NO_VALUE}</span>}</td>
              <td>
                <span className={`status status--${p.status}`}>{capitalise(p.status)}</span>
              </td>
              <td className="num">{formatCount(p.accounts)}</td>
              <td className="nowrap">{p.leftAt ? <Time iso={p.leftAt} /> : <span className="muted">{NO_VALUE}</span>}</td>
              <td>
                <a className="row-link" href={formatRoute('timeline', { person: String(p.id) })}>
                  Timeline
                  <span className="visually-hidden"> of {personLabel(p)}</span>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PersonPage({ id }: { id: number }) {
  const detail = useCall('getPerson', { id, eventsLimit: 1 });
  const events = usePagedList<RollcallEvent>(String(id), async (cursor) => {
    const r = await api.getPerson({ id, eventsLimit: EVENTS_PAGE, eventsCursor: cursor });
    return r.events;
  });
  // Both reload in place: what is shown stays until the fresh answer replaces it (no jump).
  const refresh = (): void => {
    detail.reload();
    events.reload();
  };
  const refreshSoon = useCoalesced(refresh, 3000);
  usePush((message) => {
    if (message.kind === 'events.appended' && message.events.some((e) => e.personId === id)) refreshSoon();
  });
  const [unlinking, setUnlinking] = useState<PersonAccount | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  if (detail.error && !detail.data)
    return (
      <section className="page">
        <PageHeader title="Person" />
        <ErrorMessage title="Could not load this person" message={detail.error} onRetry={detail.reload} />
        <p>
          <a href={formatRoute('people')}>Back to all people</a>
        </p>
      </section>
    );
  if (!detail.data)
    return (
      <section className="page" aria-busy="true">
        <PageHeader title="Person" />
        <Loading label="Loading this person’s accounts…" />
      </section>
    );
  const { person, accounts } = detail.data;
  const statuses = appStatuses(accounts);
  const directories = accounts.filter((a) => a.sourceKind === 'directory');
  const changed = (message: string): void => {
    setNotice(message);
    refresh();
  };

  return (
    <section className="page" aria-busy={detail.loading}>
      <p className="breadcrumb">
        <a href={formatRoute('people')}>People</a> ›
      </p>
      <PageHeader
        title={personLabel(person)}
        description={
          <>
            {person.primaryEmail && person.displayName ? `${person.primaryEmail} · ` : ''}
            <span className={`status status--${person.status}`}>{capitalise(person.status)}</span>
            {person.leftAt ? (
              <>
                {' '}
                · left <Time iso={person.leftAt} />
              </>
            ) : null}
            {!person.managed ? ' · in no directory (only known to apps)' : ''}
          </>
        }
        actions={
          <div className="action-row">
            <a className="button" href={formatRoute('timeline', { person: String(id) })}>
              Full timeline
            </a>
            <a className="button" href={formatRoute('audit', { person: String(id) })}>
              Role changes
            </a>
            <a className="button" href={formatRoute('alerts', { person: String(id), status: 'all' })}>
              Alerts
            </a>
          </div>
        }
      />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}

      <h2 className="section-heading">Apps</h2>
      {statuses.length === 0 ? (
        <p className="muted">No app accounts. Accounts in apps appear when a SCIM connection for the app sees one for this person.</p>
      ) : (
        <ul className="app-statuses" aria-label="Status per app">
          {statuses.map((s) => (
            <li key={s.sourceId}>
              <strong>{s.app}</strong>{' '}
              <span className={`status status--${s.state === 'active' ? 'active' : 'gone'}`}>{capitalise(s.state)}</span>
              {s.billedRoles.length ? <span className="muted"> · {s.billedRoles.join(', ')}</span> : null}
              {person.leftAt && s.state === 'active' ? <span className="warn"> · still active after they left</span> : null}
            </li>
          ))}
        </ul>
      )}

      <h2 className="section-heading" id="accounts-heading">
        Accounts ({accounts.length}) in {directories.length === 1 ? '1 directory' : `${directories.length} directories`} and{' '}
        {statuses.length === 1 ? '1 app' : `${statuses.length} apps`}
      </h2>
      <AccountsTable accounts={accounts} onUnlink={setUnlinking} />
      <LinkAccount personId={id} onLinked={changed} />

      <h2 className="section-heading" id="events-heading">
        Their events
      </h2>
      {events.error ? <ErrorMessage title="Could not load their events" message={events.error} onRetry={events.reload} /> : null}
      {events.loading ? <Loading label="Loading their events…" /> : null}
      {!events.loading && !events.error && events.items.length === 0 ? (
        <EmptyState title="No events for this person yet.">
          <p>Changes to their accounts (created, updated, deactivated, groups and roles) will be listed here as they happen.</p>
        </EmptyState>
      ) : null}
      {events.items.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-labelledby="events-heading">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Account</th>
                <th scope="col">Source</th>
                <th scope="col">Actor</th>
              </tr>
            </thead>
            <tbody>
              {events.items.map((e) => (
                <tr key={e.seq}>
                  <td className="nowrap">
                    <Time iso={e.occurredAt} />
                  </td>
                  <td>{eventTypeLabel(e.type)}</td>
                  <td>{e.subject ?? <span className="muted">{NO_VALUE}</span>}</td>
                  <td>{e.sourceName}</td>
                  <td>{e.actor ?? <span className="muted">{NO_VALUE}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore list={events} onLoadMore={events.loadMore} noun="events" />

      {unlinking ? (
        <UnlinkDialog
          account={unlinking}
          person={personLabel(person)}
          onCancel={() => setUnlinking(null)}
          onDone={(message) => {
            setUnlinking(null);
            changed(message);
          }}
        />
      ) : null}
    </section>
  );
}

function AccountsTable({ accounts, onUnlink }: { accounts: readonly PersonAccount[]; onUnlink(a: PersonAccount): void }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-labelledby="accounts-heading">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Account</th>
            <th scope="col">Status</th>
            <th scope="col">Groups</th>
            <th scope="col">Roles</th>
            <th scope="col">First seen</th>
            <th scope="col">Link</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => {
            const state = accountState(a);
            const name = `${a.userName ?? a.accountId} in ${a.sourceName}`;
            return (
              <tr key={`${a.sourceId}/${a.accountId}`}>
                <th scope="row">
                  {a.sourceKind === 'directory' ? `${a.sourceName} (directory)` : (a.app ?? a.sourceName)}
                  {a.sourceKind === 'connection' && a.app && a.app !== a.sourceName ? (
                    <span className="muted small"> · {a.sourceName}</span>
                  ) : null}
                </th>
                <td>
                  <span className="mono small">{a.userName ?? a.accountId}</span>
                  {a.email && a.email !== a.userName ? <span className="muted small"> · {a.email}</span> : null}
                </td>
                <td>
                  <span className={`status status--${state === 'active' ? 'active' : 'gone'}`}>{capitalise(state)}</span>
                  {a.status && a.status.toLowerCase() !== state ? <span className="muted small"> ({a.status})</span> : null}
                </td>
                <td>{a.groups.length ? a.groups.map((g) => g.name ?? g.id).join(', ') : <span className="muted">{NO_VALUE}</span>}</td>
                <td>
                  {a.roles.length ? (
                    a.roles.map((r) => `${r.name}${r.billed ? '' : ' (free)'}${r.privileged ? ' ★' : ''}`).join(', ')
                  ) : (
                    <span className="muted">{NO_VALUE}</span>
                  )}
                </td>
                <td className="nowrap">
                  <Time iso={a.firstSeen} />
                </td>
                <td>
                  {a.link === 'manual' ? 'Linked by hand' : 'Matched'}
                  {a.flag ? <span className="badge badge--medium"> {a.flag.kind.replace('_', ' ')}</span> : null}{' '}
                  <button type="button" className="button button--small" aria-label={`Unlink ${name}`} onClick={() => onUnlink(a)}>
                    Unlink
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function UnlinkDialog({
  account,
  person,
  onCancel,
  onDone,
}: {
  account: PersonAccount;
  person: string;
  onCancel(): void;
  onDone(message: string): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = account.userName ?? account.accountId;
  return (
    <ConfirmDialog
      title={`Unlink ${name}?`}
      confirmLabel="Unlink"
      busyLabel="Unlinking…"
      tone="danger"
      busy={busy}
      error={error}
      onCancel={onCancel}
      onConfirm={() => {
        setBusy(true);
        api.unlinkAccount({ sourceId: account.sourceId, accountId: account.accountId }).then(
          (r) => onDone(`${name} in ${account.sourceName} is no longer ${person}’s; it now belongs to person #${r.personId}.`),
          (err: unknown) => {
            setBusy(false);
            setError(errorMessage(err));
          },
        );
      }}
    >
      <p>
        The account {name} in {account.sourceName} stops being counted as {person}’s, for good: it is matched again without them (and a
        manual link elsewhere wins).
      </p>
    </ConfirmDialog>
  );
}

/** Links an account of another person (found by search) to this person. */
function LinkAccount({ personId, onLinked }: { personId: number; onLinked(message: string): void }) {
  const [other, setOther] = useState<number | null>(null);
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const selectId = useId();
  const candidate = useCall('getPerson', { id: other ?? personId, eventsLimit: 1 }, [other]);
  const accounts = other !== null && candidate.data ? candidate.data.accounts : [];
  const link = (): void => {
    const a = accounts.find((x) => `${x.sourceId}\u0000${x.accountId}` === choice);
    if (!a) {
      setError('Pick one of their accounts first.');
      return;
    }
    setBusy(true);
    setError(null);
    api.linkAccount({ sourceId: a.sourceId, accountId: a.accountId, personId }).then(
      () => {
        setBusy(false);
        setOther(null);
        setChoice('');
        onLinked(`${a.userName ?? a.accountId} in ${a.sourceName} is now linked to this person.`);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  };
  return (
    <details className="link-account">
      <summary>Link another account to this person</summary>
      <p className="muted">
        Find the person the account is matched to now, pick the account, and link it here. A manual link survives syncs.
      </p>
      <div className="link-form">
        <PersonPicker label="Account now belongs to" excludeId={personId} onPick={(id) => setOther(id)} />
        {other !== null ? (
          <>
            <label className="field">
              <span className="field__label" id={selectId}>
                Account of {candidate.data ? personLabel(candidate.data.person) : `person #${other}`}
              </span>
              <select aria-labelledby={selectId} value={choice} onChange={(e) => setChoice(e.target.value)}>
                <option value="">Choose an account…</option>
                {accounts.map((a) => (
                  <option key={`${a.sourceId}/${a.accountId}`} value={`${a.sourceId}\u0000${a.accountId}`}>
                    {a.userName ?? a.accountId} — {a.sourceName}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="button button--primary" aria-disabled={busy || undefined} onClick={() => !busy && link()}>
              {busy ? 'Linking…' : 'Link account'}
            </button>
          </>
        ) : null}
      </div>
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
    </details>
  );
}
