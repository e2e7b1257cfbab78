/**
 * Tamper evidence: `rollcall verify` on real SQLite files, each way of altering the log, and the
 * export's refusal (and the override's mark in the manifest).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../../src/main/core/exports/chain';
import { Store } from '../../../src/main/core/store/store';
import { tmpDataDir } from '../../helpers/tmp';
import { cli, rewriteWithHash, seededDir, tamper } from './helpers';

function chainOf(dir: string) {
  const store = Store.open(dir);
  try {
    return verifyChain(store.db);
  } finally {
    store.close();
  }
}

describe('rollcall verify', () => {
  it('passes an untouched log: exit 0, the head printed, --json has the chain and the quick_check', async () => {
    const dir = seededDir(20);
    const r = await cli(['verify', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^Event log: OK — 20 events, chain head 20 [0-9a-f]{64}$/);
    expect(r.out[1]).toBe('Database file: OK (quick_check)');
    const j = await cli(['verify', '--data-dir', dir, '--json']);
    const parsed = JSON.parse(j.out[0]!) as { ok: boolean; chain: { checked: number; headSeq: number }; integrity: { ok: boolean } };
    expect(parsed).toMatchObject({
      ok: true,
      chain: { checked: 20, headSeq: 20, firstBreak: null },
      integrity: { ok: true, messages: ['ok'] },
    });
  });

  it('an edited event (UPDATE of its content): broken at that seq, content-edited, exit 1', async () => {
    const dir = seededDir(20);
    tamper(dir, (s) => s.db.prepare(`UPDATE events SET after = '{"title":"CEO"}' WHERE seq = 7`).run());
    const r = await cli(['verify', '--data-dir', dir, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out[0]!)).toMatchObject({
      ok: false,
      chain: { ok: false, checked: 6, firstBreak: { seq: 7, reason: 'content-edited', lastGoodSeq: 6 } },
    });
    const text = await cli(['verify', '--data-dir', dir]);
    expect(text.code).toBe(1);
    expect(text.out[0]).toMatch(/^Event log: BROKEN at event 7 \(content-edited\)/);
  });

  it('a deleted event: missing-seq naming the deleted seq', async () => {
    const dir = seededDir(20);
    tamper(dir, (s) => s.db.prepare('DELETE FROM events WHERE seq = 12').run());
    expect(chainOf(dir).firstBreak).toMatchObject({ seq: 12, reason: 'missing-seq', lastGoodSeq: 11 });
    tamper(dir, (s) => s.db.prepare('DELETE FROM events WHERE seq IN (13, 14)').run());
    expect(chainOf(dir).firstBreak).toMatchObject({
      seq: 12,
      reason: 'missing-seq',
      message: expect.stringContaining('events 12–14 are missing'),
    });
  });

  it('two events swapped (their seqs exchanged): reordered, at the first of them', async () => {
    const dir = seededDir(20);
    tamper(dir, (s) =>
      s.db.exec(
        'UPDATE events SET seq = -5 WHERE seq = 5; UPDATE events SET seq = 5 WHERE seq = 9; UPDATE events SET seq = 9 WHERE seq = -5;',
      ),
    );
    expect(chainOf(dir).firstBreak).toMatchObject({ seq: 5, reason: 'reordered', lastGoodSeq: 4 });
    const adjacent = seededDir(20);
    tamper(adjacent, (s) =>
      s.db.exec(
        'UPDATE events SET seq = -5 WHERE seq = 15; UPDATE events SET seq = 15 WHERE seq = 16; UPDATE events SET seq = 16 WHERE seq = -5;',
      ),
    );
    expect(chainOf(adjacent).firstBreak).toMatchObject({ seq: 15, reason: 'reordered' });
  });

  it('one event rewritten with its own hash recomputed: the next link breaks, naming the rewritten event', async () => {
    const dir = seededDir(20);
    tamper(dir, (s) => rewriteWithHash(s, 10, '{"title":"CEO"}'));
    const c = chainOf(dir);
    expect(c.firstBreak).toMatchObject({ seq: 11, reason: 'previous-link-mismatch', lastGoodSeq: 10 });
    expect(c.firstBreak!.message).toContain('event 10 was rewritten');
    // Rewriting the newest event this way is the one change a chain alone cannot see; a manifest's head can.
    const head = chainOf(dir).headHash;
    const tail = seededDir(5);
    const before = chainOf(tail).headHash;
    tamper(tail, (s) => rewriteWithHash(s, 5, '{"title":"CEO"}'));
    expect(chainOf(tail).ok).toBe(true);
    const r = await cli(['verify', '--data-dir', tail, '--expect-head', before]);
    expect(r.code).toBe(1);
    expect(r.out.at(-1)).toMatch(/^Expected head: NOT in the verified log/);
    expect(head).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a first event that does not start from the genesis hash', async () => {
    const dir = seededDir(3);
    tamper(dir, (s) => s.db.prepare('DELETE FROM events WHERE seq = 1').run());
    expect(chainOf(dir).firstBreak).toMatchObject({ seq: 1, reason: 'missing-seq' });
  });

  it('usage and missing-database errors: exit 2 / 1 with one line', async () => {
    expect((await cli(['verify', '--bogus'])).code).toBe(2);
    expect((await cli(['verify', '--expect-head', 'xyz', '--data-dir', tmpDataDir()])).code).toBe(2);
    const none = await cli(['verify', '--data-dir', tmpDataDir()]);
    expect(none.code).toBe(1);
    expect(none.err).toEqual([expect.stringMatching(/^rollcall: There is no Rollcall database in /)]);
  });
});

describe('export and the chain', () => {
  it('refuses on a broken chain and leaves no file; --allow-broken-chain exports and marks the manifest', async () => {
    const dir = seededDir(30);
    tamper(dir, (s) => s.db.prepare(`UPDATE events SET subject = 'someone-else' WHERE seq = 17`).run());
    const outDir = tmpDataDir('rollcall-out-');
    const out = path.join(outDir, 'events.csv');
    const args = ['export', '--data-dir', dir, '--report', 'events', '--from', '2026-01-01', '--to', '2026-01-02', '--out', out];
    const refused = await cli(args);
    expect(refused.code).toBe(1);
    // one error line (besides progress lines on a slow machine)
    const errors = refused.err.filter((l) => !l.startsWith('export: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/hash chain is broken at event 17 \(content-edited\).*Refusing to export/);
    expect(fs.readdirSync(outDir)).toEqual([]);

    const forced = await cli([...args, '--allow-broken-chain', '--json']);
    expect(forced.code).toBe(0);
    expect(forced.err.join('\n')).toMatch(/warning: exported from a BROKEN event log/);
    expect(fs.readdirSync(outDir).sort()).toEqual(['events.csv', 'events.csv.manifest.json']);
    const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8')) as Record<string, never>;
    expect(manifest).toMatchObject({
      report: 'events',
      rows: 30,
      event_log: { chain_check: 'failed', override: true, first_break: { seq: 17, reason: 'content-edited' }, head_seq: 30 },
    });
    expect(createHash('sha256').update(fs.readFileSync(out)).digest('hex')).toBe(manifest.sha256);
  });

  it('an intact chain: the manifest says passed, no override, and names the head `verify` prints', async () => {
    const dir = seededDir(10);
    const out = path.join(tmpDataDir('rollcall-out-'), 'e.csv');
    const r = await cli([
      'export',
      '--data-dir',
      dir,
      '--report',
      'events',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-02',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const { manifest } = JSON.parse(r.out[0]!) as { manifest: { event_log: Record<string, unknown> } };
    expect(manifest.event_log).toMatchObject({ chain_check: 'passed', override: false, first_break: null, head_seq: 10, events: 10 });
    const v = await cli(['verify', '--data-dir', dir, '--expect-head', manifest.event_log.head_hash as string]);
    expect(v.code).toBe(0);
    expect(v.out[0]).toContain(manifest.event_log.head_hash as string);
  });
});
