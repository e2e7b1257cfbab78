/**
 * Relay mode's way to the app: the upstream's settings (non-secret part in sources.config, the
 * credentials sealed with the host's SecretStore in sources.secret) and the HTTP client that
 * forwards one SCIM request with the app's credentials in place of the IdP's.
 *
 * The client keeps connections alive (a relay adds one hop to every provisioning request; a new
 * TCP + TLS handshake each time would dominate it), gives every request one deadline that covers
 * the token fetch, the connection and the whole answer, and says *why* a forward failed
 * (refused, timeout, TLS, DNS, reset, oversized answer, token endpoint), which decides whether the
 * IdP hears 502 or 504 and whether an alert goes out.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { DEFAULT_UPSTREAM_TIMEOUT_MS, MAX_UPSTREAM_TIMEOUT_MS, MIN_UPSTREAM_TIMEOUT_MS, type UpstreamInput } from '../../shared/contract';
import { APP_VERSION } from '../core/version';

/** The largest answer the relay accepts from an app (a list page of 1,000 users is ~2 MiB). */
export const MAX_UPSTREAM_BODY = 16 * 1024 * 1024;

const storedAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bearer') }),
  z.object({ kind: z.literal('basic'), username: z.string() }),
  z.object({ kind: z.literal('oauth'), tokenUrl: z.string(), clientId: z.string(), scope: z.string().optional() }),
]);

/** The part of an upstream kept in sources.config (readable; nothing secret). */
export const storedUpstreamSchema = z.object({
  baseUrl: z.string(),
  auth: storedAuthSchema,
  timeoutMs: z.number().int().min(MIN_UPSTREAM_TIMEOUT_MS).max(MAX_UPSTREAM_TIMEOUT_MS),
  headerNames: z.array(z.string()),
  caPem: z.string().optional(),
  tlsVerify: z.boolean(),
});
export type StoredUpstream = z.infer<typeof storedUpstreamSchema>;

/** The sealed part: credentials and extra header values. */
export const upstreamSecretsSchema = z.object({
  token: z.string().optional(),
  password: z.string().optional(),
  clientSecret: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type UpstreamSecrets = z.infer<typeof upstreamSecretsSchema>;

/** Splits what the admin entered into the stored settings and the secrets to seal. */
export function splitUpstream(input: UpstreamInput): { stored: StoredUpstream; secrets: UpstreamSecrets } {
  const { auth } = input;
  const headers = input.headers ?? {};
  const stored: StoredUpstream = {
    baseUrl: input.baseUrl.replace(/\/+$/, ''),
    auth:
      auth.kind === 'bearer'
        ? { kind: 'bearer' }
        : auth.kind === 'basic'
          ? { kind: 'basic', username: auth.username }
          : { kind: 'oauth', tokenUrl: auth.tokenUrl, clientId: auth.clientId, ...(auth.scope ? { scope: auth.scope } : {}) },
    timeoutMs: input.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    headerNames: Object.keys(headers),
    ...(input.caPem ? { caPem: input.caPem } : {}),
    tlsVerify: input.tlsVerify ?? true,
  };
  const secrets: UpstreamSecrets = {
    ...(auth.kind === 'bearer' ? { token: auth.token } : {}),
    ...(auth.kind === 'basic' ? { password: auth.password } : {}),
    ...(auth.kind === 'oauth' ? { clientSecret: auth.clientSecret } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
  };
  return { stored, secrets };
}

/** The upstream of a connection's stored config, or null for a store-mode connection. */
export function storedUpstreamOf(config: unknown): StoredUpstream | null {
  const upstream = (config as { upstream?: unknown } | null)?.upstream;
  if (upstream === undefined || upstream === null) return null;
  return storedUpstreamSchema.parse(upstream);
}

export type UpstreamFailure = 'timeout' | 'refused' | 'tls' | 'dns' | 'reset' | 'too-large' | 'token' | 'network';

/** A forward that got no usable answer; `kind` says why (the IdP gets 504 for a timeout, else 502). */
export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
    /** The token endpoint refused the client's credentials (as a 401/403 from the app would). */
    readonly credentialsRejected = false,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamRequest {
  method: string;
  /** Below the base URL, as the IdP sent it (still percent-encoded), e.g. `/Users/2819c223`. */
  path: string;
  query: string | null;
  headers: Record<string, string>;
  body: Buffer | null;
}

export interface UpstreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  latencyMs: number;
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH|ERR_OSSL)/;

function classify(err: NodeJS.ErrnoException): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return new UpstreamError('refused', `connection refused (${err.message})`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UpstreamError('dns', `host not found (${err.message})`);
  if (TLS_CODES.test(code) || /certificate|SSL|TLS/i.test(err.message)) return new UpstreamError('tls', `TLS failed: ${err.message}`);
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(err.message)) {
    return new UpstreamError('reset', `the connection was closed before an answer (${err.message})`);
  }
  return new UpstreamError('network', err.message || code || 'network error');
}

interface RawOptions {
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  agent: http.Agent;
  deadline: number;
  maxBody: number;
}

/** One HTTP exchange with a hard deadline; a stale kept-alive socket is retried once on a new one. */
async function rawRequest(url: URL, options: RawOptions): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  try {
    return await rawOnce(url, options);
  } catch (err) {
    const e = err as { reusedSocket?: boolean };
    // The app closed an idle kept-alive connection just as we reused it: the request almost
    // certainly never reached it, so one retry on a fresh connection is invisible to the IdP.
    // Not for POST: were the app to have created the resource after all, a retry would create it twice.
    if (
      e.reusedSocket &&
      options.method !== 'POST' &&
      err instanceof UpstreamError &&
      err.kind === 'reset' &&
      performance.now() < options.deadline
    ) {
      return await rawOnce(url, options);
    }
    throw err;
  }
}

