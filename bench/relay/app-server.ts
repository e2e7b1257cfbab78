/**
 * The fast fake upstream for bench/relay.bench.ts: an app's own SCIM API in memory
 * (test/fakes/scim-app.ts) with a bearer token. Prints `READY <scim base> <token>`.
 */
import { randomBytes } from 'node:crypto';
import { startScimApp } from '../../test/fakes/scim-app';

const token = randomBytes(24).toString('base64url');
const app = await startScimApp({ auth: { kind: 'bearer', token } });
process.stdout.write(`READY ${app.base} ${token}\n`);
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
