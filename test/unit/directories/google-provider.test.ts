/**
 * Google provider pieces that need no server: the service-account file parser, the config
 * schemas, user/group/member mapping and the throttling classifier.
 */
import { describe, expect, it } from 'vitest';
import {
  GoogleConfigSchema,
  GoogleSecretsSchema,
  googleUserStatus,
  isGoogleRetryable,
  mapGoogleGroup,
  mapGoogleMember,
  mapGoogleUser,
  parseServiceAccountFile,
} from '../../../src/main/directories/providers/google';
import { makeServiceAccount } from '../../fakes/google';

const sa = makeServiceAccount({ projectId: 'acme-poller' });
const keyFile = JSON.parse(sa.file) as Record<string, unknown>;
const withFile = (patch: Record<string, unknown>) => JSON.stringify({ ...keyFile, ...patch });

describe('parseServiceAccountFile', () => {
  it('reads a key file into non-secret config and secrets', () => {
    const parsed = parseServiceAccountFile(sa.file);
    expect(parsed.config).toEqual({ clientEmail: sa.clientEmail, clientId: sa.clientId, projectId: 'acme-poller' });
    expect(parsed.secrets).toEqual({ privateKey: sa.privateKeyPem, privateKeyId: sa.privateKeyId });
    expect(JSON.stringify(parsed.config)).not.toContain('PRIVATE KEY');
    expect(GoogleSecretsSchema.parse(parsed.secrets)).toEqual(parsed.secrets);
  });

  it.each([
    ['not JSON', 'hello', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    [
      'an OAuth client file',
      JSON.stringify({ installed: { client_id: 'x', client_secret: 'y' } }),
      /OAuth client secret file, not a service account key/,
    ],
    [
      'an authorized_user file',
      JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' }),
      /type "authorized_user", not a service account key/,
    ],
    ['a file without a type', JSON.stringify({ private_key: 'x' }), /without a "type"/],
    ['no private_key', withFile({ private_key: undefined }), /has no private_key$/],
    ['no client_email nor private_key', withFile({ private_key: '', client_email: undefined }), /has no client_email and no private_key/],
    ['a client_email that is not an email', withFile({ client_email: 'poller' }), /client_email "poller" is not an email/],
    [
      'a private_key that does not parse',
      withFile({ private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }),
      /not a valid PEM RSA private key/,
    ],
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseServiceAccountFile(text)).toThrow(message);
  });

  it('never puts the key material in an error', () => {
    try {
      parseServiceAccountFile(withFile({ client_email: 42 }));
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain('PRIVATE KEY');
    }
  });
});

describe('GoogleConfigSchema', () => {
  it('fills the defaults', () => {
    expect(GoogleConfigSchema.parse({ subject: 'admin@example.com', clientEmail: sa.clientEmail })).toEqual({
      subject: 'admin@example.com',
      clientEmail: sa.clientEmail,
      customer: 'my_customer',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      baseUrl: 'https://admin.googleapis.com',
      reports: false,
    });
  });

  it('refuses a subject that is not an email and a URL that is not one', () => {
    expect(GoogleConfigSchema.safeParse({ subject: 'admin', clientEmail: sa.clientEmail }).success).toBe(false);
    expect(GoogleConfigSchema.safeParse({ subject: 'a@example.com', clientEmail: sa.clientEmail, baseUrl: 'nope' }).success).toBe(false);
  });
});

