/**
 * Store benchmark: how fast the hash-chained event log takes events, and how fast the timeline's
 * queries answer on a large log.
 *
 *   npm run bench -- store [events=1000000]
 *
 * Prints events/s for appends (batches of 1,000 in one transaction each, as the SCIM listener and
 * the pollers write them) and the median of 25 runs for the timeline's first page, a deep page, a
 * filtered page and the dashboard numbers. File size and peak RSS at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getDashboard } from '../src/main/analysis/queries';
import { listEvents } from '../src/main/core/queries';
import { Store } from '../src/main/core/store/store';
import type { EventType } from '../src/shared/contract';

const total = Number(process.argv[2] ?? 1_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-store-'));
const store = Store.open(dir);
const now = Date.now();
const types: EventType[] = [
  'user.created',
  'user.updated',
  'group.member_added',
  'group.member_removed',
  'user.deactivated',
  'role.granted',
];

store.write(() => {
  const ins = store.db.prepare(
    `INSERT INTO sources (id, kind, provider, name, app, slug, created_at, updated_at) VALUES (?, 'connection', 'okta', ?, ?, ?, ?, ?)`,
  );
  for (let s = 0; s < 8; s++)
    ins.run(`c${s}`, `App ${s}`, `App ${s}`, `app-${s}`, new Date(now).toISOString(), new Date(now).toISOString());
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const BATCH = 1000;
const batchTimes: number[] = [];
const t0 = performance.now();
for (let done = 0; done < total; done += BATCH) {
  const n = Math.min(BATCH, total - done);
  const batch = Array.from({ length: n }, (_, i) => {
    const k = done + i;
    const at = new Date(now - (total - k) * 1000).toISOString();
    return {
      type: types[k % types.length]!,
      sourceId: `c${k % 8}`,
      accountId: `u${k % 100_000}`,
      subject: `user${k % 100_000}@acme.test`,
      observedAt: at,
      before: { title: 'Engineer' },
      after: { title: 'Senior Engineer' },
    };
  });
  const b0 = performance.now();
  store.write(() => store.events.append(batch));
  batchTimes.push(performance.now() - b0);
  if ((done / BATCH) % 100 === 0) process.stderr.write(`\rappending… ${done.toLocaleString()} / ${total.toLocaleString()}`);
}
const appendSeconds = (performance.now() - t0) / 1000;
process.stderr.write('\n');

function time(label: string, fn: () => unknown, runs = 25): string {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    xs.push(performance.now() - s);
  }
  return `${label.padEnd(44)} median ${median(xs).toFixed(2)} ms (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;
}

const deepCursor = String(Math.floor(total / 2));
console.log(
  `events appended: ${total.toLocaleString()} in ${appendSeconds.toFixed(1)} s = ${Math.round(total / appendSeconds).toLocaleString()} events/s`,
);
console.log(
  `append batch of ${BATCH} (one transaction): median ${median(batchTimes).toFixed(2)} ms, max ${Math.max(...batchTimes).toFixed(2)} ms`,
);
console.log(time('timeline first page (100)', () => listEvents(store.db, { limit: 100 })));
console.log(time('timeline page at the middle (cursor)', () => listEvents(store.db, { limit: 100, cursor: deepCursor })));
console.log(time('timeline filtered: one source', () => listEvents(store.db, { limit: 100, sourceId: 'c3' })));
console.log(time('timeline filtered: type role.granted', () => listEvents(store.db, { limit: 100, types: ['role.granted'] })));
console.log(time('dashboard numbers', () => getDashboard(store.db, new Date(now)), 5));
store.close();
const size = fs.statSync(path.join(dir, 'rollcall.db')).size;
console.log(`database file: ${(size / 1024 / 1024).toFixed(0)} MiB; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
fs.rmSync(dir, { recursive: true, force: true });
