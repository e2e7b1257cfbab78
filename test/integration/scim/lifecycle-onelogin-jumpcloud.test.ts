/**
 * OneLogin and JumpCloud lifecycles. Neither publishes request bodies the way Okta and Microsoft
 * do, so these replay what they document:
 * - OneLogin builds each request from an admin-edited "SCIM JSON Template" (SCIM Provisioner with
 *   SAML (SCIM v2 Enterprise)); unrendered or empty parameters arrive as strings, `"active"` is a
 *   string and `"id": null` is part of common templates:
 *     https://onelogin.service-now.com/kb?id=kb_article_view&sysparm_article=KB0013904
 *   (template as rendered, third-party copy: https://doc.keepnetlabs.com/next-generation-product/platform/company/company-settings/scim-settings/onelogin-scim-integration)
 * - JumpCloud's custom SCIM integration creates a test user and a test group when it is activated
 *   and deletes both when the service provider supports DELETE:
 *     https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration
 *   The bodies are RFC 7644 shapes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventRow } from '../../../src/main/core/store/events';
import { encodeQuery, ENTERPRISE, GROUP, PATCH_OP, resourcesOf, startScim, USER, type Json, type ScimHarness } from '../../helpers/scim';

let h: ScimHarness;
afterEach(async () => {
  await h.close();
});
const events = (): string[] => h.rows<EventRow>('SELECT * FROM events ORDER BY seq').map((e) => e.type);

describe('OneLogin lifecycle (SCIM JSON Template)', () => {
  // https://onelogin.service-now.com/kb?id=kb_article_view&sysparm_article=KB0013904
  it('create from the rendered template, look up, update, deactivate with a string, delete', async () => {
    h = await startScim({
      provider: 'onelogin',
      name: 'OneLogin',
      app: 'Portal',
    });
    const rendered = (active: string, title: string): Json => ({
      [ENTERPRISE]: {
        department: 'Finance',
        manager: { managerId: '', displayName: ' ' },
      },
      active,
      emails: [{ value: 'kim.berry@example.com', type: 'work', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Berry', givenName: 'Kim', formatted: 'Kim Berry' },
      userName: 'kim.berry@example.com',
      title,
      id: null,
      schemas: [USER],
    });
    let r = await h.req('GET', `/Users?${encodeQuery({ filter: 'userName eq "kim.berry@example.com"' })}`);
    expect(r.json!.totalResults).toBe(0);
    r = await h.req('POST', '/Users', { body: rendered('true', 'Analyst') });
    expect(r.status, r.text).toBe(201);
    const id = r.json!.id as string;
    expect(r.json).toMatchObject({
      active: true,
      title: 'Analyst',
      [ENTERPRISE]: { department: 'Finance' },
    });
    // the extension is listed in schemas even though the template left it out
    expect(r.json!.schemas).toEqual([USER, ENTERPRISE]);
    r = await h.req('GET', `/Users?${encodeQuery({ filter: 'userName eq "Kim.Berry@example.com"' })}`);
    expect(resourcesOf(r).map((u) => u.id)).toEqual([id]);
    // an update re-sends the whole template (id: null is not a change of id)
    r = await h.req('PUT', `/Users/${id}`, {
      body: rendered('true', 'Senior Analyst'),
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json!.title).toBe('Senior Analyst');
    r = await h.req('PUT', `/Users/${id}`, {
      body: rendered('false', 'Senior Analyst'),
    });
    expect(r.json!.active).toBe(false);
    r = await h.req('PATCH', `/Users/${id}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'active', value: 'true' }],
      },
    });
    expect(r.json!.active).toBe(true);
    expect((await h.req('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(events()).toEqual(['user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'user.deleted']);
  });
});

describe('JumpCloud activation (test user and test group)', () => {
  // https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration
  it('creates a test user and a non-empty test group, then deletes both', async () => {
    h = await startScim({
      provider: 'jumpcloud',
      name: 'JumpCloud',
      app: 'Wiki',
    });
    let r = await h.req('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'jctest@example.com',
        name: { givenName: 'JumpCloud', familyName: 'Test' },
        emails: [{ value: 'jctest@example.com', type: 'work', primary: true }],
        active: true,
      },
      contentType: 'application/json',
    });
    expect(r.status).toBe(201);
    const uid = r.json!.id as string;
    r = await h.req('POST', '/Groups', {
      body: {
        schemas: [GROUP],
        displayName: 'JumpCloud Test Group',
        members: [{ value: uid }],
      },
    });
    expect(r.status).toBe(201);
    const gid = r.json!.id as string;
    expect((r.json!.members as Json[]).map((m) => m.value)).toEqual([uid]);
    // membership updates in the value-list form
    r = await h.req('PATCH', `/Groups/${gid}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: 'members', value: [{ value: uid }] }],
      },
    });
    expect(r.status).toBe(204);
    expect((await h.req('DELETE', `/Groups/${gid}`)).status).toBe(204);
    expect((await h.req('DELETE', `/Users/${uid}`)).status).toBe(204);
    expect((await h.req('GET', '/Users')).json!.totalResults).toBe(0);
    expect((await h.req('GET', '/Groups')).json!.totalResults).toBe(0);
    expect(events()).toEqual([
      'user.created',
      'group.created',
      'group.member_added',
      'group.member_removed',
      'group.deleted',
      'user.deleted',
    ]);
    // and the same test user may be created again at the next activation
    r = await h.req('POST', '/Users', {
      body: { schemas: [USER], userName: 'jctest@example.com' },
    });
    expect(r.status).toBe(201);
  });
});
