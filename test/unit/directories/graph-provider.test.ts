import { describe, expect, it } from 'vitest';
import {
  createGraphProvider,
  describeGraphError,
  GraphConfigSchema,
  isGraphRetryable,
  mapGraphGroup,
  mapGraphUser,
} from '../../../src/main/directories/providers/graph';

describe('Graph provider configuration', () => {
  it('fills in the public cloud and trims trailing slashes', () => {
    const c = GraphConfigSchema.parse({ tenantId: 'contoso.onmicrosoft.com', clientId: 'abc' });
    expect(c).toMatchObject({
      authorityUrl: 'https://login.microsoftonline.com',
      graphUrl: 'https://graph.microsoft.com',
      auth: 'secret',
      pageSize: 999,
    });
    const us = GraphConfigSchema.parse({
      tenantId: 't',
      clientId: 'c',
      graphUrl: 'https://graph.microsoft.us/',
      authorityUrl: 'https://login.microsoftonline.us//',
    });
    expect(us.graphUrl).toBe('https://graph.microsoft.us');
    expect(us.authorityUrl).toBe('https://login.microsoftonline.us');
  });

  it('explains what is wrong, field by field', () => {
    expect(() => createGraphProvider({ tenantId: '', clientId: 'c' } as never, { clientSecret: 's' })).toThrow(
      /tenantId: tenantId must be/,
    );
    expect(() => createGraphProvider({ clientId: 'c' } as never, { clientSecret: 's' })).toThrow(/tenantId/);
    expect(() => createGraphProvider({ tenantId: 't', clientId: 'c', graphUrl: 'graph.microsoft.com' }, { clientSecret: 's' })).toThrow(
      /graphUrl: graphUrl must be an http\(s\) URL/,
    );
    expect(() => createGraphProvider({ tenantId: 't/../x', clientId: 'c' }, { clientSecret: 's' })).toThrow(/tenantId/);
    expect(() => createGraphProvider({ tenantId: 't', clientId: 'c', pageSize: 1000 }, { clientSecret: 's' })).toThrow(/pageSize/);
  });

  it('asks for the credential the chosen auth needs', () => {
    expect(() => createGraphProvider({ tenantId: 't', clientId: 'c' }, {})).toThrow(/clientSecret is required for secret auth/);
    expect(() => createGraphProvider({ tenantId: 't', clientId: 'c', auth: 'certificate' }, { privateKey: 'x' })).toThrow(
      /certificate auth needs the certificate \(PEM\) or its thumbprint/,
    );
    expect(() =>
      createGraphProvider({ tenantId: 't', clientId: 'c', auth: 'certificate', certificateThumbprint: 'a'.repeat(64) }, {}),
    ).toThrow(/privateKey \(PEM\) is required/);
    expect(() =>
      createGraphProvider(
        { tenantId: 't', clientId: 'c', auth: 'certificate', certificateThumbprint: 'not-a-thumbprint' },
        { privateKey: 'x' },
      ),
    ).toThrow(/certificateThumbprint must be/);
    expect(() =>
      createGraphProvider(
        { tenantId: 't', clientId: 'c', auth: 'certificate', certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
        {},
      ),
    ).toThrow(/certificate is not a valid PEM/);
  });
});

describe('Graph error bodies', () => {
  it('reads Graph errors and token-endpoint errors, keeping AADSTS descriptions to their first line', () => {
    expect(describeGraphError(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } })).toBe(
      'InvalidAuthenticationToken: Access token is empty.',
    );
    expect(
      describeGraphError(401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2',
      }),
    ).toBe('invalid_client: AADSTS7000215: Invalid client secret provided.');
    expect(describeGraphError(500, 'oops')).toBeNull();
    expect(describeGraphError(500, { something: 'else' })).toBeNull();
  });

  it('treats Graph throttling codes as transient whatever the status', () => {
    expect(isGraphRetryable(400, { error: { code: 'activityLimitReached', message: '' } })).toBe(true);
    expect(isGraphRetryable(403, { error: { code: 'Forbidden', innerError: { code: 'throttledRequest' } } })).toBe(true);
    expect(isGraphRetryable(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } })).toBe(false);
    expect(isGraphRetryable(400, null)).toBe(false);
  });
});

describe('Graph status mapping', () => {
  const base = { id: 'u1', userPrincipalName: 'a@contoso.com', displayName: 'A' };
  it('accountEnabled true is active, false is disabled and inactive', () => {
    expect(mapGraphUser({ ...base, accountEnabled: true })).toMatchObject({ status: 'active', active: true });
    expect(mapGraphUser({ ...base, accountEnabled: false })).toMatchObject({ status: 'disabled', active: false });
  });

  it('reads absent selected properties as null, so attributes have the same keys every time', () => {
    const u = mapGraphUser({ ...base, accountEnabled: true, mail: 'a@contoso.com' })!;
    expect(u.attributes).toMatchObject({ mail: 'a@contoso.com', jobTitle: null, employeeId: null, onPremisesImmutableId: null });
    expect(Object.keys(u.attributes)).not.toContain('id');
    expect(u).toMatchObject({ email: 'a@contoso.com', employeeNumber: null, externalId: null, lastSignInAt: null });
  });

  it('a user object without userPrincipalName or accountEnabled is partial, never a user with blanks', () => {
    expect(mapGraphUser({ id: 'u1', accountEnabled: true })).toBeNull();
    expect(mapGraphUser({ id: 'u1', userPrincipalName: 'a@b' })).toBeNull();
  });

  it('a group object with only members carries no group; with some properties but no name it is partial', () => {
    expect(mapGraphGroup({ id: 'g', 'members@delta': [] })).toBeNull();
    expect(mapGraphGroup({ id: 'g', description: 'x' })).toBe('partial');
    expect(mapGraphGroup({ id: 'g', displayName: 'G', mailEnabled: false })).toEqual({
      id: 'g',
      displayName: 'G',
      attributes: { description: null, mail: null, mailEnabled: false, securityEnabled: null, groupTypes: null },
    });
  });
});
