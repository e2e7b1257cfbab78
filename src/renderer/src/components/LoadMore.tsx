import type { PagedView } from '../lib/paged';

/** The "Load more" button under a paged list, with its own error line. */
export function LoadMore({ list, onLoadMore, noun }: { list: PagedView<unknown>; onLoadMore: () => void; noun: string }) {
  if (list.loading || list.items.length === 0) return null;
  return (
    <div className="load-more">
      {list.hasMore ? (
        <button type="button" className="button" onClick={onLoadMore} disabled={list.loadingMore} aria-busy={list.loadingMore}>
          {list.loadingMore ? 'Loading…' : 'Load more'}
        </button>
      ) : (
        <span className="muted">All {noun} shown.</span>
      )}
      {list.moreError ? (
        <p className="inline-error" role="alert">
          Could not load more: {list.moreError}
        </p>
      ) : null}
    </div>
  );
}
