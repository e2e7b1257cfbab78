import { z } from 'zod';
import { MAX_MEMBERS_CONCURRENCY } from '../../../shared/contract';

/**
 * Bounded-concurrency merge of per-item page streams (e.g. each group's members, page by page).
 *
 * At most `concurrency` sources are open at once; each has at most one `next()` outstanding, so a
 * source's pages come out in its own order and memory stays bounded (one unconsumed page per open
 * source, plus the page in the consumer's hand). Pages from different sources interleave in the
 * order they complete. A source asks for its next page only once its previous one was taken.
 *
 * The first error (a source throwing, or `signal` aborting) stops new sources from opening, aborts
 * the signal handed to the open ones, waits for their outstanding `next()` to settle, closes them
 * and throws that error (on an abort: the first error a source threw because of it, else the
 * signal's reason). The consumer stopping early (`return()`, a `break` out of `for await`)
 * does the same without an error. Sources must honour the signal they are given, or a failure
 * waits for their current page.
 */
export interface MergeOptions {
  /** Sources open at once (at least 1). */
  concurrency: number;
  /** Cancels the whole merge (e.g. the sync's signal); sources get a signal linked to it. */
  signal: AbortSignal;
}

interface Lane<T> {
  it: AsyncIterator<T>;
  /** The outstanding `next()` (settles into `ready`), or null when none is. */
  pending: Promise<void> | null;
}

type Settled<T> = { lane: Lane<T>; ok: true; result: IteratorResult<T> } | { lane: Lane<T>; ok: false; error: unknown };

export async function* mergeConcurrent<I, T>(
  items: Iterable<I>,
  open: (item: I, signal: AbortSignal) => AsyncIterable<T>,
  options: MergeOptions,
): AsyncGenerator<T, void, void> {
  const limit = Math.max(1, Math.floor(options.concurrency) || 1);
  const outer = options.signal;
  const controller = new AbortController();
  const lanes = new Set<Lane<T>>();
  const ready: Settled<T>[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onAbort = () => {
    controller.abort(outer.reason);
    notify();
  };
  outer.addEventListener('abort', onAbort, { once: true });

  const pull = (lane: Lane<T>) => {
    lane.pending = Promise.resolve()
      .then(() => lane.it.next())
      .then(
        (result) => void ready.push({ lane, ok: true, result }),
        (error: unknown) => void ready.push({ lane, ok: false, error }),
      )
      .finally(notify);
  };

  /** Cancelled: the sources' own errors (e.g. "request … was cancelled") say it best, else the signal's reason. */
  const cancelled = async (): Promise<never> => {
    await Promise.allSettled([...lanes].map((l) => l.pending));
    const failure = ready.find((r) => !r.ok);
    if (failure && !failure.ok) {
      lanes.delete(failure.lane);
      throw failure.error;
    }
    throw abortReason(outer);
  };

  const source = items[Symbol.iterator]();
  let exhausted = false;
  try {
    for (;;) {
      if (outer.aborted) await cancelled();
      // A failure already in hand goes first: no source opens after it.
      const failed = ready.findIndex((r) => !r.ok);
      if (failed >= 0) {
        const settled = ready.splice(failed, 1)[0]!;
        lanes.delete(settled.lane); // it threw: nothing to close
        if (!settled.ok) throw settled.error;
      }
      while (!exhausted && lanes.size < limit) {
        const n = source.next();
        if (n.done) {
          exhausted = true;
          break;
        }
        const lane: Lane<T> = { it: open(n.value, controller.signal)[Symbol.asyncIterator](), pending: null };
        lanes.add(lane);
        pull(lane);
      }
      if (lanes.size === 0) return;
      while (ready.length === 0 && !outer.aborted) await new Promise<void>((resolve) => (wake = resolve));
      if (outer.aborted) await cancelled();
      const settled = ready.shift()!;
      settled.lane.pending = null;
      if (!settled.ok) {
        lanes.delete(settled.lane); // it threw: nothing to close
        throw settled.error;
      }
      if (settled.result.done) {
        lanes.delete(settled.lane);
        continue;
      }
      yield settled.result.value;
      pull(settled.lane);
    }
  } finally {
    outer.removeEventListener('abort', onAbort);
    controller.abort(outer.aborted ? outer.reason : new Error('stopped'));
    // Let the aborted requests settle (their results are dropped), then close what is still open.
    await Promise.allSettled([...lanes].map((l) => l.pending));
    await Promise.allSettled([...lanes].map((l) => l.it.return?.()));
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('cancelled');
}

/** The `membersConcurrency` setting of the providers that list members group by group. */
export const membersConcurrencySchema = z
  .number({ message: `must be a number between 1 and ${MAX_MEMBERS_CONCURRENCY}` })
  .int()
  .min(1)
  .max(MAX_MEMBERS_CONCURRENCY)
  .optional();
