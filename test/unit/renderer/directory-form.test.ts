import { describe, expect, it } from 'vitest';
import { RollcallApiError } from '../../../src/shared/client';
import { contract } from '../../../src/shared/contract';
import {
  EMPTY_DIRECTORY_FORM,
  KEY_FILE_MAX_BYTES,
  certificateProblem,
  createDirectoryError,
  directoryActionError,
  directoryFields,
  fieldForIssue,
  firstInvalidDirectoryField,
  hasDirectoryErrors,
  intervalProblem,
  keyFileSizeProblem,
  membersConcurrencyProblem,
  oktaUrlProblem,
  parseServiceAccountKey,
  privateKeyProblem,
  switchDirectoryKind,
  toCreateDirectoryInput,
  urlProblem,
  validateDirectoryForm,
  type DirectoryFormValues,
} from '../../../src/renderer/src/lib/directory-form';

const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
const PEM_RSA_KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIC+zCCAeOgAwIBAgIJ\n-----END CERTIFICATE-----';
const SECRET = 'Abc8Q~not-a-real-secret-value.1234567890';

const form = (over: Partial<DirectoryFormValues>): DirectoryFormValues => ({ ...EMPTY_DIRECTORY_FORM, ...over });

const okta = form({ kind: 'okta', name: 'Acme Okta', baseUrl: 'https://acme.okta.com', apiToken: '00abcDEF-token' });
const oktaOauth = form({
  kind: 'okta',
  name: 'Acme Okta',
  baseUrl: 'https://acme.okta.com/',
  oktaAuth: 'oauth',
  oktaClientId: '0oa123',
  keyId: ' kid-1 ',
  oktaPrivateKey: `\n${PEM_KEY}\n`,
});
const entra = form({
  kind: 'entra',
  name: 'Acme Entra',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  entraClientId: '11111111-2222-3333-4444-555555555555',
  clientSecret: SECRET,
});
const entraCert = form({ ...entra, entraAuth: 'certificate', clientSecret: '', certificate: PEM_CERT, entraPrivateKey: PEM_RSA_KEY });

const serviceAccountJson = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'acme-rollcall',
    private_key_id: 'abc123',
    private_key: `${PEM_KEY}\n`,
    client_email: 'rollcall@acme-rollcall.iam.gserviceaccount.com',
    client_id: '1234567890',
    ...over,
  });
const parsedKey = (() => {
  const r = parseServiceAccountKey(serviceAccountJson());
  if (!r.ok) throw new Error(r.error);
  return r.key;
})();
const google = form({ kind: 'google', name: 'Acme Workspace', serviceAccount: parsedKey, subject: 'admin@acme.com' });

/** Every input the form produces must pass the contract's own schema. */
const acceptedByContract = (values: DirectoryFormValues): boolean =>
  contract.createDirectory.input.safeParse(toCreateDirectoryInput(values)).success;

describe('directory form: fields per provider', () => {
  it('shows each provider’s fields, and only the chosen auth method’s', () => {
    expect(directoryFields(okta)).toEqual(['name', 'baseUrl', 'oktaAuth', 'apiToken', 'membersConcurrency', 'intervalMinutes']);
    expect(directoryFields(oktaOauth)).toEqual([
      'name',
      'baseUrl',
      'oktaAuth',
      'oktaClientId',
      'keyId',
      'oktaPrivateKey',
      'membersConcurrency',
      'intervalMinutes',
    ]);
    expect(directoryFields(entra)).toEqual([
      'name',
      'tenantId',
      'entraClientId',
      'entraAuth',
      'clientSecret',
      'authorityUrl',
      'graphUrl',
      'intervalMinutes',
    ]);
    expect(directoryFields(entraCert)).toContain('certificate');
    expect(directoryFields(entraCert)).not.toContain('clientSecret');
    expect(directoryFields(google)).toEqual(['name', 'serviceAccount', 'subject', 'customer', 'membersConcurrency', 'intervalMinutes']);
    // Graph lists members with their groups: nothing to list at once
    expect(directoryFields(entra)).not.toContain('membersConcurrency');
  });

  it('keeps name and interval but drops another provider’s values (and secrets) when switching', () => {
    const switched = switchDirectoryKind({ ...okta, intervalMinutes: '30' }, 'entra');
    expect(switched).toMatchObject({ kind: 'entra', name: 'Acme Okta', intervalMinutes: '30', apiToken: '', baseUrl: '' });
    expect(switchDirectoryKind(okta, 'okta')).toBe(okta);
  });
});

