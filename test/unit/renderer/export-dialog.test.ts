/**
 * The export dialog's form logic (src/renderer/src/lib/exports.ts): defaults, presets, the request
 * it sends, and what it refuses.
 */
import { describe, expect, it } from 'vitest';
import { applyExportState, initialForm, requestOf, type ExportRun } from '../../../src/renderer/src/lib/exports';

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

describe('following an export', () => {
  const started: ExportRun = { exportId: 'x1', fileName: 'a.csv', state: 'running', rows: 0, chainChecked: 0, chainTotal: 0, error: null };

  it('takes the state of its own export, from a push or from getExport', () => {
    const pushed = applyExportState(started, {
      exportId: 'x1',
      state: 'running',
      rows: 20_000,
      error: null,
      chainChecked: 5,
      chainTotal: 9,
    });
    expect(pushed).toMatchObject({ state: 'running', rows: 20_000, chainChecked: 5, chainTotal: 9 });
    expect(applyExportState(pushed, { exportId: 'x1', state: 'done', rows: 31_000, error: null })).toMatchObject({
      state: 'done',
      rows: 31_000,
      chainChecked: 5,
    });
    expect(applyExportState(started, { exportId: 'other', state: 'done', rows: 1, error: null })).toBe(started);
    expect(applyExportState(null, { exportId: 'x1', state: 'done', rows: 1, error: null })).toBeNull();
  });

  it('never goes back to running once finished, whichever report comes last', () => {
    // The last push (done) came before startExport's answer; getExport then says done too — or a
    // late "running" report arrives after the done one: the run stays done.
    const done = applyExportState(started, { exportId: 'x1', state: 'done', rows: 3, error: null })!;
    expect(applyExportState(done, { exportId: 'x1', state: 'running', rows: 2, error: null })).toBe(done);
    const failed = applyExportState(started, { exportId: 'x1', state: 'failed', rows: 0, error: 'broken chain' })!;
    expect(failed).toMatchObject({ state: 'failed', error: 'broken chain' });
    expect(applyExportState(failed, { exportId: 'x1', state: 'done', rows: 3, error: null })).toBe(failed);
  });
});
