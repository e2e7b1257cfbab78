/**
 * Entry of the Electron utility process that hosts the core: the single writer to SQLite and the
 * SCIM listener, off the main thread. Started by src/main/index.ts with the data folder as its
 * argument. The main process then tells it where the SCIM listener should listen (from the
 * settings), and stops or moves it when the user pauses from the tray or changes the address.
 */
import { createCore } from './core/core';
import { PortSecretStore, serveCore, type FromCore, type ListenerTarget, type PortLike, type ToCore } from './core/port-protocol';
import { startScimServer, type ScimServer } from './scim/server';

type ParentPort = PortLike<ToCore, FromCore>;

function describeListenError(err: unknown, target: { host: string; port: number }): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return `${target.host}:${target.port} is already in use`;
  if (code === 'EACCES') return `not allowed to listen on ${target.host}:${target.port}`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `${target.host} is not an address of this computer`;
  return err instanceof Error ? err.message : String(err);
}

async function run(): Promise<void> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (!parentPort) throw new Error('core-process must run as an Electron utility process');
  const [dataDir] = process.argv.slice(2);
  if (!dataDir) throw new Error('core-process: missing data folder argument');
  // Upstream and IdP credentials are encrypted by the main process (safeStorage); the core's
  // pollers and relay ask it through the port.
  const secrets = new PortSecretStore(parentPort);
  const core = createCore({ dataDir, host: 'electron', secrets });

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
      if (target?.tls) {
        error =
          'TLS is configured, but this build’s SCIM listener serves plain HTTP only; clear the certificate and key paths or put a TLS proxy in front';
      } else if (target) {
        try {
          scim = await startScimServer({ core, host: target.host, port: target.port });
        } catch (err) {
          error = describeListenError(err, target);
        }
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
