/**
 * A relay connection end to end for tests: a fake app with its own SCIM API (test/fakes/scim-app),
 * a real core over a real SQLite file, the real SCIM listener, and one relay connection created
 * through the API contract (so the upstream credentials take the production path: validated,
 * sealed, stored). `req` talks to the relay as an IdP would.
 */
import http from 'node:http';
import type { UpstreamInput } from '../../src/shared/contract';
import { createCore, type Core } from '../../src/main/core/core';
import { startScimServer, type ScimServer } from '../../src/main/scim/server';
import { startScimApp, type AppAuth, type ScimApp, type ScimAppOptions } from '../fakes/scim-app';
import type { Json, Reply, RequestOptions } from './scim';
import { tmpDataDir } from './tmp';

export interface RelayHarness {
  core: Core;
  scim: ScimServer;
  app: ScimApp;
  connectionId: string;
  token: string;
  /** The relay's SCIM base for the connection: `{origin}/scim/v2/{slug}`. */
  base: string;
  prefix: string;
  /** Everything the core logged. */
  logs: string[];
  req(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  rows<T = Json>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

export interface RelayOptions {
  appAuth?: AppAuth;
  /** What the connection sends upstream (default: the app's own credentials), given the started app. */
  upstream?: Partial<UpstreamInput> | ((app: ScimApp) => Partial<UpstreamInput>);
  app?: Partial<ScimAppOptions>;
}

/** The upstream auth matching an app's credentials. */
export function upstreamAuthFor(app: ScimApp, auth: AppAuth): UpstreamInput['auth'] {
  if (auth.kind === 'bearer') return { kind: 'bearer', token: auth.token };
  if (auth.kind === 'basic') return { kind: 'basic', username: auth.username, password: auth.password };
  return { kind: 'oauth', tokenUrl: app.tokenUrl, clientId: auth.clientId, clientSecret: auth.clientSecret };
}

export async function startRelay(options: RelayOptions = {}): Promise<RelayHarness> {
  const appAuth: AppAuth = options.appAuth ?? { kind: 'bearer', token: 'app-secret-token-7f3a9c' };
  const app = await startScimApp({ auth: appAuth, ...options.app });
  const logs: string[] = [];
  const log = (m: string): void => {
    logs.push(m);
  };
  const core = createCore({ dataDir: tmpDataDir(), host: 'headless', scheduleDirectories: false, log });
  const originalError = console.error;
  const scim = await startScimServer({ core, host: '127.0.0.1', port: 0 });
  const created = await core.dispatch('createConnection', {
    name: 'Okta → Slack',
    app: 'Slack',
    provider: 'okta',
    upstream: {
      baseUrl: app.base,
      auth: upstreamAuthFor(app, appAuth),
      ...(typeof options.upstream === 'function' ? options.upstream(app) : options.upstream),
    },
  });
  if (!created.ok) throw new Error(`createConnection failed: ${JSON.stringify(created.error)}`);
  const { connection, token } = created.value as { connection: { id: string; slug: string }; token: string };
  const prefix = `/scim/v2/${connection.slug}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  // The relay logs through console.error (as the listener does): capture it for the secret checks.
  console.error = (...args: unknown[]) => {
    logs.push(args.map(String).join(' '));
  };

  const req = (method: string, path: string, o: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const payload = o.body === undefined ? undefined : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body), 'utf8');
      const headers: Record<string, string> = { ...(o.token === null ? {} : { Authorization: `Bearer ${o.token ?? token}` }) };
      if (payload) {
        headers['Content-Type'] = 'application/scim+json';
        headers['Content-Length'] = String(payload.length);
      }
      Object.assign(headers, o.headers);
      const r = http.request({ host: '127.0.0.1', port: scim.port, method, path: `${prefix}${path}`, headers, agent }, (res) => {
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
          // Successful reads are recorded in the next group commit, after the answer.
          setImmediate(() => setImmediate(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })));
        });
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(payload);
    });

  return {
    core,
    scim,
    app,
    connectionId: connection.id,
    token,
    base: `${scim.origin}${prefix}`,
    prefix,
    logs,
    req,
    rows: <T = Json>(sql: string, ...params: unknown[]): T[] => core.store.db.prepare(sql).all(...params) as T[],
    async close() {
      console.error = originalError;
      agent.destroy();
      await scim.close();
      await app.close();
      await core.closeGracefully();
    },
  };
}
