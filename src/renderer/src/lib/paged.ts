/**
 * State of a paged list ("Load more" with an opaque cursor), as a reducer. Every action carries
 * the key (the filters) it was started for; answers for another key are ignored, so a slow page
 * for an old filter never lands in the new list. Pure.
 */

export interface Page<T> {
  items: readonly T[];
  nextCursor: string | null;
}

export interface PagedState<T> {
  /** The key of the list held, or null before the first answer. */
  key: string | null;
  items: readonly T[];
  nextCursor: string | null;
  error: string | null;
  loadingMore: boolean;
  moreError: string | null;
}

export type PagedAction<T> =
  | { type: 'loaded'; key: string; page: Page<T> }
  | { type: 'failed'; key: string; error: string }
  | { type: 'moreStarted'; key: string }
  | { type: 'moreLoaded'; key: string; page: Page<T> }
  | { type: 'moreFailed'; key: string; error: string }
  | {
      type: 'update';
      key: string;
      update: (items: readonly T[]) => readonly T[];
    };

export function initialPagedState<T>(): PagedState<T> {
  return {
    key: null,
    items: [],
    nextCursor: null,
    error: null,
    loadingMore: false,
    moreError: null,
  };
}

export function pagedReducer<T>(state: PagedState<T>, action: PagedAction<T>): PagedState<T> {
  switch (action.type) {
    case 'loaded':
      return {
        key: action.key,
        items: action.page.items,
        nextCursor: action.page.nextCursor,
        error: null,
        loadingMore: false,
        moreError: null,
      };
    case 'failed':
      // A failed refresh of the same list keeps what is shown; a new list shows only the error.
      return state.key === action.key
        ? { ...state, error: action.error, loadingMore: false }
        : { ...initialPagedState<T>(), key: action.key, error: action.error };
  }
  if (action.key !== state.key) return state;
  switch (action.type) {
    case 'moreStarted':
      return state.loadingMore || state.nextCursor === null ? state : { ...state, loadingMore: true, moreError: null };
    case 'moreLoaded':
      return {
        ...state,
        items: [...state.items, ...action.page.items],
        nextCursor: action.page.nextCursor,
        loadingMore: false,
      };
    case 'moreFailed':
      return { ...state, loadingMore: false, moreError: action.error };
    case 'update': {
      const items = action.update(state.items);
      return items === state.items ? state : { ...state, items };
    }
  }
}

export interface PagedView<T> {
  items: readonly T[];
  /** True until the list for this key has arrived (first load, or the filters changed). */
  loading: boolean;
  error: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: string | null;
}

/** What the page should show for `key`: nothing of another key's list. */
export function pagedView<T>(state: PagedState<T>, key: string): PagedView<T> {
  if (state.key !== key)
    return {
      items: [],
      loading: true,
      error: null,
      hasMore: false,
      loadingMore: false,
      moreError: null,
    };
  return {
    items: state.items,
    loading: false,
    error: state.error,
    hasMore: state.nextCursor !== null,
    loadingMore: state.loadingMore,
    moreError: state.moreError,
  };
}
