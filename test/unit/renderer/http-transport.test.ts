import { describe, expect, it, vi } from 'vitest';
import { createRollcallApi, RollcallApiError } from '../../../src/shared/client';
import {
  backoffDelay,
  createHttpTransport,
  envelopeFromResponse,
  UNAUTHORIZED_MESSAGE,
  type StreamState,
} from '../../../src/renderer/src/transports/http';

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

interface Recorded {
  url: string;
  init: RequestInit;
}

function fakeFetch(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Recorded[] = [];
  const fn = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init: init ?? {} });
    return answer(url, init ?? {});
  });
  return { calls, fetch: fn as unknown as typeof fetch };
}

describe('envelopeFromResponse', () => {
  it('passes a success envelope through', () => {
    expect(envelopeFromResponse(200, '{"ok":true,"value":{"a":1}}')).toEqual({
      ok: true,
      value: { a: 1 },
    });
  });

  it('passes contract errors through with their issues', () => {
    const body = {
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'bad',
        issues: [{ path: 'limit', message: 'too big' }],
      },
    };
    expect(envelopeFromResponse(400, JSON.stringify(body))).toEqual(body);
    expect(envelopeFromResponse(404, '{"ok":false,"error":{"code":"unknown_call","message":"no such call"}}')).toEqual({
      ok: false,
      error: { code: 'unknown_call', message: 'no such call' },
    });
  });

  it('turns 401 into the "open the printed link" message, whatever the body', () => {
    for (const body of ['{"ok":false,"error":{"code":"unauthorized","message":"A valid dashboard token is required"}}', 'nope', '']) {
      const e = envelopeFromResponse(401, body);
      expect(e).toEqual({
        ok: false,
        error: { code: 'invalid_input', message: UNAUTHORIZED_MESSAGE },
      });
    }
    expect(UNAUTHORIZED_MESSAGE).toContain('token missing or wrong');
    expect(UNAUTHORIZED_MESSAGE).toContain('rollcall serve');
  });

  it('keeps transport error codes, with messages that say what to do, and maps unknown codes by status', () => {
    const forbidden = envelopeFromResponse(403, '{"ok":false,"error":{"code":"forbidden","message":"Host not allowed"}}');
    expect(forbidden.ok).toBe(false);
    if (!forbidden.ok) {
      expect(forbidden.error.code).toBe('forbidden');
      expect(forbidden.error.message).toMatch(/Host or Origin/);
    }
    const tooLarge = envelopeFromResponse(413, '{"ok":false,"error":{"code":"too_large","message":"Body over 1 MiB"}}');
    expect(!tooLarge.ok && tooLarge.error.message).toMatch(/too large/);
    const conflict = envelopeFromResponse(409, '{"ok":false,"error":{"code":"weird","message":"Already there"}}');
    expect(conflict).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'Already there' },
    });
  });

  it('turns non-JSON answers into errors that name the status', () => {
    const e = envelopeFromResponse(502, '<html>Bad gateway</html>');
    expect(e.ok).toBe(false);
    if (!e.ok) {
      expect(e.error.code).toBe('internal');
      expect(e.error.message).toContain('502');
    }
    expect(envelopeFromResponse(404, 'Not found')).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(envelopeFromResponse(200, 'hello')).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });

  it('refuses JSON that is not an envelope, and a success body with an error status', () => {
    expect(envelopeFromResponse(200, '{"value":1}')).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
    expect(envelopeFromResponse(200, '[1,2]')).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
    expect(envelopeFromResponse(500, '{"ok":true,"value":1}')).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay, with jitter between half and all of it', () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(500);
    expect(backoffDelay(0, { random: () => 0.999999 })).toBe(1000);
    expect(backoffDelay(3, { random: () => 0 })).toBe(4000);
  });

  it('is capped', () => {
    expect(backoffDelay(50, { random: () => 0.999999, maxMs: 30_000 })).toBe(30_000);
    expect(backoffDelay(2, { initialMs: 100, maxMs: 250, random: () => 0 })).toBe(125);
  });
});

