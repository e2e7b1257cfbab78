/**
 * What every fake IdP server shares: a node:http server on 127.0.0.1 (port 0), JSON helpers, a
 * request log, and scriptable faults (status + headers + body, a delay, a hang, garbage, or a
 * dropped connection) matched by method and path, each for a number of requests.
 *
 * Fakes are test, benchmark and demo infrastructure: only src/main/demo (`rollcall demo`) imports them.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Fault {
  /** Which requests: a regular expression on `${method} ${pathname}` (default: all). */
  match?: RegExp;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Skip this many matching requests first (fail page 3, not page 1). */
  after?: number;
  status?: number;
  headers?: Record<string, string>;
  /** JSON body (or a raw string sent as is, e.g. garbage). */
  body?: unknown;
  /** Delay before answering (the real handler answers afterwards unless a status is set). */
  delayMs?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Destroy the socket without answering. */
  drop?: boolean;
}

export interface FakeRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: unknown;
}

export type FakeHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface FakeServer {
  readonly url: string;
  /** Every request received, in order (method, path with query, authorization header present). */
  readonly log: { method: string; path: string; authorized: boolean }[];
  fail(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

interface ArmedFault extends Fault {
  remaining: number;
  skip: number;
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const faults: ArmedFault[] = [];
  const log: FakeServer['log'] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://fake.invalid');
        const method = req.method ?? 'GET';
        log.push({ method, path: url.pathname + url.search, authorized: typeof req.headers.authorization === 'string' });
        const key = `${method} ${url.pathname}`;
        const fault = faults.find((f) => f.remaining > 0 && (!f.match || f.match.test(key)) && f.skip-- <= 0);
        if (fault) fault.remaining--;
        if (fault?.hang) return;
        if (fault?.drop) {
          req.socket.destroy();
          return;
        }
        if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault?.status !== undefined) {
          send(res, { status: fault.status, headers: fault.headers, body: fault.body });
          return;
        }
        try {
          send(res, await handler({ method, url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
        } catch (err) {
          send(res, { status: 500, body: { error: `fake server bug: ${String(err)}` } });
        }
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    fail(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1, skip: fault.after ?? 0 });
    },
    clearFaults() {
      faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, r: FakeResponse): void {
  const headers: Record<string, string | string[]> = { ...r.headers };
  let payload = '';
  if (r.body !== undefined) {
    payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'date')) headers.date = new Date().toUTCString();
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** The bearer token in an Authorization header, or null. */
export function bearer(headers: http.IncomingHttpHeaders, scheme = 'Bearer'): string | null {
  const h = headers.authorization;
  if (typeof h !== 'string') return null;
  const prefix = `${scheme} `;
  return h.startsWith(prefix) ? h.slice(prefix.length) : null;
}

/** A form-encoded request body as an object. */
export function formBody(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}
