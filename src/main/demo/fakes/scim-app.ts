/**
 * A fake app with its own SCIM 2.0 API (what a relay connection forwards to: Slack, GitHub, …),
 * in memory: Users and Groups with create / read / list (userName and displayName filters) /
 * replace / PATCH / delete, ETags, absolute Location and meta.location URLs, a
 * ServiceProviderConfig, and the three kinds of credentials apps take (bearer token, HTTP Basic,
 * OAuth 2.0 client credentials from its own token endpoint, with expiring tokens).
 *
 * Faults are scriptable per request: fail before applying (500), apply then fail (the app did it
 * but the answer says otherwise), hang, garbage (HTML), drop the connection, or refuse the
 * credentials; and the whole server can restart on the same port with its state kept.
 *
 * Test, benchmark and demo infrastructure (only src/main/demo imports it). PATCH uses Rollcall's own
 * engine (src/main/scim/patch.ts) — the relay tests check recording and mirroring, not PATCH rules.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { applyPatch, type JsonObject } from '../../scim/patch';

export type AppFault = 'fail' | 'fail-after-apply' | 'hang' | 'garbage' | 'drop' | 'unauthorized';

export type AppAuth =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string; tokenLifetimeSec: number };

export interface ScimAppOptions {
  auth: AppAuth;
  tls?: { cert: string; key: string };
  /** What a Group PATCH answers: 204 without a body (Entra's guidance, the default) or 200 with the group. */
  groupPatchStatus?: 200 | 204;
}

export interface ScimApp {
  /** `http(s)://127.0.0.1:PORT` */
  readonly origin: string;
  /** The SCIM base URL: `{origin}/scim/v2`. */
  readonly base: string;
  readonly tokenUrl: string;
  readonly users: Map<string, JsonObject>;
  readonly groups: Map<string, JsonObject>;
  /** Every SCIM request received (not token requests): method, path with query, Authorization header. */
  readonly requests: { method: string; path: string; authorization: string | undefined; body: string }[];
  tokensIssued: number;
  /** Decides a fault per request (undefined: answer normally). */
  fault: ((req: { method: string; path: string }) => AppFault | undefined) | null;
  /** Forget every issued OAuth token (as an app does when it rotates its signing keys). */
  revokeTokens(): void;
  /** Stop listening (open connections are cut), wait, and listen again on the same port. */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const CT = 'application/scim+json';

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const error = (status: number, detail: string, scimType?: string): Answer => ({
  status,
  body: { schemas: [ERROR], status: String(status), detail, ...(scimType ? { scimType } : {}) },
});

export async function startScimApp(options: ScimAppOptions): Promise<ScimApp> {
  const users = new Map<string, JsonObject>();
  const groups = new Map<string, JsonObject>();
  const userNames = new Map<string, string>();
  const groupNames = new Map<string, string>();
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const sockets = new Set<Socket>();
  let origin = '';
  let port = 0;

  const app: ScimApp = {
    get origin() {
      return origin;
    },
    get base() {
      return `${origin}/scim/v2`;
    },
    get tokenUrl() {
      return `${origin}/oauth/token`;
    },
    users,
    groups,
    requests: [],
    tokensIssued: 0,
    fault: null,
    revokeTokens: () => tokens.clear(),
    async restart(downMs) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await listen(port);
    },
    close: () => stop(),
  };

  const authorized = (header: string | undefined): boolean => {
    const auth = options.auth;
    if (header === undefined) return false;
    if (auth.kind === 'bearer') return header === `Bearer ${auth.token}`;
    if (auth.kind === 'basic') return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const expiry = tokens.get(token);
    return expiry !== undefined && expiry > Date.now();
  };

