/**
 * The core's side of the analysis worker (worker-entry.ts): start it, ask it to run, stop it.
 */
import { startWorker, workerProgram } from '../core/worker-thread';
import type { AnalysisWorkerData, FromAnalysisWorker, ToAnalysisWorker } from './worker-entry';

export interface AnalysisWorker {
  /** Run soon (debounced on the thread). */
  run(delayMs: number): void;
  /** Stops after the chunk in progress (at most `graceMs`, then the thread is terminated). */
  stop(graceMs?: number): Promise<void>;
  terminate(): void;
}

export function startAnalysisWorker(options: AnalysisWorkerData & { log: (message: string) => void; onExit: () => void }): AnalysisWorker {
  const { log, onExit, ...data } = options;
  // The built file beside the bundle (out/main/analysis-worker.js), or the TypeScript source.
  const worker = startWorker(workerProgram('analysis-worker.js', 'worker-entry.ts', import.meta.url), data);
  worker.unref();
  let stopping = false;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      exited = true;
      resolve();
      if (!stopping) {
        log(`rollcall: the analysis thread stopped (exit code ${code}); analysing on the core thread instead`);
        onExit();
      }
    });
  });
  worker.on('message', (m: FromAnalysisWorker) => {
    if (m.type === 'log') log(m.message);
    else if (m.type === 'error') {
      log(`rollcall: the analysis thread failed: ${m.message}`);
      void worker.terminate();
    }
  });
  worker.on('error', (err) => log(`rollcall: the analysis thread failed: ${err.stack ?? err.message}`));
  const post = (m: ToAnalysisWorker) => {
    if (!exited) worker.postMessage(m);
  };
  return {
    run: (delayMs) => post({ type: 'run', delayMs }),
    async stop(graceMs = 5_000) {
      stopping = true;
      if (exited) return;
      post({ type: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), graceMs);
      await exit;
      clearTimeout(timer);
    },
    terminate() {
      stopping = true;
      void worker.terminate();
    },
  };
}
