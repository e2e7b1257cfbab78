/**
 * `rollcall export` on the command line (in process): usage errors exit 2 with one line, failures
 * exit 1, and an export stopped half-way leaves nothing behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExportCancelledError, runExport } from '../../../src/main/core/exports/export';
import { tmpDataDir } from '../../helpers/tmp';
import { cli, readCsv, seededDir } from './helpers';

describe('rollcall export (CLI)', () => {
  it.each([
    [['--out', 'x.csv'], /--report is required/],
    [['--report', 'payroll', '--out', 'x.csv'], /Unknown report "payroll"/],
    [['--report', 'events'], /--out FILE.csv is required/],
    [['--report', 'seats', '--out', 'x.csv', '--person', '3'], /the seats report takes no --person filter/],
    [['--report', 'events', '--out', 'x.csv', '--person', 'bob'], /--person takes a person id/],
    [['--report', 'events', '--out', 'x.csv', '--from', 'yesterday'], /--from must be an ISO-8601 date/],
    [['--report', 'events', '--out', 'x.csv', '--from', '2026-02-01', '--to', '2026-01-01'], /must be before "to"/],
    [['--report', 'events', '--out', 'x.csv', '--bogus'], /Unknown option '--bogus'/],
  ])('usage error %j: exit 2, one line', async (args, message) => {
    const dir = seededDir(3);
    const r = await cli(['export', '--data-dir', dir, ...args.map((a) => (a === 'x.csv' ? path.join(dir, 'x.csv') : a))]);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^rollcall: /);
    expect(r.err[0]).toMatch(message);
  });

  it('writes the file and prints where; refuses to replace it without --force; a missing database is exit 1', async () => {
    const dir = seededDir(5);
    const out = path.join(tmpDataDir('rollcall-out-'), 'e.csv');
    const args = [
      'export',
      '--data-dir',
      dir,
      '--report',
      'events',
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-01T00:03:00Z',
      '--out',
      out,
    ];
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`Wrote 3 rows to ${out}`);
    expect(r.out[1]).toMatch(/^Manifest: .*e\.csv\.manifest\.json \(SHA-256 [0-9a-f]{64}\)$/);
    expect(readCsv(out).rows.map((row) => row[0])).toEqual(['1', '2', '3']);
    const again = await cli(args);
    expect(again.code).toBe(2);
    expect(again.err[0]).toMatch(/already exists/);
    expect((await cli([...args, '--force'])).code).toBe(0);
    const none = await cli(['export', '--data-dir', tmpDataDir(), '--report', 'events', '--out', out, '--force']);
    expect(none.code).toBe(1);
    expect(none.err[0]).toMatch(/There is no Rollcall database/);
  });

  it('cancelled half-way through writing: the temporary file is removed, nothing under the final names', async () => {
    const dir = seededDir(30_000, (i) => ({ observedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() }));
    const outDir = tmpDataDir('rollcall-out-');
    const controller = new AbortController();
    let rowsAtCancel = 0;
    await expect(
      runExport({
        dataDir: dir,
        outFile: path.join(outDir, 'big.csv'),
        request: { report: 'events', filters: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' } },
        chainCheck: 'skip',
        signal: controller.signal,
        onProgress: (p) => {
          if (p.rows > 0 && !controller.signal.aborted) {
            rowsAtCancel = p.rows;
            // the partial file exists while it is being written
            expect(fs.readdirSync(outDir).some((f) => f.startsWith('.big.csv.') && f.endsWith('.partial'))).toBe(true);
            controller.abort();
          }
        },
      }),
    ).rejects.toBeInstanceOf(ExportCancelledError);
    expect(rowsAtCancel).toBeGreaterThan(0);
    expect(rowsAtCancel).toBeLessThan(30_000);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });
});
