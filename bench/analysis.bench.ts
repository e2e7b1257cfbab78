/**
 * Analysis benchmark: the analysis layer's read models and the Analyzer on a large history.
 *
 *   npm run bench -- analysis [events=1000000] [people=100000] [apps=50] [runs=25]
 *
 * Generates (bench/lib/history.ts, shared with the timeline bench), directly in SQLite (prepared
 * statements in big transactions; the hash chain is the real one: events go through
 * EventLog.append), a year of history: one Okta directory with
 * `people` accounts (its baseline: state, no events), `apps` SCIM connections holding 1–5
 * accounts per person (Editor / Viewer by a `roles[].value` attribute, Admin by an "Admins"
 * group), leavers suspended in Okta and deprovisioned in some apps hours later, and attribute
 * updates until the log holds `events` events. Then:
 *   1. the Analyzer catches up with all of it (printed: total time, chunks, slowest chunk);
 *   2. each query runs `runs` times (p50 / p95 / max): dashboard summary, a 365-day seat series of
 *      every app, audit-trail pages, people searches, a person's detail, deprovisioning stats;
 *   3. 10,000 new events from the write paths' shapes (people leaving, apps deprovisioning, role
 *      changes), then the Analyzer's pass over them (total, chunks, slowest chunk).
 * It prints EXPLAIN QUERY PLAN of every statement each query ran and exits non-zero if any plan
 * scans the events table, or a query's p95 exceeds 50 ms, or the 10,000 events take over 1 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { alertRules } from '../src/main/analysis/alert-rules';
import { Analyzer } from '../src/main/analysis/analyzer';
import { listAlerts } from '../src/main/core/queries';
import * as aq from '../src/main/analysis/queries';
import { Store } from '../src/main/core/store/store';
import { DAY, END, generateHistory, iso, type Planned } from './lib/history';

const [EVENTS, PEOPLE, APPS, RUNS] = [
  process.argv[2] ?? '1000000',
  process.argv[3] ?? '100000',
  process.argv[4] ?? '50',
  process.argv[5] ?? '25',
].map(Number) as [number, number, number, number];
const log = (m: string) => process.stderr.write(`${m}\n`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-analysis-'));
// As under `serve` and the desktop core: WAL checkpoints on a worker thread, not inside a commit.
const store = Store.open(dir, { backgroundCheckpoints: true });
const db = store.db;
// ---------------------------------------------------------------------------------------------
// 1–2. The world and a year of events (bench/lib/history.ts, shared with the timeline bench).

const { appIds, roleIds, groupPk, leaveAt, dirPk, appAccounts, setInactive } = generateHistory(
  store,
  { events: EVENTS, people: PEOPLE, apps: APPS },
  log,
);

// ---------------------------------------------------------------------------------------------
// 3. The Analyzer catches up with the whole history.

let clock = END;
const analyzer = new Analyzer(store, { now: () => new Date(clock) });
type Slowest = { ms: number; commitMs: number; events: number; accounts: number; people: number; roleEvents: number };
function drain(label: string): { ms: number; chunks: number; maxChunk: number; events: number; commitMs: number; slowest: Slowest | null } {
  let slowest: Slowest | null = null;
  const started = performance.now();
  let commitMs = 0;
  let chunks = 0;
  let maxChunk = 0;
  let events = 0;
  while (analyzer.hasWork()) {
    const r = analyzer.runChunk();
    chunks++;
    events += r.events;
    if (r.ms > maxChunk) slowest = r;
    maxChunk = Math.max(maxChunk, r.ms);
    commitMs += r.commitMs;
    if (chunks % 200 === 0) process.stderr.write(`\r${label}: ${events.toLocaleString()} events, ${chunks} chunks…`);
  }
  process.stderr.write('\n');
  return { ms: performance.now() - started, chunks, maxChunk, events, commitMs, slowest };
}
const initial = drain('initial analysis');

// ---------------------------------------------------------------------------------------------
// 4. Query timings and plans.

interface Captured {
  sql: string;
  args: unknown[];
}
let captured: Captured[] | null = null;
const prepare = db.prepare.bind(db);
// Records every statement a query runs (with its arguments) for EXPLAIN QUERY PLAN.
(db as { prepare: Database.Database['prepare'] }).prepare = ((sql: string) => {
  const stmt = prepare(sql);
  const proxy: Database.Statement = new Proxy(stmt, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (captured && (prop === 'all' || prop === 'get' || prop === 'iterate')) captured.push({ sql, args });
        const out = (v as (...a: unknown[]) => unknown).apply(target, args);
        return out === target ? proxy : out;
      };
    },
  });
  return proxy;
}) as Database.Database['prepare'];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
const failures: string[] = [];
const planLines: string[] = [];
function bench(label: string, fn: () => unknown): void {
  captured = [];
  fn();
  const statements = captured;
  captured = null;
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    fn();
    xs.push(performance.now() - s);
  }
  const p95 = pct(xs, 0.95);
  console.log(
    `${label.padEnd(52)} p50 ${pct(xs, 0.5).toFixed(2).padStart(7)} ms   p95 ${p95.toFixed(2).padStart(7)} ms   max ${Math.max(...xs)
      .toFixed(2)
      .padStart(7)} ms`,
  );
  if (p95 > 50) failures.push(`${label}: p95 ${p95.toFixed(1)} ms > 50 ms`);
  planLines.push(`-- ${label}`);
  const seen = new Set<string>();
  for (const { sql, args } of statements) {
    if (seen.has(sql)) continue;
    seen.add(sql);
    const plan = prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(args as [])) as { detail: string }[];
    const aliases = new Set([
      'events',
      ...[...sql.matchAll(/\bevents\s+(?:AS\s+)?([a-z_]\w*)/gi)]
        .map((m) => m[1]!)
        .filter((a) => !/^(WHERE|JOIN|ORDER|GROUP|LIMIT|ON)$/i.test(a)),
    ]);
    planLines.push(`   ${sql.replace(/\s+/g, ' ').slice(0, 160)}`);
    for (const row of plan) {
      planLines.push(`     ${row.detail}`);
      const m = /^SCAN (\w+)/.exec(row.detail);
      if (m && aliases.has(m[1]!) && /\bevents\b/.test(sql))
        failures.push(`${label}: plan scans events: "${row.detail}" in ${sql.replace(/\s+/g, ' ').slice(0, 120)}`);
    }
  }
}

const now = new Date(END);
const someone = appAccounts[Math.floor(appAccounts.length / 2)]!.person;
const personId = db.prepare('SELECT person_id FROM accounts WHERE pk = ?').pluck().get(dirPk[someone]!) as number;
const editorRole = roleIds.get(appIds[7]!)!.editor;
const firstAudit = aq.listAuditTrail(db, { limit: 100 });
let deepCursor = firstAudit.nextCursor!;
for (let i = 0; i < 50; i++) deepCursor = aq.listAuditTrail(db, { limit: 100, cursor: deepCursor }).nextCursor ?? deepCursor;

console.log(
  `\nAnalysis bench: ${EVENTS.toLocaleString()} events, ${PEOPLE.toLocaleString()} people, ${APPS} apps; ${RUNS} runs per query\n`,
);
bench('dashboard summary (getAnalysisSummary)', () => aq.getAnalysisSummary(db, analyzer, now));
bench('dashboard (getDashboard)', () => aq.getDashboard(db, now));
bench(`seat series: 365 days x ${APPS} apps, all roles`, () =>
  aq.getSeatSeries(db, { from: iso(END - 365 * DAY).slice(0, 10), to: iso(END).slice(0, 10) }),
);
bench('seat series: 365 days, role Editor', () =>
  aq.getSeatSeries(db, { from: iso(END - 365 * DAY).slice(0, 10), to: iso(END).slice(0, 10), role: 'Editor' }),
);
bench('current seats (getSeats)', () => aq.getSeats(db));
bench('audit trail: first page (100)', () => aq.listAuditTrail(db, { limit: 100 }));
bench('audit trail: page 51 (cursor)', () => aq.listAuditTrail(db, { limit: 100, cursor: deepCursor }));
bench('audit trail: one app, role events', () =>
  aq.listAuditTrail(db, { limit: 100, sourceId: appIds[3]!, types: ['role.granted', 'role.revoked'] }),
);
bench('audit trail: one role', () => aq.listAuditTrail(db, { limit: 100, roleId: editorRole }));
bench('audit trail: one person', () => aq.listAuditTrail(db, { limit: 100, personId }));
bench('audit trail: a week in March', () =>
  aq.listAuditTrail(db, { limit: 100, from: '2026-03-01T00:00:00Z', to: '2026-03-08T00:00:00Z' }),
);
bench('people search: "user12" (prefix, 1,111 match)', () => aq.searchPeople(db, { limit: 100, query: 'user12' }));
bench('people search: "u" (everyone matches)', () => aq.searchPeople(db, { limit: 100, query: 'u' }));
bench('people list: first page, no query', () => aq.searchPeople(db, { limit: 100 }));
bench('people search: leaving people', () => aq.searchPeople(db, { limit: 100, status: 'leaving' }));
bench('person detail (accounts, groups, roles, 50 events)', () => aq.getPerson(db, { id: personId, eventsLimit: 50 }));
bench('time to deprovision: all apps', () => aq.getDeprovisionStats(db, { openLimit: 100 }, now));
// Pages B (issue #7): the Seats page's idle billed seats, paged over the open-deprovisioning index.
const idleDeep = (() => {
  let c: string | undefined;
  for (let i = 0; i < 20; i++) c = aq.listIdleSeats(db, { limit: 50, billedOnly: true, cursor: c }, now).nextCursor ?? c;
  return c;
})();
bench('idle seats: first page (50), all apps', () => aq.listIdleSeats(db, { limit: 50, billedOnly: true }, now));
bench('idle seats: page 21 (cursor)', () => aq.listIdleSeats(db, { limit: 50, billedOnly: true, cursor: idleDeep }, now));
bench('idle seats: one app', () => aq.listIdleSeats(db, { limit: 50, billedOnly: true, sourceId: appIds[3]! }, now));

// ---------------------------------------------------------------------------------------------
// 5. 10,000 new events, as the write paths would write them, then the Analyzer's pass.

(db as { prepare: Database.Database['prepare'] }).prepare = prepare as Database.Database['prepare'];
const batch: Planned[] = [];
const live = appAccounts.filter((a) => a.deactivatedAt < 0 && leaveAt[a.person]! < 0);
const setRaw = db.prepare('UPDATE accounts SET raw = ?, updated_at = ?, version = version + 1 WHERE pk = ?');
const memberStart = db.prepare(
  `INSERT INTO memberships (group_pk, member_pk, member_type, first_seen) VALUES (?, ?, 'User', ?)
   ON CONFLICT (group_pk, member_pk, member_type) DO UPDATE SET deleted_at = NULL, first_seen = excluded.first_seen`,
);
clock = END + 3_600_000;
const at = iso(clock);
const leaving = new Set<number>();
for (let k = 0; batch.length < 10_000 && k < live.length; k++) {
  const acc = live[(k * 7919) % live.length]!;
  const source = appIds[acc.app]!;
  const subject = `user${acc.person}@acme.test`;
  const accountId = `a${acc.person}-${acc.app}`;
  const r = k % 4;
  if (r === 0 && !leaving.has(acc.person)) {
    // leaves: suspended in Okta, and this app deprovisions
    leaving.add(acc.person);
    const pk = dirPk[acc.person]!;
    batch.push({
      t: clock,
      e: {
        type: 'user.deactivated',
        sourceId: 'okta',
        accountId: `d${acc.person}`,
        subject,
        observedAt: at,
        after: { status: 'suspended' },
      },
      apply: () => setInactive.run('suspended', at, pk),
    });
    batch.push({
      t: clock,
      e: { type: 'user.deactivated', sourceId: source, accountId, subject, observedAt: at, after: { active: false } },
      apply: () => setInactive.run('inactive', at, acc.pk),
    });
  } else if (r === 1) {
    // role change by attribute
    const raw = JSON.stringify({ userName: subject, emails: [{ value: subject }], roles: [{ value: acc.editor ? 'viewer' : 'editor' }] });
    batch.push({
      t: clock,
      e: { type: 'user.updated', sourceId: source, accountId, subject, observedAt: at, before: { roles: [] }, after: { roles: [] } },
      apply: () => setRaw.run(raw, at, acc.pk),
    });
  } else if (r === 2) {
    const g = groupPk.get(source)!;
    batch.push({
      t: clock,
      e: {
        type: 'group.member_added',
        sourceId: source,
        groupId: `g-${source}`,
        accountId,
        subject,
        observedAt: at,
        after: { group: 'Admins' },
      },
      apply: () => memberStart.run(g, acc.pk, at),
    });
  } else {
    batch.push({
      t: clock,
      e: { type: 'user.updated', sourceId: source, accountId, subject, observedAt: at, before: { title: 'A' }, after: { title: 'B' } },
    });
  }
}
// Written as the SCIM listener's group commit does: many small transactions.
for (let i = 0; i < batch.length; i += 50) {
  const slice = batch.slice(i, i + 50);
  store.write(() => {
    for (const p of slice) p.apply?.();
    store.events.append(slice.map((p) => p.e));
  });
}
// The alert rules join here (the catch-up above is the analysis alone): each rule's onBatch runs
// inside the pass's chunks, and its time is counted apart.
let ruleMs = 0;
const ruleTimes = new Map<string, number>();
for (const rule of alertRules()) {
  const timed = <A extends unknown[]>(fn: ((...a: A) => void) | undefined) =>
    fn &&
    ((...a: A) => {
      const t0 = performance.now();
      fn(...a);
      const ms = performance.now() - t0;
      ruleMs += ms;
      ruleTimes.set(rule.name, (ruleTimes.get(rule.name) ?? 0) + ms);
    });
  analyzer.addRule({ name: rule.name, onBatch: timed(rule.onBatch), tick: timed(rule.tick) });
}
const pass = drain('10,000 new events');
const passRuleMs = ruleMs;
const passRuleTimes = [...ruleTimes].map(([n, ms]) => `${n} ${ms.toFixed(0)}`).join(', ');
// One timer evaluation of every rule (SLA expiry, silent sources, one page of each people walk).
ruleTimes.clear();
ruleMs = 0;
const tickTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  analyzer.tick(new Date(clock + 5 * 3_600_000));
  tickTimes.push(performance.now() - t0);
}
const openAlerts = db.prepare("SELECT count(*) FROM alerts WHERE status <> 'resolved'").pluck().get() as number;
bench('alerts: open, newest first', () => listAlerts(db, { limit: 100, statuses: ['open', 'acknowledged'] }));
bench('alerts: one rule', () => listAlerts(db, { limit: 100, rule: 'offboarding_gap' }));

console.log('');
console.log(
  `initial analysis of the whole history: ${(initial.ms / 1000).toFixed(1)} s, ${initial.events.toLocaleString()} events in ${initial.chunks} chunks, slowest chunk ${initial.maxChunk.toFixed(1)} ms`,
);
console.log(
  `analyzer, ${batch.length.toLocaleString()} new events: ${pass.ms.toFixed(0)} ms in ${pass.chunks} chunks (of which COMMIT ${pass.commitMs.toFixed(0)} ms), slowest chunk ${pass.maxChunk.toFixed(1)} ms`,
);
if (pass.slowest) {
  const w = pass.slowest;
  console.log(
    `  slowest chunk: ${w.ms.toFixed(1)} ms (COMMIT ${w.commitMs.toFixed(1)} ms), ${w.events} events, ${w.accounts} accounts, ${w.people} people, ${w.roleEvents} role events written`,
  );
}
console.log(
  `  alert rules inside that pass: ${passRuleMs.toFixed(0)} ms (${passRuleTimes}); open alerts after a tick 5 h later: ${openAlerts.toLocaleString()}`,
);
console.log(
  `  one tick of every rule (SLA, silent sources, a page of each people walk): median ${[...tickTimes].sort((a, b) => a - b)[2]!.toFixed(1)} ms, max ${Math.max(...tickTimes).toFixed(1)} ms`,
);
const roleEvents = db
  .prepare("SELECT count(*) FROM events WHERE type IN ('role.granted', 'role.revoked') AND observed_at = ?")
  .pluck()
  .get(at) as number;
console.log(
  `  role events it wrote: ${roleEvents.toLocaleString()}; open deprovisionings now: ${(db.prepare('SELECT count(*) FROM deprovisions WHERE done_at IS NULL AND cancelled_at IS NULL').pluck().get() as number).toLocaleString()}`,
);
if (pass.ms > 1000) failures.push(`10,000 events took ${pass.ms.toFixed(0)} ms > 1 s`);
if (pass.maxChunk > 50) failures.push(`a chunk of the 10,000-event pass took ${pass.maxChunk.toFixed(1)} ms > 50 ms`);

console.log('\nQuery plans (EXPLAIN QUERY PLAN of every statement each query ran):');
for (const l of planLines) console.log(l);
store.close();
const size = fs.statSync(path.join(dir, 'rollcall.db')).size;
console.log(`\ndatabase file: ${(size / 1024 / 1024).toFixed(0)} MiB; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
fs.rmSync(dir, { recursive: true, force: true });
if (failures.length) {
  console.error(`\nFAILED:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\nAll plans free of event scans, every p95 under 50 ms, the 10,000-event pass under 1 s.');
