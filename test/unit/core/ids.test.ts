import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../src/main/core/ids';

describe('uuidv7', () => {
  it('is a valid RFC 9562 version 7 UUID, unique, and sorts by creation time', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(uuidv7(0).startsWith('00000000-0000-7')).toBe(true);
  });
});
