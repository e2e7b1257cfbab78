/**
 * Benchmark servers in child processes (through tsx), so the load generator never shares an event
 * loop with what it measures. A child prints `READY <baseUrl> <token>` when it can take requests
 * and exits on SIGTERM; every child still alive when the bench exits is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Running {
  child: ChildProcess;
  baseUrl: string;
  token: string;
  /** The last lines the child printed, shown when it fails. */
  tail: string[];
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

/** Starts `file` (a TypeScript module) with `args`, resolving once it prints its READY line. */
export function startChild(label: string, file: string, opts: { cwd: string; args?: string[]; timeoutMs?: number }): Promise<Running> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...(opts.args ?? [])], {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const tail: string[] = [];
  const keep = (line: string): void => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`no READY line within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${label}: ${why}\n${tail.map((l) => `  | ${l}`).join('\n')}`));
    };
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    let ready = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (ready) return keep(line);
      const m = /^READY (\S+) (\S+)\s*$/.exec(line);
      if (!m) return keep(line);
      ready = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.once('exit', () => live.delete(child));
      resolve({ child, baseUrl: m[1]!, token: m[2]!, tail });
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export function stopChild(running: Running, graceMs = 5_000): Promise<void> {
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
