/**
 * Timeline benchmark: the Timeline page in Chromium against `rollcall serve` on a database of
 * 1,000,000 events.
 *
 *   npm run build && npm run bench -- timeline [events=1000000] [runs=7] [rowsPerFrame=10]
 *   ROLLCALL_BENCH_DB=/tmp/tl-db npm run bench -- timeline   # keep (and reuse) the generated database
 *
 * 1. Generates the history of the analysis bench (bench/lib/history.ts: a year, 100,000 people,
 *    50 apps) and lets the Analyzer catch up with it, so `serve` starts on a settled database (its
 *    own analysis would otherwise compete with the browser for the CPU).
 * 2. listEvents, for every filter combination the Timeline offers (person, source, type, time range
 *    and their pairs): EXPLAIN QUERY PLAN, and the first page and a page 50 deep timed. Fails if a
 *    plan scans `events` without an index or its primary-key order.
 * 3. Starts `rollcall serve` and Chromium (/usr/bin/chromium, as the e2e tests) and, `runs` times:
 *    - in-app navigation (the app loaded on the Dashboard, then the Timeline link's route) to the
 *      first timeline row in the DOM and painted (the next animation frame after it appeared);
 *    - a page load straight onto #/timeline (navigation start → first row painted);
 *    - scrolling down `rowsPerFrame` rows each frame until row 10,000 is drawn: the time it takes,
 *      and the frame times during it (p50 / p95 / max, frames over 50 ms). Pages are fetched as the
 *      scroll nears the end of what is loaded (500 events per page after the first 100).
 * Prints the median of the runs for each figure; exits non-zero when the median first row takes
 * over 300 ms, or the scroll has a median of more than 2 frames over 50 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from '@playwright/test';
import { Analyzer } from '../src/main/analysis/analyzer';
import { listEvents } from '../src/main/core/queries';
import { Store } from '../src/main/core/store/store';
import { CHROMIUM_ARGS, findChromium, NO_BROWSER_MESSAGE } from '../test/e2e/browser';
import { startServe } from '../test/helpers/cli';
import { END, generateHistory } from './lib/history';

const [EVENTS, RUNS, ROWS_PER_FRAME] = [process.argv[2] ?? '1000000', process.argv[3] ?? '7', process.argv[4] ?? '10'].map(Number) as [
  number,
  number,
  number,
];
const TARGET_ROW = 10_000;
const ROW_HEIGHT = 40; // src/renderer/src/pages/Timeline.tsx
const log = (m: string) => process.stderr.write(`${m}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil(p * xs.length) - 1))]!;

const keep = process.env.ROLLCALL_BENCH_DB;
const dir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-timeline-'));
fs.mkdirSync(dir, { recursive: true });
const failures: string[] = [];

// ---------------------------------------------------------------------------------------------
// 1. The database.

if (fs.existsSync(path.join(dir, 'rollcall.db'))) {
  log(`reusing the database in ${dir}`);
} else {
  const t0 = performance.now();
  const store = Store.open(dir, { backgroundCheckpoints: true });
  generateHistory(store, { events: EVENTS, people: Math.max(1000, Math.round(EVENTS / 10)), apps: 50 }, log);
  const analyzer = new Analyzer(store, { now: () => new Date(END) });
  let chunks = 0;
  while (analyzer.hasWork()) {
    analyzer.runChunk();
    if (++chunks % 200 === 0) process.stderr.write(`\ranalysis: ${chunks} chunks…`);
  }
  process.stderr.write('\n');
  await store.closeGracefully();
  log(`database ready in ${((performance.now() - t0) / 1000).toFixed(0)} s (${dir})`);
}

// ---------------------------------------------------------------------------------------------
// 2. listEvents: plans and timings of every filter combination.

{
  const store = Store.open(dir);
  const db = store.db;
  const total = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  const source = db.prepare("SELECT id FROM sources WHERE kind = 'connection' ORDER BY id LIMIT 1 OFFSET 7").pluck().get() as string;
  // A person with many events (several apps).
  const person = db
    .prepare(
      'SELECT a.person_id FROM accounts a JOIN account_events ae ON ae.account_pk = a.pk WHERE a.person_id IS NOT NULL GROUP BY a.person_id ORDER BY count(*) DESC LIMIT 1',
    )
    .pluck()
    .get() as number;
  const month = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
  const day = { from: '2026-06-10T00:00:00.000Z', to: '2026-06-11T00:00:00.000Z' };
  const combos: [string, Parameters<typeof listEvents>[1]][] = [
    ['no filter', { limit: 100 }],
    ['type user.deactivated', { limit: 100, types: ['user.deactivated'] }],
    ['type user.updated (most events)', { limit: 100, types: ['user.updated'] }],
    ['source (one app)', { limit: 100, sourceId: source }],
    ['person', { limit: 100, personId: person }],
    ['a month', { limit: 100, ...month }],
    ['a day', { limit: 100, ...day }],
    ['source + type', { limit: 100, sourceId: source, types: ['user.deactivated'] }],
    ['source + a month', { limit: 100, sourceId: source, ...month }],
    ['type + a month', { limit: 100, types: ['user.deactivated'], ...month }],
    ['person + type', { limit: 100, personId: person, types: ['user.updated'] }],
    ['person + a month', { limit: 100, personId: person, ...month }],
    ['source + type + a month', { limit: 100, sourceId: source, types: ['user.deactivated'], ...month }],
  ];
  // The SQL listEvents runs, for EXPLAIN (captured from db.prepare).
  const prepare = db.prepare.bind(db);
  let lastSql = '';
  (db as { prepare: typeof db.prepare }).prepare = ((sql: string) => {
    lastSql = sql;
    return prepare(sql);
  }) as typeof db.prepare;
  console.log(`\nlistEvents on ${total.toLocaleString()} events (first page of 100, and page 50 by cursor; median of 9)\n`);
  for (const [label, input] of combos) {
    const firstTimes: number[] = [];
    let page = listEvents(db, input);
    const sql = lastSql;
    for (let i = 0; i < 9; i++) {
      const t = performance.now();
      page = listEvents(db, input);
      firstTimes.push(performance.now() - t);
    }
    let cursor = page.nextCursor;
    for (let i = 0; i < 48 && cursor; i++) cursor = listEvents(db, { ...input, cursor }).nextCursor;
    const deepTimes: number[] = [];
    for (let i = 0; i < 9 && cursor; i++) {
      const t = performance.now();
      listEvents(db, { ...input, cursor });
      deepTimes.push(performance.now() - t);
    }
    const params: Record<string, unknown> = { limit: 101 };
    if (input.sourceId) params.sourceId = input.sourceId;
    if (input.personId) params.personId = input.personId;
    if (input.from) params.from = input.from;
    if (input.to) params.to = input.to;
    input.types?.forEach((t, i) => (params[`type${i}`] = t));
    const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail);
    console.log(
      `${label.padEnd(34)} first ${median(firstTimes).toFixed(2).padStart(7)} ms   page 50 ${deepTimes.length ? `${median(deepTimes).toFixed(2).padStart(7)} ms` : '   (fewer pages)'}   rows ${page.items.length}`,
    );
    for (const d of plan) console.log(`    ${d}`);
    // A scan of events is fine only in primary-key order (newest first, stopped by the LIMIT).
    for (const d of plan) {
      if (/^SCAN e\b/.test(d) && !/^SCAN e$/.test(d) && !/USING (COVERING )?INDEX/.test(d)) failures.push(`${label}: ${d}`);
      if (/^SCAN e$/.test(d) && Object.keys(params).length > 1) failures.push(`${label}: scans events in full order with a filter: ${d}`);
    }
    if (median(firstTimes) > 50) failures.push(`${label}: first page ${median(firstTimes).toFixed(0)} ms > 50 ms`);
  }
  (db as { prepare: typeof db.prepare }).prepare = prepare;
  store.close();
}

// ---------------------------------------------------------------------------------------------
// 3. The page in Chromium.

const executablePath = findChromium();
if (!executablePath) throw new Error(NO_BROWSER_MESSAGE);
const served = await startServe(dir);
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
const cleanup = async () => {
  await browser.close().catch(() => undefined);
  await served.stop();
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
};

interface Run {
  navToRow: number;
  loadToRow: number;
  scrollMs: number;
  frames: number;
  p50: number;
  p95: number;
  max: number;
  long: number;
  /** Main-thread tasks over 50 ms during the scroll, and the longest. */
  tasks: number;
  taskMax: number;
  requests: number;
}

