/**
 * The dashboard listener of the headless host: the built renderer as static files, the API as
 * `POST /api/<call>` and the push stream as Server-Sent Events on `GET /api/stream`.
 *
 * Security, in this order for every request:
 *  1. Host must name this machine (loopback names or the bound address) — defeats DNS rebinding;
 *     Origin, when sent, must be this server's own origin. Otherwise 403.
 *  2. Everything except the public files of the built UI needs `Authorization: Bearer <token>`,
 *     checked in constant time before any routing. Otherwise 401.
 *  3. No CORS headers are ever sent, so other sites' pages cannot read answers.
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Core } from '../core/core';
import { ConflictError, NotFoundError } from '../core/dispatch';
import type { ErrorCode } from '../../shared/contract';
import { CONTENT_SECURITY_POLICY } from '../../shared/security';
import { bearerToken, BodyTooLargeError, closeServer, listen, originOf, readBody, safeEqual } from './http-util';

export const API_BODY_LIMIT = 1024 * 1024;

export interface DashboardServerOptions {
  core: Core;
  token: string;
  host: string;
  port: number;
  /** Folder with the built renderer (index.html + assets); omitted in API-only tests. */
  staticDir?: string;
  /** Extra host names accepted in the Host header (e.g. a reverse proxy's name). */
  allowedHosts?: readonly string[];
  heartbeatMs?: number;
}

