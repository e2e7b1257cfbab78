/**
 * An incremental parser for Server-Sent Events (the WHATWG "event stream" format), fed with text
 * chunks as they arrive from a fetch body. Chunks may split lines and frames anywhere, including
 * between the CR and LF of a CRLF. Pure (no DOM).
 */

export interface SseFrame {
  /** The `event:` field, or "message" when the frame has none. */
  readonly event: string;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  readonly id?: string;
}

export interface SseParser {
  /** Feeds a chunk; returns the frames it completed, in order. */
  push(chunk: string): SseFrame[];
  /**
   * At the end of the input: a final CR ends its line (it was held back in case an LF followed).
   * An unfinished frame is discarded, as the format requires.
   */
  flush(): SseFrame[];
}

export function createSseParser(): SseParser {
  let buffer = '';
  let first = true;
  let event = '';
  let id: string | undefined;
  let data: string[] = [];

  function line(text: string, out: SseFrame[]): void {
    if (text === '') {
      if (data.length > 0)
        out.push(
          id === undefined
            ? { event: event || 'message', data: data.join('\n') }
            : { event: event || 'message', data: data.join('\n'), id },
        );
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return; // comment (e.g. a heartbeat)
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    // `retry` and unknown fields are ignored: reconnection is the transport's own backoff.
  }

  const parser: SseParser = {
    flush() {
      return buffer.endsWith('\r') ? parser.push('\n') : [];
    },
    push(chunk) {
      buffer += chunk;
      if (first && buffer.length > 0) {
        if (buffer.startsWith('\uFEFF')) buffer = buffer.slice(1);
        first = false;
      }
      const out: SseFrame[] = [];
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        if (c === '\r' && i + 1 === buffer.length) break; // might be the first half of CRLF
        line(buffer.slice(start, i), out);
        if (c === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
      return out;
    },
  };
  return parser;
}

/** Parses a complete piece of an event stream (convenience for one-shot use and tests). */
export function parseSseFrames(text: string): SseFrame[] {
  const parser = createSseParser();
  return [...parser.push(text), ...parser.flush()];
}
