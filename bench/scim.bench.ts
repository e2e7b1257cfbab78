/**
 * SCIM benchmark: an IdP-like load against Rollcall's SCIM service provider in store mode (durable
 * SQLite), against a bare node:http server that parses the JSON and answers (the ceiling), and
 * against SCIMMY (scimmy + scimmy-routers on express, in-memory store): same run, same workload,
 * same client.
 *
 *   npm run bench -- scim [--seconds 10] [--warmup 2] [--targets rollcall,bare,scimmy]
 *                         [--scenarios post,mix] [--concurrency 16] [--json]
 *
 * Prints the machine and date, then one row per target and scenario: requests, req/s, p50 and p99
 * latency in ms, and the errors (any status other than the expected one, by status); then, for the
 * mix, the same figures per operation; then the ratios Rollcall/bare and Rollcall/SCIMMY per
 * scenario and the targets (Rollcall ≥ 25 % of bare and ≥ 10× SCIMMY in req/s, p99 < 20 ms, no
 * errors) with ✓/✗. --json prints all of it as one JSON document instead (progress goes to stderr).
 *
 * Method. Each target runs in its own child process (bench/scim/*-server.ts, through tsx) so that
 * the client never shares an event loop with the server; on a 2-core machine that is one core each.
 * A fresh server is started for every target × scenario, so each starts empty; it prints
 * `READY <baseUrl> <token>` and is killed after its run. The client (bench/scim/client.ts) runs
 * `--concurrency` workers on one keep-alive agent with as many sockets, each issuing requests back
 * to back: a warm-up (not counted; the mix's workers create their groups then), then the measured
 * window. A request counts when it starts inside the window; req/s is those requests over the
 * window plus the tail of the last responses. Latency is from opening the request to the end of the
 * response body. Scenarios: "POST /Users" (creates only) and "mix" (filter-GET before create, POST,
 * PATCH attributes, PATCH active "False" every 5th user, PATCH group members in batches of 100,
 * paged GET every 20 iterations; see client.ts). This is a benchmark, not a test: the machines are
 * shared and noisy, so compare the ratios of one run, not absolute figures across runs.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, stopChild, type Running } from './lib-child';
import { OPS, runLoad, type LoadResult, type Scenario } from './scim/client';

type TargetName = 'rollcall' | 'bare' | 'scimmy';
const TARGETS: Record<TargetName, { label: string; file: string }> = {
  rollcall: { label: 'Rollcall (store)', file: 'rollcall-server.ts' },
  bare: { label: 'bare node:http', file: 'bare-server.ts' },
  scimmy: { label: 'SCIMMY', file: 'scimmy-server.ts' },
};
const SCENARIOS: Record<Scenario, string> = { post: 'POST /Users', mix: 'mix' };
const GOAL = { ofBare: 0.25, overScimmy: 10, p99Ms: 20 };

// --- arguments ------------------------------------------------------------------------------

function usage(message: string): never {
  process.stderr.write(
    `${message}\nUsage: npm run bench -- scim [--seconds N] [--warmup N] [--targets rollcall,bare,scimmy] [--scenarios post,mix] [--concurrency N] [--json]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const opts = {
    seconds: 10,
    warmup: 2,
    concurrency: 16,
    targets: ['rollcall', 'bare', 'scimmy'] as TargetName[],
    scenarios: ['post', 'mix'] as Scenario[],
    json: false,
  };
  const number = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) usage(`${name} needs a number ≥ ${min}`);
    return n;
  };
  const list = <T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T[] => {
    const xs = (v ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = xs.filter((x) => !(allowed as readonly string[]).includes(x));
    if (xs.length === 0 || bad.length) usage(`${name}: unknown ${bad.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
    return [...new Set(xs)] as T[];
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--seconds':
        opts.seconds = number(flag, value(), 0.1);
        break;
      case '--warmup':
        opts.warmup = number(flag, value(), 0);
        break;
      case '--concurrency':
        opts.concurrency = Math.floor(number(flag, value(), 1));
        break;
      case '--targets':
        opts.targets = list(flag, value(), Object.keys(TARGETS) as TargetName[]);
        break;
      case '--scenarios':
        opts.scenarios = list(flag, value(), Object.keys(SCENARIOS) as Scenario[]);
        break;
      case '--json':
        opts.json = true;
        break;
      case '--help':
      case '-h':
        usage('SCIM benchmark.');
        break;
      default:
        usage(`Unknown argument ${argv[i]!}`);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// --- target processes -----------------------------------------------------------------------

const here = path.dirname(fileURLToPath(import.meta.url));
const startTarget = (name: TargetName): Promise<Running> =>
  startChild(TARGETS[name].label, path.join(here, 'scim', TARGETS[name].file), { cwd: path.join(here, '..') });
const stopTarget = (running: Running): Promise<void> => stopChild(running);

// --- the runs -------------------------------------------------------------------------------

interface Row {
  target: TargetName;
  label: string;
  scenario: Scenario;
  result?: LoadResult;
  /** Set when the target could not be run at all (didn't start, crashed). */
  failure?: string;
}

