/**
 * Okta's provisioning lifecycle, replayed with the request bodies Okta publishes in
 * "Okta and SCIM Version 2.0" (SCIM 2.0 protocol reference):
 *   https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20
 *   (source: github.com/okta/okta-developer-docs, packages/@okta/vuepress-site/docs/reference/scim/scim-20/index.md)
 * Okta's ids in the doc (23a35c27-…, abf4dd94-…) are replaced by the ids this server issued.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventRow } from '../../../src/main/core/store/events';
import { LIST, resourcesOf, startScim, type Json, type ScimHarness } from '../../helpers/scim';

let h: ScimHarness;
beforeEach(async () => {
  h = await startScim({ provider: 'okta', name: 'Okta', app: 'Acme' });
});
afterEach(async () => {
  await h.close();
});

const OKTA = { 'User-Agent': 'Okta SCIM Client 1.0.0' };
const okta = (method: string, path: string, body?: unknown): ReturnType<ScimHarness['req']> =>
  // The doc shows no Content-Type; Okta's test suite sends application/json.
  h.req(method, path, { body, headers: OKTA, contentType: 'application/json' });
const events = (): EventRow[] => h.rows<EventRow>('SELECT * FROM events ORDER BY seq');

describe('Okta lifecycle (developer.okta.com SCIM 2.0 reference)', () => {
  // https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20
  it('create user, look up, PUT update, deactivate; push group, rename, membership, delete group', async () => {
    // --- Determine if the User already exists -------------------------------------------------
    const lookup = '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100';
    let r = await okta('GET', lookup);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });

    // --- Create the User ----------------------------------------------------------------------
    const createBody = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    };
    r = await okta('POST', '/Users', createBody);
    expect(r.status).toBe(201);
    const user = r.json!;
    const userId = user.id as string;
    // "An empty 201 body is an error in Okta": the created user comes back, without the password
    expect(user).toMatchObject({
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      active: true,
      meta: { resourceType: 'User' },
    });
    expect(user.password).toBeUndefined();

    r = await okta('GET', lookup);
    expect(r.json).toMatchObject({
      totalResults: 1,
      itemsPerPage: 1,
      startIndex: 1,
    });
    expect(resourcesOf(r)[0]!.id).toBe(userId);

    // the same user again: 409 with an error body (Okta's doc: "User already exists")
    r = await okta('POST', '/Users', createBody);
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
    });

    // --- Retrieve Users / a specific User -------------------------------------------------------
    r = await okta('GET', '/Users?startIndex=1&count=100');
    expect(r.json).toMatchObject({
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
    });
    expect(typeof r.json!.totalResults).toBe('number');
    r = await okta('GET', `/Users/${userId}`);
    expect(r.status).toBe(200);

    // --- Update a specific User (PUT): GET, modify, PUT the whole body back ----------------------
    const got = r.json!;
    r = await okta('PUT', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: userId,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      emails: [
        {
          primary: true,
          value: 'test.user@okta.local',
          type: 'work',
          display: 'test.user@okta.local',
        },
      ],
      active: true,
      groups: [],
      meta: got.meta,
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: userId,
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      emails: [
        {
          primary: true,
          value: 'test.user@okta.local',
          type: 'work',
          display: 'test.user@okta.local',
        },
      ],
      active: true,
    });
    // PUT is a full replace: what the body left out (displayName, locale, externalId) is gone
    expect(r.json!.displayName).toBeUndefined();
    expect(r.json!.externalId).toBeUndefined();

    // --- Update a specific User (PATCH): deactivate --------------------------------------------
    r = await okta('PATCH', `/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: userId,
      active: false,
      userName: 'test.user@okta.local',
    });
    // deactivated users stay visible to Okta's imports
    r = await okta('GET', '/Users?startIndex=1&count=100');
    expect(resourcesOf(r).map((u) => [u.id, u.active])).toEqual([[userId, false]]);

    // --- Create Groups (Push Groups) -----------------------------------------------------------
    r = await okta('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Test SCIMv2',
      members: [],
    });
    expect(r.status).toBe(201);
    const groupId = r.json!.id as string;
    expect(r.json).toMatchObject({
      displayName: 'Test SCIMv2',
      meta: { resourceType: 'Group' },
    });
    r = await okta('GET', '/Groups?startIndex=1&count=100');
    expect(r.json).toMatchObject({ totalResults: 1 });
    r = await okta('GET', `/Groups/${groupId}`);
    expect(r.status).toBe(200);

    // --- Update a specific Group name (re-sent on every membership update) ---------------------
    const rename = (displayName: string): Json => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { id: groupId, displayName } }],
    });
    const eventsBefore = events().length;
    r = await okta('PATCH', `/Groups/${groupId}`, rename('Test SCIMv2'));
    expect([200, 204]).toContain(r.status);
    expect(events()).toHaveLength(eventsBefore); // same name: nothing changed
    r = await okta('PATCH', `/Groups/${groupId}`, rename('Test SCIMv20'));
    expect([200, 204]).toContain(r.status);
    expect((await okta('GET', `/Groups/${groupId}`)).json!.displayName).toBe('Test SCIMv20');

    // --- Update specific Group membership -------------------------------------------------------
    const second = (
      await okta('POST', '/Users', {
        ...createBody,
        userName: 'second.user@okta.local',
        externalId: '00u2',
      })
    ).json!.id as string;
    r = await okta('PATCH', `/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'remove', path: `members[value eq "${second}"]` },
        {
          op: 'add',
          path: 'members',
          value: [{ value: userId, display: 'test.user@okta.local' }],
        },
      ],
    });
    expect([200, 204]).toContain(r.status);
    r = await okta('GET', `/Groups/${groupId}`);
    expect((r.json!.members as Json[]).map((m) => m.value)).toEqual([userId]);
    // full push with replace
    r = await okta('PATCH', `/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'replace',
          path: 'members',
          value: [
            { value: userId, display: 'test.user@okta.local' },
            { value: second, display: 'test.user@okta.local' },
          ],
        },
      ],
    });
    expect([200, 204]).toContain(r.status);
    r = await okta('GET', `/Users/${second}`);
    expect((r.json!.groups as Json[]).map((g) => g.display)).toEqual(['Test SCIMv20']);

    // --- Delete a specific Group ----------------------------------------------------------------
    r = await okta('DELETE', `/Groups/${groupId}`);
    expect(r.status).toBe(204);
    expect((await okta('GET', `/Groups/${groupId}`)).status).toBe(404);

    // --- Resulting state and events ---------------------------------------------------------------
    const accounts = h.rows<{
      id: string;
      user_name: string;
      active: number;
      deleted_at: string | null;
    }>('SELECT id, user_name, active, deleted_at FROM accounts ORDER BY pk');
    expect(accounts).toEqual([
      {
        id: userId,
        user_name: 'test.user@okta.local',
        active: 0,
        deleted_at: null,
      },
      {
        id: second,
        user_name: 'second.user@okta.local',
        active: 1,
        deleted_at: null,
      },
    ]);
    expect(h.rows('SELECT 1 FROM memberships WHERE deleted_at IS NULL')).toHaveLength(0);
    const ev = events();
    const types = ev.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['user.created', 'user.updated', 'user.deactivated']);
    expect(types.slice(3)).toEqual([
      'group.created',
      'group.updated',
      'user.created',
      'group.member_added',
      'group.member_added',
      ...(['group.member_removed', 'group.member_removed'] as const),
      'group.deleted',
    ]);
    expect(JSON.parse(ev[1]!.after!)).toMatchObject({
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
    });
    expect(JSON.parse(ev[4]!.before!)).toEqual({ displayName: 'Test SCIMv2' });
    expect(JSON.parse(ev[4]!.after!)).toEqual({ displayName: 'Test SCIMv20' });
    // every request was logged, as Okta, with the placeholder password redacted
    const ex = h.rows<{ user_agent: string; request_body: string | null }>('SELECT user_agent, request_body FROM scim_exchanges');
    expect(ex.every((x) => x.user_agent === 'Okta SCIM Client 1.0.0')).toBe(true);
    expect(JSON.stringify(ex)).not.toContain('1mz050nq');
    expect(ev.every((e) => e.exchange_id !== null)).toBe(true);
  });
});
