/**
 * A real SCIM listener over a real SQLite file for integration tests: `startScim()` gives a core,
 * the listener on a free port, one connection (slug + token) and a small HTTP client with a
 * keep-alive agent. Raw `node:http` (not fetch) so tests can send any bytes, header or path.
 */
import http from 'node:http';
import { createCore, type Core } from '../../src/main/core/core';
import type { Connection } from '../../src/main/core/connections';
import { startScimServer, type ScimServer } from '../../src/main/scim/server';
import { tmpDataDir } from './tmp';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: Json | undefined;
}

export interface RequestOptions {
  /** A JS value is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** `null` sends no Authorization header; a string replaces the connection's token. */
  token?: string | null;
  /** Content-Type of the body (default application/scim+json). */
  contentType?: string | null;
}

export interface ScimHarness {
  core: Core;
  scim: ScimServer;
  conn: Connection & { token: string };
  /** `{origin}/scim/v2/{slug}` */
  base: string;
  /** Path prefix `/scim/v2/{slug}`. */
  prefix: string;
  agent: http.Agent;
  /** A request under the connection (`path` relative to its base, e.g. `/Users?filter=…`). */
  req(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  /** A request with a raw absolute path (anything after the origin). */
  raw(method: string, rawPath: string, options?: RequestOptions & { token?: string | null }): Promise<Reply>;
  addConnection(name: string, provider?: Connection['provider']): Connection & { token: string };
  /** Rows of a query against the database. */
  rows<T = Json>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

export function encodeQuery(params: Record<string, string | number>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

export async function startScim(opts: { provider?: Connection['provider']; name?: string; app?: string } = {}): Promise<ScimHarness> {
  const core = createCore({ dataDir: tmpDataDir(), host: 'headless' });
  const scim = await startScimServer({ core, host: '127.0.0.1', port: 0 });
  const conn = core.connections.add({
    name: opts.name ?? 'Okta',
    app: opts.app ?? 'Slack',
    provider: opts.provider ?? 'okta',
  });
  const prefix = `/scim/v2/${conn.slug}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  const raw = (method: string, rawPath: string, options: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      let payload: Buffer | undefined;
      if (options.body !== undefined) {
        payload = Buffer.isBuffer(options.body)
          ? options.body
          : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body), 'utf8');
      }
      const headers: Record<string, string> = {};
      const token = options.token === undefined ? conn.token : options.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      if (payload !== undefined) {
        headers['Content-Length'] = String(payload.length);
        const ct = options.contentType === undefined ? 'application/scim+json' : options.contentType;
        if (ct !== null) headers['Content-Type'] = ct;
      }
      Object.assign(headers, options.headers);
      const r = http.request(
        {
          host: '127.0.0.1',
          port: scim.port,
          method,
          path: rawPath,
          headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: Json | undefined;
            try {
              json = text ? (JSON.parse(text) as Json) : undefined;
            } catch {
              json = undefined;
            }
            // The listener logs reads and refusals in its next group commit (a setImmediate after
            // the answer): let that run before the caller looks at scim_exchanges.
            setImmediate(() =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text,
                json,
              }),
            );
          });
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      if (payload !== undefined) r.write(payload);
      r.end();
    });

  return {
    core,
    scim,
    conn,
    base: `${scim.origin}${prefix}`,
    prefix,
    agent,
    req: (method, path, options) => raw(method, `${prefix}${path}`, options),
    raw,
    addConnection: (name, provider = 'generic') => core.connections.add({ name, app: name, provider }),
    rows: <T = Json>(sql: string, ...params: unknown[]): T[] => core.store.db.prepare(sql).all(...params) as T[],
    async close() {
      agent.destroy();
      await scim.close();
      await core.closeGracefully();
    },
  };
}

/** Asserts nothing; returns the parsed `Resources` of a ListResponse. */
export function resourcesOf(r: Reply): Json[] {
  return ((r.json?.Resources as Json[] | undefined) ?? []) as Json[];
}