const nonce = randomBytes(4).toString('hex');
const rows: Row[] = [];
const startedAt = new Date();

for (const target of opts.targets) {
  for (const scenario of opts.scenarios) {
    const row: Row = { target, label: TARGETS[target].label, scenario };
    rows.push(row);
    log(`${row.label.padEnd(18)} ${SCENARIOS[scenario].padEnd(12)} starting…`);
    let running: Running | undefined;
    try {
      running = await startTarget(target);
      row.result = await runLoad({
        baseUrl: running.baseUrl,
        token: running.token,
        scenario,
        warmupMs: opts.warmup * 1000,
        durationMs: opts.seconds * 1000,
        concurrency: opts.concurrency,
        nonce: `${nonce}-${target}-${scenario}`,
      });
      if (running.child.exitCode !== null || running.child.signalCode !== null) {
        row.failure = `exited during the run (${running.child.signalCode ?? running.child.exitCode})\n${running.tail.join('\n')}`;
      }
      const r = row.result;
      log(
        `${row.label.padEnd(18)} ${SCENARIOS[scenario].padEnd(12)} ${Math.round(r.rps)} req/s, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errorCount} errors`,
      );
    } catch (err) {
      row.failure = err instanceof Error ? err.message : String(err);
      log(row.failure);
    } finally {
      if (running) await stopTarget(running);
    }
  }
}

// --- report ---------------------------------------------------------------------------------

const find = (target: TargetName, scenario: Scenario): LoadResult | undefined =>
  rows.find((r) => r.target === target && r.scenario === scenario && !r.failure)?.result;

interface Check {
  scenario: Scenario;
  ofBare?: number;
  overScimmy?: number;
  p99Ms?: number;
  errors?: number;
  pass: { ofBare?: boolean; overScimmy?: boolean; p99?: boolean; errors?: boolean };
}

const checks: Check[] = opts.scenarios.map((scenario) => {
  const rc = find('rollcall', scenario);
  const bare = find('bare', scenario);
  const scimmy = find('scimmy', scenario);
  const check: Check = { scenario, pass: {} };
  if (rc && bare && bare.rps > 0) {
    check.ofBare = rc.rps / bare.rps;
    check.pass.ofBare = check.ofBare >= GOAL.ofBare;
  }
  if (rc && scimmy && scimmy.rps > 0) {
    check.overScimmy = rc.rps / scimmy.rps;
    check.pass.overScimmy = check.overScimmy >= GOAL.overScimmy;
  }
  if (rc) {
    check.p99Ms = rc.p99Ms;
    check.pass.p99 = rc.p99Ms < GOAL.p99Ms;
    check.errors = rc.errorCount;
    check.pass.errors = rc.errorCount === 0;
  }
  return check;
});

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  node: process.version,
};