  const issueToken = (headers: http.IncomingHttpHeaders, body: string): Answer => {
    const auth = options.auth;
    if (auth.kind !== 'oauth') return { status: 404, body: { error: 'not_found' } };
    const form = new URLSearchParams(body);
    const basic =
      typeof headers.authorization === 'string' && headers.authorization.startsWith('Basic ') ? headers.authorization.slice(6) : '';
    const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent);
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (id !== auth.clientId || secret !== auth.clientSecret) return { status: 401, body: { error: 'invalid_client' } };
    const token = `tok-${randomUUID()}`;
    tokens.set(token, Date.now() + auth.tokenLifetimeSec * 1000);
    app.tokensIssued++;
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: auth.tokenLifetimeSec } };
  };

  const withMeta = (type: 'User' | 'Group', r: JsonObject, created: string): JsonObject => {
    const version = Number((r.meta as JsonObject | undefined)?.version?.toString().replace(/\D/g, '') ?? 0) + 1;
    return {
      ...r,
      meta: {
        resourceType: type,
        created,
        lastModified: new Date().toISOString(),
        location: `${app.base}/${type}s/${r.id as string}`,
        version: `W/"${version}"`,
      },
    };
  };
  const etag = (r: JsonObject): string => (r.meta as JsonObject).version as string;

  const handleScim = (method: string, url: URL, body: unknown): Answer => {
    const m = /^\/scim\/v2\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return error(404, `No endpoint ${url.pathname}`);
    const head = m[1]!;
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (head === 'ServiceProviderConfig' && method === 'GET') {
      return {
        status: 200,
        body: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
          patch: { supported: true },
          bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
          filter: { supported: true, maxResults: 200 },
          changePassword: { supported: false },
          sort: { supported: false },
          etag: { supported: true },
          authenticationSchemes: [],
        },
      };
    }
    if (head !== 'Users' && head !== 'Groups') return error(404, `No endpoint ${url.pathname}`);
    const type = head === 'Users' ? 'User' : 'Group';
    const store = type === 'User' ? users : groups;
    const key = type === 'User' ? 'userName' : 'displayName';
    // Like real apps, a group may only list members that exist (a deleted user's id is refused).
    const unknownMember = (r: JsonObject): string | undefined => {
      if (type !== 'Group' || !Array.isArray(r.members)) return undefined;
      for (const m of r.members as JsonObject[]) {
        const v = m?.value;
        if (typeof v !== 'string' || (!users.has(v) && !groups.has(v))) return String(v);
      }
      return undefined;
    };
    // userName / displayName → id, lower-cased (uniqueness and eq filters without a scan).
    const index = type === 'User' ? userNames : groupNames;
    const taken = (name: unknown, self?: string): boolean => {
      const owner = index.get(String(name).toLowerCase());
      return owner !== undefined && owner !== self;
    };
    const save = (r: JsonObject): void => {
      const before = store.get(r.id as string);
      if (before) index.delete(String(before[key]).toLowerCase());
      store.set(r.id as string, r);
      index.set(String(r[key]).toLowerCase(), r.id as string);
    };
    if (id === undefined) {
      if (method === 'GET') {
        const f = /^\s*(userName|displayName)\s+eq\s+"([^"]*)"\s*$/i.exec(url.searchParams.get('filter') ?? '');
        let all: JsonObject[];
        if (f) {
          const owner = index.get(f[2]!.toLowerCase());
          all = owner === undefined ? [] : [store.get(owner)!];
        } else all = [...store.values()];
        const startIndex = Math.max(1, Number(url.searchParams.get('startIndex') ?? 1) || 1);
        const count = Math.max(0, Math.min(200, Number(url.searchParams.get('count') ?? 100) || 0));
        const page = all.slice(startIndex - 1, startIndex - 1 + count);
        return { status: 200, body: { schemas: [LIST], totalResults: all.length, startIndex, itemsPerPage: page.length, Resources: page } };
      }
      if (method !== 'POST') return error(405, 'method not allowed');
      const b = body as JsonObject;
      if (typeof b?.[key] !== 'string') return error(400, `${key} is required`, 'invalidValue');
      if (taken(b[key])) return error(409, `${key} already exists`, 'uniqueness');
      const missing = unknownMember(b);
      if (missing !== undefined) return error(400, `member ${missing} does not exist`, 'invalidValue');
      const now = new Date().toISOString();
      const { password: _password, ...rest } = b;
      const created = withMeta(type, { ...rest, id: randomUUID() }, now);
      save(created);
      return { status: 201, body: created, headers: { Location: (created.meta as JsonObject).location as string, ETag: etag(created) } };
    }
    const current = store.get(id);
    if (!current) return error(404, `${type} ${id} not found`);
    const createdAt = (current.meta as JsonObject).created as string;
    if (method === 'GET') return { status: 200, body: current, headers: { ETag: etag(current) } };
    if (method === 'DELETE') {
      store.delete(id);
      index.delete(String(current[key]).toLowerCase());
      if (type === 'User') {
        for (const g of groups.values()) {
          if (Array.isArray(g.members)) g.members = (g.members as JsonObject[]).filter((mm) => mm.value !== id);
        }
      }
      return { status: 204 };
    }
    if (method === 'PUT') {
      const b = body as JsonObject;
      if (typeof b?.[key] !== 'string') return error(400, `${key} is required`, 'invalidValue');
      if (taken(b[key], id)) return error(409, `${key} already exists`, 'uniqueness');
      const missingPut = unknownMember(b);
      if (missingPut !== undefined) return error(400, `member ${missingPut} does not exist`, 'invalidValue');
      const { password: _password, meta: _meta, ...rest } = b;
      const next = withMeta(type, { ...rest, id, meta: current.meta } as JsonObject, createdAt);
      save(next);
      return { status: 200, body: next, headers: { ETag: etag(next) } };
    }
    if (method === 'PATCH') {
      let patched: JsonObject;
      try {
        patched = applyPatch(current, type, body).resource;
      } catch (err) {
        return error(400, `bad PATCH: ${err instanceof Error ? err.message : String(err)}`, 'invalidSyntax');
      }
      delete patched.password;
      if (typeof patched[key] !== 'string') return error(400, `${key} is required`, 'invalidValue');
      if (taken(patched[key], id)) return error(409, `${key} already exists`, 'uniqueness');
      // Members the PATCH adds must exist (those already listed are the app's own business).
      const before = new Set(((current.members as JsonObject[] | undefined) ?? []).map((m) => m.value));
      const added = { members: ((patched.members as JsonObject[] | undefined) ?? []).filter((m) => !before.has(m.value)) };
      const missingPatch = unknownMember(added);
      if (missingPatch !== undefined) return error(400, `member ${missingPatch} does not exist`, 'invalidValue');
      const next = withMeta(type, { ...patched, id }, createdAt);
      save(next);
      if (type === 'Group' && (options.groupPatchStatus ?? 204) === 204) return { status: 204, headers: { ETag: etag(next) } };
      return { status: 200, body: next, headers: { ETag: etag(next) } };
    }
    return error(405, 'method not allowed');
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://app.invalid');
      const method = req.method ?? 'GET';
      const text = Buffer.concat(chunks).toString('utf8');
      const send = (a: Answer): void => {
        const payload = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
        const headers: Record<string, string> = { ...a.headers };
        if (payload !== '' && !headers['Content-Type']) headers['Content-Type'] = CT;
        headers['Content-Length'] = String(Buffer.byteLength(payload));
        res.writeHead(a.status, headers);
        res.end(payload);
      };
      if (url.pathname === '/oauth/token' && method === 'POST') return send(issueToken(req.headers, text));
      app.requests.push({ method, path: url.pathname + url.search, authorization: req.headers.authorization, body: text });
      const fault = app.fault?.({ method, path: url.pathname + url.search });
      if (fault === 'hang') return;
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault === 'garbage')
        return send({ status: 200, body: '<html><body>Bad gateway</body></html>', headers: { 'Content-Type': 'text/html' } });
      if (fault === 'fail') return send(error(500, 'the app failed'));
      if (fault === 'unauthorized' || !authorized(req.headers.authorization)) return send(error(401, 'invalid credentials'));
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          return send(error(400, 'invalid JSON', 'invalidSyntax'));
        }
      }
      const answer = handleScim(method, url, body);
      send(fault === 'fail-after-apply' ? error(500, 'the app failed after applying the change') : answer);
    });
  };

  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function listen(p: number): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
        resolve();
      });
    });
  }
  function stop(): Promise<void> {
    return new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  }

  await listen(0);
  return app;
}
