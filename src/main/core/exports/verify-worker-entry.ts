/**
 * The hash-chain check on its own thread (built as out/main/chain-verify.js), with its own
 * read-only connection: over a million events it costs seconds of hashing, which must not block the
 * core thread, and an export runs it while it writes its file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../store/db';
import { quickCheck, verifyChain, type ChainResult, type IntegrityResult } from './chain';

export interface VerifyWorkerData {
  dataDir: string;
  upToSeq?: number;
  integrity: boolean;
}

export type FromVerifyWorker =
  | { type: 'progress'; checked: number; total: number }
  | { type: 'done'; chain: ChainResult; integrity: IntegrityResult | null }
  | { type: 'error'; message: string };

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('the verify worker started outside a worker thread');
  const data = workerData as VerifyWorkerData;
  let db;
  try {
    db = openDatabase(data.dataDir, { readonly: true });
    // One sequential pass: a small page cache keeps the thread's memory flat (the default 64 MiB
    // would fill with pages read once).
    db.pragma('cache_size = -8192');
    const chain = verifyChain(db, {
      upToSeq: data.upToSeq,
      onProgress: (checked, total) => port.postMessage({ type: 'progress', checked, total } satisfies FromVerifyWorker),
    });
    const integrity = data.integrity ? quickCheck(db) : null;
    port.postMessage({ type: 'done', chain, integrity } satisfies FromVerifyWorker);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromVerifyWorker);
  } finally {
    db?.close();
  }
}

main();