if (opts.json) {
  process.stdout.write(
    `${JSON.stringify(
      {
        date: startedAt.toISOString(),
        machine,
        config: {
          seconds: opts.seconds,
          warmup: opts.warmup,
          concurrency: opts.concurrency,
          targets: opts.targets,
          scenarios: opts.scenarios,
        },
        goals: GOAL,
        results: rows.map((r) => ({
          target: r.target,
          scenario: r.scenario,
          ...(r.failure ? { failure: r.failure } : {}),
          ...(r.result ?? {}),
        })),
        checks,
      },
      null,
      2,
    )}\n`,
  );
} else {
  const out: string[] = [];
  const fmtErrors = (e: Record<string, number>, count: number): string =>
    count === 0
      ? '0'
      : `${count} (${Object.entries(e)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k}×${n}`)
          .join(', ')})`;
  const table = (head: string[], body: string[][], right: number[]): void => {
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    out.push(line(head), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of body) out.push(line(r));
  };
  const ms = (x: number): string => x.toFixed(2);

  out.push(`SCIM benchmark — ${startedAt.toISOString()}`);
  out.push(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.platform}; node ${machine.node}`);
  out.push(
    `load: ${opts.concurrency} concurrent workers, keep-alive; warm-up ${opts.warmup} s, measured ${opts.seconds} s per target and scenario`,
  );
  out.push('');
  table(
    ['target', 'scenario', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
    rows.map((r) =>
      r.result && !r.failure
        ? [
            r.label,
            SCENARIOS[r.scenario],
            String(r.result.requests),
            r.result.rps.toFixed(0),
            ms(r.result.p50Ms),
            ms(r.result.p99Ms),
            fmtErrors(r.result.errors, r.result.errorCount),
          ]
        : [r.label, SCENARIOS[r.scenario], '-', '-', '-', '-', `failed: ${(r.failure ?? 'no result').split('\n')[0]!}`],
    ),
    [2, 3, 4, 5],
  );

  const mixRows = rows.filter((r) => r.scenario === 'mix' && r.result && !r.failure);
  if (mixRows.length) {
    out.push('', 'mix by operation:');
    const body: string[][] = [];
    for (const r of mixRows) {
      for (const op of OPS) {
        const s = r.result!.byOp[op];
        if (s) body.push([r.label, op, String(s.requests), ms(s.p50Ms), ms(s.p99Ms), fmtErrors(s.errors, s.errorCount)]);
      }
    }
    table(['target', 'operation', 'requests', 'p50 ms', 'p99 ms', 'errors'], body, [2, 3, 4]);
  }

  if (opts.targets.includes('rollcall')) {
    out.push(
      '',
      `targets for Rollcall: ≥ ${GOAL.ofBare * 100} % of bare req/s, ≥ ${GOAL.overScimmy}× SCIMMY req/s, p99 < ${GOAL.p99Ms} ms, no errors`,
    );
    const mark = (ok: boolean | undefined): string => (ok === undefined ? '' : ok ? ' ✓' : ' ✗');
    table(
      ['scenario', 'store/bare', 'store/scimmy', 'p99 ms', 'errors'],
      checks.map((c) => [
        SCENARIOS[c.scenario],
        c.ofBare === undefined ? 'n/a' : `${(c.ofBare * 100).toFixed(1)} %${mark(c.pass.ofBare)}`,
        c.overScimmy === undefined ? 'n/a' : `${c.overScimmy.toFixed(2)}×${mark(c.pass.overScimmy)}`,
        c.p99Ms === undefined ? 'n/a' : `${ms(c.p99Ms)}${mark(c.pass.p99)}`,
        c.errors === undefined ? 'n/a' : `${c.errors}${mark(c.pass.errors)}`,
      ]),
      [1, 2, 3, 4],
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
