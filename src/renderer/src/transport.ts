/**
 * Picks how this page talks to the core: the Electron bridge when the preload exposed
 * `window.rollcall`, otherwise the HTTP API of `rollcall serve` with the dashboard token from the
 * URL fragment. The pure parts live in ./transports/ and are unit-tested.
 */
import type { Transport } from '../../shared/client';
import { createHttpTransport, type StreamState } from './transports/http';
import { createIpcTransport } from './transports/ipc';
import { extractFragmentToken } from './transports/token';

export { extractFragmentToken } from './transports/token';
export { createSseParser, parseSseFrames, type SseFrame } from './transports/sse';
export { backoffDelay, envelopeFromResponse, UNAUTHORIZED_MESSAGE, type StreamState } from './transports/http';

const TOKEN_KEY = 'rollcall.dashboardToken';

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the token then lives only in memory for this page
  }
}

/**
 * Takes a token from the fragment (once), remembers it for this tab and rewrites the URL without
 * it, keeping the route. Returns the token to use (the fragment's, or the remembered one).
 */
export function takeTokenFromLocation(): string | null {
  const { token, hash, found } = extractFragmentToken(window.location.hash);
  if (found) {
    const url = `${window.location.pathname}${window.location.search}${hash}`;
    window.history.replaceState(window.history.state, '', url);
  }
  const store = storage();
  if (token) {
    store?.setItem(TOKEN_KEY, token);
    return token;
  }
  return store?.getItem(TOKEN_KEY) ?? null;
}

type StreamListener = (state: StreamState) => void;
const streamListeners = new Set<StreamListener>();
let streamState: StreamState | null = null;

/** The push stream's state (HTTP only; null in Electron, where IPC does not drop). */
export function getStreamState(): StreamState | null {
  return streamState;
}

export function onStreamState(listener: StreamListener): () => void {
  streamListeners.add(listener);
  return () => {
    streamListeners.delete(listener);
  };
}

export function pickTransport(): Transport {
  if (window.rollcall) return createIpcTransport(window.rollcall);
  let token = takeTokenFromLocation();
  // A link with a fresh token pasted into an open tab changes only the fragment.
  window.addEventListener('hashchange', () => {
    if (window.location.hash.includes('token=')) token = takeTokenFromLocation() ?? token;
  });
  currentToken = () => token;
  return createHttpTransport({
    getToken: () => token,
    onStreamState: (state) => {
      streamState = state;
      for (const listener of [...streamListeners]) listener(state);
    },
  });
}

// Exports (issue #8): file downloads need the dashboard token in a header (never in a URL).
let currentToken: (() => string | null) | null = null;
/** The dashboard token this page uses (HTTP transport only; null in the desktop app). */
export function dashboardToken(): string | null {
  return currentToken?.() ?? null;
}