describe('directory form: validation', () => {
  it('accepts complete forms for every provider and auth method', () => {
    for (const values of [okta, oktaOauth, entra, entraCert, google]) {
      expect(validateDirectoryForm(values), values.kind).toEqual({});
      expect(acceptedByContract(values), values.kind).toBe(true);
    }
  });

  it('names every missing field, per provider', () => {
    expect(Object.keys(validateDirectoryForm(form({ kind: 'okta', intervalMinutes: '15' })))).toEqual(['name', 'baseUrl', 'apiToken']);
    expect(Object.keys(validateDirectoryForm(form({ kind: 'okta', oktaAuth: 'oauth' })))).toEqual([
      'name',
      'baseUrl',
      'oktaClientId',
      'oktaPrivateKey',
    ]);
    expect(Object.keys(validateDirectoryForm(form({ kind: 'entra' })))).toEqual(['name', 'tenantId', 'entraClientId', 'clientSecret']);
    expect(Object.keys(validateDirectoryForm(form({ kind: 'entra', entraAuth: 'certificate' })))).toEqual([
      'name',
      'tenantId',
      'entraClientId',
      'certificate',
      'entraPrivateKey',
    ]);
    expect(Object.keys(validateDirectoryForm(form({ kind: 'google' })))).toEqual(['name', 'serviceAccount', 'subject']);
    const errors = validateDirectoryForm(form({ kind: 'google' }));
    expect(errors.serviceAccount).toMatch(/JSON key file/);
    expect(errors.name).toBe('Enter a name for this directory, e.g. “Acme Workspace”.');
  });

  it('only checks the fields on screen (a typed but hidden secret does not block the other method)', () => {
    expect(validateDirectoryForm({ ...okta, oktaPrivateKey: 'garbage' })).toEqual({});
    expect(validateDirectoryForm({ ...entraCert, clientSecret: '' })).toEqual({});
  });

  it('orders problems as the fields appear and finds the first', () => {
    const values = form({ kind: 'entra', name: 'x', tenantId: 'not valid!', entraClientId: '' });
    const errors = validateDirectoryForm(values);
    expect(hasDirectoryErrors(errors)).toBe(true);
    expect(firstInvalidDirectoryField(values, errors)).toBe('tenantId');
    expect(hasDirectoryErrors({})).toBe(false);
    expect(firstInvalidDirectoryField(values, {})).toBeNull();
  });

  it('checks the sync interval: whole minutes from 1 to 1440, default 15', () => {
    expect(EMPTY_DIRECTORY_FORM.intervalMinutes).toBe('15');
    for (const ok of ['1', '15', ' 60 ', '1440']) expect(intervalProblem(ok), ok).toBeNull();
    expect(intervalProblem('')).toMatch(/how often/);
    expect(intervalProblem('0')).toMatch(/At least 1/);
    expect(intervalProblem('1441')).toMatch(/At most 1440/);
    for (const bad of ['1.5', '-5', '1e3', 'ten']) expect(intervalProblem(bad), bad).toMatch(/whole number/);
    expect(toCreateDirectoryInput({ ...okta, intervalMinutes: ' 60 ' }).intervalMinutes).toBe(60);
  });

  it('checks names like the contract (trimmed, 1–200 characters)', () => {
    expect(validateDirectoryForm({ ...okta, name: '   ' }).name).toMatch(/Enter a name/);
    expect(validateDirectoryForm({ ...okta, name: 'x'.repeat(201) }).name).toMatch(/Too long: 201/);
    expect(toCreateDirectoryInput({ ...okta, name: '  Acme  ' }).name).toBe('Acme');
  });
});

