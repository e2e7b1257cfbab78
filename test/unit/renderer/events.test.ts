import { describe, expect, it } from 'vitest';
import type { RollcallEvent } from '../../../src/shared/contract';
import {
  AUDIT_TYPES,
  describeAuditChange,
  matchesEventFilter,
  mergeLiveEvents,
  nameOf,
  shortValue,
} from '../../../src/renderer/src/lib/events';

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
    occurredAt: '2024-03-05T12:00:00Z',
    observedAt: '2024-03-05T12:00:01Z',
    actor: null,
    before: null,
    after: null,
    exchangeId: null,
    hash: `h${seq}`,
    ...over,
  };
}

describe('matchesEventFilter', () => {
  it('matches on types, source and person', () => {
    const e = ev(1, { type: 'role.granted', sourceId: 'slack', personId: 7 });
    expect(matchesEventFilter(e, {})).toBe(true);
    expect(matchesEventFilter(e, { types: [] })).toBe(true);
    expect(matchesEventFilter(e, { types: ['role.granted', 'role.revoked'] })).toBe(true);
    expect(matchesEventFilter(e, { types: ['user.created'] })).toBe(false);
    expect(matchesEventFilter(e, { sourceId: 'slack', personId: 7 })).toBe(true);
    expect(matchesEventFilter(e, { sourceId: 'okta' })).toBe(false);
    expect(matchesEventFilter(e, { personId: 8 })).toBe(false);
  });
});

describe('mergeLiveEvents', () => {
  it('puts new matching events in front, newest first, without duplicates', () => {
    const current = [ev(5), ev(4)];
    const merged = mergeLiveEvents(current, [ev(6), ev(8), ev(5), ev(7, { type: 'role.granted' }), ev(8)], { types: ['user.created'] });
    expect(merged.map((e) => e.seq)).toEqual([8, 6, 5, 4]);
  });

  it('returns the same array when nothing is added', () => {
    const current = [ev(2), ev(1)];
    expect(mergeLiveEvents(current, [ev(2)], {})).toBe(current);
    expect(
      mergeLiveEvents(current, [ev(3, { sourceId: 'other' })], {
        sourceId: 'okta',
      }),
    ).toBe(current);
    expect(mergeLiveEvents(current, [], {})).toBe(current);
  });
});

describe('audit changes', () => {
  it('lists exactly the role and membership types', () => {
    expect([...AUDIT_TYPES].sort()).toEqual(['group.member_added', 'group.member_removed', 'role.granted', 'role.revoked']);
  });

  it('names roles and groups from values of various shapes', () => {
    expect(nameOf('Admin')).toBe('Admin');
    expect(nameOf({ role: 'Editor' })).toBe('Editor');
    expect(nameOf({ group: { displayName: 'Engineering' } })).toBe('Engineering');
    expect(nameOf({ value: 'abc', display: 'x' })).toBe('abc');
    expect(nameOf(['a'])).toBeNull();
    expect(nameOf(null)).toBeNull();
    expect(nameOf({ a: { b: { c: 'deep' } } })).toBeNull();
  });

  it('describes a grant from the after value and a revocation from the before value', () => {
    expect(describeAuditChange(ev(1, { type: 'role.granted', before: null, after: { role: 'Admin' } }))).toEqual({
      direction: 'gained',
      kind: 'role',
      target: 'Admin',
      summary: 'Gained role Admin',
    });
    expect(describeAuditChange(ev(1, { type: 'role.revoked', before: { role: 'Admin' }, after: null })).summary).toBe('Lost role Admin');
    expect(describeAuditChange(ev(1, { type: 'group.member_added', groupId: 'g-1' })).summary).toBe('Added to group g-1');
    expect(describeAuditChange(ev(1, { type: 'group.member_removed', before: { groupName: 'Sales' } })).summary).toBe(
      'Removed from group Sales',
    );
    expect(describeAuditChange(ev(1, { type: 'group.member_removed' })).target).toBe('—');
  });

  it('shortens values for a table cell', () => {
    expect(shortValue(null)).toBe('—');
    expect(shortValue('x')).toBe('x');
    expect(shortValue({ role: 'Admin' })).toBe('{"role":"Admin"}');
    expect(shortValue('a'.repeat(100), 10)).toBe(`${'a'.repeat(9)}…`);
  });
});
