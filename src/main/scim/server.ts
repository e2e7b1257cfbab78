/**
 * The SCIM listener. Until the SCIM service provider lands it answers every request with a
 * proper SCIM error (RFC 7644 §3.12): 501 below /scim/v2/, 404 elsewhere.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Core } from '../core/core';
import { closeServer, listen, originOf } from '../host/http-util';

export interface ScimServerOptions {
  core: Core;
  host: string;
  port: number;
}

export interface ScimServer {
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

function scimError(res: ServerResponse, status: number, detail: string): void {
  const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail });
  res.writeHead(status, { 'Content-Type': 'application/scim+json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startScimServer(options: ScimServerOptions): Promise<ScimServer> {
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/scim/v2/')) return scimError(res, 501, 'The SCIM service provider is not implemented yet.');
    return scimError(res, 404, 'Not a SCIM endpoint: connections live under /scim/v2/{connection}.');
  });
  const address = await listen(server, options.port, options.host);
  const origin = originOf(options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host, address.port);
  options.core.setScimOrigin(origin);
  return {
    origin,
    port: address.port,
    close: () => closeServer(server),
  };
}
