/**
 * `rollcall demo`: a simulated organisation with months of history and live churn, served like
 * `serve` (src/main/demo/). It never touches the real data folder: it runs in a fresh temporary
 * folder, or in `--data-dir` when that folder is empty or a former demo folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultDataDir } from '../core/paths';
import { DemoFolderError, startDemo } from '../demo/demo';
import { CommandError, type ParsedFlags, parseFlags, listenerFlags, listenerOptions, str, UsageError } from './args';
import type { CliIo } from './main';

export const DEMO_USAGE = `Usage: rollcall demo [options]

Creates a simulated organisation — people in a fake Okta org and a fake Entra ID tenant, four
apps (GitHub, Slack, Loom, Jira) provisioned over SCIM with role maps and seat counts, months of
history — and serves its dashboard with live changes every few seconds, until stopped (Ctrl-C).
Everything goes through Rollcall's real SCIM listener, directory syncs and analysis.

Options:
  --people N           People on day one (default 2000; 20 to 20000)
  --history-days N     Days of history (default 90; 7 to 180)
  --churn-interval S   Seconds between live changes (default 3; 0.2 to 3600)
  --no-churn           No live changes after the history
  --data-dir DIR       Demo folder: must be empty or a former demo folder (default: a new
                       temporary folder). Never your real data folder.
  --scim-host H / --scim-port P   SCIM listener (default 127.0.0.1:8610; 0 picks a free port)
  --ui-host H / --ui-port P       Dashboard (default 127.0.0.1:8620; 0 picks a free port)
  --ui-token T         Dashboard token (default: env ROLLCALL_UI_TOKEN, else a new random one)
  --seed N             Seed of the simulation (same seed, same organisation)
  --json               Print the addresses as one JSON line`;

function number(values: ParsedFlags, name: string, fallback: number, min: number, max: number, integer = true): number {
  const raw = str(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

/** The folder the demo runs in: checked before anything starts. */
function demoFolder(values: ParsedFlags, env: NodeJS.ProcessEnv): string {
  const given = str(values, 'data-dir');
  if (given === undefined) return fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-demo-'));
  if (given.trim() === '') throw new UsageError('--data-dir needs a folder');
  const dir = path.resolve(given);
  // Even empty, the app's own data folder is not for simulated data (the desktop app would open it).
  const real = [defaultDataDir({ ...env, ROLLCALL_DATA_DIR: undefined })];
  if (env.ROLLCALL_DATA_DIR) real.push(path.resolve(env.ROLLCALL_DATA_DIR));
  if (real.includes(dir)) throw new CommandError(`${dir} is Rollcall's real data folder: the demo never runs there. Pick another folder.`);
  return dir;
}

export async function runDemo(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, {
    people: { type: 'string' },
    'history-days': { type: 'string' },
    'churn-interval': { type: 'string' },
    'no-churn': { type: 'boolean' },
    ...listenerFlags,
    seed: { type: 'string' },
  });
  if (values.help) {
    io.stdout(DEMO_USAGE);
    return 0;
  }
  const people = number(values, 'people', 2000, 20, 20_000);
  const historyDays = number(values, 'history-days', 90, 7, 180);
  const churnSeconds = number(values, 'churn-interval', 3, 0.2, 3600, false);
  if (values['no-churn'] && values['churn-interval'] !== undefined)
    throw new UsageError('--no-churn and --churn-interval do not go together');
  const seed = number(values, 'seed', 20_260_101, 0, 2 ** 31 - 1);
  const listen = listenerOptions(values, io.env);
  const dataDir = demoFolder(values, io.env);

  // Ctrl-C while the history is being seeded stops the seeding and closes what was started.
  const seeding = new AbortController();
  let stopSignal: string | null = null;
  void io.stopSignal.then((signal) => {
    stopSignal = signal;
    seeding.abort(new Error(`${signal} received`));
  });
  let demo;
  try {
    demo = await startDemo({
      dataDir,
      people,
      historyDays,
      churnIntervalMs: values['no-churn'] ? null : Math.round(churnSeconds * 1000),
      ...listen,
      staticDir: io.staticDir,
      seed,
      progress: (m) => io.stderr(`rollcall demo: ${m}`),
      signal: seeding.signal,
    });
  } catch (err) {
    if (err instanceof DemoFolderError) throw new CommandError(err.message);
    if (stopSignal !== null) {
      io.stderr(`rollcall: ${stopSignal} received while seeding, stopped`);
      return 0;
    }
    throw err;
  }
  if (values.json) {
    io.stdout(
      JSON.stringify({ scim: demo.scimUrl, dashboard: demo.dashboardUrl, dataDir, people, historyDays, seedMs: Math.round(demo.seedMs) }),
    );
  } else {
    io.stdout(`SCIM: ${demo.scimUrl}`);
    io.stdout(`Dashboard: ${demo.dashboardUrl}`);
    io.stdout(`Data: ${dataDir} (simulated; delete the folder when done)`);
  }
  const signal = await io.stopSignal;
  io.stderr(`rollcall: ${signal} received, shutting down`);
  await demo.stop();
  return 0;
}
