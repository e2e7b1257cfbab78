import { afterEach, describe, expect, it } from 'vitest';
import {
  DirectoryHttpError,
  HttpClient,
  oauthToken,
  redactUrl,
  serverRequestedDelayMs,
  staticAuth,
  type RetryWait,
} from '../../../src/main/directories/http';
import { bearer, formBody, startFakeServer, type FakeServer } from '../../fakes/base';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A client whose waits are recorded instead of slept. */
function client(extra: ConstructorParameters<typeof HttpClient>[0] = {}) {
  const waits: RetryWait[] = [];
  const http = new HttpClient({ sleep: async () => {}, random: () => 0.5, onWait: (w) => waits.push(w), ...extra });
  return { http, waits };
}

describe('directory HTTP layer', () => {
  it('retries 429 for as long as Retry-After says, then returns the JSON', async () => {
    server = await startFakeServer(() => ({ status: 200, body: { ok: 1 } }));
    server.fail({ status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'TooManyRequests' } } });
    const { http, waits } = client();
    const res = await http.getJson(`${server.url}/v1.0/users`);
    expect(res.body).toEqual({ ok: 1 });
    expect(waits).toEqual([expect.objectContaining({ status: 429, delayMs: 7000, attempt: 0 })]);
    expect(http.requests).toBe(2);
  });

  it('waits for Okta’s X-Rate-Limit-Reset, judged by the server’s Date, and pre-emptively when the quota is spent', async () => {
    const serverNow = Date.parse('2026-03-02T09:00:00Z');
    const date = new Date(serverNow).toUTCString();
    server = await startFakeServer(() => ({
      status: 200,
      headers: { date, 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(serverNow / 1000 + 30) },
      body: [],
    }));
    server.fail({
      status: 429,
      headers: { date, 'x-rate-limit-reset': String(serverNow / 1000 + 12) },
      body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
    });
    const local = Date.parse('2026-03-02T09:00:05Z'); // our clock is 5 s ahead of the server's: ignore it
    const { http, waits } = client({ now: () => local, describeError: (_s, b) => (b as { errorSummary?: string }).errorSummary ?? null });
    await http.getJson(`${server.url}/api/v1/users`);
    expect(waits[0]).toMatchObject({ status: 429, delayMs: 13_000, reason: 'API call exceeded rate limit due to too many requests.' });
    // remaining 0 → the next request waits until the reset before it is sent
    await http.getJson(`${server.url}/api/v1/users`);
    expect(waits[1]).toMatchObject({ status: null, reason: 'rate limit quota spent' });
    expect(waits[1]!.delayMs).toBeGreaterThan(0);
  });

  it('retries 5xx and network failures with capped exponential backoff, then gives up clearly', async () => {
    server = await startFakeServer(() => ({ status: 200, body: {} }));
    server.fail({ status: 503, times: 2 });
    server.fail({ drop: true });
    const { http, waits } = client();
    await http.getJson(`${server.url}/x`);
    expect(waits.map((w) => w.delayMs)).toEqual([375, 750, 1500]); // base 500 · 2^n, jitter between half and full
    server.fail({ status: 502, times: 100 });
    const { http: h2 } = client({ retries: 2 });
    const err = await h2.getJson(`${server.url}/x`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryHttpError);
    expect(err).toMatchObject({ kind: 'server', status: 502, message: expect.stringMatching(/HTTP 502 \(gave up after 3 attempts\)/) });
  });

  it('times out a hanging answer and retries', async () => {
    server = await startFakeServer(() => ({ status: 200, body: { ok: true } }));
    server.fail({ hang: true });
    const { http, waits } = client({ timeoutMs: 200 });
    expect((await http.getJson(`${server.url}/x`)).body).toEqual({ ok: true });
    expect(waits[0]!.reason).toBe('no answer within 200 ms');
  });

  it('uses a provider hook for throttles hidden in 403s (Google) and fails other 403s as permission denied', async () => {
    server = await startFakeServer(() => ({ status: 200, body: {} }));
    const quota = { error: { code: 403, message: 'Quota exceeded', errors: [{ reason: 'rateLimitExceeded' }] } };
    server.fail({ status: 403, body: quota });
    const isRetryable = (_s: number, b: unknown) => (b as typeof quota | null)?.error?.errors?.[0]?.reason === 'rateLimitExceeded';
    const { http, waits } = client({ isRetryable, describeError: (_s, b) => (b as typeof quota).error.message });
    await http.getJson(`${server.url}/x`);
    expect(waits).toHaveLength(1);
    server.fail({
      status: 403,
      body: { error: { code: 403, message: 'Not Authorized to access this resource/api', errors: [{ reason: 'forbidden' }] } },
    });
    await expect(http.getJson(`${server.url}/x`)).rejects.toMatchObject({
      kind: 'auth',
      message: expect.stringMatching(/permission denied \(Not Authorized/),
    });
  });

  it('fails 4xx at once with the provider’s message, and a non-JSON 200 as malformed', async () => {
    server = await startFakeServer(() => ({ status: 200, body: '<html>login</html>', headers: { 'content-type': 'text/html' } }));
    const { http, waits } = client({ describeError: (_s, b) => (b as { error?: { message?: string } }).error?.message ?? null });
    await expect(http.getJson(`${server.url}/x`)).rejects.toMatchObject({ kind: 'malformed', message: expect.stringMatching(/not JSON/) });
    server.fail({ status: 400, body: { error: { message: 'Invalid filter clause' } } });
    await expect(http.getJson(`${server.url}/x`)).rejects.toMatchObject({
      kind: 'http',
      status: 400,
      message: expect.stringMatching(/Invalid filter clause/),
    });
    expect(waits).toEqual([]);
  });

  it('mints OAuth tokens once, caches them, refreshes on 401 once, and then reports rejected credentials', async () => {
    let minted = 0;
    let valid = new Set<string>();
    server = await startFakeServer((req) => {
      if (req.url.pathname === '/token') {
        const form = formBody(req.body);
        if (form.client_secret !== 's3cret') return { status: 401, body: { error: 'invalid_client', error_description: 'bad secret' } };
        const token = `t${++minted}`;
        valid.add(token);
        return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
      }
      return valid.has(bearer(req.headers) ?? '')
        ? { status: 200, body: { who: bearer(req.headers) } }
        : { status: 401, body: { error: 'expired' } };
    });
    const auth = oauthToken({
      tokenUrl: `${server.url}/token`,
      form: () => ({ grant_type: 'client_credentials', client_secret: 's3cret' }),
    });
    const { http } = client({ auth });
    expect((await http.getJson(`${server.url}/a`)).body).toEqual({ who: 't1' });
    expect((await http.getJson(`${server.url}/b`)).body).toEqual({ who: 't1' });
    expect(auth.minted).toBe(1);
    valid = new Set(); // the server forgot every token (expired, revoked)
    expect((await http.getJson(`${server.url}/c`)).body).toEqual({ who: 't2' });
    expect(auth.minted).toBe(2);
    // a token that is refused right after minting: one refresh, then a clear failure
    server.fail({ status: 401, match: /GET \/d/, times: 5, body: { error: 'nope' } });
    await expect(http.getJson(`${server.url}/d`)).rejects.toMatchObject({
      kind: 'auth',
      message: expect.stringMatching(/credentials rejected/),
    });
    expect(auth.minted).toBe(3);
    // a refused token request is an auth error that names the endpoint, never the secret
    const bad = oauthToken({ tokenUrl: `${server.url}/token`, form: () => ({ grant_type: 'client_credentials', client_secret: 'wrong' }) });
    const err = (await client({ auth: bad })
      .http.getJson(`${server.url}/a`)
      .catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ kind: 'auth', message: expect.stringMatching(/token request refused/) });
    expect(err.message).not.toContain('wrong');
  });

  it('sends a static header as is and does not retry a 401 for it', async () => {
    server = await startFakeServer((req) => ({
      status: req.headers.authorization === 'SSWS good' ? 200 : 401,
      body: { errorSummary: 'Invalid token provided' },
    }));
    const { http } = client({ auth: staticAuth('SSWS bad'), describeError: (_s, b) => (b as { errorSummary: string }).errorSummary });
    await expect(http.getJson(`${server.url}/api/v1/users`)).rejects.toMatchObject({
      kind: 'auth',
      message: expect.stringMatching(/credentials rejected \(Invalid token provided\)/),
    });
    expect(server.log).toHaveLength(1);
  });

  it('cancels a wait when the sync is aborted', async () => {
    server = await startFakeServer(() => ({ status: 429, headers: { 'retry-after': '3600' }, body: {} }));
    const http = new HttpClient();
    const controller = new AbortController();
    const pending = http.getJson(`${server.url}/x`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('parses server-requested delays and redacts secrets from URLs', () => {
    const now = Date.parse('2026-03-02T09:00:00Z');
    expect(serverRequestedDelayMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(serverRequestedDelayMs(new Headers({ 'retry-after': 'Mon, 02 Mar 2026 09:00:10 GMT' }), now)).toBe(10_000);
    expect(serverRequestedDelayMs(new Headers({ 'x-rate-limit-reset': `${now / 1000 + 4}, ${now / 1000 + 4}` }), now)).toBe(5000);
    expect(serverRequestedDelayMs(new Headers({}), now)).toBeNull();
    expect(redactUrl('https://user:pw@x.test/p?access_token=abc&after=00u1&key=k')).toBe(
      'https://x.test/p?access_token=REDACTED&after=00u1&key=REDACTED',
    );
  });

  it('builds a token request’s form afresh for every attempt (a retried assertion is a new one)', async () => {
    const seen: string[] = [];
    server = await startFakeServer((req) => {
      if (req.url.pathname === '/token') {
        seen.push(formBody(req.body).client_assertion!);
        return { status: 200, body: { access_token: 'ok', expires_in: 60 } };
      }
      return { status: 200, body: {} };
    });
    server.fail({ match: /POST \/token/, status: 503, times: 2 });
    let n = 0;
    const auth = oauthToken({
      tokenUrl: `${server.url}/token`,
      form: () => ({ grant_type: 'client_credentials', client_assertion: `jwt-${++n}` }),
    });
    await client({ auth }).http.getJson(`${server.url}/x`);
    expect(n).toBe(3);
    expect(seen).toEqual(['jwt-3']); // the two refused attempts carried jwt-1 and jwt-2
    expect(server.log.filter((l) => l.path === '/token')).toHaveLength(3);
  });
});
