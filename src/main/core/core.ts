/**
 * The Rollcall core: store + API handlers + push stream. The same program runs in the Electron
 * utility process and in `rollcall serve`; it never imports `electron`.
 */
import { settingsSchema, type PushMessage, type Settings } from '../../shared/contract';
import { alertRules } from '../analysis/alert-rules';
import { Analyzer } from '../analysis/analyzer';
import { startAnalysisWorker } from '../analysis/worker';
import { correlationSettingsSchema } from '../analysis/correlation';
import * as aq from '../analysis/queries';
import { providerModules as builtInProviders } from '../directories/providers/index';
import { Directories, type ProviderModules } from '../directories/registry';
import { DirectorySync } from '../directories/service';
import { SyncBusyError } from '../directories/sync';
import type { FetchLike } from '../directories/http';
import { openUpstreamClient, splitUpstream, UpstreamError, type UpstreamClient } from '../relay/upstream';
import * as alerts from './alerts';
import { Connections } from './connections';
import { ConflictError, InvalidInputError, NotFoundError, createDispatch, zodIssues, type Dispatch, type Handlers } from './dispatch';
import { KeyFileSecretStore, type SecretStore } from './secrets/secret-store';
import * as q from './queries';
import { Store } from './store/store';
import { APP_VERSION } from './version';
import { ExportService } from './exports/service';
// Timeline and Dashboard (issue #7, ui-a)
import * as uq from './ui-queries';

export interface CoreOptions {
  dataDir: string;
  host: 'electron' | 'headless';
  /** How often the push stream looks for events written by this or another process. */
  pollIntervalMs?: number;
  now?: () => Date;
  log?: (message: string) => void;
  /** WAL checkpoints on a worker thread (default true; see store/checkpointer.ts). */
  backgroundCheckpoints?: boolean;
  /** Where credentials are sealed (default: the key file beside the database). */
  secrets?: SecretStore;
  /** Directory providers (default: the built-in ones; tests pass their own). */
  providers?: ProviderModules;
  /** The HTTP transport of the pollers (default: Node's fetch). */
  fetch?: FetchLike;
  /** Poll directories on their intervals (default true). The CLI's one-shot commands turn it off. */
  scheduleDirectories?: boolean;
  /**
   * Run directory syncs on worker threads (default: yes, unless `fetch` or `providers` were
   * injected, which cannot cross threads).
   */
  syncOnWorker?: boolean;
  /**
   * Run the analysis layer by itself (default true): shortly after new events or state appear, and
   * on a timer. Tests pass false and call `core.analyzer.runUntilIdle()` when they want it.
   */
  analysis?: boolean;
  /** How often the analyzer's rules get their `tick` (default 60 s). */
  analysisTickMs?: number;
  /**
   * Run the automatic analysis on a worker thread with its own connection (the hosts turn it on:
   * `serve` and the desktop core); a chunk's commit then never blocks this thread. Default false,
   * so tests and one-shot commands do not start a thread; ignored when `now` is injected (a clock
   * cannot cross threads) or `analysis` is false.
   */
  analysisOnWorker?: boolean;
}

export interface Core {
  readonly store: Store;
  /** Where upstream and IdP credentials are sealed. */
  readonly secrets: SecretStore;
  readonly connections: Connections;
  readonly directories: Directories;
  readonly directorySync: DirectorySync;
  readonly dispatch: Dispatch;
  /** People, roles, seats, deprovisioning; rules plug in with `analyzer.addRule`. */
  readonly analyzer: Analyzer;
  /** Exports started through the API (issue #8); the dashboard's download route reads their files. */
  readonly exports: ExportService;
  onPush(listener: (message: PushMessage) => void): () => void;
  /** Publishes a push message to every subscriber (used by the listeners and pollers). */
  push(message: PushMessage): void;
  setScimOrigin(origin: string | null): void;
  close(): void;
  /** close(), after the checkpoint worker has stopped (the WAL file is tidied on the last close). */
  closeGracefully(): Promise<void>;
}

