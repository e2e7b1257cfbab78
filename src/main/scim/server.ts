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
import { performance } from 'node:perf_hooks';
import type { Core } from '../core/core';
import type { Connection } from '../core/connections';
import { bearerToken, BodyTooLargeError, closeServer, listen, originOf, readBody } from '../host/http-util';
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
const SECRET_ATTRIBUTES: ReadonlySet<string> = new Set(['password']);
const GUID = /^\s*userName\s+eq\s+"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"\s*$/i;

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
  const store = core.store;
  const resources = new ScimResources(store);
  const exchanges = new ExchangeLog(store);
  let origin = '';

  const slugOwner = store.db.prepare<[string], { id: string }>(
    `SELECT id FROM sources WHERE kind = 'connection' AND removed_at IS NULL AND slug = ?`,
  );

  function send(res: ServerResponse, answer: Answer): string | null {
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
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
    const receivedAt = new Date().toISOString();
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
    const finish = (answer: Answer): void => {
      const text = send(res, answer);
      exchanges.record(start, { status: answer.status, responseBody: text, latencyMs: performance.now() - t0, isProbe: answer.isProbe });
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
    if (raw.length > 0) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== '' && type !== 'application/scim+json' && type !== 'application/json') {
        start.requestBody = `[${type} body, ${raw.length} bytes]`;
        return finish(errorAnswer(new ScimError(415, undefined, `Content-Type must be application/scim+json or application/json, not ${type}`)));
      }
      let problem: string | undefined;
      try {
        // Fatal decoding: invalid UTF-8 is refused rather than stored as U+FFFD (RFC 8259 §8.1).
        body = JSON.parse(UTF8.decode(raw));
        // Everything after this point (redaction, PATCH, comparison) walks the value recursively.
        if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) problem = `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`;
      } catch {
        problem = 'The request body is not valid JSON (UTF-8)';
      }
      if (problem !== undefined) {
        body = undefined;
        start.requestBody = storedRequestBody(raw, undefined, SECRET_ATTRIBUTES);
        return finish(errorAnswer(badRequest('invalidSyntax', problem)));
      }
    }
    start.requestBody = storedRequestBody(raw, body, SECRET_ATTRIBUTES);

    const base = `${origin}/scim/v2/${connection.slug}`;
    const writeCtx = (exchangeId: number): WriteContext => ({ connectionId: connection.id, exchangeId, now: receivedAt, actor: null });

    /** A write: exchange row, state change, events and the exchange's outcome in one transaction. */
    const write = (fn: (ctx: WriteContext) => Answer): void => {
      let answer: Answer;
      let text: string | null = null;
      try {
        answer = store.write(() => {
          const id = exchanges.begin(start);
          const a = fn(writeCtx(id));
          text = a.body === undefined ? null : JSON.stringify(a.body);
          exchanges.finish(id, { status: a.status, responseBody: text, latencyMs: performance.now() - t0 });
          return a;
        });
      } catch (err) {
        if (err instanceof ScimError) return finish(errorAnswer(err));
        throw err;
      }
      send(res, answer);
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
    const segments = rest.split('/').filter(Boolean).map((s) => safeDecode(s) ?? s);
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
        if (id === undefined) return finish({ status: 200, body: listResponse([resourceTypeToJson('User', base), resourceTypeToJson('Group', base)], 2, 1) });
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
            const rendered = renderRow(connection.id, type, row, projection, base);
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
          if (inm !== undefined && (inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, '')))) {
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
          if (type === 'User') row = method === 'PUT' ? resources.replaceUser(ctx, id, body, ifMatch) : resources.patchUser(ctx, id, body, ifMatch);
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
        ? renderUser(row as StoredUser, omits(p, 'groups') ? [] : resources.groupsOfUser(connectionId, row.id), base)
        : renderGroup(row as StoredGroup, omits(p, 'members') ? undefined : resources.membersOfGroup(connectionId, row.id), base);
    return project(full, p, type);
  }

  function list(connectionId: string, type: ResourceTypeName, get: (n: string) => unknown, p: Projection, base: string): Answer {
    const params = parseListParams(get, type);
    const needsRelations = params.filterText !== undefined && /groups|members/i.test(params.filterText);
    const render = (row: StoredUser | StoredGroup): JsonObject =>
      type === 'User'
        ? renderUser(row as StoredUser, needsRelations || !omits(p, 'groups') ? resources.groupsOfUser(connectionId, row.id) : [], base)
        : renderGroup(row as StoredGroup, needsRelations || !omits(p, 'members') ? resources.membersOfGroup(connectionId, row.id) : undefined, base);
    const result = listResources(store.db, type, connectionId, params, render);
    const rows = result.rows.map((r) => project(r, p, type));
    const isProbe = type === 'User' && result.total === 0 && params.filterText !== undefined && GUID.test(params.filterText);
    return { status: 200, body: listResponse(rows, result.total, params.startIndex), isProbe };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const allow = (err as { allow?: string }).allow;
      if (err instanceof ScimError && !res.headersSent) {
        send(res, { status: err.status, body: err.toBody(), headers: allow ? { Allow: allow } : undefined });
        return;
      }
      console.error(`rollcall: SCIM request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) send(res, { status: 500, body: new ScimError(500, undefined, 'Internal error').toBody() });
      else res.destroy();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  const address = await listen(server, options.port, options.host);
  origin = originOf(options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host, address.port);
  core.setScimOrigin(origin);
  return { origin, port: address.port, close: () => closeServer(server) };
}

function listResponse(resources: unknown[], total: number, startIndex: number): JsonObject {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** Whether parsed JSON nests arrays/objects deeper than `max` (iterative: safe on any input). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
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