export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const STATUS_OF: Record<ErrorCode, number> = {
  invalid_input: 400,
  unknown_call: 404,
  not_found: 404,
  conflict: 409,
  internal: 500,
  unauthorized: 401,
  forbidden: 403,
  too_large: 413,
  method_not_allowed: 405,
  unsupported_media_type: 415,
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, extra: Record<string, string> = {}): void {
  sendJson(res, status, { ok: false, error: { code, message } }, extra);
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const { core } = options;
  const staticFiles = options.staticDir ? indexStaticFiles(options.staticDir) : new Map<string, string>();
  const streams = new Set<ServerResponse>();
  let port = 0;

  const allowedHostNames = new Set(['127.0.0.1', 'localhost', '[::1]', ...(options.allowedHosts ?? [])].map((h) => h.toLowerCase()));
  if (options.host !== '0.0.0.0' && options.host !== '::') {
    allowedHostNames.add((options.host.includes(':') ? `[${options.host}]` : options.host).toLowerCase());
  }

  function hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host?.toLowerCase();
    if (!host) return false;
    const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (!m) return false;
    const portOk = m[2] === undefined ? port === 80 : Number(m[2]) === port;
    return portOk && allowedHostNames.has(m[1]!);
  }

  function originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      const u = new URL(origin);
      return u.protocol === 'http:' && allowedHostNames.has(u.host.replace(/:\d+$/, '').toLowerCase()) && Number(u.port || 80) === port;
    } catch {
      return false;
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (pathname === '/api/stream') {
      if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'Use GET for the stream', { Allow: 'GET' });
      return openStream(req, res);
    }
    // Exports (issue #8): a finished export's files, behind the same token and Host/Origin checks.
    const download = /^\/api\/exports\/([0-9a-f]{24})\/(file|manifest)$/.exec(pathname);
    if (download) {
      if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'Use GET to download an export', { Allow: 'GET' });
      return sendExportFile(res, download[1]!, download[2] as 'file' | 'manifest');
    }
    const name = pathname.slice('/api/'.length);
    if (req.method !== 'POST') {
      await drain(req);
      return sendError(res, 405, 'method_not_allowed', 'API calls use POST', { Allow: 'POST', Connection: 'close' });
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      await drain(req);
      return sendError(res, 415, 'unsupported_media_type', 'API calls take Content-Type: application/json');
    }
    let input: unknown;
    try {
      const body = await readBody(req, API_BODY_LIMIT);
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendError(res, 413, 'too_large', err.message, { Connection: 'close' });
      return sendError(res, 400, 'invalid_input', 'The request body is not valid JSON');
    }
    const envelope = await core.dispatch(name, input);
    if (envelope.ok) return sendJson(res, 200, envelope);
    return sendJson(res, STATUS_OF[envelope.error.code], envelope);
  }

  async function sendExportFile(res: ServerResponse, id: string, which: 'file' | 'manifest'): Promise<void> {
    let files;
    try {
      files = core.exports.files(id);
    } catch (err) {
      if (err instanceof NotFoundError) return sendError(res, 404, 'not_found', err.message);
      if (err instanceof ConflictError) return sendError(res, 409, 'conflict', err.message);
      throw err;
    }
    const file = which === 'file' ? files.csv : files.manifest;
    const name = which === 'file' ? files.fileName : `${files.fileName}.manifest.json`;
    const size = fs.statSync(file).size;
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': which === 'file' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Content-Length': String(size),
      'Cache-Control': 'no-store',
    });
    await pipeline(fs.createReadStream(file), res);
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = core.onPush((message) => {
      res.write(`event: push\ndata: ${JSON.stringify(message)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), options.heartbeatMs ?? 15_000);
    heartbeat.unref();
    const done = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, file: string): void {
    const ext = path.extname(file);
    const headers: Record<string, string> = {
      ...COMMON_HEADERS,
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Cache-Control': ext === '.html' ? 'no-store' : 'public, max-age=31536000, immutable',
    };
    if (ext === '.html') headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
    const data = fs.readFileSync(file);
    headers['Content-Length'] = String(data.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      // A request refused before its body is read still has the body drained first (up to the
      // limit), or a keep-alive client could see a reset instead of our answer.
      const refuse = async (
        status: number,
        code: 'forbidden' | 'unauthorized' | 'not_found',
        message: string,
        extra: Record<string, string> = {},
      ): Promise<void> => {
        const closing = await drain(req);
        sendError(res, status, code, message, closing ? { ...extra, Connection: 'close' } : extra);
      };
      if (!hostAllowed(req)) return refuse(403, 'forbidden', 'Host not allowed');
      if (!originAllowed(req)) return refuse(403, 'forbidden', 'Origin not allowed');
      let pathname: string;
      try {
        pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      } catch {
        return sendError(res, 400, 'invalid_input', 'Bad request URL');
      }
      // The UI's own files are public (they hold no data); everything else needs the token.
      const publicFile = (req.method === 'GET' || req.method === 'HEAD') && staticFiles.get(pathname === '/' ? '/index.html' : pathname);
      if (publicFile) return serveStatic(req, res, publicFile);
      const token = bearerToken(req);
      if (token === undefined || !safeEqual(token, options.token)) {
        return refuse(401, 'unauthorized', 'A valid dashboard token is required', { 'WWW-Authenticate': 'Bearer' });
      }
      if (pathname.startsWith('/api/')) return handleApi(req, res, pathname);
      return refuse(404, 'not_found', 'Not found');
    })().catch((err: unknown) => {
      console.error(`rollcall: dashboard request failed: ${String(err)}`);
      if (!res.headersSent) sendError(res, 500, 'internal', 'Internal error');
      else res.destroy();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  const address = await listen(server, options.port, options.host);
  port = address.port;
  const url = originOf(options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host, port);

  return {
    url,
    port,
    async close() {
      for (const s of streams) s.end();
      await closeServer(server);
    },
  };
}

/** Reads and discards a request body; true when it was too large and the connection must close. */
async function drain(req: IncomingMessage): Promise<boolean> {
  if (req.complete) return false;
  try {
    await readBody(req, API_BODY_LIMIT);
    return false;
  } catch {
    return true;
  }
}

/** Maps URL paths to the files of the built UI, once at start (no path is ever joined from a request). */
function indexStaticFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(root)) return files;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(`/${path.relative(root, full).split(path.sep).join('/')}`, full);
    }
  };
  walk(root);
  return files;
}
