/**
 * Rollcall for bench/scim.bench.ts: the headless host (`rollcall serve`'s core, SCIM listener and
 * dashboard listener) in store mode over a fresh SQLite data dir, with one SCIM connection for the
 * bench. Prints `READY <baseUrl> <token>`; the base URL is `{scim origin}/scim/v2/{slug}`, the
 * token the connection's bearer token. On SIGTERM it closes the host and deletes the data dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHeadless } from '../../src/main/host/headless';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-scim-'));
const headless = await startHeadless({ dataDir, scimHost: '127.0.0.1', scimPort: 0, uiHost: '127.0.0.1', uiPort: 0 });
const c = headless.core.connections.add({ name: 'Bench', app: 'Bench', provider: 'generic' });
const baseUrl = `${headless.scim.origin}/scim/v2/${c.slug}`;
process.stdout.write(`READY ${baseUrl} ${c.token}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  const done = (code: number): void => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  };
  headless.close().then(
    () => done(0),
    (err: unknown) => {
      process.stderr.write(`close failed: ${String(err)}\n`);
      done(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
