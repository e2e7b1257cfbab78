/**
 * Entry of the Electron utility process that hosts the core: the single writer to SQLite and the
 * SCIM listener, off the main thread. Started by src/main/index.ts with the data folder and the
 * SCIM listener address as arguments.
 */
import { createCore } from './core/core';
import { serveCore, type FromCore, type PortLike, type ToCore } from './core/port-protocol';
import { startScimServer } from './scim/server';

type ParentPort = PortLike<ToCore, FromCore>;

async function run(): Promise<void> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (!parentPort) throw new Error('core-process must run as an Electron utility process');
  const [dataDir, scimHost = '127.0.0.1', scimPort = '8610'] = process.argv.slice(2);
  if (!dataDir) throw new Error('core-process: missing data folder argument');
  const core = createCore({ dataDir, host: 'electron' });
  const scim = await startScimServer({ core, host: scimHost, port: Number(scimPort) });
  serveCore(core, parentPort, () => {
    void scim
      .close()
      .then(() => core.closeGracefully())
      .then(() => process.exit(0));
  });
  parentPort.postMessage({ type: 'ready', scimOrigin: scim.origin });
}

run().catch((err: unknown) => {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  parentPort?.postMessage({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