describe('mapping', () => {
  const user = (extra: Record<string, unknown> = {}) => ({
    kind: 'admin#directory#user',
    id: '104578129386462174939',
    etag: '"e1"',
    primaryEmail: 'liz@example.com',
    name: { givenName: 'Elizabeth', familyName: 'Smith' },
    suspended: false,
    archived: false,
    lastLoginTime: '1970-01-01T00:00:00.000Z',
    ...extra,
  });

  it('status: archived wins over suspended; neither is active', () => {
    expect(googleUserStatus({})).toBe('active');
    expect(googleUserStatus({ suspended: true })).toBe('suspended');
    expect(googleUserStatus({ archived: true })).toBe('archived');
    expect(googleUserStatus({ suspended: true, archived: true })).toBe('archived');
    expect(mapGoogleUser(user({ suspended: true })).active).toBe(false);
    expect(mapGoogleUser(user({ archived: true })).active).toBe(false);
  });

  it('lastSignInAt: the 1970 epoch, a missing or an unparsable time are null', () => {
    expect(mapGoogleUser(user()).lastSignInAt).toBeNull();
    expect(mapGoogleUser(user({ lastLoginTime: undefined })).lastSignInAt).toBeNull();
    expect(mapGoogleUser(user({ lastLoginTime: 'yesterday' })).lastSignInAt).toBeNull();
    expect(mapGoogleUser(user({ lastLoginTime: '2026-05-02T14:03:11.000Z' })).lastSignInAt).toBe('2026-05-02T14:03:11.000Z');
  });

  it('displayName falls back from fullName to displayName to given + family names', () => {
    expect(mapGoogleUser(user()).displayName).toBe('Elizabeth Smith');
    expect(mapGoogleUser(user({ name: { fullName: 'Liz S', displayName: 'Lizzy' } })).displayName).toBe('Liz S');
    expect(mapGoogleUser(user({ name: { displayName: 'Lizzy' } })).displayName).toBe('Lizzy');
    expect(mapGoogleUser(user({ name: {} })).displayName).toBeNull();
  });

  it('employeeNumber from externalIds type organization, externalId from the first other type', () => {
    const u = mapGoogleUser(
      user({
        externalIds: [
          { value: '', type: 'login' },
          { value: '1001', type: 'organization' },
          { value: 'L-7', type: 'login' },
          { value: 'A-9', type: 'account' },
        ],
      }),
    );
    expect(u.employeeNumber).toBe('1001');
    expect(u.externalId).toBe('L-7');
    expect(mapGoogleUser(user({ externalIds: 'garbage' })).employeeNumber).toBeNull();
  });

  it('attributes keep the payload minus volatile fields', () => {
    const u = mapGoogleUser(user({ thumbnailPhotoUrl: 'x', isMailboxSetup: true, agreedToTerms: true, orgUnitPath: '/' }));
    expect(Object.keys(u.attributes).sort()).toEqual(['archived', 'id', 'name', 'orgUnitPath', 'primaryEmail', 'suspended']);
  });

  it('groups: name, else email; members: USER/EXTERNAL → User, GROUP → Group, CUSTOMER and id-less → skipped', () => {
    expect(mapGoogleGroup({ id: 'g1', email: 'eng@example.com', name: '', etag: '"x"', directMembersCount: '3' })).toEqual({
      id: 'g1',
      displayName: 'eng@example.com',
      attributes: { id: 'g1', email: 'eng@example.com', name: '' },
    });
    expect(mapGoogleMember('g', { id: 'u', type: 'USER' })).toEqual({ groupId: 'g', memberId: 'u', memberType: 'User' });
    expect(mapGoogleMember('g', { id: 'x', type: 'EXTERNAL' })).toEqual({ groupId: 'g', memberId: 'x', memberType: 'User' });
    expect(mapGoogleMember('g', { id: 'n', type: 'GROUP' })).toEqual({ groupId: 'g', memberId: 'n', memberType: 'Group' });
    expect(mapGoogleMember('g', { id: 'C03az79cb', type: 'CUSTOMER' })).toBeNull();
    expect(mapGoogleMember('g', { email: 'someone@example.org', type: 'EXTERNAL' })).toBeNull();
  });
});

describe('isGoogleRetryable', () => {
  const err = (reason: string, status?: string) => ({
    error: { code: 403, message: 'm', errors: [{ domain: 'usageLimits', reason }], status },
  });
  it('retries the three throttling reasons and RESOURCE_EXHAUSTED, and 429', () => {
    expect(isGoogleRetryable(403, err('rateLimitExceeded'))).toBe(true);
    expect(isGoogleRetryable(403, err('userRateLimitExceeded'))).toBe(true);
    expect(isGoogleRetryable(403, err('quotaExceeded'))).toBe(true);
    expect(isGoogleRetryable(403, { error: { code: 403, status: 'RESOURCE_EXHAUSTED' } })).toBe(true);
    expect(isGoogleRetryable(429, null)).toBe(true);
  });
  it('does not retry a 403 that is a permission problem, or an unreadable body', () => {
    expect(isGoogleRetryable(403, err('forbidden', 'PERMISSION_DENIED'))).toBe(false);
    expect(isGoogleRetryable(403, err('insufficientPermissions'))).toBe(false);
    expect(isGoogleRetryable(403, null)).toBe(false);
    expect(isGoogleRetryable(403, { error: 'access_denied' })).toBe(false);
    expect(isGoogleRetryable(400, err('rateLimitExceeded'))).toBe(false);
  });
});
