/**
 * Directory ingest benchmark (issue #5): a Graph-shaped directory served by the fake Graph on
 * loopback, in its own process (bench/ingest/graph-server.ts).
 *
 *   npm run bench -- ingest [users=100000] [groups=10000] [memberships=1000000]
 *
 * Prints, in one run:
 * - fetch-only: the Graph provider's full round — the same pages fetched and parsed — with nothing
 *   stored (run before and after the syncs; the median is the yardstick);
 * - first sync (the baseline: state written, no per-object events);
 * - re-sync with no change, as a delta round (what the schedule runs) and as a full reconcile
 *   (every page read again: compared with fetch-only), with the rows written to state;
 * - re-sync after 1% of users changed, with the events it emitted against the changes made;
 * - peak RSS of this process (the sync; the fake has its own) and the longest event-loop block of
 *   this thread during each (perf_hooks.monitorEventLoopDelay). Syncs run as the hosts run them,
 *   on a worker thread with its own connection, so the block is what the thread that answers SCIM
 *   and the UI would see; fetch-only runs on this thread.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Store } from '../src/main/core/store/store';
import { HttpClient } from '../src/main/directories/http';
import { createGraphProvider } from '../src/main/directories/providers/graph';
import type { SyncSummary } from '../src/main/directories/sync';
import { startSyncWorker } from '../src/main/directories/worker';

const [users, groups, memberships] = [process.argv[2] ?? '100000', process.argv[3] ?? '10000', process.argv[4] ?? '1000000'].map(
  Number,
) as [number, number, number];
const here = path.dirname(fileURLToPath(import.meta.url));

// --- the fake, in a child process ------------------------------------------------------------
const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(here, 'ingest', 'graph-server.ts'), String(users), String(groups), String(memberships)],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const lines = readline.createInterface({ input: child.stdout! });
const nextLine = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
const t0 = performance.now();
const fake = JSON.parse(await nextLine()) as { url: string; tenantId: string; clientId: string; clientSecret: string };
process.stderr.write(
  `fake Graph with ${users} users, ${groups} groups, ${memberships} memberships ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-ingest-'));
const store = Store.open(dataDir, { backgroundCheckpoints: true }); // as under serve and in the desktop core
const DIR = 'entra-bench';
store.db
  .prepare(
    `INSERT INTO sources (id, kind, provider, name, config, created_at, updated_at) VALUES (?, 'directory', 'entra', 'Entra (bench)', '{}', ?, ?)`,
  )
  .run(DIR, new Date().toISOString(), new Date().toISOString());

function client() {
  const { provider, auth, httpOptions } = createGraphProvider(
    { tenantId: fake.tenantId, clientId: fake.clientId, authorityUrl: fake.url, graphUrl: fake.url },
    { clientSecret: fake.clientSecret },
  );
  return { provider, http: new HttpClient({ auth, ...httpOptions }) };
}

interface Timed<T> {
  ms: number;
  maxBlockMs: number;
  value: T;
}

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  h.disable();
  return { ms, maxBlockMs: h.max / 1e6, value };
}

async function fetchOnly(): Promise<{ pages: number; records: number; requests: number }> {
  const { provider, http } = client();
  const rounds = provider.sync({ cursor: null, full: true, http, signal: new AbortController().signal, now: () => new Date() });
  let pages = 0;
  let records = 0;
  for (;;) {
    const step = await rounds.next();
    if (step.done) break;
    pages++;
    const p = step.value;
    records += (p.users?.length ?? 0) + (p.groups?.length ?? 0) + (p.members?.length ?? 0);
  }
  return { pages, records, requests: http.requests };
}

/** A sync as the hosts run it: on its own worker thread; this (the core's) thread only waits. */
async function sync(full = false): Promise<SyncSummary> {
  const config = { tenantId: fake.tenantId, clientId: fake.clientId, authorityUrl: fake.url, graphUrl: fake.url };
  return startSyncWorker(
    { dataDir, directoryId: DIR, kind: 'entra', config, secrets: { clientSecret: fake.clientSecret }, trigger: 'cli', full },
    () => {},
  ).done;
}

