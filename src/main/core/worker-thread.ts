/**
 * How the core starts its worker threads (a directory sync, the analyzer): the built program beside
 * the bundle (out/main/<name>.js), or else the TypeScript source loaded through tsx's loader,
 * registered in the thread itself (tests and benches run from source).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface WorkerProgram {
  source: string;
  eval: boolean;
  boot?: { file: string; tsxApi: string };
}

/**
 * The program of a worker: `built` is the bundle's file name (e.g. 'analysis-worker.js'), `source`
 * the TypeScript entry relative to `fromUrl` (the caller's import.meta.url).
 */
export function workerProgram(built: string, source: string, fromUrl: string): WorkerProgram {
  const here = path.dirname(fileURLToPath(fromUrl));
  for (const candidate of [path.join(here, built), path.join(here, '..', built)]) {
    if (fs.existsSync(candidate)) return { source: candidate, eval: false };
  }
  const file = path.join(here, source);
  if (!fs.existsSync(file)) throw new Error(`the worker program ${built} is missing from this build`);
  const tsxApi = createRequire(fromUrl)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const boot = `const { workerData, parentPort } = require('node:worker_threads');
import(workerData.boot.tsxApi).then((m) => { m.register(); return import(workerData.boot.file); }).catch((err) => {
  parentPort.postMessage({ type: 'error', message: String((err && err.stack) || err), busy: false });
});`;
  return { source: boot, eval: true, boot: { file: pathToFileURL(file).href, tsxApi: pathToFileURL(tsxApi).href } };
}

/** Starts a worker running `program` with `data` (the program reads `workerData`). */
export function startWorker(program: WorkerProgram, data: object): Worker {
  return new Worker(program.source, { eval: program.eval, workerData: { ...data, boot: program.boot } });
}
