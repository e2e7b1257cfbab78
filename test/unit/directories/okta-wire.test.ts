import { describe, expect, it } from 'vitest';
import {
  checkArray,
  checkUser,
  mapOktaStatus,
  parseLinkHeader,
  toDirGroup,
  toDirUser,
} from '../../../src/main/directories/providers/okta/wire';
import { describeOktaError, oktaIsRetryable, OKTA_LOG_FILTER } from '../../../src/main/directories/providers/okta';

describe('parseLinkHeader', () => {
  it('reads the relations of separate link lines joined by fetch with ", "', () => {
    const joined =
      '<https://acme.okta.com/api/v1/users?limit=200>; rel="self", <https://acme.okta.com/api/v1/users?after=00u118oQYT4TBTemp0g4&limit=200>; rel="next"';
    expect(parseLinkHeader(joined)).toEqual({
      self: 'https://acme.okta.com/api/v1/users?limit=200',
      next: 'https://acme.okta.com/api/v1/users?after=00u118oQYT4TBTemp0g4&limit=200',
    });
  });

  it('keeps commas inside URLs, takes unquoted and multi-valued rels, resolves relative links, ignores junk', () => {
    const v = '<https://a.okta.com/api/v1/logs?filter=a,b&after=1>;rel=next,<x>; title="no rel", <page2>; rel="prev last"; type="x"';
    expect(parseLinkHeader(v, 'https://a.okta.com/api/v1/logs')).toEqual({
      next: 'https://a.okta.com/api/v1/logs?filter=a,b&after=1',
      prev: 'https://a.okta.com/api/v1/page2',
      last: 'https://a.okta.com/api/v1/page2',
    });
    expect(parseLinkHeader(null)).toEqual({});
    expect(parseLinkHeader('garbage')).toEqual({});
  });

  it('takes the first of two links with the same relation', () => {
    expect(parseLinkHeader('<https://a/1>; rel="next", <https://a/2>; rel="next"').next).toBe('https://a/1');
  });
});

describe('Okta status mapping', () => {
  it.each([
    ['ACTIVE', 'active'],
    ['STAGED', 'staged'],
    ['PROVISIONED', 'staged'],
    ['ACTIVATING', 'staged'],
    ['RECOVERY', 'locked'],
    ['PASSWORD_EXPIRED', 'locked'],
    ['LOCKED_OUT', 'locked'],
    ['SUSPENDED', 'suspended'],
    ['DEPROVISIONED', 'disabled'],
    ['SOMETHING_NEW', 'locked'],
  ])('%s → %s', (okta, status) => {
    expect(mapOktaStatus(okta)).toBe(status);
    const u = toDirUser({ id: '00u1', status: okta, profile: { login: 'a@example.com' } });
    expect(u.active).toBe(status !== 'suspended' && status !== 'disabled');
  });
});

describe('Okta users and groups', () => {
  it('keeps profile and Okta status as attributes, and a custom profile "status" apart from the account status', () => {
    const u = toDirUser({
      id: '00u1',
      status: 'SUSPENDED',
      lastLogin: '2026-01-01T00:00:00.000Z',
      profile: { login: 'a@example.com', status: 'on leave', firstName: 'A', lastName: null },
      lastUpdated: 'x',
      _links: {},
    } as never);
    expect(u.attributes).toEqual({
      login: 'a@example.com',
      'profile.status': 'on leave',
      firstName: 'A',
      lastName: null,
      oktaStatus: 'SUSPENDED',
    });
    expect(u).toMatchObject({
      userName: 'a@example.com',
      email: null,
      displayName: 'A',
      lastSignInAt: '2026-01-01T00:00:00.000Z',
      active: false,
    });
  });

  it('groups keep type, objectClass and profile only', () => {
    const g = toDirGroup({
      id: '00g1',
      type: 'APP_GROUP',
      objectClass: ['okta:windows_security_principal'],
      profile: { name: 'Domain Admins', description: null, windowsDomainQualifiedName: 'AD\\Domain Admins' },
      lastMembershipUpdated: 'x',
    } as never);
    expect(g).toEqual({
      id: '00g1',
      displayName: 'Domain Admins',
      attributes: {
        name: 'Domain Admins',
        description: null,
        windowsDomainQualifiedName: 'AD\\Domain Admins',
        type: 'APP_GROUP',
        objectClass: ['okta:windows_security_principal'],
      },
    });
  });

  it('refuses wrong shapes with a message that says where', () => {
    expect(() => checkArray({ users: [] }, 'https://a/api/v1/users', 'users')).toThrow(
      'https://a/api/v1/users: expected a JSON array of users, got object',
    );
    expect(() => checkArray(null, 'u', 'users')).toThrow('got an empty body');
    expect(() => checkUser({ id: '00u1', status: 'ACTIVE', profile: {} }, 'u', 3)).toThrow('item 3 (00u1) has no profile.login');
    expect(() => checkUser({ id: '00u1', status: 'ACTIVE', profile: { login: 'a' }, lastLogin: 5 }, 'u')).toThrow(
      'lastLogin that is not a timestamp',
    );
    expect(() => checkUser('x', 'u', 0)).toThrow('item 0 is not an Okta user object');
  });
});

describe('Okta errors', () => {
  it('describes the error body, the OAuth error, and says what to fix', () => {
    expect(
      describeOktaError(400, {
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: limit',
        errorCauses: [{ errorSummary: 'limit: must be between 0 and 1000' }],
      }),
    ).toBe('Api validation failed: limit: limit: must be between 0 and 1000 (E0000001)');
    expect(
      describeOktaError(403, { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' }),
    ).toMatch(/\(E0000006\) — the token lacks a scope or admin role/);
    expect(describeOktaError(401, { error: 'invalid_client', error_description: 'No client credentials found.' })).toBe(
      'invalid_client: No client credentials found.',
    );
    expect(describeOktaError(400, { error: 'invalid_dpop_proof', error_description: 'The DPoP proof JWT header is missing.' })).toMatch(
      /requires DPoP, which Rollcall does not send/,
    );
    expect(describeOktaError(500, 'x')).toBeNull();
    expect(oktaIsRetryable(403, { errorCode: 'E0000047' })).toBe(true);
    expect(oktaIsRetryable(403, { errorCode: 'E0000006' })).toBe(false);
  });

  it('asks the System Log only for the event types it acts on', () => {
    expect(OKTA_LOG_FILTER).toContain('eventType sw "user.lifecycle."');
    expect(OKTA_LOG_FILTER).toContain('eventType eq "group.user_membership.remove"');
    expect(OKTA_LOG_FILTER).not.toContain('user.session');
  });
});
