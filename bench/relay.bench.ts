/**
 * Relay benchmark: the SCIM benchmark's mixed IdP workload (bench/scim/client.ts, scenario "mix")
 * sent (a) directly to a fast in-memory app SCIM server, (b) through a bare node:http forwarding
 * proxy (bench/relay/bare-proxy.ts: the floor of any extra hop on this machine) and (c) through
 * Rollcall's relay, in one run: requests/s, p50 and p99 for each, the latency each adds and its
 * share of the direct throughput.
 *
 *   npm run bench -- relay [--seconds 10] [--warmup 2] [--concurrency 16,1] [--rounds 3] [--json]
 *
 * Each concurrency is measured on its own: at 16 workers (the SCIM benchmark's load) every path is
 * saturated, so latency there is mostly queueing and throughput is the figure that matters; at 1
 * worker nothing queues, so the latency the relay adds to one request shows.
 *
 * Method. The app (bench/relay/app-server.ts) and Rollcall (bench/relay/relay-server.ts, the
 * headless host with one relay connection created through the API) each run in their own child
 * process; the client runs here. Every run starts a fresh app (and a fresh Rollcall with an empty
 * database), so both paths begin empty. Rounds alternate direct and relay; figures are the medians
 * over rounds, with every round listed. Through the relay each request is forwarded on a kept-alive
 * connection and recorded (exchange row; for writes also the mirror and its events) before a write
 * is answered. On a 2-core machine the client, the relay and the app share the two cores: compare
 * the ratios of one run, not absolute figures across runs.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, stopChild, type Running } from './lib-child';
import { runLoad, type LoadResult } from './scim/client';

const GOAL = { addedP50Ms: 1, addedP99Ms: 5, ofDirect: 0.8 };

function usage(message: string): never {
  process.stderr.write(
    `${message}\nUsage: npm run bench -- relay [--seconds N] [--warmup N] [--concurrency N[,N…]] [--rounds N] [--json]\n`,
  );
  process.exit(2);
}

const opts = { seconds: 10, warmup: 2, concurrency: [16, 1], rounds: 3, json: false };
{
  const argv = process.argv.slice(2);
  const number = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) usage(`${name} needs a number ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--seconds') opts.seconds = number(flag, value(), 0.1);
    else if (flag === '--warmup') opts.warmup = number(flag, value(), 0);
    else if (flag === '--concurrency') {
      const v = value();
      opts.concurrency = (v ?? '').split(',').map((x) => Math.floor(number(flag, x.trim(), 1)));
    } else if (flag === '--rounds') opts.rounds = Math.floor(number(flag, value(), 1));
    else if (flag === '--json') opts.json = true;
    else if (flag === '--help' || flag === '-h') usage('Relay benchmark.');
    else usage(`Unknown argument ${argv[i]!}`);
  }
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const nonce = randomBytes(4).toString('hex');
const startedAt = new Date();

type Path = 'direct' | 'proxy' | 'relay';
const PATHS: readonly Path[] = ['direct', 'proxy', 'relay'];
const runs: { path: Path; concurrency: number; round: number; result: LoadResult }[] = [];

async function once(which: Path, concurrency: number, round: number): Promise<LoadResult> {
  const started: Running[] = [];
  try {
    const app = await startChild('app', path.join(here, 'relay', 'app-server.ts'), { cwd: root });
    started.push(app);
    let target = app;
    if (which !== 'direct') {
      process.env.UPSTREAM_TOKEN = app.token;
      const file = which === 'relay' ? 'relay-server.ts' : 'bare-proxy.ts';
      target = await startChild(which === 'relay' ? 'Rollcall relay' : 'bare proxy', path.join(here, 'relay', file), {
        cwd: root,
        args: [app.baseUrl],
      });
      delete process.env.UPSTREAM_TOKEN;
      started.push(target);
    }
    return await runLoad({
      baseUrl: target.baseUrl,
      token: target.token,
      scenario: 'mix',
      warmupMs: opts.warmup * 1000,
      durationMs: opts.seconds * 1000,
      concurrency,
      nonce: `${nonce}-${which}-${concurrency}-${round}`,
    });
  } finally {
    for (const r of started.reverse()) await stopChild(r);
  }
}

for (const concurrency of opts.concurrency) {
  for (let round = 1; round <= opts.rounds; round++) {
    for (const which of PATHS) {
      log(`concurrency ${concurrency}, round ${round}: ${which}…`);
      const result = await once(which, concurrency, round);
      runs.push({ path: which, concurrency, round, result });
      log(
        `concurrency ${concurrency}, round ${round}: ${which} ${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${result.errorCount} errors`,
      );
    }
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Medians per path, and the relay's cost as the median of per-round differences (adjacent in time). */
function summarise(concurrency: number) {
  const of = (p: Path) => runs.filter((r) => r.path === p && r.concurrency === concurrency).map((r) => r.result);
  const summary = (p: Path) => {
    const rs = of(p);
    return {
      rps: median(rs.map((r) => r.rps)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      errors: rs.reduce((n, r) => n + r.errorCount, 0),
    };
  };
  const d = of('direct');
  const cost = (p: Path) => {
    const x = of(p);
    const perRound = d.map((dr, i) => ({
      addedP50Ms: x[i]!.p50Ms - dr.p50Ms,
      addedP99Ms: x[i]!.p99Ms - dr.p99Ms,
      ofDirect: x[i]!.rps / dr.rps,
    }));
    return {
      p50Ms: median(perRound.map((v) => v.addedP50Ms)),
      p99Ms: median(perRound.map((v) => v.addedP99Ms)),
      ofDirect: median(perRound.map((v) => v.ofDirect)),
    };
  };
  return {
    concurrency,
    direct: summary('direct'),
    proxy: summary('proxy'),
    relay: summary('relay'),
    /** What a bare forwarding proxy adds: the floor of any extra hop here. */
    proxyAdded: cost('proxy'),
    added: cost('relay'),
  };
}
const summaries = opts.concurrency.map(summarise);
// Latency targets are judged without queueing (the lowest concurrency), throughput under load (the highest).
const unloaded = summaries.reduce((a, b) => (b.concurrency < a.concurrency ? b : a));
const loaded = summaries.reduce((a, b) => (b.concurrency > a.concurrency ? b : a));
const pass = {
  p50: unloaded.added.p50Ms < GOAL.addedP50Ms,
  p99: unloaded.added.p99Ms < GOAL.addedP99Ms,
  throughput: loaded.added.ofDirect >= GOAL.ofDirect,
};
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
};

