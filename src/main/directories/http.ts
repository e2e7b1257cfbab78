/**
 * The one HTTP layer every directory provider uses: JSON requests with authentication, retries
 * and rate-limit handling, over an injectable fetch (plain Node fetch under `serve`; the desktop
 * shell may pass Electron's net.fetch, which honours the system proxy).
 *
 * Retry signals, implemented once: `Retry-After` (seconds or an HTTP date: Graph, Google),
 * `X-Rate-Limit-Reset` (epoch seconds: Okta, also honoured pre-emptively when
 * `X-Rate-Limit-Remaining` reaches 0), provider-specific throttles through `isRetryable` (Google's
 * 403 rateLimitExceeded), 5xx, and network errors/timeouts — with capped exponential backoff and
 * full jitter. A 401 invalidates the cached token and is retried once; a second 401 fails with a
 * clear error. Errors never carry credentials.
 */

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface AuthScheme {
  /** The Authorization header value (a cached token, minted or refreshed as needed). */
  header(http: HttpClient, signal: AbortSignal): Promise<string>;
  /** The server refused the header: drop any cached token. False if nothing would change (a static API token). */
  invalidate(): boolean;
}

export interface RetryWait {
  url: string;
  status: number | null;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface HttpClientOptions {
  auth?: AuthScheme | null;
  fetch?: FetchLike;
  /** Retries after the first attempt for throttling, 5xx and network errors (default 6). */
  retries?: number;
  baseDelayMs?: number;
  /** No single wait is longer than this (default 60 s), whatever the server asks for. */
  maxDelayMs?: number;
  /** Per request, including reading the body (default 30 s). */
  timeoutMs?: number;
  /** Provider-specific transient failures besides 429/5xx (e.g. Google 403 rateLimitExceeded). */
  isRetryable?: (status: number, body: unknown) => boolean;
  /** Provider-specific: a readable message from an error body. */
  describeError?: (status: number, body: unknown) => string | null;
  /** Called before every wait (progress, logs). */
  onWait?: (wait: RetryWait) => void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /**
   * An application/x-www-form-urlencoded body (token requests). A function is called again for
   * every attempt: a retried token request must not resend a signed assertion whose `jti` the
   * server has already seen (Okta refuses a replayed client assertion).
   */
  form?: Record<string, string> | (() => Record<string, string>);
  /** Send the Authorization header (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  body: T;
  url: string;
}

export type HttpErrorKind = 'auth' | 'throttled' | 'server' | 'network' | 'http' | 'malformed' | 'aborted';

export class DirectoryHttpError extends Error {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly url: string | null = null,
    /** The parsed error body the server sent, for providers that act on its code (never shown). */
    readonly body: unknown = undefined,
  ) {
    super(message);
    this.name = 'DirectoryHttpError';
  }
}

const SECRET_PARAMS = /^(access_token|client_secret|client_assertion|assertion|key|token|api_key|apikey|code)$/i;