// The in-page code is plain JavaScript text: it runs in Chromium, untouched by the TypeScript
// transform of this file (whose helpers do not exist in the page).

/** In the page: from a hash change (or navigation start) to the first timeline row, painted. */
async function untilFirstRow(page: Page, hash: string | null): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const hash = ${JSON.stringify(hash)};
    const t0 = hash === null ? 0 : performance.now();
    const row = () => document.querySelector('[data-testid="timeline-row"]');
    const done = () => requestAnimationFrame(() => resolve(performance.now() - t0));
    if (hash === null && row()) return done();
    const mo = new MutationObserver(() => {
      if (row()) {
        mo.disconnect();
        done();
      }
    });
    mo.observe(document.body, { childList: true, subtree: true });
    if (hash !== null) location.hash = hash;
  })`);
}

/** In the page: scroll `step` px per frame until row `target` is drawn; the frame times meanwhile. */
async function scrollTo(page: Page, target: number, step: number): Promise<{ ms: number; frames: number[]; tasks: number[] }> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const el = document.querySelector('[data-testid="timeline-scroll"]');
    const frames = [];
    // Main-thread tasks over 50 ms (the page's own work), to tell them from frames the machine's
    // load delayed.
    const tasks = [];
    const lt = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); });
    lt.observe({ type: 'longtask' });
    let t0 = 0;
    let last = 0;
    const tick = (now) => {
      frames.push(now - last);
      last = now;
      if (document.querySelector('[data-index="${target - 1}"] [data-testid="timeline-row"]')) { lt.disconnect(); return resolve({ ms: now - t0, frames, tasks }); }
      if (now - t0 > 120000) return reject(new Error('row ${target} not reached in 120 s (at ' + el.scrollTop + ' px)'));
      el.scrollTop += ${step};
      requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => {
      t0 = last = now;
      el.scrollTop += ${step};
      requestAnimationFrame(tick);
    });
  })`);
}