describe('directory form: URLs', () => {
  it('wants the Okta org URL: https, no path, not the Admin Console', () => {
    for (const ok of [
      'https://acme.okta.com',
      'https://acme.okta.com/',
      'https://acme.oktapreview.com',
      'http://127.0.0.1:8443',
      'http://localhost:9000',
    ]) {
      expect(oktaUrlProblem(ok), ok).toBeNull();
    }
    expect(oktaUrlProblem('')).toMatch(/Enter the Okta org URL/);
    expect(oktaUrlProblem('acme.okta.com')).toBe('Start with https:// (https://acme.okta.com).');
    expect(oktaUrlProblem('http://acme.okta.com')).toMatch(/Use https:\/\//);
    expect(oktaUrlProblem('ftp://acme.okta.com')).toMatch(/https:\/\//);
    expect(oktaUrlProblem('https://acme-admin.okta.com')).toBe(
      'That is the Admin Console address: use the org URL without “-admin” (https://acme.okta.com).',
    );
    expect(oktaUrlProblem('https://acme.okta.com/app/UserHome')).toBe('Only the address, without a path: https://acme.okta.com.');
    expect(oktaUrlProblem('https://acme.okta.com/?x=1')).toMatch(/Leave out the query/);
    expect(oktaUrlProblem('https://user:pw@acme.okta.com')).toMatch(/user name and password/);
    expect(oktaUrlProblem('not a url')).toMatch(/Not a URL/);
  });

  it('checks the optional national-cloud URLs only when given', () => {
    expect(validateDirectoryForm({ ...entra, authorityUrl: '', graphUrl: '' })).toEqual({});
    const errors = validateDirectoryForm({ ...entra, authorityUrl: 'login.microsoftonline.us', graphUrl: 'http://graph.microsoft.us' });
    expect(errors.authorityUrl).toMatch(/Start with https:\/\//);
    expect(errors.graphUrl).toMatch(/Use https:\/\//);
    expect(urlProblem('https://graph.microsoft.us/v1.0', { what: 'x' })).toBeNull(); // a path is fine there
    expect(urlProblem('https://graph.microsoft.us#x', { what: 'x' })).toMatch(/fragment/);
  });

  it('sends URLs trimmed and without a trailing slash; empty optional ones are left out', () => {
    const input = toCreateDirectoryInput({
      ...entra,
      authorityUrl: ' https://login.microsoftonline.us/ ',
      graphUrl: 'https://graph.microsoft.us',
    });
    expect(input.settings).toEqual({
      tenantId: entra.tenantId,
      clientId: entra.entraClientId,
      auth: 'secret',
      authorityUrl: 'https://login.microsoftonline.us',
      graphUrl: 'https://graph.microsoft.us',
    });
    expect(toCreateDirectoryInput(entra).settings).not.toHaveProperty('authorityUrl');
    expect(toCreateDirectoryInput(entra).settings).not.toHaveProperty('graphUrl');
  });
});

describe('directory form: keys and certificates', () => {
  it('accepts PEM private keys (PKCS#8 and PKCS#1) and, for Okta, a private JWK', () => {
    expect(privateKeyProblem(PEM_KEY)).toBeNull();
    expect(privateKeyProblem(PEM_RSA_KEY)).toBeNull();
    expect(privateKeyProblem(JSON.stringify({ kty: 'RSA', n: 'x', e: 'AQAB', d: 'y', kid: 'k' }), { allowJwk: true })).toBeNull();
  });

  it('says what was pasted instead of a private key, without quoting it', () => {
    expect(privateKeyProblem('')).toMatch(/Paste a PEM private key/);
    expect(privateKeyProblem(PEM_CERT)).toBe('This is a certificate: paste the private key that belongs to it.');
    expect(privateKeyProblem('-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----')).toBe(
      'This is a public key: paste the private key.',
    );
    expect(privateKeyProblem('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAA\n-----END ENCRYPTED PRIVATE KEY-----')).toMatch(/passphrase/);
    expect(privateKeyProblem('-----BEGIN EC PRIVATE KEY-----\nAAA\n-----END EC PRIVATE KEY-----')).toMatch(/Only RSA/);
    expect(privateKeyProblem('-----BEGIN PRIVATE KEY-----\nMIIEvQ')).toMatch(/incomplete/);
    const secretLooking = 'hunter2-super-secret';
    expect(privateKeyProblem(secretLooking)).not.toContain(secretLooking);
    expect(privateKeyProblem('{"kty":"RSA"}')).toMatch(/looks like JSON/);
    expect(privateKeyProblem('{"kty":"RSA","n":"x","e":"AQAB"}', { allowJwk: true })).toMatch(/public key/);
    expect(privateKeyProblem('{"keys":[]}', { allowJwk: true })).toMatch(/key set/);
    expect(privateKeyProblem('{"kty":"EC","d":"x"}', { allowJwk: true })).toMatch(/Only RSA/);
    expect(privateKeyProblem('{not json', { allowJwk: true })).toMatch(/does not parse/);
  });

  it('checks the Entra certificate', () => {
    expect(certificateProblem(PEM_CERT)).toBeNull();
    expect(certificateProblem('')).toMatch(/Paste the certificate/);
    expect(certificateProblem(PEM_KEY)).toMatch(/This is a private key/);
    expect(certificateProblem('MIIC+zCCAeOgAwIBAgIJ')).toMatch(/Not a certificate/);
  });

  it('catches the client secret’s ID pasted instead of its value', () => {
    expect(validateDirectoryForm({ ...entra, clientSecret: '0f9b7e3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b' }).clientSecret).toMatch(/secret’s ID/);
  });

  it('refuses empty and oversized key files before reading them', () => {
    expect(keyFileSizeProblem(0)).toMatch(/empty/);
    expect(keyFileSizeProblem(2048)).toBeNull();
    expect(keyFileSizeProblem(KEY_FILE_MAX_BYTES + 1)).toMatch(/too large/);
  });
});

describe('directory form: Google service-account key file', () => {
  it('reads client_email, private_key, private_key_id and client_id', () => {
    expect(parsedKey).toEqual({
      clientEmail: 'rollcall@acme-rollcall.iam.gserviceaccount.com',
      privateKey: `${PEM_KEY}\n`,
      privateKeyId: 'abc123',
      clientId: '1234567890',
      projectId: 'acme-rollcall',
    });
    const r = parseServiceAccountKey(serviceAccountJson({ private_key_id: undefined, client_id: undefined, project_id: undefined }));
    expect(r).toEqual({ ok: true, key: { clientEmail: parsedKey.clientEmail, privateKey: parsedKey.privateKey } });
  });

  it('says clearly what the file is when it is not a service-account key', () => {
    const error = (text: string): string => {
      const r = parseServiceAccountKey(text);
      if (r.ok) throw new Error('accepted');
      return r.error;
    };
    expect(error('not json')).toMatch(/not JSON/);
    expect(error('[1,2]')).toMatch(/not a JSON object/);
    expect(error(JSON.stringify({ installed: { client_id: 'x' } }))).toBe(
      'This is an OAuth client file, not a service-account key: expected "type": "service_account".',
    );
    expect(error(JSON.stringify({ type: 'authorized_user', client_id: 'x' }))).toBe(
      'This is a file of type “authorized_user”, not a service-account key: expected "type": "service_account".',
    );
    expect(error(JSON.stringify({ client_email: 'x@y.z' }))).toMatch(/without a "type"/);
    expect(error(serviceAccountJson({ private_key: undefined }))).toMatch(/has no private_key/);
    expect(error(serviceAccountJson({ client_email: '', private_key: '' }))).toMatch(/has no client_email and no private_key/);
    expect(error(serviceAccountJson({ client_email: 'not-an-email' }))).toMatch(/not an email/);
    expect(error(serviceAccountJson({ private_key: 'abc' }))).toMatch(/not a PEM private key/);
    // The private key never appears in a message.
    expect(error(serviceAccountJson({ client_email: 'nope' }))).not.toContain('MIIEvQ');
  });

  it('shows a refused file’s reason on the field', () => {
    const errors = validateDirectoryForm({ ...google, serviceAccount: null, serviceAccountError: 'This file is not JSON.' });
    expect(errors.serviceAccount).toBe('This file is not JSON.');
  });

  it('checks the admin email and the optional customer ID', () => {
    expect(validateDirectoryForm({ ...google, subject: 'admin' }).subject).toMatch(/email address/);
    expect(validateDirectoryForm({ ...google, customer: 'C03az79cb' })).toEqual({});
    expect(validateDirectoryForm({ ...google, customer: 'C03 az79cb' }).customer).toMatch(/no spaces/);
  });
});

describe('directory form: groups listed at once (Okta, Google)', () => {
  it('is optional (empty: the provider’s default of 4) and otherwise a whole number from 1 to 16', () => {
    expect(membersConcurrencyProblem('')).toBeNull();
    expect(membersConcurrencyProblem(' 8 ')).toBeNull();
    expect(membersConcurrencyProblem('1')).toBeNull();
    expect(membersConcurrencyProblem('16')).toBeNull();
    for (const bad of ['0', '17', '2.5', '-1', 'four', '1e1'])
      expect(membersConcurrencyProblem(bad)).toBe('Enter a whole number from 1 to 16, or leave it empty for 4.');
    expect(validateDirectoryForm({ ...okta, membersConcurrency: '40' }).membersConcurrency).toMatch(/1 to 16/);
    // not on screen for Entra, so not checked there
    expect(validateDirectoryForm({ ...entra, membersConcurrency: '40' })).toEqual({});
  });

  it('is sent only when given, as a number, for both Okta auth methods and Google', () => {
    expect(toCreateDirectoryInput(okta).settings).not.toHaveProperty('membersConcurrency');
    expect(toCreateDirectoryInput({ ...okta, membersConcurrency: ' 8 ' }).settings).toEqual({
      baseUrl: 'https://acme.okta.com',
      auth: 'ssws',
      membersConcurrency: 8,
    });
    expect(toCreateDirectoryInput({ ...oktaOauth, membersConcurrency: '2' }).settings).toMatchObject({ membersConcurrency: 2 });
    expect(toCreateDirectoryInput({ ...google, membersConcurrency: '6' }).settings).toMatchObject({ membersConcurrency: 6 });
    expect(toCreateDirectoryInput({ ...entra, membersConcurrency: '6' }).settings).not.toHaveProperty('membersConcurrency');
  });

  it('shows the provider’s refusal of the setting on the field', () => {
    expect(fieldForIssue('okta', 'settings.membersConcurrency')).toBe('membersConcurrency');
    expect(fieldForIssue('google', 'settings.membersConcurrency')).toBe('membersConcurrency');
  });
});

describe('directory form: call input', () => {
  it('Okta with an API token', () => {
    expect(toCreateDirectoryInput({ ...okta, apiToken: ' 00abcDEF-token ' })).toEqual({
      kind: 'okta',
      name: 'Acme Okta',
      intervalMinutes: 15,
      settings: { baseUrl: 'https://acme.okta.com', auth: 'ssws' },
      credentials: { apiToken: '00abcDEF-token' },
    });
  });

  it('Okta with an OAuth service app (key id optional)', () => {
    expect(toCreateDirectoryInput(oktaOauth)).toEqual({
      kind: 'okta',
      name: 'Acme Okta',
      intervalMinutes: 15,
      settings: { baseUrl: 'https://acme.okta.com', auth: 'oauth', clientId: '0oa123', keyId: 'kid-1' },
      credentials: { privateKey: PEM_KEY },
    });
    expect(toCreateDirectoryInput({ ...oktaOauth, keyId: ' ' }).settings).not.toHaveProperty('keyId');
  });

  it('never sends the other auth method’s secret', () => {
    expect(toCreateDirectoryInput({ ...okta, oktaPrivateKey: PEM_KEY }).credentials).toEqual({ apiToken: '00abcDEF-token' });
    expect(toCreateDirectoryInput({ ...entraCert, clientSecret: SECRET }).credentials).toEqual({ privateKey: PEM_RSA_KEY });
  });

  it('Entra ID with a client secret or a certificate', () => {
    expect(toCreateDirectoryInput(entra)).toEqual({
      kind: 'entra',
      name: 'Acme Entra',
      intervalMinutes: 15,
      settings: { tenantId: entra.tenantId, clientId: entra.entraClientId, auth: 'secret' },
      credentials: { clientSecret: SECRET },
    });
    expect(toCreateDirectoryInput(entraCert)).toMatchObject({
      settings: { auth: 'certificate', certificate: PEM_CERT },
      credentials: { privateKey: PEM_RSA_KEY },
    });
  });

  it('Google Workspace from the key file', () => {
    expect(toCreateDirectoryInput({ ...google, customer: ' C03az79cb ' })).toEqual({
      kind: 'google',
      name: 'Acme Workspace',
      intervalMinutes: 15,
      settings: {
        clientEmail: 'rollcall@acme-rollcall.iam.gserviceaccount.com',
        clientId: '1234567890',
        subject: 'admin@acme.com',
        customer: 'C03az79cb',
      },
      credentials: { privateKey: `${PEM_KEY}\n`, privateKeyId: 'abc123' },
    });
    expect(toCreateDirectoryInput(google).settings).not.toHaveProperty('customer');
    expect(() => toCreateDirectoryInput({ ...google, serviceAccount: null })).toThrow();
  });
});

describe('directory form: server answers', () => {
  it('maps issue paths (relative to settings/credentials, or prefixed) to fields per provider', () => {
    expect(fieldForIssue('okta', 'baseUrl')).toBe('baseUrl');
    expect(fieldForIssue('okta', 'settings.baseUrl')).toBe('baseUrl');
    expect(fieldForIssue('okta', 'clientId')).toBe('oktaClientId');
    expect(fieldForIssue('okta', 'privateKey')).toBe('oktaPrivateKey');
    expect(fieldForIssue('okta', 'credentials.apiToken')).toBe('apiToken');
    expect(fieldForIssue('entra', 'clientId')).toBe('entraClientId');
    expect(fieldForIssue('entra', 'privateKey')).toBe('entraPrivateKey');
    expect(fieldForIssue('entra', 'certificateThumbprint')).toBe('certificate');
    expect(fieldForIssue('google', 'privateKey')).toBe('serviceAccount');
    expect(fieldForIssue('google', 'clientEmail')).toBe('serviceAccount');
    expect(fieldForIssue('google', 'subject')).toBe('subject');
    expect(fieldForIssue('okta', 'name')).toBe('name');
    expect(fieldForIssue('okta', 'intervalMinutes')).toBe('intervalMinutes');
    expect(fieldForIssue('okta', 'scopes')).toBeNull();
    expect(fieldForIssue('okta', '(input)')).toBeNull();
  });

  it('shows invalid_input issues next to their fields, and lists them all', () => {
    const err = new RollcallApiError({
      code: 'invalid_input',
      message: 'Invalid Okta settings',
      issues: [
        { path: 'baseUrl', message: 'must use https:// (http:// is accepted only for a loopback test server), got http://' },
        { path: 'scopes', message: 'at least one scope is required' },
        { path: '(input)', message: 'something general' },
      ],
    });
    const shown = createDirectoryError(err, 'okta');
    expect(shown.title).toBe('Could not add the directory');
    expect(shown.message).toBe('Invalid Okta settings.');
    expect(shown.fields).toEqual({ baseUrl: 'Must use https:// (http:// is accepted only for a loopback test server), got http://.' });
    expect(shown.details).toEqual([
      'Okta org URL: must use https:// (http:// is accepted only for a loopback test server), got http://',
      'scopes: at least one scope is required',
      'Something general.',
    ]);
  });

  it('shows other failures as one message', () => {
    expect(createDirectoryError(new RollcallApiError({ code: 'internal', message: 'disk full' }), 'entra')).toEqual({
      title: 'Could not add the directory',
      message: 'Disk full.',
      details: [],
      fields: {},
    });
    expect(createDirectoryError(new Error('Failed to fetch'), 'google').message).toBe('Failed to fetch.');
    expect(
      createDirectoryError(new RollcallApiError({ code: 'invalid_input', message: 'Invalid Okta settings: bad key' }), 'okta').message,
    ).toBe('Invalid Okta settings: bad key.');
  });

  it('explains row action failures', () => {
    expect(directoryActionError(new RollcallApiError({ code: 'not_found', message: 'No directory "d1"' }))).toMatch(/no longer exists/);
    expect(directoryActionError(new RollcallApiError({ code: 'conflict', message: 'a sync of d1 is already running' }))).toBe(
      'A sync of d1 is already running.',
    );
    expect(directoryActionError(new Error('offline'))).toBe('Offline.');
  });
});
