import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/main/directories/http';
import { verifyJwt } from '../../../src/main/directories/jwt';
import { createOktaProvider, parseOktaConfig } from '../../../src/main/directories/providers/okta';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('Okta settings', () => {
  it('fills the defaults', () => {
    expect(parseOktaConfig({ baseUrl: 'https://acme.okta.com/', auth: 'ssws' })).toEqual({
      baseUrl: 'https://acme.okta.com',
      auth: 'ssws',
      scopes: ['okta.users.read', 'okta.groups.read', 'okta.logs.read'],
      fullSyncEveryHours: 24,
      usersPageSize: 200,
      groupsPageSize: 200,
      membersPageSize: 200,
      logsPageSize: 1000,
    });
    expect(parseOktaConfig({ baseUrl: 'http://127.0.0.1:8080', auth: 'oauth', clientId: 'c', scopes: ['okta.users.read'] }).scopes).toEqual(
      ['okta.users.read'],
    );
  });

  it.each([
    [{ auth: 'ssws' }, /baseUrl: baseUrl is required/],
    [{ baseUrl: 'acme.okta.com', auth: 'ssws' }, /baseUrl: "acme\.okta\.com" is not a URL/],
    [{ baseUrl: 'http://acme.okta.com', auth: 'ssws' }, /baseUrl: must use https:\/\//],
    [
      { baseUrl: 'https://acme-admin.okta.com', auth: 'ssws' },
      /Admin Console address; use the org URL without "-admin" \(https:\/\/acme\.okta\.com\)/,
    ],
    [{ baseUrl: 'https://acme.okta.com/api/v1', auth: 'ssws' }, /without a path or query/],
    [{ baseUrl: 'https://acme.okta.com', auth: 'token' }, /auth: auth must be "ssws" \(API token\) or "oauth"/],
    [{ baseUrl: 'https://acme.okta.com', auth: 'oauth' }, /clientId: clientId is required for auth "oauth"/],
    [{ baseUrl: 'https://acme.okta.com', auth: 'ssws', usersPageSize: 500 }, /usersPageSize/],
    [{ baseUrl: 'https://acme.okta.com', auth: 'ssws', fullSyncEveryHours: 0 }, /fullSyncEveryHours must be more than 0/],
  ])('refuses %j clearly', (input, message) => {
    expect(() => parseOktaConfig(input)).toThrow(message);
  });

  it('needs the secret that goes with the auth kind, and refuses a key that is not RSA', () => {
    expect(() => createOktaProvider({ baseUrl: 'https://acme.okta.com', auth: 'ssws' }, {})).toThrow(
      /apiToken is required for auth "ssws"/,
    );
    expect(() => createOktaProvider({ baseUrl: 'https://acme.okta.com', auth: 'oauth', clientId: 'c' }, { apiToken: 'x' })).toThrow(
      /privateKey is required for auth "oauth"/,
    );
    expect(() => createOktaProvider({ baseUrl: 'https://acme.okta.com', auth: 'oauth', clientId: 'c' }, { privateKey: 'nope' })).toThrow(
      /not a valid PEM or JWK RSA private key/,
    );
    expect(() => createOktaProvider({ baseUrl: 'https://acme.okta.com', auth: 'oauth', clientId: 'c' }, { privateKey: '{nope' })).toThrow(
      /does not parse as a JWK/,
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => createOktaProvider({ baseUrl: 'https://acme.okta.com', auth: 'oauth', clientId: 'c' }, { privateKey: ec })).toThrow(
      /the private key is ec; Rollcall signs RS256/,
    );
  });

  it('SSWS: sends the token as "SSWS <token>" (a pasted "SSWS " prefix is not doubled)', async () => {
    const { auth } = createOktaProvider({ baseUrl: 'https://acme.okta.com', auth: 'ssws' }, { apiToken: 'SSWS 00abc' });
    expect(await auth.header(new HttpClient(), new AbortController().signal)).toBe('SSWS 00abc');
    expect(auth.invalidate()).toBe(false);
  });

  it('OAuth: posts a client_credentials form with an RS256 assertion for the token URL', async () => {
    let form: Record<string, string> = {};
    const http = new HttpClient({
      fetch: async (_url, init) => {
        form = Object.fromEntries(new URLSearchParams(String(init.body)));
        return new Response(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: 'tok' }), { status: 200 });
      },
    });
    const nowMs = Date.parse('2026-06-01T00:00:00Z');
    const { auth } = createOktaProvider(
      { baseUrl: 'https://acme.okta.com', auth: 'oauth', clientId: '0oa1', keyId: 'k1' },
      { privateKey: pem },
      { now: () => nowMs },
    );
    expect(await auth.header(http, new AbortController().signal)).toBe('Bearer tok');
    expect(form).toMatchObject({
      grant_type: 'client_credentials',
      scope: 'okta.users.read okta.groups.read okta.logs.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    const { header, payload } = verifyJwt(form.client_assertion!, rsa.publicKey);
    expect(header).toMatchObject({ alg: 'RS256', kid: 'k1' });
    expect(payload).toMatchObject({
      iss: '0oa1',
      sub: '0oa1',
      aud: 'https://acme.okta.com/oauth2/v1/token',
      iat: nowMs / 1000,
      exp: nowMs / 1000 + 300,
    });
    expect(typeof payload.jti).toBe('string');
  });
});