const stateFingerprint = (): string =>
  JSON.stringify([
    store.db.prepare('SELECT count(*) AS n, sum(version) AS v, max(updated_at) AS u FROM accounts WHERE source_id = ?').get(DIR),
    store.db.prepare('SELECT count(*) AS n, sum(version) AS v, max(updated_at) AS u FROM groups WHERE source_id = ?').get(DIR),
    store.db.prepare('SELECT count(*) AS n, max(last_seen) AS s, count(deleted_at) AS d FROM membership_ids WHERE source_id = ?').get(DIR),
    store.db.prepare('SELECT count(*) AS n FROM events').get(),
  ]);

const fetch1 = await timed(fetchOnly);
process.stderr.write(`fetch-only: ${(fetch1.ms / 1000).toFixed(1)} s\n`);
const first = await timed(() => sync());
process.stderr.write(
  `first sync: ${(first.ms / 1000).toFixed(1)} s (${first.value.status}${first.value.error ? `: ${first.value.error}` : ''})\n`,
);
const rssAfterFirst = process.resourceUsage().maxRSS / 1024;

const before = stateFingerprint();
const deltaNoChange = await timed(() => sync());
const deltaSame = stateFingerprint() === before;
const fullNoChange = await timed(() => sync(true));
const fullSame = stateFingerprint() === before;

child.stdin!.write('change 0.01\n');
const made = JSON.parse(await nextLine()) as { changed: number; kinds: Record<string, number> };
const onePercent = await timed(() => sync());
const emitted = store.db
  .prepare<[number], { type: string; n: number }>('SELECT type, count(*) AS n FROM events WHERE seq > ? GROUP BY type ORDER BY type')
  .all(0);
const fetch2 = await timed(fetchOnly);
const peakRssMb = process.resourceUsage().maxRSS / 1024;

child.stdin!.write('quit\n');
await store.closeGracefully();
const dbBytes = fs.statSync(path.join(dataDir, 'rollcall.db')).size;
fs.rmSync(dataDir, { recursive: true, force: true });

const fetchMs = [fetch1.ms, fetch2.ms].sort((a, b) => a - b);
const fetchRef = (fetchMs[0]! + fetchMs[1]!) / 2;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ratio = (ms: number) => `${(ms / fetchRef).toFixed(2)}×`;
const row = (what: string, t: Timed<SyncSummary> | Timed<unknown>, extra = '') =>
  console.log(`| ${what} | ${s(t.ms)} | ${ratio(t.ms)} | ${t.maxBlockMs.toFixed(0)} ms | ${extra} |`);

console.log(
  `\nIngest: ${users.toLocaleString('en-US')} users, ${groups.toLocaleString('en-US')} groups, ${memberships.toLocaleString('en-US')} memberships (fake Graph on loopback, own process)\n`,
);
console.log('| what | time | vs fetch-only | longest block of the core thread | notes |');
console.log('|---|---|---|---|---|');
console.log(
  `| fetch-only (mean of 2: ${s(fetch1.ms)}, ${s(fetch2.ms)}) | ${s(fetchRef)} | 1.00× | ${Math.max(fetch1.maxBlockMs, fetch2.maxBlockMs).toFixed(0)} ms | ${fetch1.value.pages} pages, ${fetch1.value.requests} requests, ${fetch1.value.records.toLocaleString('en-US')} records |`,
);
row(
  'first sync (baseline)',
  first,
  `${first.value.status}; ${first.value.users} users, ${first.value.groups} groups, ${first.value.memberships} memberships; RSS after: ${rssAfterFirst.toFixed(0)} MB`,
);
row(
  're-sync, no change (delta round)',
  deltaNoChange,
  `${deltaNoChange.value.events} events; accounts, groups, memberships, events unchanged: ${deltaSame ? 'yes' : 'NO'} (only the sync-run record is written)`,
);
row(
  're-sync, no change (full reconcile)',
  fullNoChange,
  `${fullNoChange.value.events} events; accounts, groups, memberships, events unchanged: ${fullSame ? 'yes' : 'NO'} (only the sync-run record is written)`,
);
row(
  're-sync after 1% of users changed (delta round)',
  onePercent,
  `${made.changed} users changed (${JSON.stringify(made.kinds)}); ${onePercent.value.events} events emitted: ${emitted.map((e) => `${e.type} ${e.n}`).join(', ')}; exact: ${onePercent.value.events === made.changed ? 'yes' : 'NO'}`,
);
console.log(`\npeak RSS of the syncing process: ${peakRssMb.toFixed(0)} MB; database after: ${(dbBytes / 2 ** 20).toFixed(0)} MiB`);
