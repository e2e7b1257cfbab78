/**
 * The one API client of the renderer, built on whichever transport this page runs on, and the
 * hooks pages use to call it. Server data stays in component state; it is not copied into the
 * store.
 */
import { useEffect, useEffectEvent, useReducer, useState } from 'react';
import { createRollcallApi, type RollcallApi } from '../../shared/client';
import type { CallInput, CallName, CallOutput, PushMessage } from '../../shared/contract';
import { errorMessage } from './lib/errors';
import { initialPagedState, pagedReducer, pagedView, type Page, type PagedView } from './lib/paged';
import { pickTransport } from './transport';

export const api: RollcallApi = createRollcallApi(pickTransport());

export interface CallState<T> {
  data: T | undefined;
  /** The error of the latest attempt, as a sentence. */
  error: string | null;
  /** True while the first answer (or a reload) is on its way; data, if any, is kept meanwhile. */
  loading: boolean;
  reload(): void;
}

interface Settled<T> {
  key: string;
  tick: number;
  data: T | undefined;
  error: string | null;
}

/**
 * Calls `name` with `input` and re-calls when the input (compared as JSON) or `deps` change.
 * `deps` must be JSON-serialisable (ids, strings, numbers).
 */
export function useCall<N extends CallName>(name: N, input: CallInput<N>, deps: readonly unknown[] = []): CallState<CallOutput<N>> {
  const key = JSON.stringify([name, input, deps]);
  const [tick, setTick] = useState(0);
  const [settled, setSettled] = useState<Settled<CallOutput<N>> | null>(null);
  const call = useEffectEvent(() => (api[name] as unknown as (i: CallInput<N>) => Promise<CallOutput<N>>)(input));

  useEffect(() => {
    let live = true;
    call().then(
      (data) => {
        if (live) setSettled({ key, tick, data, error: null });
      },
      (err: unknown) => {
        // A failed reload keeps the data already shown next to the error.
        if (live)
          setSettled((prev) => ({
            key,
            tick,
            data: prev?.key === key ? prev.data : undefined,
            error: errorMessage(err),
          }));
      },
    );
    return () => {
      live = false;
    };
  }, [key, tick]);

  const current = settled?.key === key ? settled : null;
  return {
    data: current?.data,
    error: current?.error ?? null,
    loading: current === null || current.tick !== tick,
    reload: () => setTick((t) => t + 1),
  };
}

/** Runs `listener` for every push message while the component is mounted. */
export function usePush(listener: (message: PushMessage) => void): void {
  const onMessage = useEffectEvent(listener);
  useEffect(() => api.onPush((message) => onMessage(message)), []);
}

export interface PagedList<T> extends PagedView<T> {
  loadMore(): void;
  /** Fetches the first page again (keeps the list shown until it arrives). */
  reload(): void;
  /** Changes the items held (e.g. to put pushed events in front). */
  update(fn: (items: readonly T[]) => readonly T[]): void;
}

/**
 * A "Load more" list. `key` names the filters: when it changes the list starts over.
 * `fetchPage(cursor)` fetches one page with those filters.
 */
export function usePagedList<T>(key: string, fetchPage: (cursor: string | undefined) => Promise<Page<T>>): PagedList<T> {
  const [state, dispatch] = useReducer(pagedReducer<T>, undefined, initialPagedState<T>);
  const [tick, setTick] = useState(0);
  const fetchFirst = useEffectEvent(() => fetchPage(undefined));

  useEffect(() => {
    let live = true;
    fetchFirst().then(
      (page) => {
        if (live) dispatch({ type: 'loaded', key, page });
      },
      (err: unknown) => {
        if (live) dispatch({ type: 'failed', key, error: errorMessage(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [key, tick]);

  const view = pagedView(state, key);
  return {
    ...view,
    loadMore() {
      if (state.key !== key || state.loadingMore || state.nextCursor === null) return;
      const cursor = state.nextCursor;
      dispatch({ type: 'moreStarted', key });
      fetchPage(cursor).then(
        (page) => dispatch({ type: 'moreLoaded', key, page }),
        (err: unknown) => dispatch({ type: 'moreFailed', key, error: errorMessage(err) }),
      );
    },
    reload: () => setTick((t) => t + 1),
    update: (fn) => dispatch({ type: 'update', key, update: fn }),
  };
}
