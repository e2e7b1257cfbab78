/**
 * A directory sync on its own thread (started by DirectorySync, built as out/main/directory-sync.js).
 * The thread opens its own connection to the database, builds the provider from the settings and
 * the credentials the core thread decrypted, runs one round and reports progress and the summary
 * back. Whatever a page costs — parsing a megabyte of JSON, a commit that has to checkpoint the
 * WAL — it costs here, not on the thread that answers SCIM requests and the UI.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SAFETY_AUTOCHECKPOINT_PAGES } from '../core/store/checkpointer';
import { Store } from '../core/store/store';
import { HttpClient } from './http';
import { providerModules } from './providers/index';
import { runSync, SyncBusyError, type SyncProgress, type SyncSummary, type SyncTrigger } from './sync';
import type { DirectoryKind } from './types';

export interface SyncWorkerData {
  dataDir: string;
  directoryId: string;
  kind: DirectoryKind;
  config: unknown;
  secrets: unknown;
  trigger: SyncTrigger;
  full: boolean;
}

export type FromSyncWorker =
  { type: 'progress'; progress: SyncProgress } | { type: 'done'; summary: SyncSummary } | { type: 'error'; message: string; busy: boolean };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('directory sync worker started outside a worker thread');
  const data = workerData as SyncWorkerData;
  const controller = new AbortController();
  port.on('message', (m: unknown) => {
    if (m === 'cancel') controller.abort(new Error('Rollcall is shutting down'));
  });
  const send = (m: FromSyncWorker) => port.postMessage(m);
  let store: Store | undefined;
  try {
    const module = providerModules[data.kind];
    if (!module) throw new Error(`this build has no ${data.kind} provider`);
    const { provider, auth, httpOptions } = module.create(data.config as never, data.secrets as never);
    store = Store.open(data.dataDir);
    // The host that started this thread checkpoints the WAL on its own worker (store/checkpointer.ts);
    // this connection keeps only the same high safety threshold instead of checkpointing inside
    // every few commits.
    store.db.pragma(`wal_autocheckpoint = ${SAFETY_AUTOCHECKPOINT_PAGES}`);
    const summary = await runSync({
      store,
      directoryId: data.directoryId,
      provider,
      http: new HttpClient({ ...httpOptions, auth }),
      trigger: data.trigger,
      full: data.full,
      signal: controller.signal,
      onProgress: (progress) => send({ type: 'progress', progress }),
    });
    send({ type: 'done', summary });
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err), busy: err instanceof SyncBusyError });
  } finally {
    store?.close();
    port.close();
  }
}

void main();
