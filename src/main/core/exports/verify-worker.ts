/**
 * Starts the chain check on a worker thread (verify-worker-entry.ts) and resolves with its result.
 */
import { startWorker, workerProgram } from '../worker-thread';
import { VerifyCancelledError, type ChainResult, type IntegrityResult } from './chain';
import type { FromVerifyWorker, VerifyWorkerData } from './verify-worker-entry';

export interface VerifyOnWorkerOptions extends VerifyWorkerData {
  onProgress?: (checked: number, total: number) => void;
  signal?: AbortSignal;
}

export function verifyOnWorker(options: VerifyOnWorkerOptions): Promise<{ chain: ChainResult; integrity: IntegrityResult | null }> {
  const { onProgress, signal, ...data } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VerifyCancelledError());
    const worker = startWorker(workerProgram('chain-verify.js', 'verify-worker-entry.ts', import.meta.url), data);
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => settle(() => reject(new VerifyCancelledError()));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: FromVerifyWorker) => {
      if (m.type === 'progress') onProgress?.(m.checked, m.total);
      else if (m.type === 'done') settle(() => resolve({ chain: m.chain, integrity: m.integrity }));
      else settle(() => reject(new Error(`the event-log check failed: ${m.message}`)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the event-log check stopped (exit code ${code})`))));
  });
}
