import { describe, expect, it } from 'vitest';
import { storedRequestBody } from '../../../src/main/scim/exchanges';

const secrets = new Set(['password', 'apikey']);
const stored = (text: string): string | null => storedRequestBody(Buffer.from(text), JSON.parse(text), secrets, text);

describe('stored request bodies', () => {
  it('keep a body without secrets exactly as received', () => {
    const text = '{"userName": "ann@acme.test",  "active": true}';
    expect(stored(text)).toBe(text);
  });

  it('redact secrets however the key is spelt, escaped or placed', () => {
    for (const text of [
      '{"userName":"a","password":"hunter2"}',
      '{"userName":"a","PassWord":"hunter2"}',
      '{"userName":"a","pass\\u0077ord":"hunter2"}',
      '{"Operations":[{"op":"replace","path":"password","value":"hunter2"}]}',
      '{"Operations":[{"op":"replace","value":{"urn:x:1.0:User:apiKey":"hunter2"}}]}',
      '{"urn:x:1.0:User":{"ApiKey":"hunter2"}}',
    ]) {
      const out = stored(text)!;
      expect(out, text).not.toContain('hunter2');
      expect(out).toContain('[redacted]');
    }
  });

  it('never keeps an unparseable body, only its size', () => {
    expect(storedRequestBody(Buffer.from('{"password":"x"'), undefined, secrets)).toBe('[unparseable body, 15 bytes]');
  });
});
