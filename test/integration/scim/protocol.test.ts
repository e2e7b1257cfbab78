/**
 * SCIM 2.0 protocol conformance of the store-mode service provider (RFC 7643 / RFC 7644), over
 * real HTTP and a real SQLite file: discovery endpoints, Users and Groups CRUD, list queries
 * (filter, paging, sorting, projection), meta and ETags, uniqueness, errors and content types.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeQuery,
  ENTERPRISE,
  ERROR,
  GROUP,
  LIST,
  PATCH_OP,
  resourcesOf,
  startScim,
  USER,
  type Json,
  type Reply,
  type ScimHarness,
} from '../../helpers/scim';

let h: ScimHarness;
beforeEach(async () => {
  h = await startScim();
});
afterEach(async () => {
  await h.close();
});

async function createUser(userName: string, extra: Json = {}): Promise<Json> {
  const r = await h.req('POST', '/Users', {
    body: { schemas: [USER], userName, ...extra },
  });
  expect(r.status, r.text).toBe(201);
  return r.json!;
}

async function createGroup(displayName: string, extra: Json = {}): Promise<Json> {
  const r = await h.req('POST', '/Groups', {
    body: { schemas: [GROUP], displayName, ...extra },
  });
  expect(r.status, r.text).toBe(201);
  return r.json!;
}

const list = (type: 'Users' | 'Groups', params: Record<string, string | number>): Promise<Reply> =>
  h.req('GET', `/${type}?${encodeQuery(params)}`);

const filterUsers = async (filter: string): Promise<string[]> => {
  const r = await list('Users', { filter });
  expect(r.status, `${filter}: ${r.text}`).toBe(200);
  return resourcesOf(r)
    .map((u) => u.userName as string)
    .sort();
};

function expectScimError(r: Reply, status: number, scimType?: string): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(r.json?.schemas).toEqual([ERROR]);
  expect(r.json?.status).toBe(String(status));
  expect(typeof r.json?.detail).toBe('string');
  if (scimType !== undefined) expect(r.json?.scimType).toBe(scimType);
}

const patch = (...Operations: Json[]): Json => ({
  schemas: [PATCH_OP],
  Operations,
});

// -----------------------------------------------------------------------------------------------
describe('discovery endpoints', () => {
  it('ServiceProviderConfig tells the truth about what is supported', async () => {
    const r = await h.req('GET', '/ServiceProviderConfig');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/scim\+json/);
    const c = r.json!;
    expect(c.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    expect(c.patch).toEqual({ supported: true });
    expect(c.bulk).toMatchObject({ supported: false });
    expect(c.filter).toEqual({ supported: true, maxResults: 1000 });
    expect(c.changePassword).toEqual({ supported: false });
    expect(c.sort).toEqual({ supported: true });
    expect(c.etag).toEqual({ supported: true });
    const schemes = c.authenticationSchemes as Json[];
    expect(schemes.length).toBeGreaterThan(0);
    expect(schemes[0]).toMatchObject({ type: 'oauthbearertoken' });
    expect((c.meta as Json).location).toBe(`${h.base}/ServiceProviderConfig`);

    // Each claim holds: bulk is refused, maxResults is the page clamp, ETags come back.
    expect((await h.req('POST', '/Bulk', { body: {} })).status).toBe(501);
    for (let i = 0; i < 3; i++) await createUser(`u${i}`);
    const page = await list('Users', { count: 5000 });
    expect(page.json?.itemsPerPage).toBe(3);
    const u = await createUser('etag');
    expect((await h.req('GET', `/Users/${u.id as string}`)).headers.etag).toBe('W/"1"');
    expect((await h.req('PUT', '/ServiceProviderConfig', { body: {} })).status).toBe(405);
  });

  it('ResourceTypes lists User and Group with their endpoints, schemas and extensions', async () => {
    const r = await h.req('GET', '/ResourceTypes');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      schemas: [LIST],
      totalResults: 2,
      startIndex: 1,
      itemsPerPage: 2,
    });
    const [user, group] = resourcesOf(r);
    expect(user).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      schema: USER,
      schemaExtensions: [{ schema: ENTERPRISE, required: false }],
      meta: {
        resourceType: 'ResourceType',
        location: `${h.base}/ResourceTypes/User`,
      },
    });
    expect(group).toMatchObject({
      id: 'Group',
      endpoint: '/Groups',
      schema: GROUP,
      schemaExtensions: [],
    });
    const one = await h.req('GET', '/ResourceTypes/Group');
    expect(one.status).toBe(200);
    expect(one.json).toEqual(group);
    expectScimError(await h.req('GET', '/ResourceTypes/Device'), 404);
  });

  it('Schemas serves core User, Group and the Enterprise User extension', async () => {
    const r = await h.req('GET', '/Schemas');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      schemas: [LIST],
      totalResults: 3,
      itemsPerPage: 3,
    });
    expect(resourcesOf(r).map((s) => s.id)).toEqual([USER, GROUP, ENTERPRISE]);

    const user = await h.req('GET', `/Schemas/${USER}`);
    expect(user.status).toBe(200);
    expect(user.json).toMatchObject({
      id: USER,
      name: 'User',
      meta: { resourceType: 'Schema', location: `${h.base}/Schemas/${USER}` },
    });
    const attrs = user.json!.attributes as Json[];
    const byName = (n: string): Json => attrs.find((a) => a.name === n)!;
    // What the server does: userName unique per connection, case-insensitively; password write-only.
    expect(byName('userName')).toMatchObject({
      required: true,
      caseExact: false,
      uniqueness: 'server',
      type: 'string',
    });
    expect(byName('password')).toMatchObject({
      mutability: 'writeOnly',
      returned: 'never',
    });
    expect(byName('active')).toMatchObject({ type: 'boolean' });
    expect(byName('groups')).toMatchObject({
      mutability: 'readOnly',
      multiValued: true,
    });
    expect(byName('emails')).toMatchObject({
      multiValued: true,
      type: 'complex',
    });

    const group = await h.req('GET', `/Schemas/${GROUP}`);
    expect(group.json).toMatchObject({ id: GROUP, name: 'Group' });
    const members = (group.json!.attributes as Json[]).find((a) => a.name === 'members')!;
    expect(members).toMatchObject({ multiValued: true, type: 'complex' });

    const ent = await h.req('GET', `/Schemas/${ENTERPRISE}`);
    expect(ent.json).toMatchObject({ id: ENTERPRISE, name: 'EnterpriseUser' });
    expect((ent.json!.attributes as Json[]).map((a) => a.name)).toEqual(
      expect.arrayContaining(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']),
    );
    // Schema ids are matched case-insensitively; unknown ones are 404.
    expect((await h.req('GET', `/Schemas/${USER.toUpperCase()}`)).status).toBe(200);
    expectScimError(await h.req('GET', '/Schemas/urn:example:nope'), 404);
  });

  // schema.ts (pure module, not edited here) declares Group displayName `uniqueness: "none"`
  // while the server answers 409 uniqueness for a duplicate displayName in one connection.
  it('Schemas: Group displayName uniqueness matches the 409 the server enforces ', async () => {
    const group = await h.req('GET', `/Schemas/${GROUP}`);
    const displayName = (group.json!.attributes as Json[]).find((a) => a.name === 'displayName')!;
    expect(displayName.uniqueness).toBe('server');
  });
});

// -----------------------------------------------------------------------------------------------
describe('Users', () => {
  it('POST creates: 201, Location, ETag, meta, id; password never returned nor stored', async () => {
    const r = await h.req('POST', '/Users', {
      body: {
        schemas: [USER, ENTERPRISE],
        userName: 'bjensen@example.com',
        externalId: 'bjensen',
        name: { givenName: 'Barbara', familyName: 'Jensen' },
        emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
        password: 'hunter2-secret',
        [ENTERPRISE]: {
          employeeNumber: '701984',
          department: 'Tour Operations',
        },
      },
    });
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toMatch(/^application\/scim\+json/);
    const u = r.json!;
    expect(typeof u.id).toBe('string');
    expect(r.headers.location).toBe(`${h.base}/Users/${u.id as string}`);
    expect(r.headers.etag).toBe('W/"1"');
    expect(u).toMatchObject({
      schemas: [USER, ENTERPRISE],
      userName: 'bjensen@example.com',
      externalId: 'bjensen',
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' },
    });
    expect(u.password).toBeUndefined();
    const meta = u.meta as Json;
    expect(meta).toMatchObject({
      resourceType: 'User',
      location: `${h.base}/Users/${u.id as string}`,
      version: 'W/"1"',
    });
    expect(Date.parse(meta.created as string)).not.toBeNaN();
    expect(meta.lastModified).toBe(meta.created);

    const got = await h.req('GET', `/Users/${u.id as string}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(u);
    expect(got.text).not.toContain('hunter2');
    const [row] = h.rows<{ raw: string }>('SELECT raw FROM accounts WHERE id = ?', u.id);
    expect(row!.raw).not.toContain('hunter2');
    expect(row!.raw).not.toContain('password');
  });

  it('GET by unknown id is a 404 SCIM error; ids are case-sensitive', async () => {
    const u = await createUser('case');
    expectScimError(await h.req('GET', '/Users/does-not-exist'), 404);
    expectScimError(await h.req('GET', `/Users/${(u.id as string).toUpperCase()}`), 404);
  });

  it('userName is required and unique per connection case-insensitively (409 uniqueness); the same name in another connection is fine', async () => {
    expectScimError(await h.req('POST', '/Users', { body: { schemas: [USER] } }), 400, 'invalidValue');
    expectScimError(
      await h.req('POST', '/Users', {
        body: { schemas: [USER], userName: '   ' },
      }),
      400,
      'invalidValue',
    );
    await createUser('Alice@Example.com');
    expectScimError(
      await h.req('POST', '/Users', {
        body: { schemas: [USER], userName: 'alice@example.COM' },
      }),
      409,
      'uniqueness',
    );
    const other = h.addConnection('Entra');
    const r = await h.raw('POST', `/scim/v2/${other.slug}/Users`, {
      token: other.token,
      body: { schemas: [USER], userName: 'alice@example.com' },
    });
    expect(r.status).toBe(201);
    // Renaming onto a taken name is refused too (PUT and PATCH).
    const b = await createUser('bob');
    expectScimError(
      await h.req('PUT', `/Users/${b.id as string}`, {
        body: { schemas: [USER], userName: 'ALICE@example.com' },
      }),
      409,
      'uniqueness',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${b.id as string}`, {
        body: patch({
          op: 'replace',
          path: 'userName',
          value: 'alice@EXAMPLE.com',
        }),
      }),
      409,
      'uniqueness',
    );
    // Changing only the case of one's own userName is allowed.
    const a = (await filterUsers('userName eq "alice@example.com"')).length;
    expect(a).toBe(1);
    const aliceId = resourcesOf(await list('Users', { filter: 'userName eq "alice@example.com"' }))[0]!.id as string;
    const renamed = await h.req('PATCH', `/Users/${aliceId}`, {
      body: patch({
        op: 'replace',
        path: 'userName',
        value: 'ALICE@example.com',
      }),
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json?.userName).toBe('ALICE@example.com');
  });

  it('PUT replaces the whole resource (attributes absent from the body are removed)', async () => {
    const u = await createUser('put@example.com', {
      displayName: 'Put Me',
      title: 'Engineer',
      emails: [{ value: 'put@example.com', type: 'work' }],
      [ENTERPRISE]: { employeeNumber: '1' },
    });
    const r = await h.req('PUT', `/Users/${u.id as string}`, {
      body: {
        schemas: [USER],
        id: u.id,
        userName: 'put@example.com',
        displayName: 'Put Again',
        active: false,
        meta: u.meta,
      },
    });
    expect(r.status).toBe(200);
    expect(r.headers.etag).toBe('W/"2"');
    expect(r.json).toMatchObject({
      id: u.id,
      userName: 'put@example.com',
      displayName: 'Put Again',
      active: false,
    });
    expect(r.json?.title).toBeUndefined();
    expect(r.json?.emails).toBeUndefined();
    expect(r.json?.[ENTERPRISE]).toBeUndefined();
    expect(r.json?.schemas).toEqual([USER]);
    expect((r.json?.meta as Json).version).toBe('W/"2"');
    expect((r.json?.meta as Json).created).toBe((u.meta as Json).created);
    // id in the body must match the URL; a PUT without userName is refused.
    expectScimError(
      await h.req('PUT', `/Users/${u.id as string}`, {
        body: { schemas: [USER], id: 'other', userName: 'x' },
      }),
      400,
      'mutability',
    );
    expectScimError(
      await h.req('PUT', `/Users/${u.id as string}`, {
        body: { schemas: [USER], displayName: 'x' },
      }),
      400,
      'invalidValue',
    );
    expectScimError(
      await h.req('PUT', '/Users/nope', {
        body: { schemas: [USER], userName: 'x' },
      }),
      404,
    );
  });

  it('PATCH add/replace/remove, filtered paths, no-path form, multi-valued merge', async () => {
    const u = await createUser('patch@example.com', {
      name: { givenName: 'Pat', familyName: 'Ch' },
      emails: [{ value: 'patch@example.com', type: 'work', primary: true }],
    });
    const id = u.id as string;
    const p = async (...ops: Json[]): Promise<Json> => {
      const r = await h.req('PATCH', `/Users/${id}`, { body: patch(...ops) });
      expect(r.status, r.text).toBe(200);
      return r.json!;
    };
    // add on a multi-valued attribute merges (no duplicate for the same value)
    let j = await p({
      op: 'add',
      path: 'emails',
      value: [
        { value: 'home@example.org', type: 'home' },
        { value: 'patch@example.com', display: 'Work' },
      ],
    });
    expect(j.emails).toEqual([
      {
        value: 'patch@example.com',
        type: 'work',
        primary: true,
        display: 'Work',
      },
      { value: 'home@example.org', type: 'home' },
    ]);
    // filtered sub-attribute replace
    j = await p({
      op: 'replace',
      path: 'emails[type eq "work"].value',
      value: 'new@example.com',
    });
    expect((j.emails as Json[])[0]!.value).toBe('new@example.com');
    // sub-attribute of a complex attribute
    j = await p({ op: 'replace', path: 'name.familyName', value: 'Chen' });
    expect(j.name).toEqual({ givenName: 'Pat', familyName: 'Chen' });
    // no-path replace with paths as keys
    j = await p({
      op: 'replace',
      value: {
        displayName: 'Pat Chen',
        'name.givenName': 'Patricia',
        title: 'CTO',
      },
    });
    expect(j).toMatchObject({
      displayName: 'Pat Chen',
      title: 'CTO',
      name: { givenName: 'Patricia', familyName: 'Chen' },
    });
    // remove with a filter removes only the matching element
    j = await p({ op: 'remove', path: 'emails[type eq "home"]' });
    expect(j.emails).toEqual([
      {
        value: 'new@example.com',
        type: 'work',
        primary: true,
        display: 'Work',
      },
    ]);
    // remove a whole attribute, and a sub-attribute
    j = await p({ op: 'remove', path: 'title' }, { op: 'remove', path: 'name.givenName' });
    expect(j.title).toBeUndefined();
    expect(j.name).toEqual({ familyName: 'Chen' });
    // replace of a whole multi-valued attribute
    j = await p({
      op: 'replace',
      path: 'emails',
      value: [{ value: 'only@example.com', type: 'other' }],
    });
    expect(j.emails).toEqual([{ value: 'only@example.com', type: 'other' }]);
    // add creates a filtered element when none matches (eq-only filter)
    j = await p({
      op: 'add',
      path: 'phoneNumbers[type eq "mobile"].value',
      value: '+1 555 0100',
    });
    expect(j.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect((j.meta as Json).version).toBe('W/"9"');

    // errors
    expectScimError(await h.req('PATCH', `/Users/${id}`, { body: patch({ op: 'remove' }) }), 400, 'noTarget');
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: patch({ op: 'move', path: 'title', value: 'x' }),
      }),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: patch({ op: 'remove', path: 'userName' }),
      }),
      400,
      'mutability',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: patch({ op: 'replace', path: 'id', value: 'other' }),
      }),
      400,
      'mutability',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: patch({ op: 'replace', path: 'active', value: 'maybe' }),
      }),
      400,
      'invalidValue',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: patch({
          op: 'replace',
          path: 'emails[type co "x"].value',
          value: 'a',
        }),
      }),
      400,
      'noTarget',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: patch({ op: 'replace', path: 'emails[type eq ]', value: 'a' }),
      }),
      400,
      'invalidFilter',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: { schemas: [PATCH_OP], Operations: [] },
      }),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: {
          schemas: [USER],
          Operations: [{ op: 'add', path: 'title', value: 'x' }],
        },
      }),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await h.req('PATCH', '/Users/nope', {
        body: patch({ op: 'add', path: 'title', value: 'x' }),
      }),
      404,
    );
    // a failed PATCH changes nothing (all or nothing)
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body: patch({ op: 'replace', path: 'title', value: 'Half' }, { op: 'remove', path: 'userName' }),
      }),
      400,
      'mutability',
    );
    const after = await h.req('GET', `/Users/${id}`);
    expect(after.json?.title).toBeUndefined();
    expect((after.json?.meta as Json).version).toBe('W/"9"');
  });

  it('DELETE: 204, then GET 404, gone from lists, a second DELETE 404, and the userName is reusable', async () => {
    const u = await createUser('gone@example.com');
    const d = await h.req('DELETE', `/Users/${u.id as string}`);
    expect(d.status).toBe(204);
    expect(d.text).toBe('');
    expectScimError(await h.req('GET', `/Users/${u.id as string}`), 404);
    expect(await filterUsers('userName eq "gone@example.com"')).toEqual([]);
    expect((await list('Users', {})).json?.totalResults).toBe(0);
    expectScimError(await h.req('DELETE', `/Users/${u.id as string}`), 404);
    expectScimError(
      await h.req('PATCH', `/Users/${u.id as string}`, {
        body: patch({ op: 'add', path: 'title', value: 'x' }),
      }),
      404,
    );
    const again = await createUser('GONE@example.com');
    expect(again.id).not.toBe(u.id);
    // the deleted row stays in the database for the audit trail
    expect(h.rows('SELECT id FROM accounts WHERE deleted_at IS NOT NULL')).toHaveLength(1);
  });

  it('deactivated users stay readable and filterable', async () => {
    const u = await createUser('inactive@example.com', { active: true });
    await h.req('PATCH', `/Users/${u.id as string}`, {
      body: patch({ op: 'replace', path: 'active', value: false }),
    });
    expect((await h.req('GET', `/Users/${u.id as string}`)).json?.active).toBe(false);
    expect(await filterUsers('active eq false')).toEqual(['inactive@example.com']);
  });
});

// -----------------------------------------------------------------------------------------------
describe('list queries', () => {
  async function seed(): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    const add = async (userName: string, extra: Json): Promise<void> => {
      ids[userName] = (await createUser(userName, extra)).id as string;
    };
    await add('alice@example.com', {
      externalId: 'ExtA',
      displayName: 'Alice Archer',
      title: 'Engineer',
      active: true,
      name: { givenName: 'Alice', familyName: 'Archer' },
      emails: [
        { value: 'alice@example.com', type: 'work', primary: true },
        { value: 'alice@home.example', type: 'home' },
      ],
      [ENTERPRISE]: {
        employeeNumber: '100',
        department: 'R&D',
        manager: { value: 'boss-1' },
      },
    });
    await add('bob@example.com', {
      externalId: 'exta',
      displayName: 'Bob Baker',
      title: 'Designer',
      active: false,
      name: { givenName: 'Bob', familyName: 'Baker' },
      emails: [{ value: 'bob@corp.example', type: 'work' }],
      [ENTERPRISE]: { employeeNumber: '200', department: 'Design' },
    });
    await add('carol@example.org', {
      displayName: 'Carol Clark',
      active: true,
      name: { givenName: 'Carol', familyName: 'Clark' },
      emails: [{ value: 'carol@example.org', type: 'home' }],
      'urn:example:custom:1.0:User': { badge: 'C-42' },
    });
    await add('dave@example.net', { active: true, title: 'engineer' });
    return ids;
  }

  it('filter operators eq ne co sw ew pr gt ge lt le', async () => {
    await seed();
    expect(await filterUsers('userName eq "alice@example.com"')).toEqual(['alice@example.com']);
    expect(await filterUsers('userName ne "alice@example.com"')).toEqual(['bob@example.com', 'carol@example.org', 'dave@example.net']);
    expect(await filterUsers('userName co "example.co"')).toEqual(['alice@example.com', 'bob@example.com']);
    expect(await filterUsers('userName sw "CA"')).toEqual(['carol@example.org']);
    expect(await filterUsers('userName ew ".net"')).toEqual(['dave@example.net']);
    expect(await filterUsers('title pr')).toEqual(['alice@example.com', 'bob@example.com', 'dave@example.net']);
    expect(await filterUsers('userName gt "bob@example.com"')).toEqual(['carol@example.org', 'dave@example.net']);
    expect(await filterUsers('userName ge "bob@example.com"')).toEqual(['bob@example.com', 'carol@example.org', 'dave@example.net']);
    expect(await filterUsers('userName lt "bob@example.com"')).toEqual(['alice@example.com']);
    expect(await filterUsers('userName le "BOB@example.com"')).toEqual(['alice@example.com', 'bob@example.com']);
    expect(await filterUsers('active eq true')).toEqual(['alice@example.com', 'carol@example.org', 'dave@example.net']);
    expect(await filterUsers('active eq false')).toEqual(['bob@example.com']);
    // operator keywords are case-insensitive; attribute names too
    expect(await filterUsers('USERNAME EQ "alice@example.com"')).toEqual(['alice@example.com']);
  });

  it('and / or / not, grouping and precedence', async () => {
    await seed();
    expect(await filterUsers('title eq "engineer" and active eq true')).toEqual(['alice@example.com', 'dave@example.net']);
    expect(await filterUsers('userName sw "a" or userName sw "b"')).toEqual(['alice@example.com', 'bob@example.com']);
    expect(await filterUsers('not (active eq true)')).toEqual(['bob@example.com']);
    // and binds tighter than or
    expect(await filterUsers('userName sw "d" or userName sw "a" and active eq false')).toEqual(['dave@example.net']);
    expect(await filterUsers('(userName sw "d" or userName sw "a") and active eq true')).toEqual(['alice@example.com', 'dave@example.net']);
    expect(await filterUsers('not (title pr) and active eq true')).toEqual(['carol@example.org']);
  });

  it('value paths, sub-attributes, extension attributes and meta.lastModified comparisons', async () => {
    const ids = await seed();
    expect(await filterUsers('emails[type eq "work"].value eq "bob@corp.example"')).toEqual(['bob@example.com']);
    expect(await filterUsers('emails[type eq "work" and value co "example.com"]')).toEqual(['alice@example.com']);
    expect(await filterUsers('emails[type eq "home"]')).toEqual(['alice@example.com', 'carol@example.org']);
    expect(await filterUsers('emails.value ew "example.org"')).toEqual(['carol@example.org']);
    expect(await filterUsers('emails co "corp"')).toEqual(['bob@example.com']);
    expect(await filterUsers('name.familyName eq "baker"')).toEqual(['bob@example.com']);
    expect(await filterUsers(`${ENTERPRISE}:employeeNumber eq "200"`)).toEqual(['bob@example.com']);
    expect(await filterUsers(`${ENTERPRISE}:manager.value eq "boss-1"`)).toEqual(['alice@example.com']);
    expect(await filterUsers('urn:example:custom:1.0:User:badge eq "C-42"')).toEqual(['carol@example.org']);
    expect(await filterUsers(`id eq "${ids['carol@example.org']!}"`)).toEqual(['carol@example.org']);
    expect(await filterUsers('meta.resourceType eq "User"')).toHaveLength(4);

    // meta.lastModified: touch dave after a pause, then compare against a time in between.
    await new Promise((r) => setTimeout(r, 15));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 15));
    await h.req('PATCH', `/Users/${ids['dave@example.net']!}`, {
      body: patch({ op: 'replace', path: 'title', value: 'Boss' }),
    });
    expect(await filterUsers(`meta.lastModified gt "${between}"`)).toEqual(['dave@example.net']);
    expect(await filterUsers(`meta.lastModified lt "${between}"`)).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.org']);
    expect(await filterUsers(`meta.lastModified ge "2000-01-01T00:00:00Z" and meta.created le "${between}"`)).toHaveLength(4);
  });

  it('caseExact rules: userName case-insensitive, externalId and id exact', async () => {
    const ids = await seed();
    expect(await filterUsers('userName eq "ALICE@EXAMPLE.COM"')).toEqual(['alice@example.com']);
    expect(await filterUsers('externalId eq "ExtA"')).toEqual(['alice@example.com']);
    expect(await filterUsers('externalId eq "exta"')).toEqual(['bob@example.com']);
    expect(await filterUsers('externalId eq "EXTA"')).toEqual([]);
    expect(await filterUsers(`id eq "${ids['alice@example.com']!.toUpperCase()}"`)).toEqual([]);
    // the same rules inside an `and` (the indexed path) and under `or` (the scan path)
    expect(await filterUsers('userName eq "BOB@example.com" and externalId eq "exta"')).toEqual(['bob@example.com']);
    expect(await filterUsers('externalId eq "EXTA" or userName eq "CAROL@example.org"')).toEqual(['carol@example.org']);
  });

  // Uniqueness compares uniqueKey() = NFC + lower case (resources.ts) while the filter's `eq`
  // compares lower case without normalising (filter.ts, a pure module not edited here): an IdP that
  // looks up the NFD spelling of an existing NFC userName hears "not found", then gets 409 on create.
  it('a userName lookup agrees with userName uniqueness for Unicode-equivalent spellings (NFC/NFD)', async () => {
    await createUser('caf\u00e9@example.com');
    const found = await filterUsers('userName eq "cafe\u0301@example.com"');
    const create = await h.req('POST', '/Users', { body: { schemas: [USER], userName: 'cafe\u0301@example.com' } });
    expect(create.status).toBe(409);
    expect(found).toHaveLength(1);
  });

  it('startIndex / count paging arithmetic', async () => {
    for (let i = 0; i < 7; i++) await createUser(`page${i}`);
    const page = async (params: Record<string, string | number>): Promise<Json> => {
      const r = await list('Users', params);
      expect(r.status, r.text).toBe(200);
      return r.json!;
    };
    const names = (j: Json): string[] => (j.Resources as Json[]).map((u) => u.userName as string);
    let j = await page({});
    expect(j).toMatchObject({
      schemas: [LIST],
      totalResults: 7,
      startIndex: 1,
      itemsPerPage: 7,
    });
    j = await page({ startIndex: 3, count: 2 });
    expect(j).toMatchObject({
      totalResults: 7,
      startIndex: 3,
      itemsPerPage: 2,
    });
    expect(names(j)).toEqual(['page2', 'page3']);
    j = await page({ startIndex: 6, count: 5 });
    expect(j).toMatchObject({
      totalResults: 7,
      startIndex: 6,
      itemsPerPage: 2,
    });
    expect(names(j)).toEqual(['page5', 'page6']);
    j = await page({ startIndex: 50 });
    expect(j).toMatchObject({
      totalResults: 7,
      startIndex: 50,
      itemsPerPage: 0,
      Resources: [],
    });
    // startIndex < 1 is read as 1
    j = await page({ startIndex: 0, count: 1 });
    expect(j).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
    expect(names(j)).toEqual(['page0']);
    j = await page({ startIndex: -5, count: 1 });
    expect(j.startIndex).toBe(1);
    // count 0: only the total
    j = await page({ count: 0 });
    expect(j).toMatchObject({
      totalResults: 7,
      itemsPerPage: 0,
      Resources: [],
    });
    j = await page({ count: 0, filter: 'userName sw "page"' });
    expect(j).toMatchObject({ totalResults: 7, itemsPerPage: 0 });
    // negative count is read as 0; count over 1000 is clamped (not an error)
    j = await page({ count: -1 });
    expect(j.itemsPerPage).toBe(0);
    j = await page({ count: 100000 });
    expect(j.itemsPerPage).toBe(7);
    // the same arithmetic with a filter and with a sort
    j = await page({ filter: 'userName sw "page"', startIndex: 2, count: 3 });
    expect(names(j)).toEqual(['page1', 'page2', 'page3']);
    j = await page({
      sortBy: 'userName',
      sortOrder: 'descending',
      startIndex: 2,
      count: 2,
    });
    expect(names(j)).toEqual(['page5', 'page4']);
    // numbers in JSON, not strings
    expect(typeof j.totalResults).toBe('number');
    // non-integers are refused
    expectScimError(await list('Users', { count: 'ten' }), 400, 'invalidValue');
    expectScimError(await list('Users', { startIndex: '1.5' }), 400, 'invalidValue');
  });

  it('count over 1000 is clamped to 1000', async () => {
    const db = h.core.store.db;
    const now = new Date().toISOString();
    const insert = db.prepare(
      `INSERT INTO accounts (source_id, id, user_name, user_name_key, active, raw, created_at, updated_at, first_seen, last_seen)
       VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 1005; i++) {
        const name = `bulk${i}`;
        insert.run(h.conn.id, `id-${i}`, name, name, JSON.stringify({ schemas: [USER], userName: name }), now, now, now, now);
      }
    })();
    const r = await list('Users', { count: 5000, attributes: 'userName' });
    expect(r.json).toMatchObject({
      totalResults: 1005,
      itemsPerPage: 1000,
      startIndex: 1,
    });
    const last = await list('Users', {
      count: 1000,
      startIndex: 1001,
      attributes: 'userName',
    });
    expect(last.json).toMatchObject({ totalResults: 1005, itemsPerPage: 5 });
  });

  it('sortBy / sortOrder (stable, missing values last, case-insensitive)', async () => {
    await seed();
    const sorted = async (params: Record<string, string>): Promise<string[]> =>
      resourcesOf(await list('Users', params)).map((u) => u.userName as string);
    expect(await sorted({ sortBy: 'userName' })).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.org', 'dave@example.net']);
    expect(await sorted({ sortBy: 'userName', sortOrder: 'descending' })).toEqual([
      'dave@example.net',
      'carol@example.org',
      'bob@example.com',
      'alice@example.com',
    ]);
    expect(await sorted({ sortBy: 'name.familyName', sortOrder: 'descending' })).toEqual([
      'carol@example.org',
      'bob@example.com',
      'alice@example.com',
      'dave@example.net',
    ]);
    // title: Designer < Engineer = engineer (creation order breaks the tie); carol has none
    expect(await sorted({ sortBy: 'title' })).toEqual(['bob@example.com', 'alice@example.com', 'dave@example.net', 'carol@example.org']);
    // multi-valued: by the primary (else first) value
    expect(await sorted({ sortBy: 'emails', filter: 'emails pr' })).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.org']);
    expect(
      await sorted({
        sortBy: `${ENTERPRISE}:employeeNumber`,
        sortOrder: 'descending',
      }),
    ).toEqual(['bob@example.com', 'alice@example.com', 'carol@example.org', 'dave@example.net']);
    expectScimError(await list('Users', { sortBy: 'userName', sortOrder: 'sideways' }), 400, 'invalidValue');
    expectScimError(await list('Users', { sortBy: 'user name' }), 400, 'invalidValue');
  });

  it('attributes / excludedAttributes; id and schemas always returned, password never', async () => {
    const ids = await seed();
    const alice = ids['alice@example.com']!;
    const g = await createGroup('Engineers', { members: [{ value: alice }] });

    let r = await h.req('GET', `/Users/${alice}?attributes=userName,name.givenName,emails.value`);
    expect(r.json).toEqual({
      schemas: [USER, ENTERPRISE],
      id: alice,
      userName: 'alice@example.com',
      name: { givenName: 'Alice' },
      emails: [{ value: 'alice@example.com' }, { value: 'alice@home.example' }],
    });
    r = await h.req('GET', `/Users/${alice}?attributes=${encodeURIComponent(`${ENTERPRISE}:department`)}`);
    expect(r.json).toEqual({
      schemas: [USER, ENTERPRISE],
      id: alice,
      [ENTERPRISE]: { department: 'R&D' },
    });
    // id and schemas cannot be excluded; other attributes can
    r = await h.req('GET', `/Users/${alice}?excludedAttributes=id,schemas,emails,meta,name.familyName,groups`);
    expect(r.json?.id).toBe(alice);
    expect(r.json?.schemas).toEqual([USER, ENTERPRISE]);
    expect(r.json?.emails).toBeUndefined();
    expect(r.json?.meta).toBeUndefined();
    expect(r.json?.groups).toBeUndefined();
    expect(r.json?.name).toEqual({ givenName: 'Alice' });
    // password is never returned, even when asked for
    const withPw = await createUser('pw@example.com', { password: 'S3cret!' });
    r = await h.req('GET', `/Users/${withPw.id as string}?attributes=password,userName`);
    expect(r.json).toEqual({
      schemas: [USER],
      id: withPw.id,
      userName: 'pw@example.com',
    });
    // groups of a user are derived from memberships
    r = await h.req('GET', `/Users/${alice}?attributes=groups`);
    expect(r.json?.groups).toEqual([
      {
        value: g.id,
        display: 'Engineers',
        $ref: `${h.base}/Groups/${g.id as string}`,
        type: 'direct',
      },
    ]);
    // members excluded on request (Entra), listed otherwise
    r = await h.req('GET', `/Groups/${g.id as string}?excludedAttributes=members`);
    expect(r.json?.members).toBeUndefined();
    expect(r.json?.displayName).toBe('Engineers');
    r = await h.req('GET', `/Groups/${g.id as string}`);
    expect(r.json?.members).toEqual([
      {
        value: alice,
        display: 'Alice Archer',
        $ref: `${h.base}/Users/${alice}`,
        type: 'User',
      },
    ]);
    r = await list('Groups', {
      excludedAttributes: 'members',
      filter: 'displayName eq "engineers"',
    });
    expect(resourcesOf(r)).toHaveLength(1);
    expect(resourcesOf(r)[0]!.members).toBeUndefined();
    // on lists too
    r = await list('Users', {
      attributes: 'userName',
      filter: 'userName sw "a"',
    });
    expect(resourcesOf(r)).toEqual([{ schemas: [USER, ENTERPRISE], id: alice, userName: 'alice@example.com' }]);
    // on the answer of a write
    r = await h.req('POST', '/Users?attributes=userName', {
      body: { schemas: [USER], userName: 'proj@example.com', title: 'x' },
    });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json!).sort()).toEqual(['id', 'schemas', 'userName']);
    expectScimError(await h.req('GET', `/Users/${alice}?attributes=${encodeURIComponent('bad attr!')}`), 400, 'invalidValue');
  });

  it('POST /Users/.search and /Groups/.search take a SearchRequest body', async () => {
    await seed();
    await createGroup('Ops');
    let r = await h.req('POST', '/Users/.search', {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'active eq true',
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 1,
        count: 2,
        attributes: ['userName'],
      },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      schemas: [LIST],
      totalResults: 3,
      itemsPerPage: 2,
      startIndex: 1,
    });
    expect(resourcesOf(r).map((u) => u.userName)).toEqual(['dave@example.net', 'carol@example.org']);
    expect(Object.keys(resourcesOf(r)[0]!).sort()).toEqual(['id', 'schemas', 'userName']);
    r = await h.req('POST', '/Groups/.search', {
      body: { filter: 'displayName eq "ops"', excludedAttributes: 'members' },
    });
    expect(r.status).toBe(200);
    expect(r.json?.totalResults).toBe(1);
    expectScimError(
      await h.req('POST', '/Users/.search', {
        body: { filter: 'userName eq' },
      }),
      400,
      'invalidFilter',
    );
    expectScimError(await h.req('POST', '/Users/.search', { body: { filter: 42 } }), 400, 'invalidFilter');
    expectScimError(await h.req('GET', '/Users/.search'), 405);
    expectScimError(await h.req('POST', '/.search', { body: {} }), 501);
  });

  it('an empty result is 200 with an empty ListResponse, never 404', async () => {
    const r = await list('Users', { filter: 'userName eq "nobody"' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
    const g = await list('Groups', { filter: 'displayName eq "none"' });
    expect(g.json).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });
});

// -----------------------------------------------------------------------------------------------
describe('Groups', () => {
  it('answers 400, not 500, for a member filter path whose string is not valid (a bad escape)', async () => {
    const g = (await h.req('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Escapes' } })).json!;
    const r = await h.req('PATCH', `/Groups/${g.id as string}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[value eq "a\\q"]' }] },
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ status: '400' });
    expect((await h.req('GET', `/Groups/${g.id as string}`)).status).toBe(200);
  });

  it('POST, GET, filter by displayName (case-insensitive), 409 on a duplicate name, other connection fine', async () => {
    const u = await createUser('m@example.com');
    const r = await h.req('POST', '/Groups', {
      body: {
        schemas: [GROUP],
        displayName: 'Sales',
        externalId: 'g-1',
        members: [{ value: u.id }],
      },
    });
    expect(r.status).toBe(201);
    const g = r.json!;
    expect(r.headers.location).toBe(`${h.base}/Groups/${g.id as string}`);
    expect(r.headers.etag).toBe('W/"1"');
    expect(g).toMatchObject({
      schemas: [GROUP],
      displayName: 'Sales',
      externalId: 'g-1',
      members: [{ value: u.id, display: 'm@example.com', type: 'User' }],
      meta: {
        resourceType: 'Group',
        location: `${h.base}/Groups/${g.id as string}`,
        version: 'W/"1"',
      },
    });
    expect((await h.req('GET', `/Groups/${g.id as string}`)).json).toEqual(g);
    const found = await list('Groups', { filter: 'displayName eq "SALES"' });
    expect(resourcesOf(found).map((x) => x.id)).toEqual([g.id]);
    expect(resourcesOf(await list('Groups', { filter: 'externalId eq "G-1"' }))).toEqual([]);
    expect(
      resourcesOf(
        await list('Groups', {
          filter: `members[value eq "${u.id as string}"]`,
        }),
      ).map((x) => x.id),
    ).toEqual([g.id]);
    expectScimError(
      await h.req('POST', '/Groups', {
        body: { schemas: [GROUP], displayName: 'sales' },
      }),
      409,
      'uniqueness',
    );
    expectScimError(await h.req('POST', '/Groups', { body: { schemas: [GROUP] } }), 400, 'invalidValue');
    const other = h.addConnection('Other');
    expect(
      (
        await h.raw('POST', `/scim/v2/${other.slug}/Groups`, {
          token: other.token,
          body: { schemas: [GROUP], displayName: 'Sales' },
        })
      ).status,
    ).toBe(201);
  });

  it('PATCH members (add, remove by filter, remove by value list, replace) and rename; PATCH answers 204', async () => {
    const a = (await createUser('a')).id as string;
    const b = (await createUser('b')).id as string;
    const c = (await createUser('c')).id as string;
    const g = await createGroup('Team');
    const id = g.id as string;
    const members = async (): Promise<string[]> =>
      (((await h.req('GET', `/Groups/${id}`)).json?.members as Json[] | undefined) ?? []).map((m) => m.value as string).sort();
    let r = await h.req('PATCH', `/Groups/${id}`, {
      body: patch({
        op: 'add',
        path: 'members',
        value: [{ value: a }, { value: b }, { value: c }],
      }),
    });
    expect(r.status).toBe(204);
    expect(r.headers.etag).toBe('W/"2"');
    expect(await members()).toEqual([a, b, c].sort());
    r = await h.req('PATCH', `/Groups/${id}`, {
      body: patch({ op: 'remove', path: `members[value eq "${a}"]` }),
    });
    expect(r.status).toBe(204);
    expect(await members()).toEqual([b, c].sort());
    r = await h.req('PATCH', `/Groups/${id}`, {
      body: patch({ op: 'remove', path: 'members', value: [{ value: b }] }),
    });
    expect(r.status).toBe(204);
    expect(await members()).toEqual([c]);
    r = await h.req('PATCH', `/Groups/${id}`, {
      body: patch({
        op: 'replace',
        path: 'members',
        value: [{ value: a }, { value: b }],
      }),
    });
    expect(r.status).toBe(204);
    expect(await members()).toEqual([a, b].sort());
    r = await h.req('PATCH', `/Groups/${id}`, {
      body: patch({ op: 'replace', path: 'displayName', value: 'Team 2' }),
    });
    expect(r.status).toBe(204);
    // with attributes requested, PATCH answers 200 with the resource
    r = await h.req('PATCH', `/Groups/${id}?attributes=displayName`, {
      body: patch({ op: 'remove', path: 'members' }),
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ schemas: [GROUP], id, displayName: 'Team 2' });
    expect(await members()).toEqual([]);
    // PATCH with a filter on a multi-valued attribute that cannot create an element
    expectScimError(
      await h.req('PATCH', `/Groups/${id}`, {
        body: patch({
          op: 'replace',
          path: 'members[value sw "x"].display',
          value: 'y',
        }),
      }),
      400,
      'noTarget',
    );
  });

  it('PUT replaces attributes and the member list; DELETE removes the group', async () => {
    const a = (await createUser('a')).id as string;
    const b = (await createUser('b')).id as string;
    const g = await createGroup('Put', {
      members: [{ value: a }],
      externalId: 'x',
    });
    const id = g.id as string;
    const r = await h.req('PUT', `/Groups/${id}`, {
      body: {
        schemas: [GROUP],
        id,
        displayName: 'Put2',
        members: [{ value: b }],
      },
    });
    expect(r.status).toBe(200);
    expect(r.json?.externalId).toBeUndefined();
    expect((r.json?.members as Json[]).map((m) => m.value)).toEqual([b]);
    expect(r.headers.etag).toBe('W/"2"');
    expect((await h.req('GET', `/Users/${a}`)).json?.groups).toBeUndefined();
    expect(((await h.req('GET', `/Users/${b}`)).json?.groups as Json[]).map((x) => x.display)).toEqual(['Put2']);
    expect((await h.req('DELETE', `/Groups/${id}`)).status).toBe(204);
    expectScimError(await h.req('GET', `/Groups/${id}`), 404);
    expect((await h.req('GET', `/Users/${b}`)).json?.groups).toBeUndefined();
    // the name is free again
    await createGroup('put2');
  });

  it('unknown attributes stay filterable, even one named like a User attribute (userName on a Group)', async () => {
    const g = await createGroup('Odd', {
      userName: 'not-a-group-attribute',
      'urn:example:g:1.0:Group': { code: 'G7' },
    });
    const q = async (filter: string): Promise<unknown[]> => resourcesOf(await list('Groups', { filter })).map((x) => x.id);
    expect(await q('userName eq "not-a-group-attribute"')).toEqual([g.id]);
    expect(await q('userName eq "not-a-group-attribute" or displayName eq "x"')).toEqual([g.id]);
    expect(await q('urn:example:g:1.0:Group:code eq "g7"')).toEqual([g.id]);
  });

  it('deleting a user removes it from its groups, with a new group version', async () => {
    const a = (await createUser('a')).id as string;
    const g = await createGroup('G', { members: [{ value: a }] });
    await h.req('DELETE', `/Users/${a}`);
    const r = await h.req('GET', `/Groups/${g.id as string}`);
    expect(r.json?.members).toBeUndefined();
    expect(r.headers.etag).toBe('W/"2"');
    // a cached copy is not "not modified" any more
    expect(
      (
        await h.req('GET', `/Groups/${g.id as string}`, {
          headers: { 'If-None-Match': 'W/"1"' },
        })
      ).status,
    ).toBe(200);
  });

  it('deleting a group removes it from the groups it was a member of (nested groups)', async () => {
    const child = await createGroup('Child');
    const parent = await createGroup('Parent', {
      members: [{ value: child.id, type: 'Group' }],
    });
    expect((parent.members as Json[]).map((m) => [m.value, m.type, m.display])).toEqual([[child.id, 'Group', 'Child']]);
    expect((await h.req('DELETE', `/Groups/${child.id as string}`)).status).toBe(204);
    const r = await h.req('GET', `/Groups/${parent.id as string}`);
    expect(r.json?.members).toBeUndefined();
    expect(r.headers.etag).toBe('W/"2"');
    expect(h.rows('SELECT member_id FROM membership_ids WHERE deleted_at IS NULL')).toEqual([]);
    const ev = h.rows<{ type: string; group_id: string; account_id: string }>('SELECT type, group_id, account_id FROM events ORDER BY seq');
    expect(ev.slice(-2)).toEqual([
      {
        type: 'group.member_removed',
        group_id: parent.id,
        account_id: child.id,
      },
      { type: 'group.deleted', group_id: child.id, account_id: null },
    ]);
  });

  it('a member value that names no resource is kept and echoed back, never listed, and can be removed', async () => {
    const a = (await createUser('a')).id as string;
    const g = await createGroup('G', {
      members: [{ value: 'ext-unknown-1' }, { value: a }, { value: 'ext-group-x', type: 'Group' }],
    });
    const gid = g.id as string;
    const members = async (): Promise<unknown[]> => {
      const r = await h.req('GET', `/Groups/${gid}`);
      expect(r.status, r.text).toBe(200);
      return ((r.json?.members as Json[] | undefined) ?? []).map((m) => [m.value, m.type, m.display]);
    };
    const byValue = (rows: unknown[][]): unknown[][] => [...rows].sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1));
    // ordered by value; the unknown ones have no display
    const all = byValue([
      [a, 'User', 'a'],
      ['ext-unknown-1', 'User', undefined],
      ['ext-group-x', 'Group', undefined],
    ]);
    expect((g.members as Json[]).map((m) => [m.value, m.type, m.display])).toEqual(all);
    expect(await members()).toEqual(all);
    // not a User nor a Group anyone can list, filter or read
    const users = await list('Users', {});
    expect(users.json?.totalResults).toBe(1);
    expect(resourcesOf(users).map((u) => u.id)).toEqual([a]);
    expect((resourcesOf(users)[0]!.groups as Json[]).map((x) => [x.value, x.display])).toEqual([[gid, 'G']]);
    expect((await list('Users', { filter: 'id eq "ext-unknown-1"' })).json?.totalResults).toBe(0);
    expect((await h.req('GET', '/Users/ext-unknown-1')).status).toBe(404);
    expect(resourcesOf(await list('Groups', {})).map((x) => x.id)).toEqual([gid]);
    expect((await h.req('GET', '/Groups/ext-group-x')).status).toBe(404);
    // a second group naming the same value shares it
    const other = await createGroup('Other', { members: [{ value: 'ext-unknown-1' }] });
    expect((other.members as Json[]).map((m) => m.value)).toEqual(['ext-unknown-1']);
    expect(h.rows('SELECT id FROM accounts WHERE id = ?', 'ext-unknown-1')).toHaveLength(1);
    // removed by filter and by value list; the rest stays
    let r = await h.req('PATCH', `/Groups/${gid}`, { body: patch({ op: 'remove', path: 'members[value eq "ext-unknown-1"]' }) });
    expect(r.status, r.text).toBe(204);
    r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({ op: 'Remove', path: 'members', value: [{ value: 'ext-group-x' }] }),
    });
    expect(r.status, r.text).toBe(204);
    expect(await members()).toEqual([[a, 'User', 'a']]);
    expect(r.headers.etag).toBe('W/"3"');
    const ev = h.rows<{ type: string; group_id: string; account_id: string; subject: string }>(
      "SELECT type, group_id, account_id, subject FROM events WHERE type LIKE 'group.member_%' AND group_id = ? ORDER BY seq",
      gid,
    );
    expect(ev.filter((e) => e.account_id !== a)).toEqual([
      { type: 'group.member_added', group_id: gid, account_id: 'ext-unknown-1', subject: 'ext-unknown-1' },
      { type: 'group.member_added', group_id: gid, account_id: 'ext-group-x', subject: 'ext-group-x' },
      { type: 'group.member_removed', group_id: gid, account_id: 'ext-unknown-1', subject: 'ext-unknown-1' },
      { type: 'group.member_removed', group_id: gid, account_id: 'ext-group-x', subject: 'ext-group-x' },
    ]);
    // the other group still has it, and it can be added back
    const kept = (await h.req('GET', `/Groups/${other.id as string}`)).json?.members as Json[];
    expect(kept.map((m) => [m.value, m.type, m.display])).toEqual([['ext-unknown-1', 'User', undefined]]);
    r = await h.req('PATCH', `/Groups/${gid}`, { body: patch({ op: 'add', path: 'members', value: [{ value: 'ext-unknown-1' }] }) });
    expect(r.status, r.text).toBe(204);
    expect(await members()).toEqual(
      byValue([
        [a, 'User', 'a'],
        ['ext-unknown-1', 'User', undefined],
      ]),
    );
    expect(h.rows('SELECT id FROM accounts WHERE id = ?', 'ext-unknown-1')).toHaveLength(1);
  });
});

// -----------------------------------------------------------------------------------------------
describe('meta, ETag, If-Match, If-None-Match', () => {
  it('version and ETag move together; lastModified moves, created does not', async () => {
    const u = await createUser('etag@example.com');
    const id = u.id as string;
    await new Promise((r) => setTimeout(r, 5));
    const r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'add', path: 'title', value: 'T' }),
    });
    const meta = r.json?.meta as Json;
    expect(r.headers.etag).toBe('W/"2"');
    expect(meta.version).toBe('W/"2"');
    expect(meta.created).toBe((u.meta as Json).created);
    expect(Date.parse(meta.lastModified as string)).toBeGreaterThan(Date.parse(meta.created as string));
    const got = await h.req('GET', `/Users/${id}`);
    expect(got.headers.etag).toBe('W/"2"');
    expect((got.json?.meta as Json).lastModified).toBe(meta.lastModified);
  });

  it('If-Match: 412 on a mismatch (nothing changes), success on a match or *', async () => {
    const u = await createUser('ifmatch@example.com');
    const id = u.id as string;
    const body = patch({ op: 'add', path: 'title', value: 'A' });
    expectScimError(
      await h.req('PATCH', `/Users/${id}`, {
        body,
        headers: { 'If-Match': 'W/"7"' },
      }),
      412,
    );
    expect((await h.req('GET', `/Users/${id}`)).json?.title).toBeUndefined();
    let r = await h.req('PATCH', `/Users/${id}`, {
      body,
      headers: { 'If-Match': 'W/"1"' },
    });
    expect(r.status).toBe(200);
    r = await h.req('PUT', `/Users/${id}`, {
      body: { schemas: [USER], userName: 'ifmatch@example.com', title: 'B' },
      headers: { 'If-Match': '*' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.etag).toBe('W/"3"');
    // a list of tags, and the strong form of the same tag
    r = await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'add', path: 'title', value: 'C' }),
      headers: { 'If-Match': 'W/"1", "3"' },
    });
    expect(r.status).toBe(200);
    expectScimError(
      await h.req('PUT', `/Users/${id}`, {
        body: { schemas: [USER], userName: 'x' },
        headers: { 'If-Match': 'W/"3"' },
      }),
      412,
    );
    expectScimError(
      await h.req('DELETE', `/Users/${id}`, {
        headers: { 'If-Match': 'W/"1"' },
      }),
      412,
    );
    expect(
      (
        await h.req('DELETE', `/Users/${id}`, {
          headers: { 'If-Match': 'W/"4"' },
        })
      ).status,
    ).toBe(204);
    // groups too
    const g = await createGroup('IfMatch');
    expectScimError(
      await h.req('PATCH', `/Groups/${g.id as string}`, {
        body: patch({ op: 'replace', path: 'displayName', value: 'X' }),
        headers: { 'If-Match': 'W/"2"' },
      }),
      412,
    );
    expect(
      (
        await h.req('DELETE', `/Groups/${g.id as string}`, {
          headers: { 'If-Match': '*' },
        })
      ).status,
    ).toBe(204);
  });

  it('If-None-Match: 304 without a body when the tag matches, 200 otherwise', async () => {
    const u = await createUser('inm@example.com');
    const id = u.id as string;
    let r = await h.req('GET', `/Users/${id}`, {
      headers: { 'If-None-Match': 'W/"1"' },
    });
    expect(r.status).toBe(304);
    expect(r.text).toBe('');
    expect(r.headers.etag).toBe('W/"1"');
    r = await h.req('GET', `/Users/${id}`, {
      headers: { 'If-None-Match': '"1"' },
    });
    expect(r.status).toBe(304);
    r = await h.req('GET', `/Users/${id}`, {
      headers: { 'If-None-Match': 'W/"0", W/"2"' },
    });
    expect(r.status).toBe(200);
    const g = await createGroup('INM');
    expect(
      (
        await h.req('GET', `/Groups/${g.id as string}`, {
          headers: { 'If-None-Match': 'W/"1"' },
        })
      ).status,
    ).toBe(304);
  });
});

// -----------------------------------------------------------------------------------------------
describe('errors, content types and unsupported endpoints', () => {
  it('every error is an RFC 7644 §3.12 body with Content-Type application/scim+json', async () => {
    expectScimError(await h.req('GET', '/Users?filter=userName%20eq'), 400, 'invalidFilter');
    expectScimError(await h.req('POST', '/Users', { body: '{"userName":' }), 400, 'invalidSyntax');
    expectScimError(await h.req('GET', '/Nope'), 404);
    expectScimError(await h.raw('GET', '/not-scim'), 404);
    const notAllowed = await h.req('DELETE', '/Users');
    expectScimError(notAllowed, 405);
    expect(notAllowed.headers.allow).toBe('GET, POST');
    expect((await h.req('POST', '/Users/some-id', { body: {} })).headers.allow).toBe('GET, PUT, PATCH, DELETE');
    expectScimError(await h.req('GET', '/Users', { token: 'wrong' }), 401);
    expectScimError(
      await h.req('POST', '/Users', {
        body: 'userName=x',
        contentType: 'application/x-www-form-urlencoded',
      }),
      415,
    );
  });

  it('/Me and /Bulk answer 501 with a SCIM error', async () => {
    expectScimError(await h.req('GET', '/Me'), 501);
    expectScimError(
      await h.req('POST', '/Bulk', {
        body: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [],
        },
      }),
      501,
    );
  });

  it('application/json is accepted as the request type, and a missing Content-Type too', async () => {
    let r = await h.req('POST', '/Users', {
      body: { schemas: [USER], userName: 'json@example.com' },
      contentType: 'application/json; charset=utf-8',
    });
    expect(r.status).toBe(201);
    r = await h.req('PATCH', `/Users/${r.json!.id as string}`, {
      body: patch({ op: 'add', path: 'title', value: 'x' }),
      contentType: 'application/json',
    });
    expect(r.status).toBe(200);
    r = await h.req('POST', '/Users', {
      body: { schemas: [USER], userName: 'noct@example.com' },
      contentType: null,
    });
    expect(r.status).toBe(201);
    r = await h.req('POST', '/Users', {
      body: { schemas: [USER], userName: 'scim@example.com' },
      contentType: 'Application/SCIM+JSON',
    });
    expect(r.status).toBe(201);
  });

  it('a body whose schemas do not include the resource schema is refused', async () => {
    expectScimError(
      await h.req('POST', '/Users', {
        body: { schemas: [GROUP], userName: 'x' },
      }),
      400,
      'invalidSyntax',
    );
    expectScimError(await h.req('POST', '/Users', { body: [] }), 400, 'invalidSyntax');
    expectScimError(await h.req('POST', '/Users', { body: 'null' }), 400, 'invalidSyntax');
    expectScimError(await h.req('PUT', `/Users/x`), 400, 'invalidSyntax');
  });
});
