/**
 * Runs directory syncs inside the core: on each directory's own interval, and on request (the
 * API's "sync now", the CLI's `rollcall sync`). One sync per directory at a time (a lease in the
 * database also keeps other processes out); one directory failing never stops the others.
 */
import type { Store } from '../core/store/store';
import type { FetchLike } from './http';
import { dueAfter, type Directories } from './registry';
import { runSync, SyncBusyError, type SyncProgress, type SyncSummary, type SyncTrigger } from './sync';
import { startSyncWorker } from './worker';

export interface DirectorySyncOptions {
  /** Called for every progress step of every sync (the core forwards it to the push stream). */
  onProgress?: (progress: SyncProgress) => void;
  log?: (message: string) => void;
  now?: () => Date;
  fetch?: FetchLike;
  /** How often the scheduler looks for due directories (default 30 s). */
  tickMs?: number;
  /**
   * Run each sync on its own worker thread with its own database connection (the hosts do: the
   * core thread also answers SCIM and the UI). Off, syncs run on the calling thread — the CLI, and
   * tests that inject `fetch` or providers, which cannot cross to another thread.
   */
  thread?: boolean;
}

interface LastRun {
  started_at: string;
  status: string;
}

export class DirectorySync {
  private readonly running = new Map<string, { cancel: () => void; done: Promise<SyncSummary> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private paused = false;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    private readonly directories: Directories,
    private readonly options: DirectorySyncOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Starts the schedule (the first check runs soon after start, not at once). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 30_000);
    this.timer.unref();
  }

  /** The next time a directory is due: its last run's start plus its interval (now if it never ran). */
  nextSyncAt(directoryId: string, intervalMinutes: number): Date {
    const last = this.store.db
      .prepare<[string], LastRun>('SELECT started_at, status FROM directory_syncs WHERE source_id = ? ORDER BY id DESC LIMIT 1')
      .get(directoryId);
    return last ? dueAfter(last.started_at, intervalMinutes) : this.now();
  }

  /**
   * Pauses the schedule (the desktop tray's "pause relay and pollers"): no new scheduled syncs
   * start; a sync already running finishes; "sync now" still works.
   */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  /** Starts every due, unpaused directory that is not already syncing. */
  tick(): void {
    if (this.stopped || this.paused) return;
    let list;
    try {
      list = this.directories.list();
    } catch (err) {
      this.log(`directory schedule: ${String(err)}`);
      return;
    }
    for (const d of list) {
      if (d.paused || this.running.has(d.id)) continue;
      if (this.nextSyncAt(d.id, d.intervalMinutes).getTime() > this.now().getTime()) continue;
      this.start1(d.id, 'schedule', false).catch((err: unknown) => {
        if (!(err instanceof SyncBusyError)) this.log(`directory ${d.name}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
  }

  /**
   * Starts a sync and returns its id once it has taken the lease; the returned `done` settles
   * with the summary. Throws SyncBusyError if the directory is already syncing.
   */
  async begin(directoryId: string, trigger: SyncTrigger, full = false): Promise<{ syncId: number; done: Promise<SyncSummary> }> {
    if (this.running.has(directoryId)) {
      throw new SyncBusyError(directoryId, 'a moment ago');
    }
    let resolveId!: (id: number) => void;
    const idKnown = new Promise<number>((resolve) => (resolveId = resolve));
    const done = this.start1(directoryId, trigger, full, (id) => resolveId(id));
    // Either the sync starts (id known) or it fails before taking the lease (done rejects).
    const syncId = await Promise.race([idKnown, done.then((s) => s.syncId)]);
    return { syncId, done };
  }

  /** Runs one sync to the end. */
  async syncNow(directoryId: string, trigger: SyncTrigger, full = false): Promise<SyncSummary> {
    return (await this.begin(directoryId, trigger, full)).done;
  }

  private start1(directoryId: string, trigger: SyncTrigger, full: boolean, onStarted?: (syncId: number) => void): Promise<SyncSummary> {
    const controller = new AbortController();
    let cancelThread: (() => void) | undefined;
    let announced = false;
    const onProgress = (p: SyncProgress) => {
      if (!announced) {
        announced = true;
        onStarted?.(p.syncId);
      }
      this.options.onProgress?.(p);
    };
    const done = (async () => {
      if (this.options.thread) {
        const { directory, config, secrets } = await this.directories.credentials(directoryId);
        if (controller.signal.aborted) throw new Error('Rollcall is shutting down');
        const handle = startSyncWorker(
          { dataDir: this.store.dataDir, directoryId, kind: directory.kind, config, secrets, trigger, full },
          onProgress,
        );
        cancelThread = handle.cancel;
        return handle.done;
      }
      const { provider, http } = await this.directories.open(directoryId, { fetch: this.options.fetch });
      return runSync({
        store: this.store,
        directoryId,
        provider,
        http,
        trigger,
        full,
        signal: controller.signal,
        now: this.now,
        onProgress,
      });
    })().finally(() => {
      if (this.running.get(directoryId)?.done === done) this.running.delete(directoryId);
    });
    this.running.set(directoryId, {
      cancel: () => {
        controller.abort(new Error('Rollcall is shutting down'));
        cancelThread?.();
      },
      done,
    });
    return done;
  }

  isRunning(directoryId: string): boolean {
    return this.running.has(directoryId);
  }

  /** Cancels running syncs (they record `cancelled`) and waits for them to finish writing. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const pending = [...this.running.values()];
    for (const r of pending) r.cancel();
    await Promise.allSettled(pending.map((r) => r.done));
  }

  private log(message: string): void {
    (this.options.log ?? console.error)(`rollcall: ${message}`);
  }
}
