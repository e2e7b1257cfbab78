import { describe, expect, it } from 'vitest';
import { createSseParser, parseSseFrames } from '../../../src/renderer/src/transports/sse';

describe('SSE parser', () => {
  it('parses push frames and ignores comments (connect banner, heartbeats)', () => {
    const text = ': connected\n\nevent: push\ndata: {"kind":"sources.changed"}\n\n: ping\n\n';
    expect(parseSseFrames(text)).toEqual([{ event: 'push', data: '{"kind":"sources.changed"}' }]);
  });

  it('defaults the event name to "message" and joins data lines with newlines', () => {
    expect(parseSseFrames('data: a\ndata: b\ndata\n\n')).toEqual([{ event: 'message', data: 'a\nb\n' }]);
  });

  it('strips exactly one space after the colon', () => {
    expect(parseSseFrames('data:x\n\ndata:  y\n\n').map((f) => f.data)).toEqual(['x', ' y']);
  });

  it('does not dispatch a frame without data, nor an unfinished frame', () => {
    expect(parseSseFrames('event: push\n\nevent: push\ndata: 1\n')).toEqual([]);
  });

  it('keeps the id field', () => {
    expect(parseSseFrames('id: 7\nevent: push\ndata: {}\n\n')).toEqual([{ event: 'push', data: '{}', id: '7' }]);
  });

  it('handles CRLF and CR line endings', () => {
    expect(parseSseFrames('event: push\r\ndata: 1\r\n\r\nevent: push\rdata: 2\r\r')).toEqual([
      { event: 'push', data: '1' },
      { event: 'push', data: '2' },
    ]);
  });

  it('reassembles frames split across chunks anywhere, including inside CRLF', () => {
    const text =
      'event: push\r\ndata: {"kind":"alerts.changed","openHigh":3}\r\n\r\n: ping\r\n\r\nevent: push\r\ndata: {"kind":"sources.changed"}\r\n\r\n';
    const whole = parseSseFrames(text);
    expect(whole).toHaveLength(2);
    for (let size = 1; size <= 7; size++) {
      const parser = createSseParser();
      const frames = [];
      for (let i = 0; i < text.length; i += size) frames.push(...parser.push(text.slice(i, i + size)));
      expect(frames).toEqual(whole);
    }
  });

  it('ignores a leading byte-order mark', () => {
    expect(parseSseFrames('\uFEFFdata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});
