/**
 * The relay half of the "Add connection" form (src/renderer/src/lib/connection-form.ts): the
 * app's SCIM base URL, its credentials per authentication kind, the timeout and the CA file, the
 * call input they become, server errors mapped back onto them, and the Test connection note.
 */
import { describe, expect, it } from 'vitest';
import { RollcallApiError } from '../../../src/shared/client';
import { contract } from '../../../src/shared/contract';
import {
  CA_FILE_MAX_BYTES,
  EMPTY_CONNECTION_FORM,
  baseUrlProblem,
  caFileSizeProblem,
  caFileSummary,
  caPemProblem,
  connectionFields,
  createConnectionError,
  fieldForIssue,
  firstInvalidField,
  switchAuthKind,
  switchMode,
  testConnectionErrorNote,
  testConnectionNote,
  timeoutProblem,
  toCreateConnectionInput,
  validateConnectionForm,
  type ConnectionFormValues,
} from '../../../src/renderer/src/lib/connection-form';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2FmZQ==\n-----END CERTIFICATE-----\n';

const store: ConnectionFormValues = { ...EMPTY_CONNECTION_FORM, name: 'Slack via Okta', app: 'Slack' };
const bearer: ConnectionFormValues = {
  ...store,
  mode: 'relay',
  baseUrl: 'https://api.slack.com/scim/v2',
  authKind: 'bearer',
  token: 'xoxp-app-token',
};
const basic: ConnectionFormValues = { ...bearer, authKind: 'basic', token: '', username: 'rollcall', password: 'pa ss' };
const oauth: ConnectionFormValues = {
  ...bearer,
  authKind: 'oauth',
  token: '',
  tokenUrl: 'https://auth.example.com/oauth/token',
  clientId: 'client-1',
  clientSecret: 'secret-1',
};

const accepted = (v: ConnectionFormValues): boolean => contract.createConnection.input.safeParse(toCreateConnectionInput(v)).success;

describe('store or relay', () => {
  it('starts in store mode with a 30 s timeout, and store mode sends no upstream', () => {
    expect(EMPTY_CONNECTION_FORM.mode).toBe('store');
    expect(EMPTY_CONNECTION_FORM.timeoutSeconds).toBe('30');
    // Relay values left in the state are not looked at, and not sent, in store mode.
    const leftovers = { ...store, baseUrl: 'not a url', token: 'left-over-secret' };
    expect(validateConnectionForm(leftovers)).toEqual({});
    const input = toCreateConnectionInput(leftovers);
    expect(input).not.toHaveProperty('upstream');
    expect(JSON.stringify(input)).not.toContain('left-over-secret');
  });

  it('shows the relay fields of the chosen authentication kind only', () => {
    const common = ['name', 'app', 'provider', 'slug', 'mode', 'baseUrl', 'authKind'];
    expect(connectionFields(bearer)).toEqual([...common, 'token', 'timeoutSeconds', 'caPem']);
    expect(connectionFields(basic)).toEqual([...common, 'username', 'password', 'timeoutSeconds', 'caPem']);
    expect(connectionFields(oauth)).toEqual([...common, 'tokenUrl', 'clientId', 'clientSecret', 'scope', 'timeoutSeconds', 'caPem']);
  });

  it('refuses a mode or an authentication kind it does not know', () => {
    expect(validateConnectionForm({ ...store, mode: 'mirror' as never }).mode).toMatch(/^Choose whether Rollcall stores/);
    expect(validateConnectionForm({ ...bearer, authKind: 'ntlm' as never }).authKind).toMatch(/^Choose how Rollcall signs in/);
    expect(() => toCreateConnectionInput({ ...bearer, authKind: 'ntlm' as never })).toThrow(/ntlm/);
  });

  it('going back to store forgets everything typed for the app; switching kind forgets the other kinds’ secrets', () => {
    const back = switchMode({ ...oauth, caPem: CERT, timeoutSeconds: '9' }, 'store');
    expect(back).toEqual({ ...EMPTY_CONNECTION_FORM, name: 'Slack via Okta', app: 'Slack' });
    expect(switchMode(store, 'relay')).toEqual({ ...store, mode: 'relay' });
    const switched = switchAuthKind({ ...bearer, timeoutSeconds: '12' }, 'basic');
    expect(switched).toMatchObject({ authKind: 'basic', token: '', baseUrl: bearer.baseUrl, timeoutSeconds: '12' });
    expect(switchAuthKind(bearer, 'bearer')).toBe(bearer);
  });
});

