/**
 * mergeConcurrent: each source's pages in order, at most N sources open, the first error (or an
 * abort) stops everything and is what the consumer sees.
 */
import { describe, expect, it } from 'vitest';
import { mergeConcurrent } from '../../../src/main/directories/providers/concurrent';

const tick = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Sources that record how many are open and how many pages are being fetched at once. */
function tracked(pagesOf: (id: number) => number, delayOf: (id: number, page: number) => number) {
  const stats = { open: 0, maxOpen: 0, fetching: 0, maxFetching: 0, opened: [] as number[], closed: [] as number[], aborted: 0 };
  async function* source(id: number, signal: AbortSignal): AsyncGenerator<string, void, void> {
    stats.opened.push(id);
    stats.open++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    try {
      for (let p = 0; p < pagesOf(id); p++) {
        stats.fetching++;
        stats.maxFetching = Math.max(stats.maxFetching, stats.fetching);
        try {
          await tick(delayOf(id, p), signal);
        } catch (err) {
          stats.aborted++;
          throw err;
        } finally {
          stats.fetching--;
        }
        yield `${id}:${p}`;
      }
    } finally {
      stats.open--;
      stats.closed.push(id);
    }
  }
  return { stats, source };
}

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('mergeConcurrent', () => {
  it('yields every page, each source in its own order, interleaving sources', async () => {
    // Uneven latencies so that sources overtake each other.
    const { source } = tracked(
      (id) => 1 + (id % 4),
      (id, p) => ((id * 7 + p * 3) % 5) + 1,
    );
    const out = await collect(mergeConcurrent(range(12), source, { concurrency: 4, signal: new AbortController().signal }));
    expect(out).toHaveLength(range(12).reduce((n, id) => n + 1 + (id % 4), 0));
    for (const id of range(12)) {
      const mine = out.filter((x) => x.startsWith(`${id}:`));
      expect(mine).toEqual(range(1 + (id % 4)).map((p) => `${id}:${p}`));
    }
    const sequential = range(12).flatMap((id) => range(1 + (id % 4)).map((p) => `${id}:${p}`));
    expect(out).not.toEqual(sequential); // they did run side by side
    expect([...out].sort()).toEqual([...sequential].sort());
  });

  it('keeps at most N sources open and opens them in item order', async () => {
    const { stats, source } = tracked(
      () => 3,
      (id) => 1 + (id % 3),
    );
    await collect(mergeConcurrent(range(20), source, { concurrency: 3, signal: new AbortController().signal }));
    expect(stats.maxOpen).toBe(3);
    expect(stats.maxFetching).toBe(3);
    expect(stats.opened).toEqual(range(20));
    expect(stats.open).toBe(0);
  });

  it('with N = 1 is the sequential listing', async () => {
    const { stats, source } = tracked(
      () => 2,
      (id) => 3 - (id % 3),
    );
    const out = await collect(mergeConcurrent(range(5), source, { concurrency: 1, signal: new AbortController().signal }));
    expect(out).toEqual(range(5).flatMap((id) => [`${id}:0`, `${id}:1`]));
    expect(stats.maxOpen).toBe(1);
  });

  it('asks a source for its next page only once the consumer took the last one', async () => {
    let asked = 0;
    async function* source(id: number): AsyncGenerator<number, void, void> {
      for (let p = 0; p < 100; p++) {
        asked++;
        yield id * 100 + p;
      }
    }
    const it = mergeConcurrent(range(2), source, { concurrency: 2, signal: new AbortController().signal });
    await it.next();
    await tick(5);
    expect(asked).toBeLessThanOrEqual(3); // the page taken, one waiting per source
    await it.return();
  });

  it('handles no items, empty sources and a concurrency larger than the items', async () => {
    const signal = new AbortController().signal;
    expect(await collect(mergeConcurrent([], () => (async function* () {})(), { concurrency: 4, signal }))).toEqual([]);
    const { source } = tracked(
      (id) => (id === 1 ? 0 : 1),
      () => 1,
    );
    expect((await collect(mergeConcurrent(range(3), source, { concurrency: 16, signal }))).sort()).toEqual(['0:0', '2:0']);
  });

  it('throws the first error, starts no more sources and aborts the ones in flight', async () => {
    const { stats, source } = tracked(
      () => 5,
      (id) => (id === 2 ? 1 : 1000),
    );
    const boom = new Error('page 1 of source 2 is malformed');
    const failing = async function* (id: number, signal: AbortSignal): AsyncGenerator<string, void, void> {
      if (id === 2) {
        await tick(5, signal);
        throw boom;
      }
      yield* source(id, signal);
    };
    const started = Date.now();
    await expect(collect(mergeConcurrent(range(40), failing, { concurrency: 4, signal: new AbortController().signal }))).rejects.toBe(boom);
    expect(Date.now() - started).toBeLessThan(500); // the 1 s pages of 0, 1 and 3 were not waited for
    expect(stats.opened.sort()).toEqual([0, 1, 3]);
    expect(stats.aborted).toBe(3);
    expect(stats.open).toBe(0); // closed before the error reached the consumer
  });

  it('a source that throws while being opened fails the merge', async () => {
    const { stats, source } = tracked(
      () => 1,
      () => 20,
    );
    const open = (id: number, signal: AbortSignal) => {
      if (id === 1) throw new Error('no URL for group 1');
      return source(id, signal);
    };
    await expect(collect(mergeConcurrent(range(5), open, { concurrency: 4, signal: new AbortController().signal }))).rejects.toThrow(
      'no URL for group 1',
    );
    expect(stats.opened).toEqual([0]);
    expect(stats.open).toBe(0);
  });

  it('stops promptly when the outer signal aborts, with its reason', async () => {
    const { stats, source } = tracked(
      () => 10,
      (_id, page) => (page === 0 ? 5 : 1000),
    );
    const controller = new AbortController();
    const reason = new Error('sync cancelled');
    const pages: string[] = [];
    const run = (async () => {
      for await (const p of mergeConcurrent(range(100), source, { concurrency: 4, signal: controller.signal })) pages.push(p);
    })();
    await tick(45);
    const at = Date.now();
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(Date.now() - at).toBeLessThan(500); // not the 1 s the pages in flight take
    expect(pages.length).toBeGreaterThan(0);
    expect(stats.aborted).toBe(4);
    expect(stats.open).toBe(0);
  });

  it('on an abort, throws the error a source raised because of it (e.g. "request … was cancelled")', async () => {
    const controller = new AbortController();
    async function* source(id: number, signal: AbortSignal): AsyncGenerator<number, void, void> {
      try {
        await tick(1000, signal);
      } catch {
        throw new Error(`request for ${id} was cancelled`);
      }
      yield id;
    }
    const run = collect(mergeConcurrent(range(5), source, { concurrency: 2, signal: controller.signal }));
    await tick(10);
    controller.abort();
    await expect(run).rejects.toThrow(/request for [01] was cancelled/);
  });

  it('refuses to start when the signal is already aborted', async () => {
    const { stats, source } = tracked(
      () => 1,
      () => 1,
    );
    const controller = new AbortController();
    controller.abort(new Error('already cancelled'));
    await expect(collect(mergeConcurrent(range(3), source, { concurrency: 2, signal: controller.signal }))).rejects.toThrow(
      'already cancelled',
    );
    expect(stats.opened).toEqual([]);
  });

  it('closes the open sources when the consumer stops early', async () => {
    const { stats, source } = tracked(
      () => 10,
      () => 5,
    );
    for await (const p of mergeConcurrent(range(10), source, { concurrency: 3, signal: new AbortController().signal })) {
      if (p) break;
    }
    expect(stats.open).toBe(0);
    expect(stats.opened).toHaveLength(3);
  });
});