function rawOnce(url: URL, o: RawOptions): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { ...o.headers };
    if (o.body !== null) headers['Content-Length'] = o.body.length;
    const req = transport.request(url, { method: o.method, headers, agent: o.agent });
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const e = classify(err as NodeJS.ErrnoException);
      reject(Object.assign(e, { reusedSocket: req.reusedSocket }));
    };
    const left = Math.max(0, o.deadline - performance.now());
    const timer = setTimeout(() => {
      const e = new UpstreamError('timeout', `no answer within ${Math.round(left)} ms`);
      fail(e);
      req.destroy(e);
    }, left);
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > o.maxBody) {
          const e = new UpstreamError('too-large', `the answer is larger than ${o.maxBody} bytes`);
          fail(e);
          req.destroy(e);
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(new UpstreamError('reset', 'the answer was cut off')));
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return fail(new UpstreamError('reset', 'the answer was cut off'));
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.end(o.body ?? undefined);
  });
}

/** The upstream of one connection: its agent, its credentials and (OAuth) its cached token. */
export class UpstreamClient {
  private readonly agent: http.Agent;
  private readonly base: URL;
  private token: { value: string; expiresAt: number } | null = null;
  private tokenFetch: Promise<string> | null = null;
  /** Tokens fetched so far (tests and the test-connection call report it). */
  tokensFetched = 0;