if (opts.json) {
  process.stdout.write(
    `${JSON.stringify({ date: startedAt.toISOString(), machine, config: opts, goals: GOAL, runs, summaries, pass }, null, 2)}\n`,
  );
} else {
  const ms = (x: number): string => x.toFixed(2);
  const mark = (ok: boolean): string => (ok ? '✓' : '✗');
  const out = [
    `Relay benchmark — ${startedAt.toISOString()}`,
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB; node ${machine.node}`,
    `load: SCIM mix, keep-alive; warm-up ${opts.warmup} s, measured ${opts.seconds} s; ${opts.rounds} rounds per concurrency`,
    '',
    'paths: direct = client → app; proxy = client → bare node:http proxy → app (the floor of one more hop); relay = client → Rollcall → app',
    '',
    'workers  round  path    req/s   p50 ms  p99 ms  errors',
    ...runs.map(
      (r) =>
        `${String(r.concurrency).padStart(7)}  ${String(r.round).padStart(5)}  ${r.path.padEnd(6)} ${r.result.rps.toFixed(0).padStart(6)}  ${ms(r.result.p50Ms).padStart(6)}  ${ms(r.result.p99Ms).padStart(6)}  ${r.result.errorCount}`,
    ),
  ];
  for (const s of summaries) {
    out.push(
      '',
      `${s.concurrency} worker${s.concurrency === 1 ? '' : 's'} (medians):`,
      `  direct ${s.direct.rps.toFixed(0)} req/s, p50 ${ms(s.direct.p50Ms)} ms, p99 ${ms(s.direct.p99Ms)} ms, ${s.direct.errors} errors`,
      `  proxy  ${s.proxy.rps.toFixed(0)} req/s, p50 ${ms(s.proxy.p50Ms)} ms, p99 ${ms(s.proxy.p99Ms)} ms, ${s.proxy.errors} errors`,
      `  relay  ${s.relay.rps.toFixed(0)} req/s, p50 ${ms(s.relay.p50Ms)} ms, p99 ${ms(s.relay.p99Ms)} ms, ${s.relay.errors} errors`,
      `  added by a bare proxy: p50 +${ms(s.proxyAdded.p50Ms)} ms, p99 +${ms(s.proxyAdded.p99Ms)} ms; throughput ${(s.proxyAdded.ofDirect * 100).toFixed(1)} % of direct`,
      `  added by the relay:    p50 +${ms(s.added.p50Ms)} ms, p99 +${ms(s.added.p99Ms)} ms; throughput ${(s.added.ofDirect * 100).toFixed(1)} % of direct`,
    );
  }
  out.push(
    '',
    'targets:',
    `  added p50 < ${GOAL.addedP50Ms} ms at ${unloaded.concurrency} worker(s): +${ms(unloaded.added.p50Ms)} ms ${mark(pass.p50)}`,
    `  added p99 < ${GOAL.addedP99Ms} ms at ${unloaded.concurrency} worker(s): +${ms(unloaded.added.p99Ms)} ms ${mark(pass.p99)}`,
    `  throughput ≥ ${GOAL.ofDirect * 100} % of direct at ${loaded.concurrency} workers: ${(loaded.added.ofDirect * 100).toFixed(1)} % ${mark(pass.throughput)}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
