/**
 * Shared pieces of the export tests: a data folder with a small event log written through the
 * real EventLog (the real hash chain), the CLI run in process, and tampering as an attacker with
 * SQLite access would do it (the append-only triggers dropped first).
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { runCli, type CliIo } from '../../../src/main/cli/main';
import { eventHash, type NewEvent } from '../../../src/main/core/store/events';
import { Store } from '../../../src/main/core/store/store';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';

export function seededDir(count = 20, extra: (i: number) => Partial<NewEvent> = () => ({})): string {
  const dir = tmpDataDir('rollcall-export-');
  const store = Store.open(dir);
  insertSource(store, { id: 'slack', kind: 'connection', name: 'Slack conn', app: 'Slack', slug: 'slack' });
  store.write(() =>
    store.events.append(
      Array.from({ length: count }, (_, i) => ({
        type: 'user.updated' as const,
        sourceId: 'slack',
        accountId: `u${i}`,
        subject: `user${i}@acme.test`,
        observedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        before: { title: 'A' },
        after: { title: `B${i}` },
        ...extra(i),
      })),
    ),
  );
  store.close();
  return dir;
}

/** Runs SQL against the data folder's database with the append-only triggers gone (tampering). */
export function tamper(dir: string, sql: (store: Store) => void): void {
  const store = Store.open(dir);
  store.db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
  sql(store);
  store.close();
}

/** Rewrites one event's content and recomputes its own hash (a careful attacker). */
export function rewriteWithHash(store: Store, seq: number, after: string): void {
  const row = store.db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as Record<string, unknown>;
  const changed = { ...row, after };
  const hash = eventHash(changed as unknown as Parameters<typeof eventHash>[0]);
  store.db.prepare('UPDATE events SET after = ?, hash = ? WHERE seq = ?').run(after, hash, seq);
}

export async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: {},
    stopSignal: new Promise<string>(() => {}),
    staticDir: '/nonexistent',
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

export function readCsv(file: string): { header: string[]; rows: string[][]; raw: Buffer } {
  const raw = fs.readFileSync(file);
  const records = parse(raw, { bom: true, relax_column_count: false }) as string[][];
  return { header: records[0]!, rows: records.slice(1), raw };
}