  constructor(
    readonly config: StoredUpstream,
    private readonly secrets: UpstreamSecrets,
    private readonly clock: () => number = Date.now,
  ) {
    this.base = new URL(config.baseUrl);
    const tls = { rejectUnauthorized: config.tlsVerify, ...(config.caPem ? { ca: config.caPem } : {}) };
    // Sockets stay open between requests; idle ones are dropped after 30 s (apps commonly close
    // theirs after 5–60 s; a socket reused as the app closes it is retried once, see rawRequest).
    const agentOptions = { keepAlive: true, maxSockets: 64, maxFreeSockets: 64, timeout: 30_000 };
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ ...agentOptions, ...tls }) : new http.Agent(agentOptions);
  }

  /** The URL the relay uses for a path below the base (what Location headers are rewritten from). */
  get baseUrl(): string {
    return this.config.baseUrl;
  }

  async send(request: UpstreamRequest): Promise<UpstreamAnswer> {
    const t0 = performance.now();
    const deadline = t0 + this.config.timeoutMs;
    const url = new URL(this.base.href);
    url.pathname = `${this.base.pathname.replace(/\/+$/, '')}${request.path}`;
    url.search = request.query ? `?${request.query}` : '';
    const send = async (authorization: string | null) => {
      const headers: Record<string, string> = { 'User-Agent': `Rollcall/${APP_VERSION} (SCIM relay)`, ...request.headers };
      for (const name of this.config.headerNames) {
        const value = this.secrets.headers?.[name];
        if (value !== undefined) headers[name] = value;
      }
      if (authorization !== null) headers.Authorization = authorization;
      return rawRequest(url, {
        method: request.method,
        headers,
        body: request.body,
        agent: this.agent,
        deadline,
        maxBody: MAX_UPSTREAM_BODY,
      });
    };
    const first = await this.authorization(deadline);
    let answer = await send(first.value);
    // An OAuth token the app stopped accepting (revoked, or expired early): fetch a new one once.
    if (answer.status === 401 && this.config.auth.kind === 'oauth' && first.cached) {
      this.token = null;
      answer = await send((await this.authorization(deadline)).value);
    }
    return { ...answer, latencyMs: performance.now() - t0 };
  }

  /** The Authorization header value, and whether it came from the token cache. */
  private async authorization(deadline: number): Promise<{ value: string | null; cached: boolean }> {
    const auth = this.config.auth;
    if (auth.kind === 'bearer') return { value: this.secrets.token ? `Bearer ${this.secrets.token}` : null, cached: false };
    if (auth.kind === 'basic') {
      const pair = `${auth.username}:${this.secrets.password ?? ''}`;
      return { value: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`, cached: false };
    }
    if (this.token && this.token.expiresAt > this.clock()) return { value: `Bearer ${this.token.value}`, cached: true };
    // One fetch at a time: a burst of requests at expiry shares the new token.
    this.tokenFetch ??= this.fetchToken(auth, deadline).finally(() => {
      this.tokenFetch = null;
    });
    return { value: `Bearer ${await this.tokenFetch}`, cached: false };
  }

  private async fetchToken(auth: Extract<StoredUpstream['auth'], { kind: 'oauth' }>, deadline: number): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    // RFC 6749 §2.3.1: client credentials in HTTP Basic, each form-urlencoded first.
    const basic = Buffer.from(
      `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(this.secrets.clientSecret ?? '')}`,
      'utf8',
    ).toString('base64');
    let url: URL;
    try {
      url = new URL(auth.tokenUrl);
    } catch {
      throw new UpstreamError('token', `the token URL "${auth.tokenUrl}" is not a URL`);
    }
    const sameOrigin = url.origin === this.base.origin;
    const agent = sameOrigin ? this.agent : this.tokenAgent(url);
    let answer;
    try {
      answer = await rawRequest(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          Authorization: `Basic ${basic}`,
          'User-Agent': `Rollcall/${APP_VERSION} (SCIM relay)`,
        },
        body: Buffer.from(form.toString(), 'utf8'),
        agent,
        deadline,
        maxBody: 1024 * 1024,
      });
    } catch (err) {
      const e = err as UpstreamError;
      throw new UpstreamError(e.kind === 'timeout' ? 'timeout' : 'token', `the token endpoint could not be reached: ${e.message}`);
    } finally {
      if (!sameOrigin) agent.destroy();
    }
    let parsed: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      parsed = JSON.parse(answer.body.toString('utf8')) as typeof parsed;
    } catch {
      // reported below
    }
    if (answer.status < 200 || answer.status > 299 || typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      const why =
        typeof parsed.error === 'string'
          ? `: ${parsed.error}${typeof parsed.error_description === 'string' ? ` (${parsed.error_description.slice(0, 200)})` : ''}`
          : '';
      const rejected = answer.status === 400 || answer.status === 401 || answer.status === 403;
      throw new UpstreamError('token', `the token endpoint answered ${answer.status}${why}`, rejected);
    }
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 3600;
    // Renew a little before expiry (a tenth of the lifetime, at most a minute) so no request
    // carries a token that expires on its way.
    const margin = Math.min(60, lifetime / 10);
    this.token = { value: parsed.access_token, expiresAt: this.clock() + (lifetime - margin) * 1000 };
    this.tokensFetched++;
    return parsed.access_token;
  }

  private tokenAgent(url: URL): http.Agent {
    if (url.protocol !== 'https:') return new http.Agent();
    return new https.Agent({ rejectUnauthorized: this.config.tlsVerify, ...(this.config.caPem ? { ca: this.config.caPem } : {}) });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * The client of a relay connection: its sealed credentials (sources.secret) decrypted with the
 * host's secret store. Errors say what to do, never what the credentials are.
 */
export async function openUpstreamClient(
  db: Database.Database,
  secretStore: { decrypt(ciphertext: Buffer): Promise<string> },
  connectionId: string,
  upstream: StoredUpstream,
): Promise<UpstreamClient> {
  const sealed = db.prepare<[string], { secret: Buffer | null }>('SELECT secret FROM sources WHERE id = ?').get(connectionId)?.secret;
  if (!sealed) throw new UpstreamError('token', 'the connection has no stored upstream credentials; remove it and add it again');
  let secrets: UpstreamSecrets;
  try {
    secrets = upstreamSecretsSchema.parse(JSON.parse(await secretStore.decrypt(sealed)));
  } catch {
    throw new UpstreamError('token', 'the stored upstream credentials cannot be decrypted on this machine; add the connection again');
  }
  return new UpstreamClient(upstream, secrets);
}

/** What the API shows of an upstream: settings, never a credential. */
export function upstreamView(stored: StoredUpstream): {
  baseUrl: string;
  authKind: StoredUpstream['auth']['kind'];
  timeoutMs: number;
  headerNames: string[];
  customCa: boolean;
  tlsVerify: boolean;
} {
  return {
    baseUrl: stored.baseUrl,
    authKind: stored.auth.kind,
    timeoutMs: stored.timeoutMs,
    headerNames: stored.headerNames,
    customCa: stored.caPem !== undefined,
    tlsVerify: stored.tlsVerify,
  };
}