describe('HTTP transport: calls', () => {
  it('POSTs JSON with the bearer token to /api/<call>', async () => {
    const { calls, fetch } = fakeFetch(() => json(200, { ok: true, value: { theme: 'dark' } }));
    const t = createHttpTransport({
      baseUrl: 'http://127.0.0.1:8620/',
      getToken: () => 's3cret',
      fetch,
    });
    await expect(t.invoke('updateSettings', { theme: 'dark' })).resolves.toEqual({ ok: true, value: { theme: 'dark' } });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe('http://127.0.0.1:8620/api/updateSettings');
    expect(call?.init.method).toBe('POST');
    expect(call?.init.body).toBe('{"theme":"dark"}');
    const headers = call?.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer s3cret');
    expect(headers['Content-Type']).toBe('application/json');
  });

  it('uses relative URLs by default and sends {} for an undefined input', async () => {
    const { calls, fetch } = fakeFetch(() => json(200, { ok: true, value: {} }));
    await createHttpTransport({ getToken: () => 't', fetch }).invoke('getSettings', undefined);
    expect(calls[0]?.url).toBe('/api/getSettings');
    expect(calls[0]?.init.body).toBe('{}');
  });

  it('does not call the server without a token', async () => {
    const { calls, fetch } = fakeFetch(() => json(200, { ok: true, value: {} }));
    const e = await createHttpTransport({ getToken: () => null, fetch }).invoke('getDashboard', {});
    expect(e).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: UNAUTHORIZED_MESSAGE },
    });
    expect(calls).toHaveLength(0);
  });

  it('turns a network failure into an error envelope', async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const e = await createHttpTransport({ getToken: () => 't', fetch }).invoke('getDashboard', {});
    expect(e.ok).toBe(false);
    if (!e.ok) expect(e.error.message).toMatch(/Cannot reach the Rollcall server \(Failed to fetch\)/);
  });

  it('gives the typed client an error it can show for 401 (not "malformed error")', async () => {
    const { fetch } = fakeFetch(() =>
      json(401, {
        ok: false,
        error: {
          code: 'unauthorized',
          message: 'A valid dashboard token is required',
        },
      }),
    );
    const api = createRollcallApi(createHttpTransport({ getToken: () => 'wrong', fetch }));
    const err = await api.getDashboard({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RollcallApiError);
    expect((err as RollcallApiError).message).toBe(UNAUTHORIZED_MESSAGE);
  });
});

/** A fetch body the test writes to; it errors when the request is aborted, like a real one. */
function streamBody(signal: AbortSignal | null | undefined) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  signal?.addEventListener('abort', () => {
    try {
      controller.error(new DOMException('aborted', 'AbortError'));
    } catch {
      // already closed
    }
  });
  return {
    body,
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
  };
}

