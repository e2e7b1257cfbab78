/**
 * The SCIM listener: `{origin}/scim/v2/{connection slug}/…` with `Authorization: Bearer <token>`.
 *
 * Per request: authenticate against *that* connection's token (constant time; an unknown slug and
 * a wrong token look the same), read the body (1 MiB cap → 413), parse JSON, route, and record one
 * scim_exchanges row whatever happened. Writes run in one IMMEDIATE transaction with their exchange
 * row and their events; the answer is sent after the commit, so an answered write is durable
 * (WAL: it survives a crash of the process). Every error is an RFC 7644 §3.12 body; bad input never
 * gets a 5xx.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Core } from '../core/core';
import type { Connection } from '../core/connections';
import { GroupCommit } from '../core/store/group-commit';
import { bearerToken, BodyTooLargeError, closeServer, listen, originOf, readBody } from '../host/http-util';
import { Relay } from '../relay/relay';
import { badRequest, notFound, notImplemented, payloadTooLarge, ScimError } from './errors';
import { ExchangeLog, storedRequestBody, type ExchangeStart } from './exchanges';
import { listResources, parseListParams } from './list';
import type { JsonObject } from './patch';
import { omits, parseProjection, project, renderGroup, renderUser, type Projection } from './render';
import { etagOf, ScimResources, type StoredGroup, type StoredUser, type WriteContext } from './resources';
import { allSchemasToJson, getSchema, LIST_RESPONSE_SCHEMA, resourceTypeToJson, schemaToJson, type ResourceTypeName } from './schema';

export const SCIM_BODY_LIMIT = 1024 * 1024;
/** Deepest accepted JSON nesting of a request body (SCIM resources and PatchOps need fewer than 10). */
export const MAX_JSON_DEPTH = 100;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Always redacted in the request log; a connection may add more (`--secret-attribute`). */
const SECRET_ATTRIBUTES: readonly string[] = ['password'];
const GUID = /^\s*userName\s+eq\s+"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"\s*$/i;

export interface ScimServerOptions {
  core: Core;
  host: string;
  port: number;
  /** PEM certificate (chain, leaf first) and private key: serve https (TLS 1.2+) instead of http. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * The clock that stamps each request (its exchange row and the events it writes); default the
   * system clock. `rollcall demo` passes its simulated clock while it replays months of history.
   */
  now?: () => Date;
}

export interface ScimServer {
  readonly origin: string;
  readonly port: number;
  /** Relay mode's forwarder (tests wait on its mirror repairs). */
  readonly relay: Relay;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  isProbe?: boolean;
}

const CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function serviceProviderConfig(base: string): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/rollcall/rollcall/blob/main/docs/scim.md',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 1000 },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'The per-connection token Rollcall issued (Authorization: Bearer <token>).',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export async function startScimServer(options: ScimServerOptions): Promise<ScimServer> {
  const { core } = options;
  const clock = options.now ?? (() => new Date());
  const store = core.store;
  const resources = new ScimResources(store);
  const exchanges = new ExchangeLog(store);
  const batch = new GroupCommit(store);
  const relay = new Relay(store, core.secrets, resources, exchanges, batch);
  let origin = '';

  const slugOwner = store.db.prepare<[string], { id: string }>(
    `SELECT id FROM sources WHERE kind = 'connection' AND removed_at IS NULL AND slug = ?`,
  );

  function send(res: ServerResponse, answer: Answer): string | null {
    return sendText(res, answer, answer.body === undefined ? null : JSON.stringify(answer.body));
  }

  function sendText(res: ServerResponse, answer: Answer, text: string | null): string | null {
    const headers: Record<string, string | number> = { ...answer.headers };
    if (text !== null) {
      headers['Content-Type'] = CONTENT_TYPE;
      headers['Content-Length'] = Buffer.byteLength(text);
    }
    res.writeHead(answer.status, headers);
    res.end(text ?? undefined);
    return text;
  }

  const errorAnswer = (e: ScimError, headers?: Record<string, string>): Answer => {
    // A 405 must say what is allowed (RFC 9110 §15.5.6); `only()` attaches it to the error.
    const allow = (e as { allow?: string }).allow;
    return { status: e.status, body: e.toBody(), headers: allow ? { ...headers, Allow: allow } : headers };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const receivedAt = clock().toISOString();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://scim.invalid');
    } catch {
      url = new URL('http://scim.invalid/');
    }
    const start: ExchangeStart = {
      connectionId: null,
      receivedAt,
      method,
      path: url.pathname.slice(0, 2048),
      query: url.search ? url.search.slice(1, 8192) : null,
      remoteAddr: req.socket.remoteAddress ?? null,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
      authorized: false,
      requestBody: null,
    };
    // Reads and refusals are answered at once; their log row joins the next group commit.
    const finish = (answer: Answer): void => {
      const text = send(res, answer);
      const end = { status: answer.status, responseBody: text, latencyMs: performance.now() - t0, isProbe: answer.isProbe };
      batch.defer(
        () => exchanges.record(start, end),
        (err) => console.error(`rollcall: could not record a SCIM exchange: ${String(err)}`),
      );
    };

    const m = /^\/scim\/v2\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!m) {
      await drain(req);
      return finish(errorAnswer(notFound('Not a SCIM endpoint: connections live under /scim/v2/{connection}')));
    }
    const slug = safeDecode(m[1]!);
    const rest = m[2] ?? '';
    const connection = slug === undefined ? undefined : core.connections.authenticate(slug, bearerToken(req));
    if (!connection) {
      await drain(req);
      start.connectionId = slug === undefined ? null : (slugOwner.get(slug)?.id ?? null);
      return finish(
        errorAnswer(new ScimError(401, undefined, 'Authorization failure: a valid bearer token for this connection is required'), {
          'WWW-Authenticate': 'Bearer realm="Rollcall SCIM"',
        }),
      );
    }
    start.connectionId = connection.id;
    start.authorized = true;

    const secrets: ReadonlySet<string> = new Set([...SECRET_ATTRIBUTES, ...connection.secretAttributes]);
    let raw: Buffer;
    try {
      raw = await readBody(req, SCIM_BODY_LIMIT);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('Connection', 'close');
        return finish(errorAnswer(payloadTooLarge(`The request body is larger than ${SCIM_BODY_LIMIT} bytes`)));
      }
      throw err;
    }
    let body: unknown;
    let text: string | undefined;
    if (raw.length > 0) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== '' && type !== 'application/scim+json' && type !== 'application/json') {
        start.requestBody = `[${type} body, ${raw.length} bytes]`;
        return finish(
          errorAnswer(new ScimError(415, undefined, `Content-Type must be application/scim+json or application/json, not ${type}`)),
        );
      }
      let problem: string | undefined;
      try {
        // Fatal decoding: invalid UTF-8 is refused rather than stored as U+FFFD (RFC 8259 §8.1).
        text = UTF8.decode(raw);
        body = JSON.parse(text);
        // Everything after this point (redaction, PATCH, comparison) walks the value recursively.
        problem = jsonProblem(body, MAX_JSON_DEPTH);
      } catch {
        problem = 'The request body is not valid JSON (UTF-8)';
      }
      if (problem !== undefined) {
        start.requestBody = storedRequestBody(raw, undefined, secrets);
        return finish(errorAnswer(badRequest('invalidSyntax', problem)));
      }
    }
    start.requestBody = storedRequestBody(raw, body, secrets, text);

    const base = `${origin}/scim/v2/${connection.slug}`;

    if (connection.upstream) {
      // Relay mode: the app answers; the listener has authenticated, size-checked and parsed.
      // The path as WHATWG URL normalised it: dot segments (also %2e%2e) are resolved, so no request
      // can climb out of the app's SCIM base on the app's credentials.
      const rawPath = rest;
      return relay.forward({
        connection: { ...connection, upstream: connection.upstream },
        start,
        t0,
        method,
        rawPath,
        query: url.search ? url.search.slice(1) : null,
        headers: req.headers,
        raw,
        body,
        base,
        res,
      });
    }

    /**
     * A write: state change, exchange row and events in one group-committed transaction; the
     * answer goes out after the commit. A failed write is answered and logged like a refusal.
     */
    const write = (fn: (ctx: WriteContext) => Answer): void => {
      batch
        .run(() => {
          const ctx: WriteContext = { connectionId: connection.id, exchangeId: null, now: receivedAt, actor: null, pendingEvents: [] };
          const a = fn(ctx);
          const text = a.body === undefined ? null : JSON.stringify(a.body);
          // The exchange row goes in once, complete; then the events that point at it.
          const id = exchanges.record(start, { status: a.status, responseBody: text, latencyMs: performance.now() - t0 });
          if (ctx.pendingEvents!.length) store.events.append(ctx.pendingEvents!.map((e) => ({ ...e, exchangeId: id })));
          return { a, text };
        })
        .then(
          ({ a, text }) => sendText(res, a, text),
          (err: unknown) => finish(failureAnswer(err)),
        );
    };

    try {
      route(connection, method, rest, url.searchParams, body, req, base, write, finish);
    } catch (err) {
      if (err instanceof ScimError) return finish(errorAnswer(err));
      throw err;
    }
  }

  function route(
    connection: Connection,
    method: string,
    rest: string,
    query: URLSearchParams,
    body: unknown,
    req: IncomingMessage,
    base: string,
    write: (fn: (ctx: WriteContext) => Answer) => void,
    finish: (a: Answer) => void,
  ): void {
    const segments = rest
      .split('/')
      .filter(Boolean)
      .map((s) => safeDecode(s) ?? s);
    const [head, id, extra] = segments;
    const only = (...methods: string[]): void => {
      if (!methods.includes(method)) {
        throw Object.assign(new ScimError(405, undefined, `${method} is not supported on ${rest || '/'}; use ${methods.join(', ')}`), {
          allow: methods.join(', '),
        });
      }
    };
    const ifMatch = headerOf(req, 'if-match');
    const projection = parseProjection(query.get('attributes'), query.get('excludedAttributes'));

    if (extra !== undefined) throw notFound(`No such endpoint: ${rest}`);
    switch (head) {
      case 'ServiceProviderConfig':
        only('GET');
        if (id !== undefined) throw notFound(`No such endpoint: ${rest}`);
        return finish({ status: 200, body: serviceProviderConfig(base) });
      case 'ResourceTypes': {
        only('GET');
        if (id === undefined)
          return finish({ status: 200, body: listResponse([resourceTypeToJson('User', base), resourceTypeToJson('Group', base)], 2, 1) });
        if (id !== 'User' && id !== 'Group') throw notFound(`No resource type "${id}"`);
        return finish({ status: 200, body: resourceTypeToJson(id, base) });
      }
      case 'Schemas': {
        only('GET');
        if (id === undefined) {
          const all = allSchemasToJson(base);
          return finish({ status: 200, body: listResponse(all, all.length, 1) });
        }
        const schema = getSchema(id);
        if (!schema) throw notFound(`No schema "${id}"`);
        return finish({ status: 200, body: schemaToJson(schema, base) });
      }
      case 'Me':
        throw notImplemented('/Me is not supported: Rollcall authenticates connections, not users');
      case 'Bulk':
        throw notImplemented('Bulk operations are not supported (see /ServiceProviderConfig)');
      case '.search':
        throw notImplemented('Search at the service provider root is not supported; POST /Users/.search or /Groups/.search');
      case 'Users':
      case 'Groups': {
        const type: ResourceTypeName = head === 'Users' ? 'User' : 'Group';
        if (id === undefined) {
          only('GET', 'POST');
          if (method === 'GET') return finish(list(connection.id, type, (n) => query.get(n) ?? undefined, projection, base));
          return write((ctx) => {
            const row = type === 'User' ? resources.createUser(ctx, body) : resources.createGroup(ctx, body);
            // A user created just now has no groups yet (its id is new): no lookup needed.
            const rendered =
              type === 'User'
                ? project(renderUser(row as StoredUser, [], base), projection, type)
                : renderRow(connection.id, type, row, projection, base);
            return { status: 201, body: rendered, headers: { Location: `${base}/${head}/${row.id}`, ETag: etagOf(row.version) } };
          });
        }
        if (id === '.search') {
          only('POST');
          const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as JsonObject;
          const get = (n: string): unknown => b[n];
          const searchProjection = parseProjection(csv(b.attributes), csv(b.excludedAttributes));
          return finish(list(connection.id, type, get, searchProjection, base));
        }
        only('GET', 'PUT', 'PATCH', 'DELETE');
        if (method === 'GET') {
          const row = type === 'User' ? resources.getUser(connection.id, id) : resources.getGroup(connection.id, id);
          const etag = etagOf(row.version);
          const inm = headerOf(req, 'if-none-match');
          if (
            inm !== undefined &&
            (inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, '')))
          ) {
            return finish({ status: 304, headers: { ETag: etag } });
          }
          return finish({ status: 200, body: renderRow(connection.id, type, row, projection, base), headers: { ETag: etag } });
        }
        if (method === 'DELETE') {
          return write((ctx) => {
            if (type === 'User') resources.deleteUser(ctx, id, ifMatch);
            else resources.deleteGroup(ctx, id, ifMatch);
            return { status: 204 };
          });
        }
        if (body === undefined) throw badRequest('invalidSyntax', `${method} needs a JSON body`);
        return write((ctx) => {
          let row: StoredUser | StoredGroup;
          if (type === 'User')
            row = method === 'PUT' ? resources.replaceUser(ctx, id, body, ifMatch) : resources.patchUser(ctx, id, body, ifMatch);
          else row = method === 'PUT' ? resources.replaceGroup(ctx, id, body, ifMatch) : resources.patchGroup(ctx, id, body, ifMatch);
          const headers = { ETag: etagOf(row.version) };
          // Group PATCH answers 204 (Entra's guidance: never send back every member) unless the
          // client asks for attributes; User PATCH and every PUT answer 200 with the resource.
          if (method === 'PATCH' && type === 'Group' && !projection.attributes) return { status: 204, headers };
          return { status: 200, body: renderRow(connection.id, type, row, projection, base), headers };
        });
      }
      default:
        throw notFound(`No such endpoint: ${rest || '/'}`);
    }
  }

  function renderRow(connectionId: string, type: ResourceTypeName, row: StoredUser | StoredGroup, p: Projection, base: string): JsonObject {
    const full =
      type === 'User'
        ? renderUser(row as StoredUser, omits(p, 'groups') ? [] : resources.groupsOfUser(connectionId, row), base)
        : renderGroup(row as StoredGroup, omits(p, 'members') ? undefined : resources.membersOfGroup(row.pk), base);
    return project(full, p, type);
  }

  function list(connectionId: string, type: ResourceTypeName, get: (n: string) => unknown, p: Projection, base: string): Answer {
    const params = parseListParams(get, type);
    // The filter and sort see relations (groups, members) only when they name them; the page then
    // gets them in one query for all its users.
    const needsRelations = /groups|members/i.test(`${params.filterText ?? ''} ${params.sortBy ?? ''}`);
    const render = (row: StoredUser | StoredGroup): JsonObject =>
      type === 'User'
        ? renderUser(row as StoredUser, needsRelations ? resources.groupsOfUser(connectionId, row) : [], base)
        : renderGroup(row as StoredGroup, needsRelations ? resources.membersOfGroup(row.pk) : undefined, base);
    const result = listResources<StoredUser | StoredGroup>(store.db, type, connectionId, params, render);
    let page = result.resources;
    if (!needsRelations && type === 'User' && !omits(p, 'groups')) {
      const groups = resources.groupsOfUsers(connectionId, result.rows);
      page = result.rows.map((row) => renderUser(row as StoredUser, groups.get(row.id) ?? [], base));
    } else if (!needsRelations && type === 'Group' && !omits(p, 'members')) {
      page = result.rows.map((row) => renderGroup(row as StoredGroup, resources.membersOfGroup(row.pk), base));
    }
    const rows = page.map((r) => project(r, p, type));
    const isProbe = type === 'User' && result.total === 0 && params.filterText !== undefined && GUID.test(params.filterText);
    return { status: 200, body: listResponse(rows, result.total, params.startIndex), isProbe };
  }

  /** The answer to an unexpected failure: 503 while the database is locked, else 500 (logged). */
  function failureAnswer(err: unknown): Answer {
    if (err instanceof ScimError) return errorAnswer(err);
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      return {
        status: 503,
        body: new ScimError(503, undefined, 'The database is busy; retry shortly').toBody(),
        headers: { 'Retry-After': '1' },
      };
    }
    console.error(`rollcall: SCIM request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { status: 500, body: new ScimError(500, undefined, 'Internal error').toBody() };
  }

  function fail(res: ServerResponse, err: unknown): void {
    const answer = failureAnswer(err);
    if (res.headersSent) res.destroy();
    else send(res, answer);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => fail(res, err));
  };
  const tls = options.tls;
  const server: http.Server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, onRequest)
    : http.createServer(onRequest);
  // Requests Node's HTTP parser refuses (malformed request line, headers over 16 KiB, a request
  // timeout) never reach `handle`: answer them with a SCIM error too, and log the ones whose
  // request line could be read, so that every request has its scim_exchanges row.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const detail =
      status === 431 ? 'The request headers are too large' : status === 408 ? 'The request took too long' : 'Malformed HTTP request';
    const text = JSON.stringify(new ScimError(status, undefined, detail).toBody());
    // The request line, as far as it arrived (a 431 may cut it short): method and target.
    const line = /^([A-Z]{1,16}) (\/\S*)/.exec(err.rawPacket?.toString('latin1', 0, 65_536) ?? '');
    const head = line?.[1] === 'HEAD'; // an answer to HEAD has no body
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${head ? '' : text}`,
    );
    if (!line) return;
    let target: URL;
    try {
      target = new URL(line[2]!, 'http://scim.invalid');
    } catch {
      target = new URL('http://scim.invalid/');
    }
    const slug = /^\/scim\/v2\/([^/]+)/.exec(target.pathname)?.[1];
    const start: ExchangeStart = {
      connectionId: slug === undefined ? null : (slugOwner.get(safeDecode(slug) ?? slug)?.id ?? null),
      receivedAt: clock().toISOString(),
      method: line[1]!,
      path: target.pathname.slice(0, 2048),
      query: target.search ? target.search.slice(1, 8192) : null,
      remoteAddr: (socket as { remoteAddress?: string }).remoteAddress ?? null,
      userAgent: null,
      authorized: false,
      requestBody: null,
    };
    batch.defer(
      () => exchanges.record(start, { status, responseBody: text, latencyMs: 0 }),
      (e) => console.error(`rollcall: could not record a SCIM exchange: ${String(e)}`),
    );
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  const address = await listen(server, options.port, options.host);
  origin = originOf(options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host, address.port, tls ? 'https' : 'http');
  core.setScimOrigin(origin);
  return {
    origin,
    port: address.port,
    relay,
    async close() {
      await closeServer(server);
      relay.close();
      batch.close();
    },
  };
}

function listResponse(resources: unknown[], total: number, startIndex: number): JsonObject {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** Whether parsed JSON nests arrays/objects deeper than `max` (iterative: safe on any input). */
/**
 * What makes parsed JSON unfit for the rest of the pipeline, if anything: nesting deeper than
 * `max` (redaction, PATCH and comparison recurse) or a string with a lone UTF-16 surrogate (SQLite
 * would store it as invalid UTF-8, so the indexed columns would differ from the stored JSON).
 * Iterative: safe on any input.
 */
export function jsonProblem(value: unknown, max: number): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return 'The request body contains a string that is not valid Unicode (a lone surrogate)';
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return `The request body is nested deeper than ${max} levels`;
    if (Array.isArray(v)) {
      for (const child of v) stack.push([child, depth + 1]);
    } else {
      for (const [k, child] of Object.entries(v)) stack.push([k, depth], [child, depth + 1]);
    }
  }
  return undefined;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function csv(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').join(',');
  return null;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

async function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return;
  try {
    await readBody(req, SCIM_BODY_LIMIT);
  } catch {
    // Too large or broken: the connection is closed after the answer.
  }
}
