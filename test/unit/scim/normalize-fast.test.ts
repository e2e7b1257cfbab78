import { describe, expect, it } from 'vitest';
import { fastNormalize } from '../../../src/main/scim/normalize-fast';
import { applyPatch, deepEqual, type JsonObject } from '../../../src/main/scim/patch';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type ResourceTypeName } from '../../../src/main/scim/schema';
import { mulberry32 as rng } from '../../helpers/rng';

const slow = (value: JsonObject, type: ResourceTypeName): JsonObject | Error => {
  try {
    return applyPatch({ schemas: [type === 'User' ? USER_SCHEMA : GROUP_SCHEMA] }, type, { Operations: [{ op: 'add', value }] }).resource;
  } catch (e) {
    return e as Error;
  }
};

const BASE_USER: JsonObject = {
  userName: 'ann@acme.test',
  externalId: '00u1',
  name: { givenName: 'Ann', familyName: 'Archer', formatted: 'Ann Archer' },
  displayName: 'Ann Archer',
  title: 'Engineer',
  active: true,
  emails: [
    { value: 'ann@acme.test', type: 'work', primary: true },
    { value: 'ann@home.test', type: 'home' },
  ],
  phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
  roles: [{ value: 'admin', primary: false }],
  [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', department: 'Eng', manager: { value: 'm1', displayName: 'Boss' } },
};

const MUTATIONS: ((o: JsonObject, r: () => number) => void)[] = [
  (o) => (o.active = 'False'),
  (o) => (o.active = 'true'),
  (o) => (o.Active = true),
  (o) => (o.USERNAME = 'x'),
  (o) => (o.title = null),
  (o) => (o.title = 7),
  (o) => (o.emails = []),
  (o) =>
    (o.emails = [
      { value: 'a@x', primary: true },
      { value: 'b@x', primary: true },
    ]),
  (o) => (o.emails = [{ value: 'a@x' }, { value: 'a@x', type: 'work' }]),
  (o) => (o.emails = { value: 'a@x' }),
  (o) => (o.emails = [{ value: 'a@x', primary: 'True' }]),
  (o) => (o.emails = [{ value: 'a@x', $ref: null }]),
  (o) => (o.name = 'Ann'),
  (o) => (o.name = {}),
  (o) => (o.name = { givenName: null }),
  (o) => (o.nickName = ['x']),
  (o) => (o['urn:example:custom:1.0:User'] = { costCode: 'x' }),
  (o) => (o[ENTERPRISE_USER_SCHEMA] = {}),
  (o) => (o[ENTERPRISE_USER_SCHEMA] = { manager: 'm2' }),
  (o) => (o[ENTERPRISE_USER_SCHEMA] = { manager: [{ value: 'm2' }] }),
  (o) => (o[ENTERPRISE_USER_SCHEMA.toLowerCase()] = { employeeNumber: '1' }),
  (o) => (o['name.givenName'] = 'Zed'),
  (o) => (o.x509Certificates = [{ value: 'MIIB' }]),
  (o) => (o.addresses = [{ streetAddress: '1 Main', locality: 'Oslo', primary: true }]),
  (o) => (o.userType = 'Employee'),
  (o) => delete o.emails,
  (o) => delete o.name,
  (o, r) => (o.displayName = r() > 0.5 ? 'Ann' : ''),
];

describe('fastNormalize', () => {
  it('answers for canonical bodies (the common case) with exactly the slow path result', () => {
    const fast = fastNormalize(structuredClone(BASE_USER), 'User', USER_SCHEMA);
    expect(fast).toBeDefined();
    expect(deepEqual(fast, slow(structuredClone(BASE_USER), 'User'))).toBe(true);
    const group = { displayName: 'Admins', externalId: 'g1' };
    expect(deepEqual(fastNormalize(group, 'Group', GROUP_SCHEMA), slow(group, 'Group'))).toBe(true);
  });

  it('never disagrees with the slow path: 3,000 seeded mutations', () => {
    const r = rng(7);
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      const body = structuredClone(BASE_USER);
      const n = 1 + Math.floor(r() * 3);
      for (let j = 0; j < n; j++) MUTATIONS[Math.floor(r() * MUTATIONS.length)]!(body, r);
      const fast = fastNormalize(structuredClone(body), 'User', USER_SCHEMA);
      if (fast === undefined) continue;
      answered++;
      const expected = slow(structuredClone(body), 'User');
      expect(expected, JSON.stringify(body)).not.toBeInstanceOf(Error);
      expect(deepEqual(fast, expected), JSON.stringify(body)).toBe(true);
    }
    // Both paths are exercised.
    expect(answered).toBeGreaterThan(100);
    expect(answered).toBeLessThan(3000);
  });

  it('does not alias the input', () => {
    const body = structuredClone(BASE_USER);
    const out = fastNormalize(body, 'User', USER_SCHEMA)!;
    (out.emails as JsonObject[])[0]!.value = 'changed';
    expect((BASE_USER.emails as JsonObject[])[0]!.value).toBe('ann@acme.test');
    expect((body.emails as JsonObject[])[0]!.value).toBe('ann@acme.test');
  });
});
