import { describe, expect, it } from 'vitest';
import { initialPagedState, pagedReducer, pagedView, type PagedState } from '../../../src/renderer/src/lib/paged';

const page = (items: number[], nextCursor: string | null = null) => ({
  items,
  nextCursor,
});

describe('paged list reducer', () => {
  it('shows loading for a key until its first page arrives', () => {
    const s0 = initialPagedState<number>();
    expect(pagedView(s0, 'a')).toMatchObject({
      loading: true,
      items: [],
      hasMore: false,
    });
    const s1 = pagedReducer(s0, {
      type: 'loaded',
      key: 'a',
      page: page([3, 2], 'c1'),
    });
    expect(pagedView(s1, 'a')).toMatchObject({
      loading: false,
      items: [3, 2],
      hasMore: true,
      error: null,
    });
    // Filters changed: the old list is not shown as if it matched the new ones.
    expect(pagedView(s1, 'b')).toMatchObject({ loading: true, items: [] });
  });

  it('appends further pages and ignores answers for another key', () => {
    let s: PagedState<number> = pagedReducer(initialPagedState<number>(), {
      type: 'loaded',
      key: 'a',
      page: page([5, 4], 'c1'),
    });
    s = pagedReducer(s, { type: 'moreStarted', key: 'a' });
    expect(pagedView(s, 'a').loadingMore).toBe(true);
    expect(pagedReducer(s, { type: 'moreStarted', key: 'a' })).toBe(s); // no double load
    expect(pagedReducer(s, { type: 'moreLoaded', key: 'old', page: page([99]) })).toBe(s);
    s = pagedReducer(s, { type: 'moreLoaded', key: 'a', page: page([3, 2]) });
    expect(pagedView(s, 'a')).toMatchObject({
      items: [5, 4, 3, 2],
      hasMore: false,
      loadingMore: false,
    });
    expect(pagedReducer(s, { type: 'moreStarted', key: 'a' })).toBe(s); // nothing more to load
  });

  it('keeps the list when loading more fails', () => {
    let s = pagedReducer(initialPagedState<number>(), {
      type: 'loaded',
      key: 'a',
      page: page([1], 'c'),
    });
    s = pagedReducer(s, { type: 'moreStarted', key: 'a' });
    s = pagedReducer(s, { type: 'moreFailed', key: 'a', error: 'offline' });
    expect(pagedView(s, 'a')).toMatchObject({
      items: [1],
      moreError: 'offline',
      loadingMore: false,
      hasMore: true,
    });
  });

  it('shows only the error for a new list, but keeps items on a failed refresh', () => {
    const loaded = pagedReducer(initialPagedState<number>(), {
      type: 'loaded',
      key: 'a',
      page: page([1]),
    });
    expect(pagedView(pagedReducer(loaded, { type: 'failed', key: 'a', error: 'x' }), 'a')).toMatchObject({ items: [1], error: 'x' });
    expect(pagedView(pagedReducer(loaded, { type: 'failed', key: 'b', error: 'y' }), 'b')).toMatchObject({
      items: [],
      error: 'y',
      loading: false,
    });
  });

  it('updates items in place (live events) and keeps the state when nothing changed', () => {
    const s = pagedReducer(initialPagedState<number>(), {
      type: 'loaded',
      key: 'a',
      page: page([2, 1]),
    });
    const same = pagedReducer(s, {
      type: 'update',
      key: 'a',
      update: (items) => items,
    });
    expect(same).toBe(s);
    const more = pagedReducer(s, {
      type: 'update',
      key: 'a',
      update: (items) => [3, ...items],
    });
    expect(more.items).toEqual([3, 2, 1]);
    expect(pagedReducer(s, { type: 'update', key: 'b', update: () => [9] })).toBe(s);
  });
});
