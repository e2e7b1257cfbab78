/**
 * WAL checkpoints off the main thread.
 *
 * In WAL mode a commit only appends to the -wal file; a checkpoint later copies those pages into
 * the database file and fsyncs it. SQLite's automatic checkpoint runs inside whichever commit
 * crosses the threshold — on the main thread, in the middle of answering a SCIM request, for as
 * long as the fsync takes. Here a worker thread with its own connection runs PASSIVE checkpoints
 * (they never block readers or writers) every `intervalMs`. The main connection keeps an automatic
 * checkpoint at a much higher threshold as a safety net, so the WAL stays bounded even if the
 * worker dies.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Pages (4 KiB) the WAL may grow to before the main connection checkpoints by itself. */
export const SAFETY_AUTOCHECKPOINT_PAGES = 16_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let frames = 0, runs = 0;
const timer = setInterval(() => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    runs++;
    if (r && r.checkpointed > 0) { frames += r.checkpointed; parentPort.postMessage({ runs, frames }); }
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); }
});
`;

export interface CheckpointerStats {
  runs: number;
  frames: number;
  lastError?: string;
}

export class Checkpointer {
  readonly stats: CheckpointerStats = { runs: 0, frames: 0 };
  private readonly worker: Worker;
  private stopped = false;

  constructor(file: string, intervalMs = 200) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    this.worker.on('message', (m: { runs?: number; frames?: number; error?: string }) => {
      if (m.error !== undefined) this.stats.lastError = m.error;
      if (m.runs !== undefined) this.stats.runs = m.runs;
      if (m.frames !== undefined) this.stats.frames = m.frames;
    });
    // A checkpointer that fails to start or dies only costs speed: the safety net takes over.
    this.worker.on('error', (err) => {
      this.stats.lastError = err.message;
    });
    this.worker.unref();
  }

  /** Stops the worker and waits until its connection is closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([exited, timeout]);
    await this.worker.terminate();
  }
}
