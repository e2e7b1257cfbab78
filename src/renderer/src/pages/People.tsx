import { useEffect, useState } from 'react';
import { api, usePagedList } from '../api';
import { LoadMore } from '../components/LoadMore';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorMessage, Loading } from '../components/Status';
import type { CallOutput } from '../../../shared/contract';
import { useDebouncedValue } from '../hooks';
import { capitalise, formatCount, NO_VALUE } from '../lib/format';
import { navigate } from '../router';
import { appStore, useAppStore } from '../store/hooks';
import { formatRoute, peopleQueryFromParams, selectRoute } from '../store';

type Person = CallOutput<'listPeople'>['items'][number];
const PAGE_SIZE = 100;
const SEARCH_DELAY_MS = 300;

export function PeoplePage() {
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

  const list = usePagedList<Person>(query, (cursor) => api.listPeople({ limit: PAGE_SIZE, query: query || undefined, cursor }));

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
            placeholder="Name or email"
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
            <p>Search matches names and email addresses. Check the spelling or search for part of the address.</p>
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
            <th scope="col">
              <span className="visually-hidden">Links</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.id}>
              <td>{p.displayName ?? <span className="muted">{NO_VALUE}</span>}</td>
              <td>{p.primaryEmail ?? <span className="muted">{NO_VALUE}</span>}</td>
              <td>
                <span className={`status status--${p.status}`}>{capitalise(p.status)}</span>
              </td>
              <td className="num">{formatCount(p.accounts)}</td>
              <td>
                <a className="row-link" href={formatRoute('timeline', { person: String(p.id) })}>
                  Timeline
                  <span className="visually-hidden"> of {p.displayName ?? p.primaryEmail ?? `person #${p.id}`}</span>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
