import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin/rollcall.js');

export function assertBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'out/main/cli.js'))) {
    throw new Error('The app is not built: run "npm run build" (npm test does it first).');
  }
}

export interface Served {
  child: ChildProcess;
  scimUrl: string;
  dashboardUrl: string;
  origin: string;
  token: string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `rollcall serve` on free ports and waits for its two address lines (the readiness marker). */
export function startServe(dataDir: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--scim-port', '0', '--ui-port', '0', ...extraArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 15 s; stderr: ${err}`)), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before starting; stderr: ${err}`));
    });
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const scim = /^SCIM: (\S+)$/m.exec(out);
      const dash = /^Dashboard: (\S+)$/m.exec(out);
      if (scim && dash) {
        clearTimeout(timer);
        const url = new URL(dash[1]!);
        resolve({
          child,
          scimUrl: scim[1]!,
          dashboardUrl: dash[1]!,
          origin: url.origin,
          token: decodeURIComponent(url.hash.replace(/^#token=/, '')),
          stderr: () => err,
          async stop(signal = 'SIGTERM') {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}

/** Runs a short rollcall command to completion. */
export function runRollcall(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
