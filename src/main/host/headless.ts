/**
 * The headless host: the core, the SCIM listener and the dashboard listener in one Node process
 * (`rollcall serve`). The Electron utility process runs the same pieces minus the dashboard.
 */
import { randomBytes } from 'node:crypto';
import { createCore, type Core } from '../core/core';
import { startScimServer, type ScimServer } from '../scim/server';
import { startDashboardServer, type DashboardServer } from './dashboard-server';

export interface HeadlessOptions {
  dataDir: string;
  scimHost: string;
  scimPort: number;
  /** PEM certificate and key (see tls-files.ts): the SCIM listener serves https. */
  scimTls?: { cert: string | Buffer; key: string | Buffer };
  uiHost: string;
  uiPort: number;
  uiToken?: string;
  staticDir?: string;
  /**
   * For `rollcall demo`: the clock of the core and the SCIM listener (its simulated history, then
   * real time), and directory syncs on this thread (a clock cannot cross to a worker) that it
   * starts itself. Default: the system clock, syncs on worker threads on their schedule.
   */
  now?: () => Date;
  scheduleDirectories?: boolean;
}

export interface Headless {
  readonly core: Core;
  readonly scim: ScimServer;
  readonly dashboard: DashboardServer;
  readonly token: string;
  /** Dashboard URL with the token in the fragment (never sent to the server by the browser). */
  readonly dashboardUrl: string;
  close(): Promise<void>;
}

export function newDashboardToken(): string {
  return randomBytes(32).toString('base64url');
}

export async function startHeadless(options: HeadlessOptions): Promise<Headless> {
  const token = options.uiToken ?? newDashboardToken();
  const core = createCore({
    dataDir: options.dataDir,
    host: 'headless',
    analysisOnWorker: true,
    now: options.now,
    syncOnWorker: options.now === undefined ? undefined : false,
    scheduleDirectories: options.scheduleDirectories,
  });
  let scim: ScimServer | undefined;
  try {
    scim = await startScimServer({ core, host: options.scimHost, port: options.scimPort, tls: options.scimTls, now: options.now });
    const dashboard = await startDashboardServer({
      core,
      token,
      host: options.uiHost,
      port: options.uiPort,
      staticDir: options.staticDir,
    });
    let closing: Promise<void> | undefined;
    const started = scim;
    return {
      core,
      scim: started,
      dashboard,
      token,
      dashboardUrl: `${dashboard.url}/#token=${encodeURIComponent(token)}`,
      close() {
        closing ??= (async () => {
          await Promise.all([dashboard.close(), started.close()]);
          await core.closeGracefully();
        })();
        return closing;
      },
    };
  } catch (err) {
    await scim?.close();
    core.close();
    throw err;
  }
}
