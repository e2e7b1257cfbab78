/**
 * The Analyzer on its own thread (started by the core, built as out/main/analysis-worker.js), with
 * its own connection to the database and the alert rules. A chunk's work and its COMMIT — which at
 * 100,000 people writes index pages scattered over the whole database and can take longer than the
 * 50 ms the core thread may block — cost here, not on the thread that answers SCIM requests and the
 * UI. The core thread keeps its own Analyzer object for what the API does inside its own
 * transactions (manual links, settings) and asks this thread to run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SAFETY_AUTOCHECKPOINT_PAGES } from '../core/store/checkpointer';
import { Store } from '../core/store/store';
import { alertRules } from './alert-rules';
import { Analyzer } from './analyzer';

export interface AnalysisWorkerData {
  dataDir: string;
  /** How often to look for new events or unanalysed state. */
  pollMs: number;
  /** How often the rules tick. */
  tickMs: number;
}

/** Messages to the thread: run soon, tick now, or stop (after the chunk in progress). */
export type ToAnalysisWorker = { type: 'run'; delayMs: number } | { type: 'tick' } | { type: 'stop' };
export type FromAnalysisWorker = { type: 'log'; message: string } | { type: 'stopped' } | { type: 'error'; message: string };

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('the analysis worker started outside a worker thread');
  const data = workerData as AnalysisWorkerData;
  const send = (m: FromAnalysisWorker) => port.postMessage(m);
  const log = (message: string) => send({ type: 'log', message });
  const store = Store.open(data.dataDir);
  // The core checkpoints the WAL on its own worker; this connection keeps only the safety threshold.
  store.db.pragma(`wal_autocheckpoint = ${SAFETY_AUTOCHECKPOINT_PAGES}`);
  const analyzer = new Analyzer(store, { log });
  for (const rule of alertRules()) analyzer.addRule(rule);
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log(`rollcall: analysis ${what} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };
  const poll = setInterval(() => guard('check', () => analyzer.hasWork() && analyzer.schedule()), data.pollMs);
  const tick = setInterval(() => guard('tick', () => analyzer.tick()), data.tickMs);
  port.on('message', (m: ToAnalysisWorker) => {
    if (m.type === 'run') guard('run', () => analyzer.schedule(m.delayMs));
    else if (m.type === 'tick') guard('tick', () => analyzer.tick());
    else {
      clearInterval(poll);
      clearInterval(tick);
      void analyzer
        .close()
        .catch(() => undefined)
        .then(() => {
          store.close();
          send({ type: 'stopped' });
          port.close();
        });
    }
  });
  analyzer.schedule(0);
}

try {
  main();
} catch (err) {
  parentPort?.postMessage({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
