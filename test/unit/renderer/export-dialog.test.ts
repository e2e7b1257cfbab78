/**
 * The export dialog's form logic (src/renderer/src/lib/exports.ts): defaults, presets, the request
 * it sends, and what it refuses.
 */
import { describe, expect, it } from 'vitest';
import { initialForm, requestOf } from '../../../src/renderer/src/lib/exports';

const NOW = new Date('2026-11-29T10:00:00.000Z');

describe('export dialog form', () => {
  it('opens on the last 30 days of the event log; the last day is included (the range ends at the next midnight)', () => {
    const f = initialForm(undefined, NOW);
    expect(f).toMatchObject({ report: 'events', fromDay: '2026-10-31', toDay: '2026-11-29', bom: false, allowBrokenChain: false });
    expect(requestOf(f)).toEqual({
      request: {
        report: 'events',
        filters: { from: '2026-10-31T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' },
        bom: false,
        allowBrokenChain: false,
      },
    });
  });

  it('takes a page preset (report, range, source, person) and drops filters the report does not take', () => {
    const f = initialForm(
      { report: 'seats', filters: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', sourceId: 'c1', personId: 7 } },
      NOW,
    );
    expect(f).toMatchObject({ report: 'seats', fromDay: '2026-01-01', toDay: '2026-01-31', sourceId: 'c1', personId: '7' });
    expect(requestOf(f)).toMatchObject({
      request: { filters: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', sourceId: 'c1' } },
    });
    expect(JSON.stringify(requestOf(f))).not.toContain('personId');
    expect(requestOf({ ...f, report: 'offboarding' })).toMatchObject({ request: { filters: { personId: 7 } } });
  });

  it('refuses a reversed range, a missing day and a person that is not an id', () => {
    const f = initialForm(undefined, NOW);
    expect(requestOf({ ...f, fromDay: '2026-12-01' })).toEqual({ error: 'The range starts after it ends.' });
    expect(requestOf({ ...f, toDay: '' })).toEqual({ error: 'Choose both days of the range.' });
    expect(requestOf({ ...f, personId: 'bob' })).toEqual({ error: 'A person is chosen by their id (a number).' });
  });
});
