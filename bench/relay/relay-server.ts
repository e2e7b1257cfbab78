/**
 * Rollcall for bench/relay.bench.ts: the headless host over a fresh SQLite data dir with one relay
 * connection to the upstream given as `<upstream base URL>` (its bearer token in env
 * UPSTREAM_TOKEN), created through the API as an admin would. Prints `READY <relay base> <token>`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHeadless } from '../../src/main/host/headless';

const [upstream] = process.argv.slice(2);
const upstreamToken = process.env.UPSTREAM_TOKEN;
if (!upstream || !upstreamToken) {
  process.stderr.write('usage: relay-server.ts <upstream base URL> (env UPSTREAM_TOKEN)\n');
  process.exit(2);
}
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-relay-'));
const headless = await startHeadless({ dataDir, scimHost: '127.0.0.1', scimPort: 0, uiHost: '127.0.0.1', uiPort: 0 });
const created = await headless.core.dispatch('createConnection', {
  name: 'Bench relay',
  app: 'Bench',
  provider: 'generic',
  upstream: { baseUrl: upstream, auth: { kind: 'bearer', token: upstreamToken } },
});
if (!created.ok) {
  process.stderr.write(`createConnection failed: ${JSON.stringify(created.error)}\n`);
  process.exit(1);
}
const { connection, token } = created.value as { connection: { slug: string }; token: string };
process.stdout.write(`READY ${headless.scim.origin}/scim/v2/${connection.slug} ${token}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  headless.close().then(
    () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`close failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