const runs: Run[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  let requests = 0;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/listEvents')) requests++;
  });
  await page.goto(served.dashboardUrl);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  for (let i = 0; i < RUNS + 1; i++) {
    // In-app navigation from the Dashboard.
    await page.evaluate("location.hash = '#/dashboard'");
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.waitForTimeout(300);
    const navToRow = await untilFirstRow(page, '#/timeline');
    // A page load straight onto the Timeline (the token is remembered for the tab).
    await page.reload();
    const loadToRow = await untilFirstRow(page, null);
    await page.waitForTimeout(300);
    requests = 0;
    const { ms, frames, tasks } = await scrollTo(page, TARGET_ROW, ROWS_PER_FRAME * ROW_HEIGHT);
    const run: Run = {
      navToRow,
      loadToRow,
      scrollMs: ms,
      frames: frames.length,
      p50: pct(frames, 0.5),
      p95: pct(frames, 0.95),
      max: Math.max(...frames),
      long: frames.filter((f) => f > 50).length,
      tasks: tasks.length,
      taskMax: tasks.length ? Math.max(...tasks) : 0,
      requests,
    };
    if (i === 0) {
      log(`warm-up run (not counted): first row ${navToRow.toFixed(0)} ms, scroll ${ms.toFixed(0)} ms`);
      continue;
    }
    runs.push(run);
    log(
      `run ${i}: nav→row ${navToRow.toFixed(0)} ms, load→row ${loadToRow.toFixed(0)} ms, to row ${TARGET_ROW.toLocaleString()} ${ms.toFixed(0)} ms ` +
        `(${frames.length} frames, p50 ${run.p50.toFixed(1)} p95 ${run.p95.toFixed(1)} max ${run.max.toFixed(0)} ms, ${run.long} over 50 ms; ${run.tasks} long tasks, longest ${run.taskMax.toFixed(0)} ms; ${requests} pages)`,
    );
  }
  await context.close();
} finally {
  await cleanup();
}

const m = (f: (r: Run) => number) => median(runs.map(f));
console.log(`\nTimeline in Chromium, median of ${runs.length} runs (after one warm-up), ${EVENTS.toLocaleString()} events, 1440×900:\n`);
console.log(`  navigation (Dashboard → Timeline) → first row painted   ${m((r) => r.navToRow).toFixed(0)} ms`);
console.log(`  page load on #/timeline → first row painted            ${m((r) => r.loadToRow).toFixed(0)} ms`);
console.log(
  `  scroll to row ${TARGET_ROW.toLocaleString()} at ${ROWS_PER_FRAME} rows/frame                  ${m((r) => r.scrollMs).toFixed(0)} ms (${m((r) => r.frames)} frames, ${m((r) => r.requests)} page requests)`,
);
console.log(
  `  frame time during the scroll: p50 ${m((r) => r.p50).toFixed(1)} ms, p95 ${m((r) => r.p95).toFixed(1)} ms, max ${m((r) => r.max).toFixed(0)} ms; frames over 50 ms: ${m((r) => r.long)}`,
);
console.log(
  `  main-thread tasks over 50 ms during the scroll: ${m((r) => r.tasks)} (longest ${m((r) => r.taskMax).toFixed(0)} ms); load average ${os.loadavg()[0]!.toFixed(1)}`,
);
if (m((r) => r.navToRow) > 300) failures.push(`first row after navigation: median ${m((r) => r.navToRow).toFixed(0)} ms > 300 ms`);
if (m((r) => r.long) > 2) failures.push(`scroll: median ${m((r) => r.long)} frames over 50 ms`);
if (failures.length) {
  console.log(`\nFAILED:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
}
