/**
 * The floor under a first sync: how long SQLite alone takes to store a large directory's
 * memberships in Rollcall's schema, with nothing else in the loop (no HTTP, no parsing, no diff).
 *
 *   npm run bench -- memberships [memberships=1000000] [users=100000] [groups=10000] [rounds=3]
 *
 * Opens a real data folder (all migrations), adds one directory with the users and groups, then
 * inserts the memberships — grouped by group, members in random order, as a directory lists them —
 * with the sync engine's own upsert (core/store/memberships.ts), in transactions of 30,000 rows (about what a baseline
 * transaction holds on this machine). Repeats in a fresh folder `rounds` times and prints each time
 * and the median, in seconds and microseconds per membership. Compare with `npm run bench -- ingest`
 * (fetch-only and first sync) of the same size: a first sync cannot take less than fetching plus
 * this, unless the two overlap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { membershipStatements } from '../src/main/core/store/memberships';
import { Store } from '../src/main/core/store/store';

const [memberships, users, groups, rounds] = [
  process.argv[2] ?? '1000000',
  process.argv[3] ?? '100000',
  process.argv[4] ?? '10000',
  process.argv[5] ?? '3',
].map(Number) as [number, number, number, number];
const TRANSACTION_ROWS = 30_000;

/** A deterministic generator, so that every round inserts the same memberships. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function once(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-memberships-'));
  const store = Store.open(dir, { backgroundCheckpoints: true });
  try {
    const db = store.db;
    const now = new Date().toISOString();
    db.prepare(
      `INSERT INTO sources (id, kind, provider, name, config, created_at, updated_at) VALUES ('d', 'directory', 'entra', 'bench', '{}', ?, ?)`,
    ).run(now, now);
    const addUser = db.prepare(
      `INSERT INTO accounts (source_id, id, user_name, raw, created_at, updated_at, first_seen, last_seen) VALUES ('d', ?, ?, '{}', ?, ?, ?, ?)`,
    );
    const addGroup = db.prepare(
      `INSERT INTO groups (source_id, id, display_name, raw, created_at, updated_at, first_seen, last_seen) VALUES ('d', ?, ?, '{}', ?, ?, ?, ?)`,
    );
    const userPks: number[] = [];
    const groupPks: number[] = [];
    store.write(() => {
      for (let i = 0; i < users; i++) userPks.push(Number(addUser.run(`u${i}`, `u${i}@example.com`, now, now, now, now).lastInsertRowid));
      for (let i = 0; i < groups; i++) groupPks.push(Number(addGroup.run(`g${i}`, `Group ${i}`, now, now, now, now).lastInsertRowid));
    });
    // Members per group drawn at random without repeats, groups in listing order.
    const rand = lcg(42);
    const rows: [number, number][] = [];
    const perGroup = Math.max(1, Math.round(memberships / groups));
    for (let g = 0; g < groups && rows.length < memberships; g++) {
      const members = new Set<number>();
      while (members.size < Math.min(perGroup, users)) members.add(Math.floor(rand() * users));
      for (const u of members) rows.push([groupPks[g]!, userPks[u]!]);
    }
    // The statement the sync engine runs for each membership.
    const add = membershipStatements(db).start;
    const started = performance.now();
    for (let i = 0; i < rows.length; i += TRANSACTION_ROWS) {
      const chunk = rows.slice(i, i + TRANSACTION_ROWS);
      store.write(() => {
        for (const [g, m] of chunk) add.run(g, m, 'User', now);
      });
    }
    return (performance.now() - started) / 1000;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const times: number[] = [];
for (let r = 0; r < rounds; r++) {
  times.push(once());
  process.stderr.write(`round ${r + 1}: ${times.at(-1)!.toFixed(2)} s\n`);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
process.stdout.write(
  `memberships: ${memberships.toLocaleString('en')} into ${groups.toLocaleString('en')} groups of ${users.toLocaleString('en')} users, ` +
    `transactions of ${TRANSACTION_ROWS.toLocaleString('en')}\n` +
    `times: ${times.map((t) => t.toFixed(2)).join(' · ')} s; median ${median.toFixed(2)} s = ${((median * 1e6) / memberships).toFixed(1)} µs per membership\n`,
);
