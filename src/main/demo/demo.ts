/**
 * `rollcall demo`: a simulated organisation served by the real headless host. Starts the fake
 * IdPs and the fake Jira API in this process, starts Rollcall (core + SCIM listener + dashboard) on
 * a simulated clock, replays the history (simulation.ts), switches the clock to real time and keeps
 * the organisation changing every few seconds until stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SCIM_ORIGIN_SETTING } from '../cli/connections';
import { startHeadless, type Headless } from '../host/headless';
import { DemoClock } from './clock';
import { startFakeGraph, type FakeGraph } from './fakes/graph';
import { startFakeOkta, type FakeOkta } from './fakes/okta';
import { startScimApp, type ScimApp } from './fakes/scim-app';
import { JIRA_TOKEN, Simulation, type ChurnStats } from './simulation';

/** The file that marks a folder as the demo's: the demo only ever writes into such a folder (or an empty one). */
export const DEMO_MARKER = 'rollcall-demo.json';

export interface DemoOptions {
  dataDir: string;
  /** People in the organisation on day one (default 2,000). */
  people?: number;
  /** Days of history (default 90). */
  historyDays?: number;
  /** Live churn every this many ms; null: none. */
  churnIntervalMs?: number | null;
  scimHost?: string;
  scimPort?: number;
  uiHost?: string;
  uiPort?: number;
  uiToken?: string;
  staticDir?: string;
  seed?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (message: string) => void;
  /** Aborts the seeding (startDemo then closes what it started and rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface Demo {
  readonly host: Headless;
  readonly simulation: Simulation;
  readonly dataDir: string;
  readonly scimUrl: string;
  readonly dashboardUrl: string;
  /** How long the history took to seed (ms). */
  readonly seedMs: number;
  /** When the clock went live (ms since the epoch): events before are the simulated history. */
  readonly liveAt: number;
  readonly churn: ChurnStats;
  /** Stops the churn, then every server (Rollcall's and the fakes). */
  stop(): Promise<void>;
}

export class DemoFolderError extends Error {}

/**
 * Makes sure `dir` may hold the demo: it does not exist, is empty, or is a former demo folder
 * (marked), whose contents are then cleared. Anything else — a real Rollcall data folder above
 * all — is refused.
 */
export function prepareDemoFolder(dir: string): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new DemoFolderError(`${dir} is not a folder`);
    const entries = fs.readdirSync(dir);
    if (entries.length > 0) {
      if (!entries.includes(DEMO_MARKER)) {
        throw new DemoFolderError(
          `${dir} is not empty and is not a demo folder: the demo never writes into an existing data folder. Pick an empty folder, or leave out --data-dir for a fresh temporary one.`,
        );
      }
      for (const e of entries) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    }
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(
    path.join(dir, DEMO_MARKER),
    `${JSON.stringify({ demo: true, createdAt: new Date().toISOString(), note: 'Simulated data from `rollcall demo`; the folder is cleared when the demo starts here again.' }, null, 2)}\n`,
  );
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const people = options.people ?? 2000;
  const days = options.historyDays ?? 90;
  const progress = options.progress ?? (() => undefined);
  const t0 = performance.now();
  prepareDemoFolder(options.dataDir);
  progress(`simulated data goes to ${options.dataDir}`);

  const clock = new DemoClock(Date.now() - days * 86_400_000);
  const fakeNow = () => clock.ms();
  let okta: FakeOkta | undefined;
  let graph: FakeGraph | undefined;
  let jiraApp: ScimApp | undefined;
  let host: Headless | undefined;
  let simulation: Simulation | undefined;
  const closeAll = async () => {
    simulation?.close();
    await host?.close();
    await Promise.all([okta?.close(), graph?.close(), jiraApp?.close()]);
  };
  try {
    progress('starting the fake Okta org, Entra ID tenant and Jira API');
    // Rate limits of the real services are not what the demo shows: generous quotas.
    okta = await startFakeOkta({ now: fakeNow, rateLimit: { limit: 100_000 } });
    graph = await startFakeGraph({ now: fakeNow });
    jiraApp = await startScimApp({ auth: { kind: 'bearer', token: JIRA_TOKEN } });
    host = await startHeadless({
      dataDir: options.dataDir,
      scimHost: options.scimHost ?? '127.0.0.1',
      scimPort: options.scimPort ?? 8610,
      uiHost: options.uiHost ?? '127.0.0.1',
      uiPort: options.uiPort ?? 8620,
      uiToken: options.uiToken,
      staticDir: options.staticDir,
      now: clock.now,
      scheduleDirectories: false,
    });
    host.core.store.setSetting(SCIM_ORIGIN_SETTING, host.scim.origin);
    const scimUrl = `${host.scim.origin}/scim/v2`;
    const sim = new Simulation({
      core: host.core,
      clock,
      okta,
      graph,
      jiraApp,
      scimBase: scimUrl,
      seed: options.seed ?? 20_260_101,
      log: (m) => progress(m),
    });
    simulation = sim;
    await sim.runHistory({ people, days, progress, signal: options.signal });
    clock.goLive();
    // From here on, the directories are also polled on their schedule (as in `serve`).
    host.core.directorySync.start();
    const seedMs = performance.now() - t0;
    progress(`history ready in ${(seedMs / 1000).toFixed(1)} s: ${sim.eventCount()} events`);

    let timer: NodeJS.Timeout | undefined;
    let step: Promise<void> = Promise.resolve();
    let stopped = false;
    const interval = options.churnIntervalMs ?? null;
    const liveAt = Date.now();
    sim.startLive(interval ?? 3000);
    if (interval !== null) {
      const loop = () => {
        if (stopped) return;
        step = sim
          .churnStep(interval)
          .catch((err: unknown) => progress(`demo: churn step failed: ${err instanceof Error ? err.message : String(err)}`))
          .finally(() => {
            if (!stopped) timer = setTimeout(loop, interval);
          });
      };
      timer = setTimeout(loop, interval);
    }
    const started = host;
    let stopping: Promise<void> | undefined;
    return {
      host: started,
      simulation: sim,
      dataDir: options.dataDir,
      scimUrl,
      dashboardUrl: started.dashboardUrl,
      seedMs,
      liveAt,
      churn: sim.churn,
      stop() {
        stopping ??= (async () => {
          stopped = true;
          clearTimeout(timer);
          await step;
          await closeAll();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}