/** A URL safe to show in errors and logs: no credentials, no secret-looking query parameters. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (SECRET_PARAMS.test(k)) u.searchParams.set(k, 'REDACTED');
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Retry-After as seconds or an HTTP date; X-Rate-Limit-Reset as epoch seconds (judged by the server's Date). */
export function serverRequestedDelayMs(headers: Headers, nowMs: number): number | null {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const s = Number(retryAfter);
    if (Number.isFinite(s) && s >= 0) return s * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = headers.get('x-rate-limit-reset');
  if (reset !== null) {
    // Okta may repeat the header; the first value is as good as any.
    const resetS = Number(reset.split(',')[0]!.trim());
    if (Number.isFinite(resetS) && resetS > 0) {
      const serverNow = Date.parse(headers.get('date') ?? '');
      const base = Number.isNaN(serverNow) ? nowMs : serverNow;
      return Math.max(0, resetS * 1000 - base) + 1000; // reset is whole seconds: wait into the next one
    }
  }
  return null;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

export class HttpClient {
  private readonly fetchImpl: FetchLike;
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  /** Okta: the quota is spent until this time (epoch ms); the next request waits. */
  private notBefore = 0;
  /** Requests sent, retries included (for the benchmark and the progress report). */
  requests = 0;
  /** Called before every wait; the sync engine points it at its progress report. */
  onWait: ((wait: RetryWait) => void) | undefined;

  constructor(private readonly options: HttpClientOptions = {}) {
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.retries = options.retries ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.onWait = options.onWait;
  }

  async getJson<T = unknown>(url: string, options: Omit<RequestOptions, 'method'> = {}): Promise<HttpResponse<T>> {
    return this.request<T>(url, { ...options, method: 'GET' });
  }

  async request<T = unknown>(url: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const signal = options.signal ?? new AbortController().signal;
    const shown = redactUrl(url);
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new DirectoryHttpError('aborted', `request to ${shown} was cancelled`, null, shown);
      const wait = this.notBefore - this.now();
      if (wait > 0) {
        this.notBefore = 0;
        await this.wait(
          { url: shown, status: null, attempt, delayMs: Math.min(wait, this.maxDelayMs), reason: 'rate limit quota spent' },
          signal,
        );
      }

      let res: Response;
      let text: string;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      try {
        const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
        if (options.auth !== false && this.options.auth) headers.authorization = await this.options.auth.header(this, signal);
        let body: string | undefined;
        if (options.json !== undefined) {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(options.json);
        } else if (options.form) {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = new URLSearchParams(typeof options.form === 'function' ? options.form() : options.form).toString();
        }
        this.requests++;
        res = await this.fetchImpl(url, {
          method: options.method ?? 'GET',
          headers,
          body,
          redirect: 'follow',
          signal: AbortSignal.any([signal, timeout]),
        });
        text = await res.text();
      } catch (err) {
        if (err instanceof DirectoryHttpError) throw err;
        if (signal.aborted) throw new DirectoryHttpError('aborted', `request to ${shown} was cancelled`, null, shown);
        const reason = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : networkReason(err);
        if (attempt >= this.retries)
          throw new DirectoryHttpError('network', `${shown}: ${reason} (gave up after ${attempt + 1} attempts)`, null, shown);
        await this.wait({ url: shown, status: null, attempt, delayMs: this.backoff(attempt), reason }, signal);
        continue;
      }

      let body: unknown = null;
      let malformed = false;
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          malformed = true;
        }
      }

      if (res.ok) {
        if (malformed)
          throw new DirectoryHttpError('malformed', `${shown} answered ${res.status} with a body that is not JSON`, res.status, shown);
        this.noteQuota(res.headers);
        return { status: res.status, headers: res.headers, body: body as T, url };
      }

      if (res.status === 401 && options.auth !== false && this.options.auth && !reauthenticated && this.options.auth.invalidate()) {
        reauthenticated = true;
        continue;
      }
      const described = (!malformed && this.options.describeError?.(res.status, body)) || `HTTP ${res.status}`;
      if (res.status === 401)
        throw new DirectoryHttpError('auth', `${shown}: credentials rejected (${described})`, res.status, shown, body);
      if (res.status === 403 && !(this.options.isRetryable?.(res.status, body) ?? false)) {
        throw new DirectoryHttpError('auth', `${shown}: permission denied (${described})`, res.status, shown, body);
      }
      const retryable = RETRY_STATUS.has(res.status) || (this.options.isRetryable?.(res.status, body) ?? false);
      if (!retryable) throw new DirectoryHttpError('http', `${shown}: ${described}`, res.status, shown, body);
      const kind: HttpErrorKind = res.status >= 500 ? 'server' : 'throttled';
      if (attempt >= this.retries)
        throw new DirectoryHttpError(kind, `${shown}: ${described} (gave up after ${attempt + 1} attempts)`, res.status, shown, body);
      const asked = serverRequestedDelayMs(res.headers, this.now());
      const delayMs = Math.min(this.maxDelayMs, asked !== null ? asked : this.backoff(attempt));
      await this.wait({ url: shown, status: res.status, attempt, delayMs, reason: described }, signal);
    }
  }

  /** Capped exponential backoff with full jitter. */
  private backoff(attempt: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  private noteQuota(headers: Headers): void {
    const remaining = headers.get('x-rate-limit-remaining');
    if (remaining === null || Number(remaining.split(',')[0]) > 0) return;
    const delay = serverRequestedDelayMs(
      new Headers({ 'x-rate-limit-reset': headers.get('x-rate-limit-reset') ?? '', date: headers.get('date') ?? '' }),
      this.now(),
    );
    if (delay !== null) this.notBefore = this.now() + delay;
  }

  private async wait(info: RetryWait, signal: AbortSignal): Promise<void> {
    this.onWait?.(info);
    try {
      await this.sleep(info.delayMs, signal);
    } catch {
      throw new DirectoryHttpError('aborted', `request to ${info.url} was cancelled`, null, info.url);
    }
  }
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `network error ${cause.code}`;
  return `network error: ${err instanceof Error ? err.message : String(err)}`;
}

/** A fixed Authorization header (Okta SSWS API token). */
export function staticAuth(headerValue: string): AuthScheme {
  return { header: async () => headerValue, invalidate: () => false };
}

export interface OAuthTokenOptions {
  tokenUrl: string;
  /** The form to POST, built afresh for every token request (a new signed assertion each time). */
  form: () => Record<string, string>;
  /** Extra headers on the token request (e.g. HTTP Basic client authentication). */
  headers?: Record<string, string>;
  /** Refresh this long before the token expires (default 60 s). */
  skewMs?: number;
  now?: () => number;
}

/**
 * An OAuth 2.0 access token from a token endpoint (client credentials with a secret or a signed
 * assertion, or Google's JWT bearer grant), cached until shortly before it expires.
 */
export function oauthToken(options: OAuthTokenOptions): AuthScheme & { readonly minted: number } {
  const now = options.now ?? Date.now;
  let cached: { value: string; expiresAt: number } | null = null;
  let inflight: Promise<string> | null = null;
  const state = {
    minted: 0,
    async header(http: HttpClient, signal: AbortSignal): Promise<string> {
      if (cached && now() < cached.expiresAt - (options.skewMs ?? 60_000)) return cached.value;
      inflight ??= mint(http, signal).finally(() => {
        inflight = null;
      });
      return inflight;
    },
    invalidate(): boolean {
      cached = null;
      return true;
    },
  };
  const mint = async (http: HttpClient, signal: AbortSignal): Promise<string> => {
    let res: HttpResponse;
    try {
      res = await http.request(options.tokenUrl, { method: 'POST', form: options.form, headers: options.headers, auth: false, signal });
    } catch (err) {
      if (err instanceof DirectoryHttpError && (err.kind === 'http' || err.kind === 'auth')) {
        throw new DirectoryHttpError('auth', `token request refused: ${err.message}`, err.status, err.url);
      }
      throw err;
    }
    const body = res.body as { access_token?: unknown; token_type?: unknown; expires_in?: unknown } | null;
    if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new DirectoryHttpError(
        'malformed',
        `${redactUrl(options.tokenUrl)} answered without an access_token`,
        res.status,
        redactUrl(options.tokenUrl),
      );
    }
    const expiresIn = Number(body.expires_in);
    const type = typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer' ? body.token_type : 'Bearer';
    const value = `${type} ${body.access_token}`;
    cached = { value, expiresAt: now() + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000 };
    state.minted++;
    return value;
  };
  return state;
}
