/**
 * Group commit: writes that arrive together share one transaction.
 *
 * Each write runs in its own SAVEPOINT inside the batch's IMMEDIATE transaction, so one failing
 * write rolls back alone; the callers hear back only after the COMMIT, so an answered write is as
 * durable as if it had had a transaction of its own. What is saved is the per-transaction cost of
 * writing the WAL, which dominates small writes: under concurrent load one commit carries many
 * requests instead of one. A batch is cut at `maxBatch` jobs to keep each main-thread task short.
 */
import type { Store } from './store';

interface Job {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 64,
  ) {}

  /** Runs `fn` in the next batch; resolves with its result after the batch commits. */
  run<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The store is closing'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Queues a write nobody waits for (e.g. the log row of a read); failures go to `onError`. */
  defer(fn: () => void, onError: (error: unknown) => void): void {
    this.run(fn).catch(onError);
  }

  /** Runs everything queued now, synchronously (used before closing the database). */
  flush(): void {
    while (this.queue.length > 0) this.runBatch();
  }

  close(): void {
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runBatch();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private runBatch(): void {
    const jobs = this.queue.splice(0, this.maxBatch);
    if (jobs.length === 0) return;
    // Optimistic first: all jobs in one transaction with no savepoints (each costs about as much as
    // a small insert). If any job throws, nothing is kept and the batch runs again with one
    // savepoint per job, so the failing job is undone alone. Jobs only touch the database, so
    // running one twice is safe.
    let outcomes = this.attempt(jobs, false);
    if (outcomes === 'retry') outcomes = this.attempt(jobs, true);
    if (outcomes instanceof Error || outcomes === 'retry') {
      // The commit itself failed (disk full, database locked past the busy timeout): nothing of
      // this batch was written, so every caller hears the failure.
      for (const job of jobs) job.reject(outcomes);
      return;
    }
    jobs.forEach((job, i) => {
      const o = (outcomes as Outcome[])[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  }

  private attempt(jobs: Job[], savepoints: boolean): Outcome[] | 'retry' | Error {
    const outcomes: Outcome[] = [];
    try {
      this.store.write(() => {
        for (const job of jobs) {
          if (!savepoints) {
            try {
              outcomes.push({ ok: true, value: job.fn() });
            } catch {
              throw RETRY;
            }
            continue;
          }
          try {
            // A nested better-sqlite3 transaction is a SAVEPOINT: a failure undoes this job only.
            outcomes.push({ ok: true, value: this.store.db.transaction(job.fn)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      if (error === RETRY) return 'retry';
      return error instanceof Error ? error : new Error(String(error));
    }
    return outcomes;
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
const RETRY = Symbol('retry with savepoints');
