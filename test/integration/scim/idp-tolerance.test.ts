/**
 * What real IdPs send that is not textbook RFC 7644 (see /work/shared/reference/scim-idp-behaviour.md):
 * Entra's capitalised ops, "False" strings, member removal by value list and by filter path,
 * enterprise attributes by full URN path, externalId lookups, the Test Connection probe and `+` in
 * query strings; Okta's GET-then-PUT updates and no-path PATCH values; unknown extension schemas.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeQuery,
  ENTERPRISE,
  GROUP,
  LIST,
  PATCH_OP,
  resourcesOf,
  startScim,
  USER,
  type Json,
  type ScimHarness,
} from '../../helpers/scim';

let h: ScimHarness;
beforeEach(async () => {
  h = await startScim({ provider: 'entra', name: 'Entra' });
});
afterEach(async () => {
  await h.close();
});

const patch = (...Operations: Json[]): Json => ({
  schemas: [PATCH_OP],
  Operations,
});

async function createUser(body: Json): Promise<Json> {
  const r = await h.req('POST', '/Users', {
    body: { schemas: [USER], ...body },
  });
  expect(r.status, r.text).toBe(201);
  return r.json!;
}

async function memberIds(groupId: string): Promise<string[]> {
  const g = await h.req('GET', `/Groups/${groupId}`);
  return ((g.json?.members as Json[] | undefined) ?? []).map((m) => m.value as string).sort();
}

describe('Entra', () => {
  it('capitalised ops and "False"/"True" strings for booleans', async () => {
    const u = await createUser({ userName: 'cap@contoso.com', active: true });
    const id = u.id as string;
    let r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'Replace', path: 'active', value: 'False' }),
    });
    expect(r.status).toBe(200);
    expect(r.json?.active).toBe(false);
    r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'Replace', path: 'active', value: 'TRUE' }),
    });
    expect(r.json?.active).toBe(true);
    r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'Add', path: 'nickName', value: 'Babs' }),
    });
    expect(r.json?.nickName).toBe('Babs');
    r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'Remove', path: 'nickName' }),
    });
    expect(r.json?.nickName).toBeUndefined();
    // a POST with a string boolean is coerced too
    const s = await createUser({
      userName: 'str@contoso.com',
      active: 'False',
    });
    expect(s.active).toBe(false);
    const stored = h.rows<{ active: number }>('SELECT active FROM accounts WHERE id = ?', s.id);
    expect(stored[0]!.active).toBe(0);
  });

  it('member removal by value list removes only the listed members; by members[value eq …] path too', async () => {
    const ids: string[] = [];
    for (const n of ['u1', 'u2', 'u3', 'u4']) ids.push((await createUser({ userName: n })).id as string);
    const [u1, u2, u3, u4] = ids as [string, string, string, string];
    const g = await h.req('POST', '/Groups', {
      body: {
        schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        displayName: 'Grp',
        meta: { resourceType: 'Group' },
      },
    });
    expect(g.status).toBe(201);
    const gid = g.json!.id as string;
    let r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: u1 },
          { $ref: null, value: u2 },
          { $ref: null, value: u3 },
          { $ref: null, value: u4 },
        ],
      }),
    });
    expect(r.status).toBe(204);
    expect(await memberIds(gid)).toEqual([...ids].sort());
    r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({ op: 'Remove', path: 'members', value: [{ value: u1 }] }),
    });
    expect(r.status).toBe(204);
    expect(await memberIds(gid)).toEqual([u2, u3, u4].sort());
    r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({ op: 'remove', path: `members[value eq "${u2}"]` }),
    });
    expect(r.status).toBe(204);
    expect(await memberIds(gid)).toEqual([u3, u4].sort());
    // removing someone who is not a member is a no-op (204, no version bump)
    const before = (await h.req('GET', `/Groups/${gid}`)).headers.etag;
    r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({
        op: 'Remove',
        path: 'members',
        value: [{ value: 'not-a-member' }],
      }),
    });
    expect(r.status).toBe(204);
    expect(r.headers.etag).toBe(before);
    // one event per member removed
    const removed = h.rows<{ account_id: string }>(`SELECT account_id FROM events WHERE type = 'group.member_removed' ORDER BY seq`);
    expect(removed.map((e) => e.account_id)).toEqual([u1, u2]);
  });

  it('enterprise extension addressed by full URN path, in a path and as a no-path key; bare manager with an array', async () => {
    const u = await createUser({
      userName: 'ext@contoso.com',
      name: { givenName: 'E', familyName: 'X' },
    });
    const id = u.id as string;
    let r = await h.req('PATCH', `/Users/${id}`, {
      body: patch(
        { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
        { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Sales' },
      ),
    });
    expect(r.status).toBe(200);
    expect(r.json?.[ENTERPRISE]).toEqual({
      employeeNumber: 'Eqpj',
      department: 'Sales',
    });
    expect(r.json?.schemas).toEqual([USER, ENTERPRISE]);
    r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
        },
      }),
    });
    expect(r.json).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      [ENTERPRISE]: { employeeNumber: 'Aklq', department: 'Sales' },
    });
    r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({
        op: 'Add',
        path: 'manager',
        value: [{ $ref: 'http://x/Users/M1', value: 'M1' }],
      }),
    });
    expect(r.status).toBe(200);
    expect((r.json?.[ENTERPRISE] as Json).manager).toEqual({
      $ref: 'http://x/Users/M1',
      value: 'M1',
    });
    // filterable by the URN path, and stored in the employee_number column
    const found = await h.req('GET', `/Users?${encodeQuery({ filter: `${ENTERPRISE}:employeeNumber eq "Aklq"` })}`);
    expect(resourcesOf(found).map((x) => x.id)).toEqual([id]);
    expect(h.rows<{ employee_number: string }>('SELECT employee_number FROM accounts WHERE id = ?', id)[0]!.employee_number).toBe('Aklq');
    // removing the last extension attribute drops the URN from schemas
    r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'Remove', path: ENTERPRISE }),
    });
    expect(r.json?.[ENTERPRISE]).toBeUndefined();
    expect(r.json?.schemas).toEqual([USER]);
  });

  it('Replace emails[type eq "work"].value creates the work email when there is none', async () => {
    const u = await createUser({
      userName: 'nowork@contoso.com',
      emails: [{ value: 'home@contoso.com', type: 'home' }],
    });
    const r = await h.req('PATCH', `/Users/${u.id as string}`, {
      body: patch({
        op: 'Replace',
        path: 'emails[type eq "work"].value',
        value: 'work@contoso.com',
      }),
    });
    expect(r.status).toBe(200);
    expect(r.json?.emails).toEqual([
      { value: 'home@contoso.com', type: 'home' },
      { type: 'work', value: 'work@contoso.com' },
    ]);
  });

  it('externalId lookups (exact) and matching by emails[type eq "work"].value', async () => {
    const u = await createUser({
      userName: 'jyoung@contoso.com',
      externalId: 'jyoung',
      emails: [{ value: 'J.Young@contoso.com', type: 'work' }],
    });
    await createUser({ userName: 'other@contoso.com', externalId: 'JYOUNG' });
    const q = async (filter: string): Promise<unknown[]> =>
      resourcesOf(await h.req('GET', `/Users?${encodeQuery({ filter })}`)).map((x) => x.id);
    expect(await q('externalId eq "jyoung"')).toEqual([u.id]);
    expect(await q('externalId eq "jyoung" and userName eq "JYOUNG@contoso.com"')).toEqual([u.id]);
    expect(await q('emails[type eq "work"].value eq "j.young@contoso.com"')).toEqual([u.id]);
    // externalId is not unique: two users may share one
    await createUser({ userName: 'dup@contoso.com', externalId: 'jyoung' });
    expect(await q('externalId eq "jyoung"')).toHaveLength(2);
  });

  it('Test Connection probe: userName eq <random GUID> → 200 empty ListResponse, exchange flagged is_probe', async () => {
    const guid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const r = await h.req('GET', `/Users?filter=${encodeURIComponent(`userName eq "${guid}"`)}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
    const rows = h.rows<{ is_probe: number; status: number; query: string }>(
      'SELECT is_probe, status, query FROM scim_exchanges ORDER BY id',
    );
    expect(rows).toEqual([
      {
        is_probe: 1,
        status: 200,
        query: `filter=${encodeURIComponent(`userName eq "${guid}"`)}`,
      },
    ]);
    // an ordinary lookup is not a probe
    await h.req('GET', `/Users?filter=${encodeURIComponent('userName eq "someone"')}`);
    expect(h.rows<{ is_probe: number }>('SELECT is_probe FROM scim_exchanges ORDER BY id').map((x) => x.is_probe)).toEqual([1, 0]);
  });

  it('`+` in the query decodes to a space (filter=userName+eq+"x")', async () => {
    const u = await createUser({ userName: 'plus@contoso.com' });
    const r = await h.req('GET', '/Users?filter=userName+eq+"plus@contoso.com"');
    expect(r.status, r.text).toBe(200);
    expect(resourcesOf(r).map((x) => x.id)).toEqual([u.id]);
    const g = await h.req('GET', '/Groups?excludedAttributes=members&filter=displayName+eq+"none"');
    expect(g.status).toBe(200);
    // an encoded plus stays a plus
    const p = await createUser({ userName: 'a+b@contoso.com' });
    const r2 = await h.req('GET', `/Users?filter=userName+eq+"a%2Bb@contoso.com"`);
    expect(resourcesOf(r2).map((x) => x.id)).toEqual([p.id]);
  });

  it('create bodies with meta, roles: [], null attributes and an unknown Microsoft group schema', async () => {
    const r = await h.req('POST', '/Users', {
      body: {
        schemas: [USER, ENTERPRISE],
        externalId: '0a21f0f2',
        userName: 'legacy@contoso.com',
        active: true,
        displayName: null,
        nickName: null,
        meta: { resourceType: 'User' },
        roles: [],
        [ENTERPRISE]: { department: null, employeeNumber: '5' },
      },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json?.displayName).toBeUndefined();
    expect(r.json?.roles).toBeUndefined();
    expect(r.json?.[ENTERPRISE]).toEqual({ employeeNumber: '5' });
    expect((r.json?.meta as Json).resourceType).toBe('User');
    const g = await h.req('GET', `/Groups?${encodeQuery({ filter: 'displayName eq "x"', excludedAttributes: 'members' })}`);
    expect(g.status).toBe(200);
  });
});

describe('Okta', () => {
  it('GET then PUT with id, meta and groups in the body updates the user', async () => {
    const u = await createUser({
      userName: 'put@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      groups: [],
      password: '1mz050nq',
      locale: 'en-US',
    });
    const id = u.id as string;
    const g = await h.req('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'G', members: [{ value: id }] },
    });
    const got = (await h.req('GET', `/Users/${id}`)).json!;
    expect((got.groups as Json[]).map((x) => x.value)).toEqual([g.json!.id]);
    const body = {
      ...got,
      name: { ...(got.name as Json), middleName: 'Excited' },
    };
    const r = await h.req('PUT', `/Users/${id}`, {
      body,
      contentType: 'application/json',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json?.name).toEqual({
      givenName: 'Test',
      familyName: 'User',
      middleName: 'Excited',
    });
    // groups are read-only and derived: the PUT neither clears nor stores them
    expect((r.json?.groups as Json[]).map((x) => x.value)).toEqual([g.json!.id]);
    const raw = JSON.parse(h.rows<{ raw: string }>('SELECT raw FROM accounts WHERE id = ?', id)[0]!.raw) as Json;
    expect(raw.groups).toBeUndefined();
    expect(raw.meta).toBeUndefined();
    expect(raw.id).toBeUndefined();
    // a PUT of exactly what GET returned changes nothing
    const again = await h.req('PUT', `/Users/${id}`, { body: r.json });
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe(r.headers.etag);
  });

  it('PATCH without path: {"active": false} deactivates; group rename repeats the read-only id', async () => {
    const u = await createUser({ userName: 'deact@okta.local', active: true });
    let r = await h.req('PATCH', `/Users/${u.id as string}`, {
      body: patch({ op: 'replace', value: { active: false } }),
    });
    expect(r.status).toBe(200);
    expect(r.json?.active).toBe(false);
    const g = await h.req('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] },
    });
    const gid = g.json!.id as string;
    r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({
        op: 'replace',
        value: { id: gid, displayName: 'Test SCIMv20' },
      }),
    });
    expect(r.status).toBe(204);
    expect((await h.req('GET', `/Groups/${gid}`)).json?.displayName).toBe('Test SCIMv20');
    // changing the id is refused
    r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({ op: 'replace', value: { id: 'other', displayName: 'X' } }),
    });
    expect(r.status).toBe(400);
    expect(r.json?.scimType).toBe('mutability');
  });

  it('unknown extension schemas and attributes are kept as sent', async () => {
    const custom = 'urn:okta:custom:1.0:User';
    const r = await h.req('POST', '/Users', {
      body: {
        schemas: [USER, custom, 'urn:example:empty:1.0'],
        userName: 'ext@okta.local',
        [custom]: { costCode: 'CC-1', level: 3 },
        favouriteColour: 'teal',
      },
    });
    expect(r.status).toBe(201);
    expect(r.json?.schemas).toEqual([USER, custom, 'urn:example:empty:1.0']);
    expect(r.json?.[custom]).toEqual({ costCode: 'CC-1', level: 3 });
    expect(r.json?.favouriteColour).toBe('teal');
    const id = r.json!.id as string;
    const p = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'replace', path: `${custom}:costCode`, value: 'CC-2' }),
    });
    expect(p.json?.[custom]).toEqual({ costCode: 'CC-2', level: 3 });
    const f = await h.req('GET', `/Users?${encodeQuery({ filter: `${custom}:level gt 2` })}`);
    expect(resourcesOf(f).map((x) => x.id)).toEqual([id]);
  });

  it('an all-caps userName probe answers 200', async () => {
    await createUser({ userName: 'caps@okta.local' });
    const r = await h.req('GET', `/Users?${encodeQuery({ filter: 'userName eq "CAPS@OKTA.LOCAL"', startIndex: 1, count: 100 })}`);
    expect(r.status).toBe(200);
    expect(r.json?.totalResults).toBe(1);
  });
});

describe('OneLogin-style templated bodies', () => {
  it('string "active", "id": null and numbers for strings are accepted', async () => {
    const r = await h.req('POST', '/Users', {
      body: {
        schemas: [USER, ENTERPRISE],
        id: null,
        userName: 'tmpl@onelogin.example',
        active: 'true',
        [ENTERPRISE]: { employeeNumber: 123 },
      },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json?.active).toBe(true);
    expect(r.json?.[ENTERPRISE]).toEqual({ employeeNumber: '123' });
    expect(typeof r.json?.id).toBe('string');
  });
});
