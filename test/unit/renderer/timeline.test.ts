import { describe, expect, it } from 'vitest';
import type { RollcallEvent } from '../../../src/shared/contract';
import {
  diffRows,
  fromDay,
  hasFilters,
  localDay,
  matchesTimeline,
  prettyBody,
  shouldLoadMore,
  showPending,
  takeLive,
  timelineFilters,
  timelineQuery,
} from '../../../src/renderer/src/lib/timeline';

// vitest pins TZ=UTC (vitest.config.ts), so local midnights are UTC midnights here.
function ev(seq: number, over: Partial<RollcallEvent> = {}): RollcallEvent {
  return {
    seq,
    type: 'user.created',
    sourceId: 'okta',
    sourceName: 'Okta',
    accountId: null,
    groupId: null,
    personId: null,
    subject: `user${seq}@example.com`,
    occurredAt: '2024-03-05T12:00:00.000Z',
    observedAt: '2024-03-05T12:00:01.000Z',
    actor: null,
    before: null,
    after: null,
    exchangeId: null,
    hash: `h${seq}`,
    ...over,
  };
}

describe('timeline filters from the URL', () => {
  it('reads type, source, person and a day range, ignoring what is invalid', () => {
    expect(timelineFilters({ type: 'user.deactivated', source: 'c1', person: '7', from: '2024-03-01', to: '2024-03-31' })).toEqual({
      type: 'user.deactivated',
      sourceId: 'c1',
      personId: 7,
      from: '2024-03-01',
      to: '2024-03-31',
    });
    expect(timelineFilters({ type: 'nope', person: '7x', from: '2024-02-30', to: 'yesterday' })).toEqual({});
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ to: '2024-01-01' })).toBe(true);
  });

  it('checks calendar days for real', () => {
    expect(localDay('2024-02-29')).not.toBeNull();
    expect(localDay('2023-02-29')).toBeNull();
    expect(localDay('2024-13-01')).toBeNull();
  });

  it('turns days into an inclusive range of instants', () => {
    expect(timelineQuery({ type: 'role.granted', from: '2024-03-01', to: '2024-03-31', personId: 3 })).toEqual({
      types: ['role.granted'],
      personId: 3,
      from: '2024-03-01T00:00:00.000Z',
      to: '2024-04-01T00:00:00.000Z',
    });
    expect(timelineQuery({})).toEqual({});
  });

  it('matches pushed events against type, source and the range', () => {
    const f = { type: 'user.created' as const, sourceId: 'okta', from: '2024-03-05', to: '2024-03-05' };
    expect(matchesTimeline(ev(1), f)).toBe(true);
    expect(matchesTimeline(ev(1, { type: 'user.deleted' }), f)).toBe(false);
    expect(matchesTimeline(ev(1, { sourceId: 'slack' }), f)).toBe(false);
    expect(matchesTimeline(ev(1, { occurredAt: '2024-03-06T00:00:00.000Z' }), f)).toBe(false);
    expect(matchesTimeline(ev(1, { occurredAt: '2024-03-04T23:59:59.999Z' }), f)).toBe(false);
  });
});

describe('live events', () => {
  const items = [ev(10), ev(9), ev(8)];

  it('go in front at the top of the list, newest first, without duplicates', () => {
    const next = takeLive({ items, pending: [] }, [ev(11), ev(12), ev(10)], {}, true);
    expect(next.items.map((e) => e.seq)).toEqual([12, 11, 10, 9, 8]);
    expect(next.pending).toEqual([]);
  });

  it('wait in pending when scrolled down, and the list shown stays the same object', () => {
    const state = { items, pending: [] };
    const next = takeLive(state, [ev(11)], {}, false);
    expect(next.items).toBe(items);
    expect(next.pending.map((e) => e.seq)).toEqual([11]);
    const again = takeLive(next, [ev(11), ev(13)], {}, false);
    expect(again.pending.map((e) => e.seq)).toEqual([13, 11]);
    expect(showPending(again).items.map((e) => e.seq)).toEqual([13, 11, 10, 9, 8]);
    expect(showPending(again).pending).toEqual([]);
  });

  it('ignores events outside the filters and returns the same state when nothing is new', () => {
    const state = { items, pending: [] };
    expect(takeLive(state, [ev(11, { sourceId: 'other' })], { sourceId: 'okta' }, true)).toBe(state);
    expect(takeLive(state, [ev(9)], {}, false)).toBe(state);
    expect(showPending(state)).toBe(state);
  });
});

describe('infinite paging', () => {
  it('asks for more only near the end, with more to get and nothing in flight', () => {
    expect(shouldLoadMore(50, 100, true, false, 300)).toBe(true);
    expect(shouldLoadMore(50, 1000, true, false, 300)).toBe(false);
    expect(shouldLoadMore(699, 1000, true, false, 300)).toBe(true);
    expect(shouldLoadMore(999, 1000, false, false, 300)).toBe(false);
    expect(shouldLoadMore(999, 1000, true, true, 300)).toBe(false);
    expect(shouldLoadMore(-1, 0, true, false, 300)).toBe(false);
  });
});

describe('the detail drawer', () => {
  it('diffs before and after, changed attributes first, nested objects one level deep', () => {
    const rows = diffRows(
      { active: true, name: { givenName: 'Ann', familyName: 'Archer' }, title: 'Engineer', gone: 'x' },
      { active: false, name: { givenName: 'Ann', familyName: 'Smith' }, title: 'Engineer', emails: [{ value: 'a@x' }] },
    );
    expect(rows).toEqual([
      { key: 'active', before: 'true', after: 'false', change: 'changed' },
      { key: 'emails', before: null, after: '[{"value":"a@x"}]', change: 'added' },
      { key: 'gone', before: 'x', after: null, change: 'removed' },
      { key: 'name.familyName', before: 'Archer', after: 'Smith', change: 'changed' },
      { key: 'name.givenName', before: 'Ann', after: 'Ann', change: 'same' },
      { key: 'title', before: 'Engineer', after: 'Engineer', change: 'same' },
    ]);
    expect(diffRows(null, null)).toEqual([]);
    expect(diffRows(null, 'Admins')).toEqual([{ key: 'value', before: null, after: 'Admins', change: 'added' }]);
  });

  it('pretty-prints JSON bodies and leaves others as stored', () => {
    expect(prettyBody('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyBody('not json')).toBe('not json');
    expect(prettyBody(null)).toBeNull();
    expect(prettyBody('')).toBeNull();
  });
});

describe('a from instant (the Dashboard links "last 24 h" to the timeline)', () => {
  it('is kept as an instant, and its day shows in the date box', () => {
    const f = timelineFilters({ from: '2024-03-05T10:30:00.000Z' });
    expect(f).toEqual({ from: '2024-03-05T10:30:00.000Z' });
    expect(timelineQuery(f)).toEqual({ from: '2024-03-05T10:30:00.000Z' });
    expect(fromDay(f.from)).toBe('2024-03-05');
    expect(fromDay('2024-03-01')).toBe('2024-03-01');
    expect(timelineFilters({ from: '2024-03-05T99:00:00Z' })).toEqual({});
  });
});
