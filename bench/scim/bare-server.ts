/**
 * The ceiling for bench/scim.bench.ts: a bare node:http server that reads each request's body,
 * JSON.parses it when there is one, and answers at once with a small SCIM-shaped body. No routing
 * beyond the method, no auth check, no storage: what's left is Node's HTTP stack and JSON.
 *
 *   POST          201 {"schemas":[…],"id":"<counter>",…}  (the client's flow needs an id)
 *   PATCH / PUT   200 the same small resource
 *   GET           200 an empty ListResponse
 *   DELETE        204
 *
 * Prints `READY <baseUrl> <token>` once listening on 127.0.0.1 on a free port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const TOKEN = 'bare-bench-token';
let counter = 0;

const send = (res: http.ServerResponse, status: number, body?: string): void => {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/scim+json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
};

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    if (raw) {
      try {
        JSON.parse(raw);
      } catch {
        send(res, 400, '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax"}');
        return;
      }
    }
    switch (req.method) {
      case 'GET':
        send(
          res,
          200,
          '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}',
        );
        return;
      case 'DELETE':
        send(res, 204);
        return;
      default: {
        const id = String(++counter);
        const body = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"${id}","meta":{"resourceType":"User"}}`;
        send(res, req.method === 'POST' ? 201 : 200, body);
      }
    }
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY http://127.0.0.1:${port}/scim/v2 ${TOKEN}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
