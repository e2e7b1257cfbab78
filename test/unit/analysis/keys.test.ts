/** Correlation keys and role-map attribute paths: the pure parts of the analysis layer. */
import { describe, expect, it } from 'vitest';
import { correlationSettingsSchema, emailNormalizer } from '../../../src/main/analysis/correlation';
import { parseAttributePath, valuesAt } from '../../../src/main/analysis/roles';

describe('email normalisation', () => {
  it('folds case and NFC, strips +tags only when enabled, and maps alias domains to the first of their group', () => {
    const plain = emailNormalizer({ stripPlusAddressing: false, domainAliases: [] });
    expect(plain(' Jane.Doe@ACME.com ')).toBe('jane.doe@acme.com');
    expect(plain('jane+slack@acme.com')).toBe('jane+slack@acme.com');
    expect(plain('Ze\u0301@acme.com')).toBe(plain('Z\u00e9@acme.com'));
    for (const bad of ['', 'nobody', '@acme.com', 'jane@', 'ja ne@acme.com', null]) expect(plain(bad)).toBeNull();
    const set = emailNormalizer({ stripPlusAddressing: true, domainAliases: [['acme.com', 'acme.co.uk', 'acme.de']] });
    expect(set('Jane+Slack@Acme.Co.UK')).toBe('jane@acme.com');
    expect(set('+only@acme.de')).toBe('+only@acme.com');
  });

  it('refuses settings that would be ambiguous or malformed', () => {
    expect(
      correlationSettingsSchema.safeParse({
        domainAliases: [
          ['a.com', 'b.com'],
          ['b.com', 'c.com'],
        ],
      }).success,
    ).toBe(false);
    expect(correlationSettingsSchema.safeParse({ domainAliases: [['a.com']] }).success).toBe(false);
    expect(correlationSettingsSchema.safeParse({ domainAliases: [['a.com', 'https://b.com']] }).success).toBe(false);
    expect(correlationSettingsSchema.parse({ domainAliases: [[' A.com', 'b.COM']] })).toEqual({
      stripPlusAddressing: false,
      domainAliases: [['a.com', 'b.com']],
    });
  });
});

describe('attribute paths', () => {
  const resource = {
    userType: 'Contractor',
    roles: [{ value: 'Editor', primary: true }, { value: 'viewer' }],
    entitlements: [{ value: 'billing-admin' }],
    name: { givenName: 'Ann' },
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Finance', manager: { value: 'm1' } },
  };
  it('reads core, multi-valued and extension attributes, case-insensitively', () => {
    expect(valuesAt(resource, parseAttributePath('userType'))).toEqual(['contractor']);
    expect(valuesAt(resource, parseAttributePath('roles[].value'))).toEqual(['editor', 'viewer']);
    expect(valuesAt(resource, parseAttributePath('ROLES.value'))).toEqual(['editor', 'viewer']);
    expect(valuesAt(resource, parseAttributePath('entitlements[].value'))).toEqual(['billing-admin']);
    expect(valuesAt(resource, parseAttributePath('name.givenName'))).toEqual(['ann']);
    expect(valuesAt(resource, parseAttributePath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'))).toEqual([
      'finance',
    ]);
    expect(valuesAt(resource, parseAttributePath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'))).toEqual([
      'm1',
    ]);
    expect(valuesAt(resource, parseAttributePath('title'))).toEqual([]);
  });
  it('says what is wrong with a bad path', () => {
    expect(() => parseAttributePath('')).toThrow(/empty/);
    expect(() => parseAttributePath('roles[.value')).toThrow(/"roles\[" is not an attribute name/);
    expect(() => parseAttributePath('urn:x')).toThrow(/extension path/);
    expect(() => parseAttributePath('a..b')).toThrow(/is not an attribute name/);
  });
});
