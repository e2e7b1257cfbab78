/**
 * Microsoft Entra ID's provisioning lifecycle, replayed with the requests Microsoft publishes in
 * "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID", section
 * "SCIM protocol requests and responses":
 *   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 *   (source: github.com/MicrosoftDocs/entra-docs, docs/identity/app-provisioning/use-scim-to-provision-users-and-groups.md)
 * and the default (non-flag) PATCH shapes of "Known issues and resolutions with SCIM 2.0 protocol compliance":
 *   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility
 * Microsoft's ids in the doc are replaced by the ids this server issued; the doc shows query
 * strings unencoded, Entra sends them percent-encoded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventRow } from '../../../src/main/core/store/events';
import { encodeQuery, LIST, resourcesOf, startScim, type Json, type ScimHarness } from '../../helpers/scim';

let h: ScimHarness;
beforeEach(async () => {
  h = await startScim({ provider: 'entra', name: 'Entra', app: 'Contoso' });
});
afterEach(async () => {
  await h.close();
});

const events = (): EventRow[] => h.rows<EventRow>('SELECT * FROM events ORDER BY seq');
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const q = (params: Record<string, string>): string => encodeQuery(params);

describe('Entra lifecycle (learn.microsoft.com SCIM tutorial)', () => {
  // https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
  it('test connection, create/get/query/update/disable/delete user; create/get/query/rename/add/remove members/delete group', async () => {
    // --- Test Connection: a query for a random userName must answer 200 + empty ListResponse ---
    let r = await h.req('GET', `/Users?${q({ filter: 'userName eq "9a4c0bd7-3f0b-4a5e-8f2e-6a1d2c3b4e5f"' })}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      schemas: [LIST],
      totalResults: 0,
      Resources: [],
    });

    // --- Create User ----------------------------------------------------------------------------
    r = await h.req('POST', '/Users', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
        active: true,
        emails: [
          {
            primary: true,
            type: 'work',
            value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
          },
        ],
        meta: { resourceType: 'User' },
        name: {
          formatted: 'givenName familyName',
          familyName: 'familyName',
          givenName: 'givenName',
        },
        roles: [],
      },
    });
    expect(r.status).toBe(201);
    const userId = r.json!.id as string;
    expect(r.json).toMatchObject({
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      name: {
        formatted: 'givenName familyName',
        familyName: 'familyName',
        givenName: 'givenName',
      },
      emails: [
        {
          value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
          type: 'work',
          primary: true,
        },
      ],
      meta: { resourceType: 'User' },
    });
    expect(typeof (r.json!.meta as Json).created).toBe('string');

    // --- Get User / not found ------------------------------------------------------------------
    r = await h.req('GET', `/Users/${userId}`);
    expect(r.status).toBe(200);
    r = await h.req('GET', '/Users/5171a35d82074e068ce2');
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
    });

    // --- Get User by query / zero results ------------------------------------------------------
    r = await h.req('GET', `/Users?${q({ filter: 'userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"' })}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ totalResults: 1, startIndex: 1 });
    expect(resourcesOf(r)[0]!.id).toBe(userId);
    r = await h.req('GET', `/Users?${q({ filter: 'userName eq "non-existent user"' })}`);
    expect(r.json).toMatchObject({
      schemas: [LIST],
      totalResults: 0,
      Resources: [],
      startIndex: 1,
    });
    // matching by externalId and by the work email, as the tutorial describes
    r = await h.req('GET', `/Users?${q({ filter: 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"' })}`);
    expect(resourcesOf(r).map((u) => u.id)).toEqual([userId]);
    r = await h.req(
      'GET',
      `/Users?${q({ filter: 'emails[type eq "work"].value eq "test_user_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"' })}`,
    );
    expect(resourcesOf(r).map((u) => u.id)).toEqual([userId]);

    // --- Update User [Multi-valued properties] -------------------------------------------------
    r = await h.req('PATCH', `/Users/${userId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'Replace',
            path: 'emails[type eq "work"].value',
            value: 'updatedEmail@microsoft.com',
          },
          {
            op: 'Replace',
            path: 'name.familyName',
            value: 'updatedFamilyName',
          },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: userId,
      name: { familyName: 'updatedFamilyName', givenName: 'givenName' },
      emails: [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }],
    });

    // --- Update User [Single-valued properties] ------------------------------------------------
    r = await h.req('PATCH', `/Users/${userId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'Replace',
            path: 'userName',
            value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com',
          },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.json!.userName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');

    // --- Disable User (the default job sends "False"; the flag form a boolean) -------------------
    r = await h.req('PATCH', `/Users/${userId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      },
    });
    expect(r.status).toBe(200);
    expect(r.json!.active).toBe(false);
    r = await h.req('PATCH', `/Users/${userId}`, {
      body: {
        Operations: [{ op: 'Replace', path: 'active', value: false }],
        schemas: [PATCH_OP],
      },
    });
    expect(r.status).toBe(200);
    // still readable while soft-deleted
    expect((await h.req('GET', `/Users/${userId}`)).json!.active).toBe(false);

    // --- Create Group --------------------------------------------------------------------------
    r = await h.req('POST', '/Groups', {
      body: {
        schemas: [
          'urn:ietf:params:scim:schemas:core:2.0:Group',
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
        ],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      },
    });
    expect(r.status).toBe(201);
    const groupId = r.json!.id as string;
    expect(r.json).toMatchObject({
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });

    // --- Get Group / Get Group by displayName (members excluded) -------------------------------
    r = await h.req('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(r.status).toBe(200);
    expect(r.json!.members).toBeUndefined();
    r = await h.req('GET', `/Groups?${q({ excludedAttributes: 'members', filter: 'displayName eq "displayName"' })}`);
    expect(r.json).toMatchObject({ totalResults: 1, startIndex: 1 });
    expect(resourcesOf(r)[0]).toMatchObject({
      id: groupId,
      displayName: 'displayName',
    });

    // --- Update Group [Non-member attributes] → 204 --------------------------------------------
    const newName = '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName';
    r = await h.req('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'displayName', value: newName }],
      },
    });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');

    // --- Update Group [Add Members] → 204 ------------------------------------------------------
    const other = (
      await h.req('POST', '/Users', {
        body: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'u1091@testuser.com',
        },
      })
    ).json!.id as string;
    r = await h.req('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'Add',
            path: 'members',
            value: [{ $ref: null, value: userId }],
          },
        ],
      },
    });
    expect(r.status).toBe(204);
    r = await h.req('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: other }] }],
      },
    });
    expect(r.status).toBe(204);

    // --- Update Group [Remove Members] → 204: only the listed member goes -----------------------
    r = await h.req('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'Remove',
            path: 'members',
            value: [{ $ref: null, value: userId }],
          },
        ],
      },
    });
    expect(r.status).toBe(204);
    r = await h.req('GET', `/Groups/${groupId}`);
    expect((r.json!.members as Json[]).map((m) => m.value)).toEqual([other]);
    // the flag form (aadOptscim062020)
    r = await h.req('PATCH', `/Groups/${groupId}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: `members[value eq "${other}"]` }],
      },
    });
    expect(r.status).toBe(204);

    // --- Delete Group / Delete User → 204 ------------------------------------------------------
    r = await h.req('DELETE', `/Groups/${groupId}`);
    expect(r.status).toBe(204);
    r = await h.req('DELETE', `/Users/${userId}`);
    expect(r.status).toBe(204);
    expect((await h.req('GET', `/Users/${userId}`)).status).toBe(404);

    // --- Resulting state and events ---------------------------------------------------------------
    expect(h.rows('SELECT id FROM accounts WHERE deleted_at IS NULL')).toEqual([{ id: other }]);
    expect(h.rows('SELECT id FROM groups WHERE deleted_at IS NULL')).toEqual([]);
    const ev = events();
    expect(ev.map((e) => e.type)).toEqual([
      'user.created',
      'user.updated', // emails + name.familyName
      'user.updated', // userName
      'user.deactivated', // "False"; the boolean repeat changed nothing
      'group.created',
      'group.updated',
      'user.created',
      'group.member_added',
      'group.member_added',
      'group.member_removed',
      'group.member_removed',
      'group.deleted',
      'user.deleted',
    ]);
    expect(JSON.parse(ev[1]!.before!)).toEqual({
      emails: [
        {
          primary: true,
          type: 'work',
          value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com',
        },
      ],
      name: {
        formatted: 'givenName familyName',
        familyName: 'familyName',
        givenName: 'givenName',
      },
    });
    expect(JSON.parse(ev[2]!.after!)).toEqual({
      userName: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com',
    });
    expect(ev[3]!.subject).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    expect(ev.at(-1)!.account_id).toBe(userId);
    // the Test Connection query was flagged as a probe
    expect(h.rows<{ is_probe: number }>('SELECT is_probe FROM scim_exchanges ORDER BY id')[0]!.is_probe).toBe(1);
  });
});