describe('HTTP transport: push stream', () => {
  it('opens one stream for all subscribers, with the token, and delivers push frames', async () => {
    const streams: ReturnType<typeof streamBody>[] = [];
    const { calls, fetch } = fakeFetch((_url, init) => {
      const s = streamBody(init.signal);
      streams.push(s);
      return new Response(s.body, {
        status: 200,
        headers: { 'Content-Type': 'text/event-stream' },
      });
    });
    const states: StreamState[] = [];
    const t = createHttpTransport({
      getToken: () => 'tok',
      fetch,
      onStreamState: (s) => states.push(s),
    });
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = t.subscribe((m) => a.push(m));
    const offB = t.subscribe((m) => b.push(m));
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    expect(calls[0]?.url).toBe('/api/stream');
    expect((calls[0]?.init.headers as Record<string, string>).Authorization).toBe('Bearer tok');

    const s = streams[0]!;
    s.send(': connected\n\nevent: push\ndata: {"kind":"alerts.changed",');
    s.send('"openHigh":2}\n\n: ping\n\nevent: push\ndata: not json\n\nevent: other\ndata: {}\n\n');
    await vi.waitFor(() => expect(a).toHaveLength(1));
    expect(a).toEqual([{ kind: 'alerts.changed', openHigh: 2 }]);
    expect(b).toEqual(a);
    expect(states).toEqual(['connecting', 'open']);

    offA();
    expect(calls[0]?.init.signal?.aborted).toBe(false);
    offB();
    expect(calls[0]?.init.signal?.aborted).toBe(true);
    await vi.waitFor(() => expect(states.at(-1)).toBe('closed'));
  });

  it('reconnects with backoff when the stream drops', async () => {
    const streams: ReturnType<typeof streamBody>[] = [];
    let failNext = false;
    const { calls, fetch } = fakeFetch((_url, init) => {
      if (failNext) {
        failNext = false;
        throw new TypeError('connection refused');
      }
      const s = streamBody(init.signal);
      streams.push(s);
      return new Response(s.body, { status: 200 });
    });
    const sleeps: number[] = [];
    const states: StreamState[] = [];
    const t = createHttpTransport({
      getToken: () => 'tok',
      fetch,
      retry: { initialMs: 100, random: () => 0 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      onStreamState: (s) => states.push(s),
    });
    const got: unknown[] = [];
    const off = t.subscribe((m) => got.push(m));
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    failNext = true;
    streams[0]!.close(); // the server went away
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]); // after the drop, then after the refused attempt
    streams[1]!.send('event: push\ndata: {"kind":"sources.changed"}\n\n');
    await vi.waitFor(() => expect(got).toEqual([{ kind: 'sources.changed' }]));
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    off();
  });

  it('stops, without retrying, when the token is refused', async () => {
    const { calls, fetch } = fakeFetch(() => json(401, { ok: false, error: { code: 'unauthorized', message: 'no' } }));
    const states: StreamState[] = [];
    const sleep = vi.fn(async () => undefined);
    const t = createHttpTransport({
      getToken: () => 'bad',
      fetch,
      sleep,
      onStreamState: (s) => states.push(s),
    });
    const off = t.subscribe(() => undefined);
    await vi.waitFor(() => expect(states.at(-1)).toBe('unauthorized'));
    expect(calls).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
    off();
  });

  it('keeps delivering when one listener throws', async () => {
    const streams: ReturnType<typeof streamBody>[] = [];
    const { fetch } = fakeFetch((_url, init) => {
      const s = streamBody(init.signal);
      streams.push(s);
      return new Response(s.body, { status: 200 });
    });
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const t = createHttpTransport({ getToken: () => 'tok', fetch });
    const got: unknown[] = [];
    const offBad = t.subscribe(() => {
      throw new Error('listener bug');
    });
    const offGood = t.subscribe((m) => got.push(m));
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    streams[0]!.send('event: push\ndata: 1\n\nevent: push\ndata: 2\n\n');
    await vi.waitFor(() => expect(got).toEqual([1, 2]));
    expect(error).toHaveBeenCalled();
    error.mockRestore();
    offBad();
    offGood();
  });

  it('opens a new stream after everyone unsubscribed and someone subscribes again', async () => {
    const streams: ReturnType<typeof streamBody>[] = [];
    const { fetch } = fakeFetch((_url, init) => {
      const s = streamBody(init.signal);
      streams.push(s);
      return new Response(s.body, { status: 200 });
    });
    const states: StreamState[] = [];
    const t = createHttpTransport({
      getToken: () => 'tok',
      fetch,
      onStreamState: (s) => states.push(s),
    });
    t.subscribe(() => undefined)();
    const got: unknown[] = [];
    const off = t.subscribe((m) => got.push(m));
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    streams[1]!.send('event: push\ndata: 3\n\n');
    await vi.waitFor(() => expect(got).toEqual([3]));
    await new Promise((r) => setTimeout(r, 10));
    expect(states.at(-1)).toBe('open');
    off();
  });
});