export function createCore(options: CoreOptions): Core {
  const store = Store.open(options.dataDir, { backgroundCheckpoints: options.backgroundCheckpoints ?? true });
  const now = options.now ?? (() => new Date());
  let scimOrigin: string | null = null;
  const listeners = new Set<(message: PushMessage) => void>();
  const connections = new Connections(store);
  const secrets = options.secrets ?? KeyFileSecretStore.open(options.dataDir);
  const directories = new Directories(store, secrets, options.providers ?? builtInProviders);
  const directorySync = new DirectorySync(store, directories, {
    now,
    fetch: options.fetch,
    thread: options.syncOnWorker ?? (options.fetch === undefined && options.providers === undefined),
    log: options.log,
    onProgress: (p) => {
      push({ kind: 'sync.progress', ...p });
      // A baseline writes state without events: the analyzer finds it by its unanalysed accounts.
      if (analysisAuto && (p.phase === 'done' || p.phase === 'failed')) analyzer.schedule();
    },
  });
  const analysisAuto = options.analysis ?? true;
  const log = options.log ?? ((m: string) => console.error(m));
  const analyzer = new Analyzer(store, { now, log: options.log });
  for (const rule of alertRules()) analyzer.addRule(rule);
  const analysisWorker =
    analysisAuto && options.analysisOnWorker === true && options.now === undefined
      ? startAnalysisWorker({
          dataDir: store.dataDir,
          pollMs: options.pollIntervalMs ?? 500,
          tickMs: options.analysisTickMs ?? 60_000,
          log,
          // The thread died: the analysis goes on here, as without a worker.
          onExit: () => {
            analyzer.delegate = null;
            startLocalAnalysis();
          },
        })
      : null;
  if (analysisWorker) analyzer.delegate = (delayMs) => analysisWorker.run(delayMs);
  const directoryView = (id: string) => {
    const d = q.listSources(store.db, scimOrigin).directories.find((x) => x.id === id);
    if (!d) throw new Error(`directory ${id} vanished`);
    return d;
  };
  const connectionView = (id: string) => {
    const c = q.listSources(store.db, scimOrigin).connections.find((x) => x.id === id);
    if (!c) throw new Error(`connection ${id} vanished`);
    return c;
  };

  // Exports (issue #8)
  const exportService = new ExportService(store.dataDir, (m) => push(m), now, log);

  const handlers: Handlers = {
    getAppInfo: () => ({
      version: APP_VERSION,
      dataDir: store.dataDir,
      schemaVersion: store.schemaVersion,
      scimOrigin,
      host: options.host,
    }),
    getDashboard: () => aq.getDashboard(store.db, now()),
    listEvents: (input) => q.listEvents(store.db, input),
    listAlerts: (input) => q.listAlerts(store.db, input, now()),
    getAlert: (input) => alerts.getAlert(store.db, input.id, now()),
    updateAlerts: (input) => alerts.updateAlerts(store, input, now()),
    addAlertNote: (input) => alerts.addAlertNote(store, input, now()),
    getAlertSettings: () => alerts.readAlertSettings(store),
    updateAlertSettings: (input) => alerts.updateAlertSettings(store, input),
    listPeople: (input) => aq.listPeople(store.db, input),
    getSeats: () => aq.getSeats(store.db),
    listSources: () => q.listSources(store.db, scimOrigin),
    createConnection: async (input) => {
      const { upstream, ...rest } = input;
      let relay;
      if (upstream) {
        const split = splitUpstream(upstream);
        relay = { stored: split.stored, sealed: await secrets.encrypt(JSON.stringify(split.secrets)) };
      }
      const created = connections.add({ ...rest, upstream: relay });
      push({ kind: 'sources.changed' });
      return { connection: connectionView(created.id), token: created.token };
    },
    testConnection: async (input) => testUpstream(connections.get(input.id), store, secrets),
    removeConnection: (input) => {
      const removed = connections.remove(input.id);
      push({ kind: 'sources.changed' });
      return { id: removed.id };
    },
    rotateConnectionToken: (input) => {
      const rotated = connections.rotateToken(input.id);
      push({ kind: 'sources.changed' });
      return { connection: connectionView(rotated.id), token: rotated.token };
    },
    createDirectory: async (input) => {
      const created = await directories.add({
        kind: input.kind,
        name: input.name,
        config: input.settings,
        secrets: input.credentials,
        intervalMinutes: input.intervalMinutes,
      });
      push({ kind: 'sources.changed' });
      return { directory: directoryView(created.id) };
    },
    removeDirectory: (input) => {
      const removed = directories.remove(input.id);
      push({ kind: 'sources.changed' });
      return { id: removed.id };
    },
    testDirectory: async (input) => {
      try {
        const { provider, http } = await directories.open(input.id, { fetch: options.fetch, http: { retries: 1, timeoutMs: 15_000 } });
        return { ok: true, message: await provider.test(http, AbortSignal.timeout(30_000)) };
      } catch (err) {
        if (err instanceof NotFoundError) throw err;
        return { ok: false, message: err instanceof Error ? err.message : String(err) };
      }
    },
    syncDirectory: async (input) => {
      try {
        const { syncId, done } = await directorySync.begin(input.id, 'manual', input.full ?? false);
        done.finally(() => push({ kind: 'sources.changed' })).catch(() => undefined);
        return { syncId };
      } catch (err) {
        if (err instanceof SyncBusyError) throw new ConflictError(err.message);
        throw err;
      }
    },
    getSettings: () => readSettings(store),
    updateSettings: (input) => {
      const current = readSettings(store);
      const scimListener = input.scimListener ? { ...current.scimListener, ...input.scimListener } : undefined;
      if (scimListener && (scimListener.tlsCertPath === null) !== (scimListener.tlsKeyPath === null)) {
        throw new ConflictError('TLS needs both a certificate and a key file (or neither)');
      }
      store.write(() => {
        if (input.theme !== undefined) store.setSetting('theme', input.theme);
        for (const key of ['startAtLogin', 'keepRunningInBackground', 'allowPlaintextSecrets'] as const) {
          if (input[key] !== undefined) store.setSetting(key, JSON.stringify(input[key]));
        }
        if (scimListener) store.setSetting('scimListener', JSON.stringify(scimListener));
        if (input.windowBounds !== undefined) store.setSetting('windowBounds', JSON.stringify(input.windowBounds));
      });
      return readSettings(store);
    },
    // The desktop shell answers this call itself (it can open a file manager); the core cannot.
    revealDataFolder: () => ({
      revealed: false,
      message: `Only the desktop app can open folders; the data folder is ${store.dataDir}`,
    }),
    // Analysis (issue #6)
    searchPeople: (input) => aq.searchPeople(store.db, input),
    getPerson: (input) => aq.getPerson(store.db, input),
    linkAccount: (input) => aq.linkAccount(store, analyzer, input, now().toISOString()),
    unlinkAccount: (input) => aq.unlinkAccount(store, analyzer, input, now().toISOString()),
    listAuditTrail: (input) => aq.listAuditTrail(store.db, input),
    getSeatSeries: (input) => aq.getSeatSeries(store.db, input),
    getDeprovisionStats: (input) => aq.getDeprovisionStats(store.db, input, now()),
    getAnalysisSummary: () => aq.getAnalysisSummary(store.db, analyzer, now()),
    getRoleMap: (input) => aq.getRoleMap(store.db, input.sourceId),
    setRoleMap: (input) => aq.setRoleMap(store, analyzer, input, now().toISOString()),
    getCorrelationSettings: () => analyzer.getCorrelationSettings(),
    setCorrelationSettings: (input) => {
      const parsed = correlationSettingsSchema.safeParse(input);
      if (!parsed.success) throw new InvalidInputError('Invalid correlation settings', zodIssues(parsed.error));
      analyzer.setCorrelationSettings(parsed.data);
      return analyzer.getCorrelationSettings();
    },
    // Pages B (issue #7)
    listIdleSeats: (input) => aq.listIdleSeats(store.db, input, now()),
    // Exports (issue #8)
    startExport: (input) => exportService.start(input),
    cancelExport: (input) => exportService.cancel(input.exportId),
    getExport: (input) => exportService.get(input.exportId),
    // The desktop shell answers this itself (native save dialog); here the file is downloaded instead.
    saveExport: (input) => {
      exportService.files(input.exportId);
      return {
        saved: false,
        path: null,
        message: `Download the file from /api/exports/${input.exportId}/file (only the desktop app shows a save dialog)`,
      };
    },
    verifyEventLog: () => exportService.verify(),
    // Timeline and Dashboard (issue #7, ui-a)
    getEvent: (input) => uq.getEvent(store.db, input.seq),
    getSourceHealth: () => uq.getSourceHealth(store.db, now()),
  };

  const push = (message: PushMessage): void => {
    for (const l of listeners) {
      try {
        l(message);
      } catch (err) {
        (options.log ?? console.error)(`rollcall: push listener failed: ${String(err)}`);
      }
    }
  };

  // New events reach the UI whichever process wrote them (this one, the CLI, another serve):
  // a cheap primary-key lookup on a timer, only while someone listens.
  // Alerts the same way, whoever opened them: each new alert goes out once (the desktop app
  // notifies for the high-severity ones) and the open high-severity count when it changes.
  let lastSeq = q.maxEventSeq(store.db);
  let lastAlertId = q.maxAlertId(store.db);
  let lastOpenHigh = q.openHighAlerts(store.db);
  const timer = setInterval(() => {
    if (listeners.size === 0) {
      lastSeq = q.maxEventSeq(store.db);
      lastAlertId = q.maxAlertId(store.db);
      lastOpenHigh = q.openHighAlerts(store.db);
      return;
    }
    const opened = q.alertsAfter(store.db, lastAlertId, 1000);
    if (opened.length > 0) {
      lastAlertId = opened[opened.length - 1]!.id;
      push({ kind: 'alerts.opened', alerts: opened });
    }
    const openHigh = q.openHighAlerts(store.db);
    if (openHigh !== lastOpenHigh) {
      lastOpenHigh = openHigh;
      push({ kind: 'alerts.changed', openHigh });
    }
    for (;;) {
      const batch = q.eventsAfter(store.db, lastSeq, 500);
      if (batch.length === 0) break;
      lastSeq = batch[batch.length - 1]!.seq;
      push({ kind: 'events.appended', events: batch });
      if (batch.length < 500) break;
    }
  }, options.pollIntervalMs ?? 500);
  timer.unref();

  // The analyzer runs shortly after new events (this process's or another's) or unanalysed state
  // appear — a cheap read-only check on the push stream's interval — and its rules tick on a timer;
  // on the analysis worker when there is one (it has its own timers), else here.
  const analysisTimers: NodeJS.Timeout[] = [];
  let closing = false;
  function startLocalAnalysis(): void {
    if (closing || analysisTimers.length > 0) return;
    const check = setInterval(() => {
      try {
        if (analyzer.hasWork()) analyzer.schedule();
      } catch (err) {
        log(`rollcall: analysis check failed: ${String(err)}`);
      }
    }, options.pollIntervalMs ?? 500);
    const tick = setInterval(() => {
      try {
        analyzer.tick(now());
      } catch (err) {
        log(`rollcall: analysis tick failed: ${String(err)}`);
      }
    }, options.analysisTickMs ?? 60_000);
    for (const t of [check, tick]) {
      t.unref();
      analysisTimers.push(t);
    }
    analyzer.schedule(0);
  }
  if (analysisAuto && !analysisWorker) startLocalAnalysis();

  if (options.scheduleDirectories ?? true) directorySync.start();

  return {
    store,
    secrets,
    connections,
    directories,
    directorySync,
    dispatch: createDispatch(handlers, options.log),
    analyzer,
    exports: exportService,
    onPush(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push,
    setScimOrigin(origin) {
      scimOrigin = origin;
    },
    close() {
      closing = true;
      void exportService.close();
      clearInterval(timer);
      for (const t of analysisTimers) clearInterval(t);
      analysisWorker?.terminate();
      analyzer.stop();
      listeners.clear();
      void directorySync.stop();
      store.close();
    },
    async closeGracefully() {
      closing = true;
      await exportService.close();
      clearInterval(timer);
      for (const t of analysisTimers) clearInterval(t);
      await analysisWorker?.stop();
      await analyzer.close();
      await directorySync.stop();
      listeners.clear();
      await store.closeGracefully();
    },
  };
}

/**
 * Calls a relay connection's ServiceProviderConfig with its stored credentials: the admin learns
 * at setup, not at the first deprovisioning, that the URL, the certificate or the token is wrong.
 */
export async function testUpstream(
  connection: ReturnType<Connections['get']>,
  store: Store,
  secrets: SecretStore,
): Promise<{ ok: boolean; message: string; status: number | null; latencyMs: number | null }> {
  if (!connection.upstream) {
    return { ok: true, message: 'This connection stores what the IdP sends (no upstream to test).', status: null, latencyMs: null };
  }
  let client: UpstreamClient;
  try {
    client = await openUpstreamClient(store.db, secrets, connection.id, connection.upstream);
  } catch (err) {
    return {
      ok: false,
      message: `Cannot call the app: ${err instanceof Error ? err.message : String(err)}.`,
      status: null,
      latencyMs: null,
    };
  }
  try {
    const answer = await client.send({
      method: 'GET',
      path: '/ServiceProviderConfig',
      query: null,
      headers: { accept: 'application/scim+json, application/json' },
      body: null,
    });
    const latencyMs = Math.round(answer.latencyMs * 10) / 10;
    let schemas: unknown;
    try {
      schemas = (JSON.parse(answer.body.toString('utf8')) as { schemas?: unknown }).schemas;
    } catch {
      schemas = undefined;
    }
    if (answer.status === 401 || answer.status === 403) {
      return { ok: false, message: `The app refused the credentials (${answer.status}).`, status: answer.status, latencyMs };
    }
    if (answer.status !== 200) {
      return { ok: false, message: `The app answered ${answer.status} for /ServiceProviderConfig.`, status: answer.status, latencyMs };
    }
    if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.endsWith(':ServiceProviderConfig'))) {
      return {
        ok: false,
        message: 'The app answered 200, but not with a SCIM ServiceProviderConfig: check the base URL.',
        status: 200,
        latencyMs,
      };
    }
    return { ok: true, message: `The app answered its ServiceProviderConfig in ${latencyMs} ms.`, status: 200, latencyMs };
  } catch (err) {
    const message = err instanceof UpstreamError ? err.message : String(err);
    return { ok: false, message: `The app could not be reached: ${message}`, status: null, latencyMs: null };
  } finally {
    client.close();
  }
}

/**
 * Settings as stored (one JSON value per key in `settings`), each parsed on its own: a value
 * that no longer parses (hand-edited, older build) falls back to its default instead of failing.
 */
function readSettings(store: Store): Settings {
  const stored = (key: string): unknown => {
    const raw = store.getSetting(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  };
  const theme = store.getSetting('theme');
  const field = <K extends keyof Settings>(key: K): Settings[K] | undefined => {
    const parsed = settingsSchema.shape[key].safeParse(stored(key));
    return parsed.success ? (parsed.data as Settings[K]) : undefined;
  };
  return settingsSchema.parse({
    theme: theme === 'light' || theme === 'dark' ? theme : 'system',
    startAtLogin: field('startAtLogin'),
    keepRunningInBackground: field('keepRunningInBackground'),
    allowPlaintextSecrets: field('allowPlaintextSecrets'),
    scimListener: field('scimListener'),
    windowBounds: field('windowBounds'),
  });
}
