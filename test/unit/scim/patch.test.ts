import { mulberry32 as rng } from '../../helpers/rng';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../src/main/scim/errors';
import { type JsonObject, applyPatch, deepEqual, parsePatchOperations } from '../../../src/main/scim/patch';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../../src/main/scim/schema';

const ENT = ENTERPRISE_USER_SCHEMA;
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function msg(...Operations: unknown[]): JsonObject {
  return { schemas: [PATCH], Operations };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function makeUser(): JsonObject {
  return {
    schemas: [USER_SCHEMA, ENT],
    id: '2819c223-7f76-453a-919d-413861904646',
    externalId: 'bjensen',
    userName: 'bjensen@example.com',
    name: { familyName: 'Jensen', givenName: 'Barbara' },
    displayName: 'Babs Jensen',
    active: true,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    addresses: [
      { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', primary: true },
      { type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood' },
    ],
    x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
    [ENT]: { employeeNumber: '701984', department: 'Tour Operations' },
    meta: {
      resourceType: 'User',
      created: '2010-01-23T04:56:22Z',
      lastModified: '2011-05-13T04:42:34Z',
      version: 'W/"3694e05e9dff590"',
    },
  };
}

const M1 = '2819c223-7f76-453a-919d-413861904646';
const M2 = '902c246b-6245-4190-8e05-00816be7344a';
const M3 = 'c3a26dd3-27a0-4dec-a2ac-ce211e105f97';

function makeGroup(): JsonObject {
  return {
    schemas: [GROUP_SCHEMA],
    id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
    displayName: 'Tour Guides',
    members: [
      { value: M1, display: 'Babs Jensen', type: 'User' },
      { value: M2, display: 'Mandy Pepperidge', type: 'User' },
    ],
    meta: { resourceType: 'Group', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z' },
  };
}

function patchUser(...ops: unknown[]): { resource: JsonObject; changed: boolean } {
  return applyPatch(deepFreeze(makeUser()), 'User', msg(...ops));
}

function patchGroup(...ops: unknown[]): { resource: JsonObject; changed: boolean } {
  return applyPatch(deepFreeze(makeGroup()), 'Group', msg(...ops));
}

function expectScimError(fn: () => unknown, scimType: string | undefined, status = 400): ScimError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ScimError);
  const err = caught as ScimError;
  expect(err.status).toBe(status);
  expect(err.scimType).toBe(scimType);
  return err;
}

const members = (r: JsonObject): unknown[] => r['members'] as unknown[];
const memberIds = (r: JsonObject): unknown[] => members(r).map((m) => (m as JsonObject)['value']);
const ent = (r: JsonObject): JsonObject => r[ENT] as JsonObject;

describe('PatchOp message validation', () => {
  it('accepts a message without schemas (tolerant) and a bare operations array', () => {
    const viaMissing = applyPatch(makeUser(), 'User', { Operations: [{ op: 'replace', path: 'title', value: 'x' }] });
    expect(viaMissing.resource['title']).toBe('x');
    const viaArray = applyPatch(makeUser(), 'User', [{ op: 'replace', path: 'title', value: 'y' }]);
    expect(viaArray.resource['title']).toBe('y');
    const lowerKey = applyPatch(makeUser(), 'User', { schemas: [PATCH], operations: [{ op: 'replace', path: 'title', value: 'z' }] });
    expect(lowerKey.resource['title']).toBe('z');
  });

  it('rejects schemas without the PatchOp URN', () => {
    expectScimError(
      () => applyPatch(makeUser(), 'User', { schemas: [USER_SCHEMA], Operations: [{ op: 'add', path: 'title', value: 'x' }] }),
      'invalidSyntax',
    );
    expectScimError(() => applyPatch(makeUser(), 'User', { schemas: PATCH, Operations: [] }), 'invalidSyntax');
  });

  it('requires a non-empty Operations array of objects', () => {
    expectScimError(() => applyPatch(makeUser(), 'User', { schemas: [PATCH] }), 'invalidSyntax');
    expectScimError(() => applyPatch(makeUser(), 'User', msg()), 'invalidSyntax');
    expectScimError(() => applyPatch(makeUser(), 'User', { schemas: [PATCH], Operations: {} }), 'invalidSyntax');
    expectScimError(() => applyPatch(makeUser(), 'User', msg('replace')), 'invalidSyntax');
    expectScimError(() => applyPatch(makeUser(), 'User', 'nope'), 'invalidSyntax');
    expectScimError(() => applyPatch(makeUser(), 'User', null), 'invalidSyntax');
  });

  it('rejects unknown or missing ops', () => {
    expectScimError(() => patchUser({ op: 'copy', path: 'title', value: 'x' }), 'invalidSyntax');
    expectScimError(() => patchUser({ op: 'move', from: 'a', path: 'title' }), 'invalidSyntax');
    expectScimError(() => patchUser({ path: 'title', value: 'x' }), 'invalidSyntax');
    expectScimError(() => patchUser({ op: 3, path: 'title', value: 'x' }), 'invalidSyntax');
  });

  it('requires a value for add and replace', () => {
    expectScimError(() => patchUser({ op: 'add', path: 'title' }), 'invalidSyntax');
    expectScimError(() => patchUser({ op: 'replace', path: 'title' }), 'invalidSyntax');
  });

  it('rejects a non-string path', () => {
    expectScimError(() => patchUser({ op: 'replace', path: 5, value: 'x' }), 'invalidPath');
  });

  it('normalises operations', () => {
    expect(
      parsePatchOperations(
        msg(
          { op: ' Replace ', path: 'active', value: false },
          { op: 'REMOVE', path: 'title' },
          { op: 'add', path: null, value: {} },
          { OP: 'remove', PATH: 'nickName', Value: [] },
        ),
      ),
    ).toEqual([
      { op: 'replace', path: 'active', value: false },
      { op: 'remove', path: 'title' },
      { op: 'add', value: {} },
      { op: 'remove', path: 'nickName', value: [] },
    ]);
  });

  it('caps the number of operations', () => {
    const ops = Array.from({ length: 1001 }, () => ({ op: 'replace', path: 'title', value: 'x' }));
    expectScimError(() => applyPatch(makeUser(), 'User', msg(...ops)), undefined, 413);
    expect(applyPatch(makeUser(), 'User', msg(...ops.slice(0, 1000))).resource['title']).toBe('x');
  });
});

describe('RFC 7644 §3.5.2 examples', () => {
  it('3.5.2.1: add members', () => {
    const { resource, changed } = patchGroup({
      op: 'add',
      path: 'members',
      value: [{ display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${M3}`, value: M3 }],
    });
    expect(changed).toBe(true);
    expect(memberIds(resource)).toEqual([M1, M2, M3]);
    expect(members(resource)[2]).toEqual({ display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${M3}`, value: M3 });
  });

  it('3.5.2.1: add without path merges emails and sets nickName (canonical case)', () => {
    const { resource } = patchUser({
      op: 'add',
      value: { emails: [{ value: 'babs@jensen.net', type: 'home' }], nickname: 'Babs' },
    });
    expect(resource['nickName']).toBe('Babs');
    expect(resource['nickname']).toBeUndefined();
    expect((resource['emails'] as JsonObject[]).map((e) => e['value'])).toEqual([
      'bjensen@example.com',
      'babs@jensen.org',
      'babs@jensen.net',
    ]);
  });

  it('3.5.2.2: remove a single member by filter', () => {
    const { resource } = patchGroup({ op: 'remove', path: `members[value eq "${M1}"]` });
    expect(memberIds(resource)).toEqual([M2]);
  });

  it('3.5.2.2: remove all members', () => {
    const { resource } = patchGroup({ op: 'remove', path: 'members' });
    expect('members' in resource).toBe(false);
  });

  it('3.5.2.2: remove members one by one leaves the attribute unassigned', () => {
    const { resource } = patchGroup(
      { op: 'remove', path: `members[value eq "${M1}"]` },
      { op: 'remove', path: `members[value eq "${M2}"]` },
    );
    expect('members' in resource).toBe(false);
  });

  it('3.5.2.2: remove all then add replaces members', () => {
    const { resource } = patchGroup(
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: [{ display: 'James Smith', value: M3 }] },
    );
    expect(members(resource)).toEqual([{ display: 'James Smith', value: M3 }]);
  });

  it('3.5.2.2: remove an email with a complex filter', () => {
    const { resource } = patchUser({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' });
    expect(resource['emails']).toEqual([{ value: 'babs@jensen.org', type: 'home' }]);
  });

  it('3.5.2.2: remove a certificate by value', () => {
    const { resource } = patchUser({
      op: 'remove',
      path: 'x509Certificates[value eq "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"]',
    });
    expect('x509Certificates' in resource).toBe(false);
  });

  it('3.5.2.3: replace all members', () => {
    const { resource } = patchGroup({
      op: 'replace',
      path: 'members',
      value: [
        { display: 'Babs Jensen', value: M1 },
        { display: 'James Smith', value: M3 },
      ],
    });
    expect(members(resource)).toEqual([
      { display: 'Babs Jensen', value: M1 },
      { display: 'James Smith', value: M3 },
    ]);
  });

  it('3.5.2.3: replace a filtered address', () => {
    const value = {
      type: 'work',
      streetAddress: '911 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'US',
      formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
      primary: true,
    };
    const { resource } = patchUser({ op: 'replace', path: 'addresses[type eq "work"]', value });
    const addresses = resource['addresses'] as JsonObject[];
    expect(addresses[0]).toEqual(value);
    expect(addresses[1]).toEqual({ type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood' });
  });

  it('3.5.2.3: replace a sub-attribute of a filtered address', () => {
    const { resource } = patchUser({ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' });
    expect((resource['addresses'] as JsonObject[])[0]).toEqual({
      type: 'work',
      streetAddress: '1010 Broadway Ave',
      locality: 'Hollywood',
      primary: true,
    });
  });

  it('3.5.2.3: replace without path replaces the email set and nickName', () => {
    const { resource } = patchUser({
      op: 'replace',
      value: { emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }], nickname: 'Babs' },
    });
    expect(resource['emails']).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]);
    expect(resource['nickName']).toBe('Babs');
  });

  it('3.5.2.3: replace on a complex attribute keeps unspecified sub-attributes', () => {
    const { resource } = patchUser({ op: 'replace', path: 'name', value: { givenName: 'Babs' } });
    expect(resource['name']).toEqual({ familyName: 'Jensen', givenName: 'Babs' });
  });

  it('replace of an attribute that does not exist adds it', () => {
    const { resource } = patchUser({ op: 'replace', path: 'title', value: 'Tour Guide' });
    expect(resource['title']).toBe('Tour Guide');
  });
});

describe('Microsoft Entra ID requests', () => {
  it('disables with Replace active "False" (capitalised op, string boolean)', () => {
    const { resource, changed } = patchUser({ op: 'Replace', path: 'active', value: 'False' });
    expect(resource['active']).toBe(false);
    expect(changed).toBe(true);
  });

  it('coerces any case of true/false strings', () => {
    expect(patchUser({ op: 'replace', path: 'active', value: 'true' }).resource['active']).toBe(true);
    expect(patchUser({ op: 'replace', path: 'active', value: 'TRUE' }).resource['active']).toBe(true);
    expect(patchUser({ op: 'replace', path: 'active', value: 'fAlSe' }).resource['active']).toBe(false);
    expect(patchUser({ op: 'Replace', path: 'active', value: 'True' }).changed).toBe(false);
  });

  it('no-path replace where keys are paths (aadOptscim062020)', () => {
    const { resource } = patchUser({
      op: 'replace',
      value: {
        displayName: 'Barbara J',
        'name.givenName': 'Barb',
        'name.familyName': 'Jensen-Smith',
        [`${ENT}:employeeNumber`]: '1',
        active: 'False',
      },
    });
    expect(resource['displayName']).toBe('Barbara J');
    expect(resource['name']).toEqual({ givenName: 'Barb', familyName: 'Jensen-Smith' });
    expect(ent(resource)).toEqual({ employeeNumber: '1', department: 'Tour Operations' });
    expect(resource['active']).toBe(false);
    expect('name.givenName' in resource).toBe(false);
  });

  it('no-path replace with a value-filter key', () => {
    const { resource } = patchUser({ op: 'replace', value: { 'emails[type eq "work"].value': 'w@x.com' } });
    expect((resource['emails'] as JsonObject[])[0]).toEqual({ value: 'w@x.com', type: 'work', primary: true });
  });

  it('default member removal removes only the listed members', () => {
    const { resource } = patchGroup({ op: 'Remove', path: 'members', value: [{ value: M1 }] });
    expect(memberIds(resource)).toEqual([M2]);
  });

  it('member removal of a member that is not there is a no-op', () => {
    const { resource, changed } = patchGroup({ op: 'Remove', path: 'members', value: [{ value: M3 }] });
    expect(memberIds(resource)).toEqual([M1, M2]);
    expect(changed).toBe(false);
  });

  it('member removal with the flag form path', () => {
    const { resource } = patchGroup({ op: 'remove', path: `members[value eq "${M2}"]` });
    expect(memberIds(resource)).toEqual([M1]);
  });

  it('member add with $ref null', () => {
    const { resource } = patchGroup({ op: 'Add', path: 'members', value: [{ $ref: null, value: M3 }] });
    expect(members(resource)[2]).toEqual({ value: M3 });
  });

  it('member add of an existing member does not duplicate it', () => {
    const { resource, changed } = patchGroup({ op: 'Add', path: 'members', value: [{ $ref: null, value: M1 }] });
    expect(memberIds(resource)).toEqual([M1, M2]);
    expect(changed).toBe(false);
  });

  it('manager as an array on a bare path', () => {
    const { resource } = patchUser({
      op: 'Add',
      path: 'manager',
      value: [{ $ref: 'http://example.com/Users/X', value: 'X' }],
    });
    expect(ent(resource)['manager']).toEqual({ $ref: 'http://example.com/Users/X', value: 'X' });
    expect('manager' in resource).toBe(false);
  });

  it('manager as a plain string on the legacy dot path', () => {
    const { resource } = patchUser({ op: 'Replace', path: `${ENT}.manager`, value: 'X' });
    expect(ent(resource)['manager']).toEqual({ value: 'X' });
  });

  it('a new manager replaces the old one entirely', () => {
    const first = patchUser({ op: 'Add', path: 'manager', value: [{ $ref: 'http://e/Users/X', value: 'X' }] }).resource;
    const second = applyPatch(first, 'User', msg({ op: 'Replace', path: `${ENT}:manager`, value: 'Y' })).resource;
    expect(ent(second)['manager']).toEqual({ value: 'Y' });
  });

  it('manager removal drops it', () => {
    const first = patchUser({ op: 'Add', path: 'manager', value: 'X' }).resource;
    const second = applyPatch(first, 'User', msg({ op: 'Remove', path: `${ENT}:manager` })).resource;
    expect(ent(second)).toEqual({ employeeNumber: '701984', department: 'Tour Operations' });
  });

  it('extension attributes with the colon form', () => {
    const { resource } = patchUser({ op: 'Replace', path: `${ENT}:department`, value: 'Sales' });
    expect(ent(resource)['department']).toBe('Sales');
  });

  it('replace emails[type eq "work"].value updates the work email', () => {
    const { resource } = patchUser(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    );
    expect(resource['emails']).toEqual([
      { value: 'updatedEmail@microsoft.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect((resource['name'] as JsonObject)['familyName']).toBe('updatedFamilyName');
  });

  it('replace emails[type eq "work"].value creates the element when there is none', () => {
    const user = makeUser();
    delete user['emails'];
    const { resource } = applyPatch(user, 'User', msg({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@x.com' }));
    expect(resource['emails']).toEqual([{ type: 'work', value: 'new@x.com' }]);
  });

  it('add emails[type eq "work"].value creates the element next to others', () => {
    const user = makeUser();
    user['emails'] = [{ value: 'babs@jensen.org', type: 'home' }];
    const { resource } = applyPatch(user, 'User', msg({ op: 'Add', path: 'emails[type eq "work"].value', value: 'w@x.com' }));
    expect(resource['emails']).toEqual([
      { value: 'babs@jensen.org', type: 'home' },
      { type: 'work', value: 'w@x.com' },
    ]);
  });

  it('create with roles: [] and null attributes changes nothing', () => {
    const { resource, changed } = patchUser({ op: 'Add', value: { roles: [], nickName: null } });
    expect(changed).toBe(false);
    expect('roles' in resource).toBe(false);
  });
});

describe('Okta requests', () => {
  it('deactivates with replace without path and an object value', () => {
    const { resource, changed } = patchUser({ op: 'replace', value: { active: false } });
    expect(resource['active']).toBe(false);
    expect(changed).toBe(true);
  });

  it('renames a group repeating its read-only id', () => {
    const { resource } = patchGroup({
      op: 'replace',
      value: { id: 'e9e30dba-f08f-4109-8486-d5c6a331660a', displayName: 'Test SCIMv2' },
    });
    expect(resource['displayName']).toBe('Test SCIMv2');
    expect(resource['id']).toBe('e9e30dba-f08f-4109-8486-d5c6a331660a');
  });

  it('repeating the same name and id is not a change', () => {
    expect(patchGroup({ op: 'replace', value: { id: 'e9e30dba-f08f-4109-8486-d5c6a331660a', displayName: 'Tour Guides' } }).changed).toBe(
      false,
    );
  });

  it('mixes remove by filter and add in one PATCH', () => {
    const { resource } = patchGroup(
      { op: 'remove', path: `members[value eq "${M1}"]` },
      { op: 'add', path: 'members', value: [{ value: M3, display: 'james@example.com' }] },
    );
    expect(members(resource)).toEqual([
      { value: M2, display: 'Mandy Pepperidge', type: 'User' },
      { value: M3, display: 'james@example.com' },
    ]);
  });

  it('pushes the full membership with replace', () => {
    const { resource } = patchGroup({ op: 'replace', path: 'members', value: [{ value: M3, display: 'j' }] });
    expect(members(resource)).toEqual([{ value: M3, display: 'j' }]);
  });

  it('pushes an empty membership with replace', () => {
    const { resource } = patchGroup({ op: 'replace', path: 'members', value: [] });
    expect('members' in resource).toBe(false);
  });

  it('sets a password', () => {
    const { resource } = patchUser({ op: 'replace', value: { password: 'n3w-Secret' } });
    expect(resource['password']).toBe('n3w-Secret');
  });
});

describe('OneLogin-style templated values', () => {
  it('tolerates "id": null and string "active"', () => {
    const { resource } = patchUser({ op: 'replace', value: { id: null, active: 'true', title: 'X' } });
    expect(resource['id']).toBe('2819c223-7f76-453a-919d-413861904646');
    expect(resource['active']).toBe(true);
    expect(resource['title']).toBe('X');
  });

  it('stores numbers sent for string attributes as text', () => {
    const { resource } = patchUser({ op: 'replace', path: `${ENT}:employeeNumber`, value: 1234 });
    expect(ent(resource)['employeeNumber']).toBe('1234');
  });
});

describe('read-only, immutable and required attributes', () => {
  it('ignores replacing id with the same value, rejects a different one', () => {
    expect(patchUser({ op: 'replace', path: 'id', value: '2819c223-7f76-453a-919d-413861904646' }).changed).toBe(false);
    const err = expectScimError(() => patchUser({ op: 'replace', path: 'id', value: 'other' }), 'mutability');
    expect(err.message).toContain('id');
    expectScimError(() => patchUser({ op: 'replace', value: { id: 'other' } }), 'mutability');
    // id is caseExact: a case change is a change
    expectScimError(() => patchUser({ op: 'replace', path: 'id', value: '2819C223-7F76-453A-919D-413861904646' }), 'mutability');
  });

  it('rejects removing id', () => {
    expectScimError(() => patchUser({ op: 'remove', path: 'id' }), 'mutability');
  });

  it('protects meta', () => {
    expectScimError(() => patchUser({ op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' }), 'mutability');
    expectScimError(() => patchUser({ op: 'remove', path: 'meta' }), 'mutability');
    expect(patchUser({ op: 'replace', value: { meta: { resourceType: 'User' } } }).changed).toBe(false);
  });

  it('protects User groups', () => {
    expectScimError(() => patchUser({ op: 'add', path: 'groups', value: [{ value: 'g1' }] }), 'mutability');
    // absent and set to nothing: no change, no error
    expect(patchUser({ op: 'replace', value: { groups: [] } }).changed).toBe(false);
    expect(patchUser({ op: 'remove', path: 'groups' }).changed).toBe(false);
    const withGroups = { ...makeUser(), groups: [{ value: 'g1', display: 'G' }] };
    expectScimError(() => applyPatch(withGroups, 'User', msg({ op: 'remove', path: 'groups' })), 'mutability');
  });

  it('rejects removing or emptying a required attribute', () => {
    expectScimError(() => patchUser({ op: 'remove', path: 'userName' }), 'mutability');
    expectScimError(() => patchUser({ op: 'replace', path: 'userName', value: '' }), 'mutability');
    expectScimError(() => patchUser({ op: 'replace', path: 'userName', value: null }), 'mutability');
    expectScimError(() => patchGroup({ op: 'remove', path: 'displayName' }), 'mutability');
  });

  it('does not treat read-only sub-attributes of writable attributes as errors', () => {
    const { resource } = patchUser({ op: 'add', path: 'manager', value: { value: 'X', displayName: 'Boss' } });
    expect(ent(resource)['manager']).toEqual({ value: 'X', displayName: 'Boss' });
  });
});

describe('errors', () => {
  it('remove without path → noTarget', () => {
    expectScimError(() => patchUser({ op: 'remove' }), 'noTarget');
    expectScimError(() => patchUser({ op: 'Remove', path: '' }), 'noTarget');
  });

  it('invalid paths → invalidPath', () => {
    expectScimError(() => patchUser({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 'invalidPath');
    expectScimError(() => patchUser({ op: 'replace', path: 'name.given.name', value: 'x' }), 'invalidPath');
    expectScimError(() => patchUser({ op: 'replace', path: 'userName.x', value: 'x' }), 'invalidPath');
    expectScimError(() => patchUser({ op: 'replace', path: 'active[value eq true]', value: true }), 'invalidPath');
    expectScimError(() => patchUser({ op: 'replace', value: { 'bad key!': 1 } }), 'invalidPath');
    expectScimError(() => patchUser({ op: 'add', path: `${GROUP_SCHEMA}:displayName`, value: 'x' }), 'invalidPath');
  });

  it('invalid value filter in a path → invalidFilter', () => {
    expectScimError(() => patchUser({ op: 'remove', path: 'emails[type zz "work"]' }), 'invalidFilter');
  });

  it('wrong value types → invalidValue', () => {
    expectScimError(() => patchUser({ op: 'replace', path: 'active', value: { on: true } }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'replace', value: { active: 'yes' } }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'replace', path: 'name', value: 'Barbara' }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'replace', path: 'addresses', value: 'somewhere' }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'replace', path: 'title', value: { a: 1 } }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'replace', path: 'title', value: ['a', 'b'] }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'replace', path: 'manager', value: [{ value: 'a' }, { value: 'b' }] }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'add', path: 'emails', value: [{ value: 'a@b', primary: 'maybe' }] }), 'invalidValue');
    expectScimError(() => patchUser({ op: 'replace', value: 'not an object' }), 'invalidValue');
  });

  it('a filter that matches nothing and cannot describe an element → noTarget', () => {
    expectScimError(() => patchUser({ op: 'replace', path: 'emails[value co "nomatch"].type', value: 'x' }), 'noTarget');
    expectScimError(() => patchUser({ op: 'replace', path: 'emails[type eq "a" or type eq "b"]', value: { value: 'x' } }), 'noTarget');
  });

  it('an error in any operation rejects the whole request', () => {
    const input = deepFreeze(makeUser());
    expectScimError(
      () => applyPatch(input, 'User', msg({ op: 'replace', path: 'title', value: 'x' }, { op: 'replace', path: 'id', value: 'y' })),
      'mutability',
    );
    expect(input['title']).toBeUndefined();
  });
});

describe('multi-valued attributes', () => {
  it('add appends new values and skips present ones (value compared per caseExact)', () => {
    const { resource } = patchUser({
      op: 'add',
      path: 'emails',
      value: [
        { value: 'BJENSEN@example.com', type: 'work' },
        { value: 'new@x.com', type: 'other' },
      ],
    });
    const emails = resource['emails'] as JsonObject[];
    expect(emails.map((e) => e['value'])).toEqual(['bjensen@example.com', 'babs@jensen.org', 'new@x.com']);
  });

  it('add of a present value merges its sub-attributes', () => {
    const { resource } = patchGroup({ op: 'add', path: 'members', value: [{ value: M2, display: 'Mandy P' }] });
    expect(members(resource)[1]).toEqual({ value: M2, display: 'Mandy P', type: 'User' });
  });

  it('members value is caseExact: a differently-cased id is another member', () => {
    const { resource } = patchGroup({ op: 'add', path: 'members', value: [{ value: M1.toUpperCase() }] });
    expect(memberIds(resource)).toEqual([M1, M2, M1.toUpperCase()]);
  });

  it('add compares complex values without a value sub-attribute by deep equality', () => {
    const same = { type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood' };
    expect(patchUser({ op: 'add', path: 'addresses', value: [same] }).changed).toBe(false);
    const { resource } = patchUser({ op: 'add', path: 'addresses', value: [{ ...same, locality: 'LA' }] });
    expect(resource['addresses']).toHaveLength(3);
  });

  it('add wraps a single object and coerces a bare string', () => {
    expect((patchUser({ op: 'add', path: 'emails', value: { value: 'one@x.com' } }).resource['emails'] as unknown[]).length).toBe(3);
    const user = makeUser();
    delete user['emails'];
    expect(applyPatch(user, 'User', msg({ op: 'add', path: 'emails', value: 'solo@x.com' })).resource['emails']).toEqual([
      { value: 'solo@x.com' },
    ]);
  });

  it('primary true on a new element clears it on the others', () => {
    const { resource } = patchUser({ op: 'add', path: 'emails', value: [{ value: 'p@x.com', type: 'other', primary: 'True' }] });
    const emails = resource['emails'] as JsonObject[];
    expect(emails.map((e) => e['primary'])).toEqual([false, undefined, true]);
  });

  it('primary true through a filtered sub-attribute clears it on the others', () => {
    const { resource } = patchUser({ op: 'replace', path: 'emails[type eq "home"].primary', value: true });
    const emails = resource['emails'] as JsonObject[];
    expect(emails.map((e) => e['primary'])).toEqual([false, true]);
  });

  it('replace without filter replaces the whole set and keeps one primary', () => {
    const { resource } = patchUser({
      op: 'replace',
      path: 'emails',
      value: [
        { value: 'a@x.com', primary: true },
        { value: 'b@x.com', primary: true },
      ],
    });
    expect(resource['emails']).toEqual([
      { value: 'a@x.com', primary: false },
      { value: 'b@x.com', primary: true },
    ]);
  });

  it('remove with a value list for other multi-valued attributes', () => {
    const { resource } = patchUser({ op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org' }] });
    expect(resource['emails']).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]);
    const byType = patchUser({ op: 'remove', path: 'addresses', value: { type: 'home' } }).resource;
    expect((byType['addresses'] as JsonObject[]).map((a) => a['type'])).toEqual(['work']);
  });

  it('a sub-attribute path without filter applies to every element, or creates one', () => {
    const { resource } = patchUser({ op: 'replace', path: 'emails.display', value: 'E' });
    expect((resource['emails'] as JsonObject[]).map((e) => e['display'])).toEqual(['E', 'E']);
    const removed = patchUser({ op: 'remove', path: 'emails.type' }).resource;
    expect((removed['emails'] as JsonObject[]).map((e) => e['type'])).toEqual([undefined, undefined]);
    const user = makeUser();
    delete user['emails'];
    expect(applyPatch(user, 'User', msg({ op: 'add', path: 'emails.value', value: 'n@x.com' })).resource['emails']).toEqual([
      { value: 'n@x.com' },
    ]);
  });

  it('remove of a sub-attribute of filtered elements', () => {
    const { resource } = patchUser({ op: 'remove', path: 'emails[type eq "work"].primary' });
    expect((resource['emails'] as JsonObject[])[0]).toEqual({ value: 'bjensen@example.com', type: 'work' });
  });

  it('remove with a filter that matches nothing is a no-op', () => {
    const { changed } = patchUser({ op: 'remove', path: 'emails[type eq "other"]' });
    expect(changed).toBe(false);
  });

  it('add with a value filter merges into matching elements', () => {
    const { resource } = patchUser({ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } });
    expect((resource['emails'] as JsonObject[])[1]).toEqual({ value: 'babs@jensen.org', type: 'home', display: 'Home' });
  });

  it('replace with a filter and no match creates the element from eq comparisons', () => {
    const { resource } = patchUser({ op: 'replace', path: 'phoneNumbers[type eq "mobile"]', value: { value: '555' } });
    expect(resource['phoneNumbers']).toEqual([{ type: 'mobile', value: '555' }]);
  });
});

describe('paths and names', () => {
  it('matches attribute names case-insensitively and writes canonical names', () => {
    const { resource } = patchUser(
      { op: 'replace', path: 'DISPLAYNAME', value: 'B' },
      { op: 'replace', path: 'Name.GivenName', value: 'G' },
      { op: 'add', path: 'EMAILS', value: [{ Value: 'c@x.com', Primary: 'false' }] },
    );
    expect(resource['displayName']).toBe('B');
    expect('DISPLAYNAME' in resource).toBe(false);
    expect(resource['name']).toEqual({ familyName: 'Jensen', givenName: 'G' });
    expect((resource['emails'] as JsonObject[])[2]).toEqual({ value: 'c@x.com', primary: false });
  });

  it('renames a stored non-canonical key when writing it', () => {
    const user = makeUser();
    delete user['displayName'];
    user['displayname'] = 'old';
    const { resource } = applyPatch(user, 'User', msg({ op: 'replace', path: 'displayName', value: 'new' }));
    expect(resource['displayName']).toBe('new');
    expect('displayname' in resource).toBe(false);
  });

  it('URN-qualified core paths write at the top level', () => {
    const { resource } = patchUser({ op: 'replace', path: `${USER_SCHEMA}:title`, value: 'T' });
    expect(resource['title']).toBe('T');
  });

  it('no-path value with an extension object', () => {
    const { resource } = patchUser({ op: 'replace', value: { [ENT]: { costCenter: 'CC1', manager: { value: 'M' } } } });
    expect(ent(resource)).toEqual({ employeeNumber: '701984', department: 'Tour Operations', costCenter: 'CC1', manager: { value: 'M' } });
  });

  it('a path that is exactly the extension URN', () => {
    const add = patchUser({ op: 'add', path: ENT, value: { division: 'D' } }).resource;
    expect(ent(add)['division']).toBe('D');
    const removed = patchUser({ op: 'remove', path: ENT }).resource;
    expect(ENT in removed).toBe(false);
    expect(removed['schemas']).toEqual([USER_SCHEMA]);
  });

  it('adds the extension URN to schemas when an extension attribute is first written', () => {
    const user = makeUser();
    delete user[ENT];
    user['schemas'] = [USER_SCHEMA];
    const { resource } = applyPatch(user, 'User', msg({ op: 'add', path: `${ENT}:employeeNumber`, value: '7' }));
    expect(resource['schemas']).toEqual([USER_SCHEMA, ENT]);
    expect(ent(resource)).toEqual({ employeeNumber: '7' });
  });

  it('drops the extension object and URN when its last attribute is removed', () => {
    const user = makeUser();
    user[ENT] = { employeeNumber: '1' };
    const { resource } = applyPatch(user, 'User', msg({ op: 'remove', path: `${ENT}:employeeNumber` }));
    expect(ENT in resource).toBe(false);
    expect(resource['schemas']).toEqual([USER_SCHEMA]);
  });

  it('keeps unknown attributes and unknown extension schemas', () => {
    const X = 'urn:acme:params:scim:schemas:extension:custom:1.0:User';
    const { resource } = patchUser(
      { op: 'add', path: `${X}:badge`, value: { number: 42 } },
      { op: 'replace', value: { favoriteColor: 'teal', [X]: { floor: 3 } } },
    );
    expect(resource[X]).toEqual({ badge: { number: 42 }, floor: 3 });
    expect(resource['favoriteColor']).toBe('teal');
    expect(resource['schemas']).toEqual([USER_SCHEMA, ENT, X]);
    const removed = applyPatch(resource, 'User', msg({ op: 'remove', path: `${X}:badge.number` })).resource;
    expect(removed[X]).toEqual({ floor: 3 });
  });

  it('ignores a schemas key in a no-path value', () => {
    expect(patchUser({ op: 'replace', value: { schemas: ['x'] } }).changed).toBe(false);
  });

  it('removing an absent optional attribute is a no-op', () => {
    expect(patchUser({ op: 'remove', path: 'nickName' }).changed).toBe(false);
    expect(patchUser({ op: 'remove', path: 'name.middleName' }).changed).toBe(false);
    expect(patchUser({ op: 'remove', path: `${ENT}:manager.value` }).changed).toBe(false);
    expect(patchUser({ op: 'remove', path: 'urn:acme:x:1.0:User:thing' }).changed).toBe(false);
  });

  it('removing a sub-attribute and the last sub-attribute', () => {
    const once = patchUser({ op: 'remove', path: 'name.givenName' }).resource;
    expect(once['name']).toEqual({ familyName: 'Jensen' });
    const twice = applyPatch(once, 'User', msg({ op: 'remove', path: 'name.familyName' })).resource;
    expect('name' in twice).toBe(false);
  });

  it('replace with null unassigns; add with null does nothing', () => {
    expect('displayName' in patchUser({ op: 'replace', path: 'displayName', value: null }).resource).toBe(false);
    expect(patchUser({ op: 'add', path: 'displayName', value: null }).changed).toBe(false);
  });
});

describe('immutability and the changed flag', () => {
  it('never mutates the input', () => {
    const input = makeUser();
    const snapshot = JSON.parse(JSON.stringify(input)) as JsonObject;
    deepFreeze(input);
    const { resource } = applyPatch(
      input,
      'User',
      msg(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'z@x.com' },
        { op: 'remove', path: 'addresses[type eq "home"]' },
        { op: 'add', path: 'manager', value: 'M' },
        { op: 'replace', value: { 'name.givenName': 'Q', active: false } },
      ),
    );
    expect(input).toEqual(snapshot);
    expect(resource).not.toBe(input);
    expect(resource['name']).not.toBe(input['name']);
  });

  it('the result shares no objects with the input', () => {
    const input = makeUser();
    const { resource } = applyPatch(input, 'User', msg({ op: 'replace', path: 'title', value: 'x' }));
    (resource['emails'] as JsonObject[])[0]!['value'] = 'mutated';
    expect((input['emails'] as JsonObject[])[0]!['value']).toBe('bjensen@example.com');
  });

  it('is false when nothing changes, true otherwise', () => {
    expect(patchUser({ op: 'replace', path: 'userName', value: 'bjensen@example.com' }).changed).toBe(false);
    expect(patchUser({ op: 'replace', path: 'active', value: true }).changed).toBe(false);
    expect(patchUser({ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] }).changed).toBe(false);
    expect(patchUser({ op: 'replace', path: 'name', value: { givenName: 'Barbara' } }).changed).toBe(false);
    expect(patchUser({ op: 'replace', path: 'userName', value: 'BJENSEN@example.com' }).changed).toBe(true);
    expect(patchUser({ op: 'replace', path: 'title', value: 'x' }, { op: 'remove', path: 'title' }).changed).toBe(false);
  });

  it('deepEqual ignores key order', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
  });
});

describe('property: random operations only ever throw ScimError and never touch the input', () => {
  const ops = ['add', 'Add', 'replace', 'Replace', 'remove', 'REMOVE', 'copy'];
  const paths: Array<string | undefined> = [
    undefined,
    'userName',
    'active',
    'name',
    'name.givenName',
    'emails',
    'emails.value',
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    'emails[value co "x"].primary',
    'addresses[type eq "home"].locality',
    'members',
    'members[value eq "m"]',
    'manager',
    `${ENT}:manager.value`,
    `${ENT}.manager`,
    ENT,
    'groups',
    'id',
    'meta.lastModified',
    'urn:acme:x:1.0:User:badge',
    'displayName',
    'emails[type eq',
    'a.b.c',
  ];
  const values: unknown[] = [
    undefined,
    null,
    '',
    'x',
    'True',
    true,
    false,
    0,
    1.5,
    [],
    ['a'],
    [{ value: 'm' }],
    [
      { value: 'm', primary: 'true' },
      { value: 'n', primary: true },
    ],
    { value: 'v' },
    { givenName: 'G', familyName: null },
    { active: 'false', 'name.givenName': 'N', [`${ENT}:employeeNumber`]: 5 },
    { [ENT]: { department: 'D' } },
    { id: 'other' },
    { emails: 'e@x' },
    [[1]],
    { $ref: null },
  ];

  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as JsonObject).sort(([a], [b]) => (a < b ? -1 : 1)))
        : x,
    );

  it('1,000 random PATCH requests', () => {
    const random = rng(0xbeef);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    let ok = 0;
    let failed = 0;
    for (let n = 0; n < 1000; n++) {
      const resourceType = random() < 0.7 ? 'User' : 'Group';
      const input = deepFreeze(resourceType === 'User' ? makeUser() : makeGroup());
      const snapshot = JSON.stringify(input);
      const count = 1 + Math.floor(random() * 3);
      const operations = Array.from({ length: count }, () => {
        const op: JsonObject = { op: pick(ops) };
        const path = pick(paths);
        if (path !== undefined) op['path'] = path;
        const value = pick(values);
        if (value !== undefined) op['value'] = value;
        return op;
      });
      try {
        const result = applyPatch(input, resourceType, msg(...operations));
        ok++;
        expect(result.changed).toBe(canonical(result.resource) !== canonical(input));
        // the result is plain JSON
        expect(JSON.parse(JSON.stringify(result.resource))).toEqual(result.resource);
      } catch (e) {
        failed++;
        expect(e, JSON.stringify(operations)).toBeInstanceOf(ScimError);
        expect((e as ScimError).status).toBe(400);
      }
      expect(JSON.stringify(input)).toBe(snapshot);
    }
    expect(ok).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(100);
  });
});
