/**
 * Starts a directory sync on a worker thread (worker-entry.ts) and turns its messages back into
 * progress callbacks and a summary.
 */
import { startWorker, workerProgram } from '../core/worker-thread';
import { SyncBusyError, type SyncProgress, type SyncSummary } from './sync';
import type { FromSyncWorker, SyncWorkerData } from './worker-entry';

export interface SyncWorkerHandle {
  done: Promise<SyncSummary>;
  cancel(): void;
}

export function startSyncWorker(data: SyncWorkerData, onProgress: (p: SyncProgress) => void): SyncWorkerHandle {
  // The built file beside the bundle (out/main/directory-sync.js), or the TypeScript source.
  const worker = startWorker(workerProgram('directory-sync.js', 'worker-entry.ts', import.meta.url), data);
  const done = new Promise<SyncSummary>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (m: FromSyncWorker) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') settle(() => resolve(m.summary));
      else settle(() => reject(m.busy ? new SyncBusyError(data.directoryId, 'another sync') : new Error(m.message)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the directory sync thread stopped (exit code ${code}) before it finished`))),
    );
  });
  return { done, cancel: () => worker.postMessage('cancel') };
}
