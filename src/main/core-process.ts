/**
 * Entry of the Electron utility process that hosts the core: the single writer to SQLite and the
 * SCIM listener, off the main thread. Started by src/main/index.ts with the data folder as its
 * argument. The main process then tells it where the SCIM listener should listen (from the
 * settings), and stops or moves it when the user pauses from the tray or changes the address.
 */
import { createCore } from './core/core';
import { PortSecretStore, serveCore, type FromCore, type ListenerTarget, type PortLike, type ToCore } from './core/port-protocol';
import { startListenerAt } from './host/listener-target';
import type { ScimServer } from './scim/server';

type ParentPort = PortLike<ToCore, FromCore>;

async function run(): Promise<void> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (!parentPort) throw new Error('core-process must run as an Electron utility process');
  const [dataDir] = process.argv.slice(2);
  if (!dataDir) throw new Error('core-process: missing data folder argument');
  // Upstream and IdP credentials are encrypted by the main process (safeStorage); the core's
  // pollers and relay ask it through the port.
  const secrets = new PortSecretStore(parentPort);
  const core = createCore({ dataDir, host: 'electron', secrets, analysisOnWorker: true });

  let scim: ScimServer | null = null;
  let queue: Promise<void> = Promise.resolve();
  // One change at a time, in order: a quick pause/resume must not race two listeners.
  const setListener = (target: ListenerTarget): Promise<void> =>
    (queue = queue.then(async () => {
      // No listener target means paused (from the tray): the pollers pause with the relay.
      core.directorySync.setPaused(target === null);
      if (scim) {
        await scim.close();
        scim = null;
        core.setScimOrigin(null);
      }
      let error: string | null = null;
      if (target) {
        // With both TLS paths in the settings, https; an unreadable or unfit certificate is reported
        // like a busy port, as the listener's status.
        const started = await startListenerAt(core, target);
        scim = started.scim;
        error = started.error;
      }
      parentPort.postMessage({ type: 'listener', scimOrigin: scim?.origin ?? null, error });
    }));

  serveCore(
    core,
    parentPort,
    () => {
      void setListener(null)
        .then(() => core.closeGracefully())
        .then(() => process.exit(0));
    },
    { onListener: (target) => void setListener(target), secrets },
  );
  parentPort.postMessage({ type: 'ready', scimOrigin: null });
}

run().catch((err: unknown) => {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  parentPort?.postMessage({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
