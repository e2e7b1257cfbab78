/**
 * Which relayed requests deprovision a user (they raise "deprovision failed" when the app does not
 * carry them out), in the shapes each IdP sends; and which paths the mirror follows.
 */
import { describe, expect, it } from 'vitest';
import { isDeprovision, targetOf } from '../../../src/main/relay/relay';
import { splitUpstream, storedUpstreamOf, upstreamView } from '../../../src/main/relay/upstream';

const user = targetOf('/Users/2819c223-7f76-453a-919d-413861904646');
const op = (o: Record<string, unknown>) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [o] });

describe('targetOf', () => {
  it('names the resource of a path, decoded, and says whether the mirror follows it', () => {
    expect(targetOf('/Users/a%2Fb')).toEqual({ type: 'User', id: 'a/b', mirrored: true });
    expect(targetOf('/Groups')).toEqual({ type: 'Group', id: null, mirrored: true });
    expect(targetOf('/Users/.search')).toEqual({ type: 'User', id: null, mirrored: false });
    expect(targetOf('/Users/x/extra')).toMatchObject({ mirrored: false });
    expect(targetOf('/ServiceProviderConfig')).toEqual({ type: null, id: null, mirrored: false });
    expect(targetOf('')).toEqual({ type: null, id: null, mirrored: false });
  });
});

describe('isDeprovision', () => {
  it.each([
    ['DELETE', undefined],
    ['PATCH', op({ op: 'Replace', path: 'active', value: 'False' })], // Entra default
    ['PATCH', op({ op: 'replace', path: 'active', value: false })], // Entra flag / most IdPs
    ['PATCH', op({ op: 'replace', value: { active: false } })], // Okta: no path, object value
    ['PATCH', op({ op: 'add', path: 'ACTIVE', value: 'false' })],
    ['PATCH', op({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:active', value: false })],
    [
      'PATCH',
      {
        Operations: [
          { op: 'replace', path: 'displayName', value: 'J' },
          { Op: 'Replace', Path: 'active', Value: false },
        ],
      },
    ],
    ['PUT', { userName: 'jane', active: false }],
    ['PUT', { userName: 'jane', active: 'False' }], // OneLogin templates
  ])('%s %j deprovisions', (method, body) => {
    expect(isDeprovision(method, user, body)).toBe(true);
  });

  it.each([
    ['PATCH', op({ op: 'replace', path: 'active', value: true })],
    ['PATCH', op({ op: 'remove', path: 'active' })],
    ['PATCH', op({ op: 'replace', value: { displayName: 'x' } })],
    ['PATCH', op({ op: 'replace', path: 'name.active', value: false })],
    ['PUT', { userName: 'jane', active: true }],
    ['PUT', { userName: 'jane' }],
    ['GET', undefined],
    ['POST', { userName: 'jane', active: false }],
  ])('%s %j does not', (method, body) => {
    expect(isDeprovision(method, user, body)).toBe(false);
  });

  it('only for a user: deleting a group or a list path is not a deprovisioning', () => {
    expect(isDeprovision('DELETE', targetOf('/Groups/g1'), undefined)).toBe(false);
    expect(isDeprovision('DELETE', targetOf('/Users'), undefined)).toBe(false);
  });
});

describe('upstream settings', () => {
  it('keeps credentials out of the stored settings and the view', () => {
    const { stored, secrets } = splitUpstream({
      baseUrl: 'https://api.slack.com/scim/v2/',
      auth: { kind: 'oauth', tokenUrl: 'https://auth.example/token', clientId: 'rc', clientSecret: 's3cret', scope: 'scim' },
      headers: { 'X-Api-Key': 'k3y' },
    });
    expect(stored).toEqual({
      baseUrl: 'https://api.slack.com/scim/v2',
      auth: { kind: 'oauth', tokenUrl: 'https://auth.example/token', clientId: 'rc', scope: 'scim' },
      timeoutMs: 30_000,
      headerNames: ['X-Api-Key'],
      tlsVerify: true,
    });
    expect(secrets).toEqual({ clientSecret: 's3cret', headers: { 'X-Api-Key': 'k3y' } });
    expect(JSON.stringify(upstreamView(stored))).not.toMatch(/s3cret|k3y/);
    expect(storedUpstreamOf({ upstream: stored })).toEqual(stored);
    expect(storedUpstreamOf({})).toBeNull();
  });
});
