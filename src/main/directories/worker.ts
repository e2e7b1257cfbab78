/**
 * Starts a directory sync on a worker thread (worker-entry.ts) and turns its messages back into
 * progress callbacks and a summary.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SyncBusyError, type SyncProgress, type SyncSummary } from './sync';
import type { FromSyncWorker, SyncWorkerData } from './worker-entry';

/**
 * The worker's program: the built file beside the bundle (out/main/directory-sync.js), or else the
 * TypeScript source, loaded through tsx's loader registered in the thread itself (tests, benches).
 */
function entry(): { source: string; eval: boolean; boot?: { file: string; tsxApi: string } } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, 'directory-sync.js'), path.join(here, '..', 'directory-sync.js')]) {
    if (fs.existsSync(candidate)) return { source: candidate, eval: false };
  }
  const source = path.join(here, 'worker-entry.ts');
  if (!fs.existsSync(source)) throw new Error('the directory sync worker is missing from this build (directory-sync.js)');
  const tsxApi = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const boot = `const { workerData, parentPort } = require('node:worker_threads');
import(workerData.boot.tsxApi).then((m) => { m.register(); return import(workerData.boot.file); }).catch((err) => {
  parentPort.postMessage({ type: 'error', message: String((err && err.stack) || err), busy: false });
});`;
  return { source: boot, eval: true, boot: { file: pathToFileURL(source).href, tsxApi: pathToFileURL(tsxApi).href } };
}

export interface SyncWorkerHandle {
  done: Promise<SyncSummary>;
  cancel(): void;
}

export function startSyncWorker(data: SyncWorkerData, onProgress: (p: SyncProgress) => void): SyncWorkerHandle {
  const e = entry();
  const worker = new Worker(e.source, { eval: e.eval, workerData: { ...data, boot: e.boot } });
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
