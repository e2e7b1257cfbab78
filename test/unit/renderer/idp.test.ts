import { describe, expect, it } from 'vitest';
import { providerSchema } from '../../../src/shared/contract';
import { idpInstruction, idpInstructionLine, idpInstructionsFor, isProvider, PROVIDER_ORDER } from '../../../src/renderer/src/lib/idp';

describe('identity providers', () => {
  it('offers every provider of the contract, once, in the documented order', () => {
    expect([...PROVIDER_ORDER].sort()).toEqual([...providerSchema.options].sort());
    expect(PROVIDER_ORDER.map((p) => idpInstruction(p).label)).toEqual([
      'Okta',
      'Microsoft Entra ID',
      'OneLogin',
      'Google Workspace',
      'JumpCloud',
      'Generic SCIM',
    ]);
  });

  it('knows which strings are providers', () => {
    expect(isProvider('entra')).toBe(true);
    expect(isProvider('azure')).toBe(false);
    expect(isProvider('')).toBe(false);
  });
});

describe('where to paste the SCIM URL and token', () => {
  it('names the screen and the two settings for each IdP', () => {
    expect(idpInstructionLine('okta')).toBe(
      'Applications → your app → Provisioning → Integration: SCIM connector base URL + HTTP Header Bearer token (unique identifier field: userName)',
    );
    expect(idpInstructionLine('entra')).toBe(
      'Enterprise applications → your app → Provisioning → Admin credentials: Tenant URL + Secret Token, then Test Connection',
    );
    expect(idpInstructionLine('onelogin')).toMatch(/Configuration: SCIM Base URL \+ SCIM Bearer Token/);
    expect(idpInstructionLine('jumpcloud')).toMatch(/Identity Management: Base URL \+ Token Key/);
    expect(idpInstructionLine('google')).toMatch(/catalogue apps only.*add it as a directory/);
    expect(idpInstructionLine('generic')).toMatch(/Authorization: Bearer <token>/);
  });

  it('has a non-empty line for every provider', () => {
    for (const p of PROVIDER_ORDER) {
      const i = idpInstruction(p);
      expect(i.provider).toBe(p);
      expect(i.where.length).toBeGreaterThan(5);
      expect(i.paste.length).toBeGreaterThan(5);
    }
  });

  it('falls back to the generic SCIM client for an unknown provider', () => {
    expect(idpInstruction('ldap')).toEqual(idpInstruction('generic'));
  });

  it('lists the connection’s own IdP first, then all the others once', () => {
    const list = idpInstructionsFor('jumpcloud');
    expect(list.map((i) => i.provider)).toEqual(['jumpcloud', 'okta', 'entra', 'onelogin', 'google', 'generic']);
    expect(idpInstructionsFor('okta').map((i) => i.provider)).toEqual([...PROVIDER_ORDER]);
    expect(idpInstructionsFor('unknown').map((i) => i.provider)).toEqual(['generic', 'okta', 'entra', 'onelogin', 'google', 'jumpcloud']);
  });
});
