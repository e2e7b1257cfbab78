import { describe, expect, it } from 'vitest';
import { applyPatch, type JsonObject } from '../../../src/main/scim/patch';
import { memberOnlyPatch, membersOf, type Member } from '../../../src/main/scim/resources';
import { mulberry32 as rng } from '../../helpers/rng';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The general engine's answer, as patchGroup computes it without the fast path. */
function slow(body: unknown, current: Member[]): string[] | Error {
  try {
    const view: JsonObject = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: 'g', displayName: 'G' };
    if (current.length) view.members = current.map((m) => ({ value: m.value, type: m.type }));
    const { resource } = applyPatch(view, 'Group', body);
    return membersOf(resource.members)
      .map((m) => m.value)
      .sort();
  } catch (e) {
    return e as Error;
  }
}

describe('member-only PATCH fast path', () => {
  it('handles the IdPs\' membership shapes and reports "no change" by returning the same list', () => {
    const current: Member[] = [{ value: 'u1', type: 'User' }];
    const add = { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u2' }] }] };
    expect(memberOnlyPatch(add, current)?.map((m) => m.value)).toEqual(['u1', 'u2']);
    const okta = {
      schemas: [PATCH],
      Operations: [
        { op: 'remove', path: 'members[value eq "u1"]' },
        { op: 'add', path: 'members', value: [{ value: 'u3', display: 'c@x' }] },
      ],
    };
    expect(memberOnlyPatch(okta, current)?.map((m) => m.value)).toEqual(['u3']);
    const again = { Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }] };
    expect(memberOnlyPatch(again, current)).toBe(current);
    // Anything else is left to the general engine.
    expect(memberOnlyPatch({ Operations: [{ op: 'replace', value: { displayName: 'X' } }] }, current)).toBeUndefined();
    expect(memberOnlyPatch({ Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1', extra: 1 }] }] }, current)).toBeUndefined();
    expect(memberOnlyPatch({ Operations: [{ op: 'remove', path: 'members[display eq "x"]' }] }, current)).toBeUndefined();
  });

  it('agrees with the general PATCH engine on 3,000 seeded random membership requests', () => {
    const r = rng(11);
    const ids = ['u1', 'u2', 'u3', 'u4', 'u5', 'g1', 'we"ird'];
    const pick = () => ids[Math.floor(r() * ids.length)]!;
    const list = () =>
      Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
        value: pick(),
        ...(r() < 0.3 ? { type: r() < 0.5 ? 'Group' : 'user' } : {}),
      }));
    let fastCount = 0;
    for (let i = 0; i < 3000; i++) {
      const current: Member[] = ids.filter(() => r() < 0.4).map((value) => ({ value, type: 'User' }));
      const ops = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const k = r();
        if (k < 0.35) return { op: r() < 0.5 ? 'Add' : 'add', path: 'members', value: list() };
        if (k < 0.6) return { op: r() < 0.5 ? 'Remove' : 'remove', path: 'members', value: list() };
        if (k < 0.8) return { op: 'remove', path: `members[value eq ${JSON.stringify(pick())}]` };
        return { op: 'replace', path: 'members', value: list() };
      });
      const body = { schemas: [PATCH], Operations: ops };
      const fast = memberOnlyPatch(structuredClone(body), current);
      if (fast === undefined) continue;
      fastCount++;
      const expected = slow(structuredClone(body), current);
      expect(expected, JSON.stringify(body)).not.toBeInstanceOf(Error);
      expect(fast.map((m) => m.value).sort(), JSON.stringify({ body, current })).toEqual(expected);
    }
    expect(fastCount).toBeGreaterThan(2500);
  });
});
