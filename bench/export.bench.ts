/**
 * Export benchmark: every report over a year of history at scale.
 *
 *   npm run bench -- export [events=1000000] [people=100000] [apps=50] [runs=3]
 *   npm run bench -- export --reuse DIR [runs=3]     (a data folder a previous run kept)
 *
 * ROLLCALL_BENCH_KEEP=1 keeps the generated data folder (its path is printed) for --reuse.
 *
 * Builds the analysis bench's history (bench/lib/history.ts: one Okta directory, `apps` SCIM apps,
 * leavers, role maps, `events` events through the real hash chain), lets the Analyzer catch up
 * (offboarding, access-changes and seats read what it derives), then exports each report over the
 * whole range `runs` times, each run in its own child process (bench/export-child.ts), once with
 * the hash-chain check on its worker thread (what `rollcall export` does) and once without it.
 * Prints per report the median rows/s, wall time and peak RSS growth (the child's peak RSS minus
 * its RSS before the export; the verify thread's memory is part of the process). Exits non-zero if
 * `events` exports below 300,000 rows/s or any export grows RSS by 100 MB or more.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Analyzer } from '../src/main/analysis/analyzer';
import { REPORTS } from '../src/shared/exports-contract';
import os from 'node:os';
import { Store } from '../src/main/core/store/store';
import { DAY, END, generateHistory, iso, START } from './lib/history';

const reuse = process.argv[2] === '--reuse' ? process.argv[3] : undefined;
const [EVENTS, PEOPLE, APPS, RUNS] = (
  reuse
    ? ['0', '0', '0', process.argv[4] ?? '3']
    : [process.argv[2] ?? '1000000', process.argv[3] ?? '100000', process.argv[4] ?? '50', process.argv[5] ?? '3']
).map(Number) as [number, number, number, number];
const log = (m: string) => process.stderr.write(`${m}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));

let dataDir: string;
if (reuse) {
  dataDir = path.resolve(reuse);
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-export-'));
  // As under `serve` and the desktop core: WAL checkpoints on a worker thread, not inside a commit.
  const store = Store.open(dir, { backgroundCheckpoints: true });
  generateHistory(store, { events: EVENTS, people: PEOPLE, apps: APPS }, log);
  const h = { dir, store };
  const tAnalysis = performance.now();
  const analyzer = new Analyzer(h.store, { now: () => new Date(END) });
  let chunks = 0;
  while (analyzer.hasWork()) {
    analyzer.runChunk();
    if (++chunks % 200 === 0) process.stderr.write(`\ranalysis: ${chunks} chunks…`);
  }
  process.stderr.write('\n');
  log(`analysis caught up in ${((performance.now() - tAnalysis) / 1000).toFixed(1)} s`);
  h.store.close();
  dataDir = h.dir;
}
const keep = reuse !== undefined || process.env.ROLLCALL_BENCH_KEEP === '1';
if (keep) log(`data folder: ${dataDir}`);
const stats = new Database(path.join(dataDir, 'rollcall.db'), { readonly: true });
const total = stats.prepare('SELECT count(*) FROM events').pluck().get() as number;
const people = stats.prepare('SELECT count(*) FROM people').pluck().get() as number;
const apps = stats.prepare("SELECT count(*) FROM sources WHERE kind = 'connection'").pluck().get() as number;
stats.close();

const from = iso(START - DAY);
const to = iso(END + 2 * DAY);
const outDir = fs.mkdtempSync(path.join(dataDir, 'out-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const MB = 1024 * 1024;
const failures: string[] = [];
const table: string[] = [];
for (const report of REPORTS) {
  for (const check of ['worker', 'skip'] as const) {
    const runs: { rows: number; ms: number; cpuMs: number; growth: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'export-child.ts'), dataDir, report, from, to, path.join(outDir, `${report}.csv`), check],
        { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' }, maxBuffer: 1 << 20 },
      );
      if (r.status !== 0) throw new Error(`export ${report} failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        rows: number;
        ms: number;
        cpuMs: number;
        baseRss: number;
        peakRss: number;
      };
      runs.push({ rows: m.rows, ms: m.ms, cpuMs: m.cpuMs, growth: m.peakRss - m.baseRss });
    }
    const rows = runs[0]!.rows;
    const ms = median(runs.map((r) => r.ms));
    const rate = rows / (ms / 1000);
    const cpuRate = rows / (median(runs.map((r) => r.cpuMs)) / 1000);
    const growth = median(runs.map((r) => r.growth)) / MB;
    const maxGrowth = Math.max(...runs.map((r) => r.growth)) / MB;
    const line = `| ${report} | ${check === 'worker' ? 'yes (worker thread)' : 'no'} | ${rows.toLocaleString('en')} | ${(ms / 1000).toFixed(2)} | ${Math.round(rate).toLocaleString('en')} | ${Math.round(cpuRate).toLocaleString('en')} | ${growth.toFixed(1)} (max ${maxGrowth.toFixed(1)}) |`;
    table.push(line);
    log(line);
    if (report === 'events' && rate < 300_000) failures.push(`events with check=${check}: ${Math.round(rate)} rows/s < 300,000`);
    if (maxGrowth >= 100) failures.push(`${report} with check=${check}: RSS grew ${maxGrowth.toFixed(1)} MB`);
  }
}
console.log(
  `\nexport — ${total.toLocaleString('en')} events in the log, ${people.toLocaleString('en')} people, ${apps} apps; medians of ${RUNS} runs`,
);
console.log('| report | chain check | rows | s | rows/s | rows per CPU-s | peak RSS growth MB |');
console.log('|---|---|---|---|---|---|---|');
for (const l of table) console.log(l);
fs.rmSync(outDir, { recursive: true, force: true });
if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
if (failures.length) {
  console.log(`\nFAILED: ${failures.join('; ')}`);
  process.exit(1);
}
