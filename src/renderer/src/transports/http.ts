/**
 * The HTTP transport used when the UI is served by `rollcall serve` (a browser, or the end-to-end
 * tests): `POST /api/<call>` with the dashboard token as a Bearer header, and the push stream as
 * Server-Sent Events on `GET /api/stream`, read with fetch (EventSource cannot send headers).
 *
 * Everything the server or the network can do wrong becomes an error envelope, so the typed
 * client and the pages only ever deal with `{ok:false,error}`. No DOM access: the token, fetch
 * and timers are passed in, which is how the unit tests drive it under Node.
 */
import type { CallName, Envelope, ErrorCode } from '../../../shared/contract';
import type { Transport } from '../../../shared/client';
import { asEnvelope, errorEnvelope, isErrorCode } from './envelope';
import { createSseParser, type SseFrame } from './sse';

export const UNAUTHORIZED_MESSAGE =
  'Dashboard token missing or wrong: open the Dashboard link printed by rollcall serve (it ends in #token=…).';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

export interface RetryOptions {
  /** First delay after a drop, in ms (default 1000); doubles on each failed attempt. */
  initialMs?: number;
  /** Largest delay, in ms (default 30000). */
  maxMs?: number;
  /** Source of jitter in [0, 1) (default Math.random). */
  random?: () => number;
}

export interface HttpTransportOptions {
  /** Origin the API lives on; '' means this page's own origin (relative URLs). */
  baseUrl?: string;
  /** Read on every request, so a token stored after start-up is picked up. */
  getToken(): string | null;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** Waits `ms` or until `signal` aborts (injected by tests). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told about the push stream's state (for a "live" indicator). */
  onStreamState?: (state: StreamState) => void;
}

/** Delay before reconnect attempt number `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt));
  return Math.round(base / 2 + (random() * base) / 2);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 413) return 'too_large';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'invalid_input';
  return 'internal';
}

function messageForStatus(status: number): string {
  switch (status) {
    case 401:
      return UNAUTHORIZED_MESSAGE;
    case 403:
      return 'The dashboard refused this page (Host or Origin not allowed): open it at the address printed by rollcall serve.';
    case 413:
      return 'The request is too large for the dashboard server.';
    default:
      return status >= 500
        ? `The Rollcall server failed (HTTP ${status}). Check the terminal running rollcall serve.`
        : `The dashboard server refused the request (HTTP ${status}).`;
  }
}

/**
 * Turns an HTTP answer into an envelope. Envelopes with an error code the contract knows pass
 * through unchanged (with their validation issues); 401 always gets the "open the printed link"
 * message; any other status, code or body is mapped onto a contract error code with a message
 * a person can act on.
 */
export function envelopeFromResponse(status: number, text: string): Envelope {
  if (status === 401) return errorEnvelope('invalid_input', UNAUTHORIZED_MESSAGE);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return status >= 200 && status < 300
      ? errorEnvelope('internal', 'The dashboard server answered with something that is not JSON.')
      : errorEnvelope(codeForStatus(status), messageForStatus(status));
  }
  const envelope = asEnvelope(body);
  if (envelope) {
    if (envelope.ok && (status < 200 || status >= 300)) {
      return errorEnvelope(codeForStatus(status), messageForStatus(status));
    }
    // Transport refusals get a message that tells the user what to do, not the server's terse one.
    if (!envelope.ok && (status === 401 || status === 403 || status === 413)) {
      return errorEnvelope(envelope.error.code, messageForStatus(status));
    }
    return envelope;
  }
  // An error the server knows but the contract does not (forbidden, too_large, …): keep its message.
  if (body && typeof body === 'object' && 'error' in body) {
    const error = body.error;
    if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string' && status >= 400) {
      const known = 'code' in error && isErrorCode(error.code);
      const message = status === 403 || status === 413 ? messageForStatus(status) : error.message;
      return errorEnvelope(known ? (error.code as ErrorCode) : codeForStatus(status), message);
    }
  }
  return status >= 400
    ? errorEnvelope(codeForStatus(status), messageForStatus(status))
    : errorEnvelope('internal', 'The dashboard server answered with an unexpected body.');
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? defaultSleep;
  const listeners = new Set<(message: unknown) => void>();
  let stream: AbortController | null = null;

  let lastState: StreamState | null = null;
  function reportState(state: StreamState): void {
    if (state === lastState) return;
    lastState = state;
    options.onStreamState?.(state);
  }

  function emit(message: unknown): void {
    for (const listener of [...listeners]) {
      try {
        listener(message);
      } catch (err) {
        console.error('rollcall: a push listener failed', err);
      }
    }
  }

  async function readBody(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser();
    const dispatch = (frames: readonly SseFrame[]): void => {
      for (const frame of frames) {
        if (frame.event !== 'push') continue;
        let message: unknown;
        try {
          message = JSON.parse(frame.data);
        } catch {
          continue; // a malformed frame is dropped, the stream goes on
        }
        emit(message);
      }
    };
    try {
      while (!signal.aborted) {
        const { done, value } = await reader.read();
        if (done) {
          dispatch([...parser.push(decoder.decode()), ...parser.flush()]);
          break;
        }
        dispatch(parser.push(decoder.decode(value, { stream: true })));
      }
    } finally {
      reader.releaseLock();
    }
  }

  async function run(signal: AbortSignal): Promise<void> {
    // A run that was aborted may finish after a new one started: only the current run reports.
    const setState = (state: StreamState): void => {
      if (stream === null || stream.signal === signal) reportState(state);
    };
    let attempt = 0;
    while (!signal.aborted) {
      const token = options.getToken();
      if (!token) {
        setState('unauthorized');
        return;
      }
      setState(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        const res = await doFetch(`${base}/api/stream`, {
          method: 'GET',
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'text/event-stream',
          },
          cache: 'no-store',
          signal,
        });
        if (res.status === 401 || res.status === 403) {
          // A wrong token will not become right by retrying.
          await res.body?.cancel().catch(() => undefined);
          setState('unauthorized');
          return;
        }
        if (!res.ok || !res.body) {
          await res.body?.cancel().catch(() => undefined);
          throw new Error(`stream answered HTTP ${res.status}`);
        }
        setState('open');
        attempt = 0;
        await readBody(res.body, signal);
      } catch {
        // dropped or refused: retry below
      }
      if (signal.aborted) break;
      setState('reconnecting');
      await sleep(backoffDelay(attempt, options.retry), signal);
      attempt++;
    }
    setState('closed');
  }

  return {
    async invoke(name: CallName, input: unknown): Promise<Envelope> {
      const token = options.getToken();
      if (!token) return errorEnvelope('invalid_input', UNAUTHORIZED_MESSAGE);
      let res: Response;
      let text: string;
      try {
        res = await doFetch(`${base}/api/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
          },
          body: JSON.stringify(input ?? {}),
          cache: 'no-store',
        });
        text = await res.text();
      } catch (err) {
        const detail = err instanceof Error && err.message ? ` (${err.message})` : '';
        return errorEnvelope('internal', `Cannot reach the Rollcall server${detail}. Is rollcall serve still running?`);
      }
      return envelopeFromResponse(res.status, text);
    },

    subscribe(listener) {
      listeners.add(listener);
      if (!stream) {
        const controller = new AbortController();
        stream = controller;
        void run(controller.signal);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stream) {
          stream.abort();
          stream = null;
        }
      };
    },
  };
}
