/**
 * The floor under the relay, for bench/relay.bench.ts: a bare node:http reverse proxy that forwards
 * each request to `<upstream base URL>` on kept-alive connections (the same agent settings as the
 * relay) and streams the answer back — no authentication, no parsing, no recording. What it adds
 * to the direct path is what any extra HTTP hop costs on this machine.
 * Prints `READY <proxy base> <upstream token>` (the client's token goes through untouched).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const [upstream] = process.argv.slice(2);
const token = process.env.UPSTREAM_TOKEN;
if (!upstream || !token) {
  process.stderr.write('usage: bare-proxy.ts <upstream base URL> (env UPSTREAM_TOKEN)\n');
  process.exit(2);
}
const base = new URL(upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
const server = http.createServer((req, res) => {
  const out = http.request(
    { host: base.hostname, port: base.port, method: req.method, path: `${base.pathname}${req.url ?? ''}`, headers: req.headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port} ${token}\n`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