describe('relay validation', () => {
  it('asks for every required field of each kind, first in form order', () => {
    const empty = { ...store, mode: 'relay' as const };
    const e = validateConnectionForm(empty);
    expect(e.baseUrl).toBe('Enter the app’s SCIM base URL, e.g. https://api.slack.com/scim/v2.');
    expect(e.token).toMatch(/^Paste the app’s SCIM API token/);
    expect(firstInvalidField(e)).toBe('baseUrl');
    const b = validateConnectionForm({ ...empty, authKind: 'basic' });
    expect(b.username).toBe('Enter the user name the app’s SCIM API expects.');
    expect(b.password).toBeUndefined(); // an API key as user name may go without a password
    expect(b.token).toBeUndefined();
    const o = validateConnectionForm({ ...empty, authKind: 'oauth' });
    expect(o.tokenUrl).toMatch(/^Enter the app’s OAuth token endpoint/);
    expect(o.clientId).toBe('Enter the client ID the app issued to Rollcall.');
    expect(o.clientSecret).toBe('Paste the client secret that goes with the client ID.');
    expect(o.scope).toBeUndefined();
    expect(validateConnectionForm({ ...bearer, token: '   ' }).token).toMatch(/^Paste/);
  });

  it('says what is wrong with the base URL', () => {
    expect(baseUrlProblem('api.slack.com/scim/v2')).toBe('Start with https:// (https://api.slack.com/scim/v2).');
    expect(baseUrlProblem('http://api.slack.com/scim/v2')).toMatch(/^Use https:\/\//);
    expect(baseUrlProblem('http://127.0.0.1:8080/scim/v2')).toBeNull(); // a test server on this computer
    expect(baseUrlProblem('ftp://files.example.com/scim')).toMatch(/https:\/\//);
    expect(baseUrlProblem('https://user:pw@api.slack.com/scim/v2')).toBe('Leave the user name and password out of the URL.');
    expect(baseUrlProblem('https://api.slack.com/scim/v2?x=1')).toMatch(/^Leave out the query/);
    expect(baseUrlProblem('https://api.slack.com/scim/v2/Users')).toBe(
      'Leave out “/Users”: the base URL ends before it (https://api.slack.com/scim/v2).',
    );
    expect(baseUrlProblem('https://api.slack.com/scim/v2/Groups/')).toMatch(/^Leave out “\/Groups”/);
    expect(baseUrlProblem(`https://api.slack.com/${'x'.repeat(2048)}`)).toMatch(/^Not an address Rollcall can use/);
    expect(baseUrlProblem('https://api.slack.com/scim/v2')).toBeNull();
    expect(baseUrlProblem('  https://api.slack.com/scim/v2/  ')).toBeNull();
  });

  it('checks the OAuth token URL the same way', () => {
    expect(validateConnectionForm({ ...oauth, tokenUrl: 'auth.example.com/token' }).tokenUrl).toBe(
      'Start with https:// (https://auth.example.com/token).',
    );
    expect(validateConnectionForm({ ...oauth, tokenUrl: 'http://auth.example.com/token' }).tokenUrl).toMatch(/^Use https:\/\//);
  });

  it('holds credentials to the contract’s limits', () => {
    expect(validateConnectionForm({ ...bearer, token: 't'.repeat(16_385) }).token).toBe('Too long: 16385 characters, at most 16384.');
    expect(validateConnectionForm({ ...basic, username: 'u'.repeat(513) }).username).toBe('Too long: 513 characters, at most 512.');
    expect(validateConnectionForm({ ...basic, password: 'p'.repeat(16_385) }).password).toMatch(/^Too long/);
    expect(validateConnectionForm({ ...oauth, clientId: 'c'.repeat(1025) }).clientId).toMatch(/at most 1024/);
    expect(validateConnectionForm({ ...oauth, clientSecret: 's'.repeat(16_385) }).clientSecret).toMatch(/at most 16384/);
    expect(validateConnectionForm({ ...oauth, scope: 's'.repeat(2049) }).scope).toMatch(/at most 2048/);
    for (const v of [
      { ...bearer, token: 't'.repeat(16_384) },
      { ...basic, username: 'u'.repeat(512) },
      { ...oauth, scope: 's'.repeat(2048) },
    ]) {
      expect(validateConnectionForm(v)).toEqual({});
      expect(accepted(v)).toBe(true);
    }
  });

  it('takes a whole number of seconds from 1 to 300', () => {
    expect(timeoutProblem('')).toBe('Enter how long to wait for the app, in seconds (1 to 300; 30 is usual).');
    expect(timeoutProblem('1.5')).toBe('Enter a whole number of seconds from 1 to 300.');
    expect(timeoutProblem('-1')).toBe('Enter a whole number of seconds from 1 to 300.');
    expect(timeoutProblem('ten')).toBe('Enter a whole number of seconds from 1 to 300.');
    expect(timeoutProblem('0')).toBe('At least 1 second.');
    expect(timeoutProblem('301')).toBe('At most 300 seconds (5 minutes).');
    for (const ok of ['1', '30', ' 300 ']) expect(timeoutProblem(ok)).toBeNull();
    expect(validateConnectionForm({ ...bearer, timeoutSeconds: '0' }).timeoutSeconds).toBe('At least 1 second.');
    // The form's bounds are the contract's bounds.
    expect(accepted({ ...bearer, timeoutSeconds: '1' })).toBe(true);
    expect(accepted({ ...bearer, timeoutSeconds: '300' })).toBe(true);
    expect(accepted({ ...bearer, timeoutSeconds: '301' })).toBe(false);
  });

  it('takes PEM certificates only, and says why a file is refused', () => {
    expect(caPemProblem(CERT)).toBeNull();
    expect(caPemProblem(CERT + CERT)).toBeNull();
    expect(caPemProblem('')).toBe('This file is empty.');
    expect(caPemProblem('MIIBszCCAVmgAwIBAgIU')).toMatch(
      /^No certificate in this file: expected PEM text with -----BEGIN CERTIFICATE-----/,
    );
    expect(caPemProblem('-----BEGIN CERTIFICATE-----\nMIIB')).toMatch(/^The certificate is incomplete/);
    expect(caPemProblem(`${CERT}-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n`)).toMatch(/holds a private key/);
    expect(caPemProblem('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----')).toMatch(/holds a private key/);
    expect(caPemProblem(CERT + ' '.repeat(1_000_000))).toMatch(/^Too large/);
    expect(caFileSizeProblem(0)).toBe('This file is empty.');
    expect(caFileSizeProblem(CA_FILE_MAX_BYTES)).toBeNull();
    expect(caFileSizeProblem(CA_FILE_MAX_BYTES + 1)).toMatch(/too large/);
    expect(caFileSummary('ca.pem', 1234, CERT)).toBe('ca.pem (1.2 KB, 1 certificate)');
    expect(caFileSummary('bundle.crt', 900, CERT + CERT)).toBe('bundle.crt (900 bytes, 2 certificates)');
    expect(validateConnectionForm({ ...bearer, caPem: 'junk' }).caPem).toMatch(/^No certificate/);
    expect(validateConnectionForm({ ...bearer, caPem: CERT })).toEqual({});
  });
});

describe('the call input', () => {
  it('bearer: the token only, trimmed; the URL without its trailing slash; the timeout in ms', () => {
    const input = toCreateConnectionInput({ ...bearer, baseUrl: ' https://api.slack.com/scim/v2/ ', token: ' xoxp-app-token\n' });
    expect(input).toEqual({
      name: 'Slack via Okta',
      app: 'Slack',
      provider: 'okta',
      upstream: { baseUrl: 'https://api.slack.com/scim/v2', auth: { kind: 'bearer', token: 'xoxp-app-token' }, timeoutMs: 30_000 },
    });
  });

  it('sends only the chosen kind’s credentials, even when others were typed before', () => {
    const typedEverything = { ...oauth, token: 'bearer-secret', username: 'u', password: 'basic-secret', timeoutSeconds: '5' };
    expect(toCreateConnectionInput({ ...typedEverything, authKind: 'basic' }).upstream).toEqual({
      baseUrl: 'https://api.slack.com/scim/v2',
      auth: { kind: 'basic', username: 'u', password: 'basic-secret' },
      timeoutMs: 5_000,
    });
    const o = toCreateConnectionInput(typedEverything);
    expect(o.upstream?.auth).toEqual({
      kind: 'oauth',
      tokenUrl: 'https://auth.example.com/oauth/token',
      clientId: 'client-1',
      clientSecret: 'secret-1',
    });
    expect(JSON.stringify(o)).not.toMatch(/bearer-secret|basic-secret/);
    expect(toCreateConnectionInput({ ...oauth, scope: ' scim.write ' }).upstream?.auth).toMatchObject({ scope: 'scim.write' });
    // A password is kept as typed: spaces can be part of it.
    expect(toCreateConnectionInput(basic).upstream?.auth).toEqual({ kind: 'basic', username: 'rollcall', password: 'pa ss' });
    expect(toCreateConnectionInput({ ...basic, password: '' }).upstream?.auth).toEqual({
      kind: 'basic',
      username: 'rollcall',
      password: '',
    });
  });

  it('adds the CA certificates when a file was read', () => {
    expect(toCreateConnectionInput({ ...bearer, caPem: CERT }).upstream?.caPem).toBe(CERT);
    expect(toCreateConnectionInput(bearer).upstream).not.toHaveProperty('caPem');
  });

  it('every relay form it passes, the contract passes too', () => {
    for (const v of [bearer, basic, { ...basic, password: '' }, oauth, { ...oauth, scope: 'a b' }, { ...bearer, caPem: CERT }]) {
      expect(validateConnectionForm(v)).toEqual({});
      expect(accepted(v)).toBe(true);
    }
  });
});

describe('server errors on the upstream', () => {
  it('maps upstream issue paths onto the form’s fields', () => {
    expect(fieldForIssue('upstream.baseUrl')).toBe('baseUrl');
    expect(fieldForIssue('upstream.auth.token')).toBe('token');
    expect(fieldForIssue('upstream.auth.username')).toBe('username');
    expect(fieldForIssue('upstream.auth.password')).toBe('password');
    expect(fieldForIssue('upstream.auth.tokenUrl')).toBe('tokenUrl');
    expect(fieldForIssue('upstream.auth.clientId')).toBe('clientId');
    expect(fieldForIssue('upstream.auth.clientSecret')).toBe('clientSecret');
    expect(fieldForIssue('upstream.auth.scope')).toBe('scope');
    expect(fieldForIssue('upstream.auth.kind')).toBe('authKind');
    expect(fieldForIssue('upstream.auth')).toBe('authKind');
    expect(fieldForIssue('upstream.timeoutMs')).toBe('timeoutSeconds');
    expect(fieldForIssue('upstream.caPem')).toBe('caPem');
    expect(fieldForIssue('upstream')).toBe('mode');
    // Options the form does not offer stay in the alert's list only.
    expect(fieldForIssue('upstream.headers.X-Tenant')).toBeNull();
    expect(fieldForIssue('upstream.tlsVerify')).toBeNull();
    expect(fieldForIssue('slug')).toBe('slug');
    expect(fieldForIssue('(input)')).toBeNull();
  });

  it('marks the fields, lists every issue, and speaks of seconds for the timeout', () => {
    // The paths and messages the contract itself gives for a bad upstream.
    const parsed = contract.createConnection.input.safeParse({
      name: 'Slack',
      app: 'Slack',
      provider: 'okta',
      upstream: { baseUrl: 'nope', auth: { kind: 'bearer', token: '' }, timeoutMs: 500_000 },
    });
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const e = createConnectionError(new RollcallApiError({ code: 'invalid_input', message: 'Invalid input for createConnection', issues }));
    expect(e.fields.baseUrl).toBe('An http(s) URL without credentials in it.');
    expect(e.fields.token).toMatch(/^Too small/);
    expect(e.fields.timeoutSeconds).toBe('Enter a whole number of seconds from 1 to 300.');
    expect(e.details).toContain('App SCIM base URL: an http(s) URL without credentials in it');
    expect(e.details.some((d) => d.startsWith('Timeout (seconds): '))).toBe(true);
    expect(firstInvalidField(e.fields)).toBe('baseUrl');

    const headers = createConnectionError(
      new RollcallApiError({
        code: 'invalid_input',
        message: 'Invalid input for createConnection',
        issues: [{ path: 'upstream.headers.Host', message: 'a header the relay does not set itself' }],
      }),
    );
    expect(headers.fields).toEqual({});
    expect(headers.details).toEqual(['upstream.headers.Host: a header the relay does not set itself']);
  });
});

describe('Test connection', () => {
  it('says whether the app answered, with status and latency', () => {
    expect(
      testConnectionNote({ ok: true, message: 'The app answered its ServiceProviderConfig in 12.3 ms.', status: 200, latencyMs: 12.3 }),
    ).toEqual({
      ok: true,
      title: 'Connection works',
      message: 'The app answered its ServiceProviderConfig in 12.3 ms.',
      detail: 'HTTP 200 · 12 ms',
    });
    expect(testConnectionNote({ ok: false, message: 'The app refused the credentials (401)', status: 401, latencyMs: 3.25 })).toEqual({
      ok: false,
      title: 'Connection failed',
      message: 'The app refused the credentials (401).',
      detail: 'HTTP 401 · 3.3 ms',
    });
    expect(
      testConnectionNote({ ok: false, message: 'The app could not be reached: connection refused', status: null, latencyMs: null }).detail,
    ).toBeNull();
  });

  it('explains a test that could not run', () => {
    expect(testConnectionErrorNote(new RollcallApiError({ code: 'not_found', message: 'No connection "x"' }))).toEqual({
      ok: false,
      title: 'Could not test',
      message: 'This connection no longer exists (it may have been removed elsewhere). The list has been refreshed.',
      detail: null,
    });
    expect(testConnectionErrorNote(new Error('Failed to fetch')).message).toBe('Failed to fetch.');
  });
});
