/**
 * The "Add directory" form of the Sources page: one form per provider (Okta, Microsoft Entra ID,
 * Google Workspace), validated with messages a person can act on, turned into the
 * `createDirectory` call input, and server errors mapped back onto the fields. Pure.
 *
 * Credentials (API token, client secret, private keys) only pass through here on their way into
 * the call input: nothing in this module keeps them, and no message ever repeats a secret value.
 */
import { RollcallApiError } from '../../../shared/client';
import { DEFAULT_MEMBERS_CONCURRENCY, MAX_MEMBERS_CONCURRENCY, type CallInput, type DirectoryKind } from '../../../shared/contract';
import { errorMessage } from './errors';

export type { DirectoryKind };

/** The providers in the order they are offered. */
export const DIRECTORY_KINDS: readonly DirectoryKind[] = ['okta', 'entra', 'google'];

export function isDirectoryKind(value: string): value is DirectoryKind {
  return (DIRECTORY_KINDS as readonly string[]).includes(value);
}

/** What the form keeps of a Google service-account key file once it has been read. */
export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
  /** The service account's OAuth client ID: what an admin authorises for domain-wide delegation. */
  clientId?: string;
  projectId?: string;
}

export type OktaAuth = 'ssws' | 'oauth';
export type EntraAuth = 'secret' | 'certificate';

export interface DirectoryFormValues {
  kind: DirectoryKind;
  name: string;
  /** Text as typed (a number field still gives text). */
  intervalMinutes: string;
  // Okta
  baseUrl: string;
  oktaAuth: OktaAuth;
  apiToken: string;
  oktaClientId: string;
  keyId: string;
  oktaPrivateKey: string;
  // Microsoft Entra ID
  tenantId: string;
  entraClientId: string;
  entraAuth: EntraAuth;
  clientSecret: string;
  certificate: string;
  entraPrivateKey: string;
  authorityUrl: string;
  graphUrl: string;
  // Google Workspace
  serviceAccount: ServiceAccountKey | null;
  /** Why the chosen key file was refused (it is then not kept). */
  serviceAccountError: string | null;
  subject: string;
  customer: string;
  // Okta and Google: groups whose members a full round lists at once ('' = the default)
  membersConcurrency: string;
}

/** Every field that can carry a message. */
export type DirectoryField = Exclude<keyof DirectoryFormValues, 'kind' | 'serviceAccountError'>;
export type DirectoryFieldErrors = Partial<Record<DirectoryField, string>>;

export const DEFAULT_INTERVAL_MINUTES = 15;
export const MIN_INTERVAL_MINUTES = 1;
export const MAX_INTERVAL_MINUTES = 1440;
export const TEXT_MAX = 200;
/** A key or certificate file larger than this is not a key (and is not read). */
export const KEY_FILE_MAX_BYTES = 64 * 1024;

export const EMPTY_DIRECTORY_FORM: DirectoryFormValues = {
  kind: 'okta',
  name: '',
  intervalMinutes: String(DEFAULT_INTERVAL_MINUTES),
  baseUrl: '',
  oktaAuth: 'ssws',
  apiToken: '',
  oktaClientId: '',
  keyId: '',
  oktaPrivateKey: '',
  tenantId: '',
  entraClientId: '',
  entraAuth: 'secret',
  clientSecret: '',
  certificate: '',
  entraPrivateKey: '',
  authorityUrl: '',
  graphUrl: '',
  serviceAccount: null,
  serviceAccountError: null,
  subject: '',
  customer: '',
  membersConcurrency: '',
};

/** The secret fields: never echoed, cleared when the form is reset. */
export const SECRET_FIELDS: readonly DirectoryField[] = ['apiToken', 'oktaPrivateKey', 'clientSecret', 'entraPrivateKey', 'serviceAccount'];

export const DIRECTORY_FIELD_LABELS: Readonly<Record<DirectoryField, string>> = {
  name: 'Name',
  intervalMinutes: 'Sync every (minutes)',
  baseUrl: 'Okta org URL',
  oktaAuth: 'Authentication',
  apiToken: 'API token',
  oktaClientId: 'Client ID',
  keyId: 'Key ID',
  oktaPrivateKey: 'Private key',
  tenantId: 'Tenant ID',
  entraClientId: 'Application (client) ID',
  entraAuth: 'Authentication',
  clientSecret: 'Client secret value',
  certificate: 'Certificate (PEM)',
  entraPrivateKey: 'Private key',
  authorityUrl: 'Authority URL',
  graphUrl: 'Graph URL',
  serviceAccount: 'Service account key file',
  subject: 'Admin email',
  customer: 'Customer ID',
  membersConcurrency: 'Groups listed at once',
};

/** The fields the form shows for these values, in the order they appear (the first invalid one gets focus). */
export function directoryFields(values: Pick<DirectoryFormValues, 'kind' | 'oktaAuth' | 'entraAuth'>): DirectoryField[] {
  switch (values.kind) {
    case 'okta':
      return [
        'name',
        'baseUrl',
        'oktaAuth',
        ...(values.oktaAuth === 'oauth' ? (['oktaClientId', 'keyId', 'oktaPrivateKey'] as const) : (['apiToken'] as const)),
        'membersConcurrency',
        'intervalMinutes',
      ];
    case 'entra':
      return [
        'name',
        'tenantId',
        'entraClientId',
        'entraAuth',
        ...(values.entraAuth === 'certificate' ? (['certificate', 'entraPrivateKey'] as const) : (['clientSecret'] as const)),
        'authorityUrl',
        'graphUrl',
        'intervalMinutes',
      ];
    case 'google':
      return ['name', 'serviceAccount', 'subject', 'customer', 'membersConcurrency', 'intervalMinutes'];
  }
}

// ---------------------------------------------------------------------------------------------
// Single-value checks

function textProblem(raw: string, empty: string, max = TEXT_MAX): string | null {
  const text = raw.trim();
  if (text === '') return empty;
  if (text.length > max) return `Too long: ${text.length} characters, at most ${max}.`;
  return null;
}

/** Why `raw` is not a whole number of minutes from 1 to 1440, or null. */
/** Empty (the default) or a whole number within the providers' bounds. */
export function membersConcurrencyProblem(raw: string): string | null {
  const text = raw.trim();
  if (text === '') return null;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_MEMBERS_CONCURRENCY))
    return `Enter a whole number from 1 to ${MAX_MEMBERS_CONCURRENCY}, or leave it empty for ${DEFAULT_MEMBERS_CONCURRENCY}.`;
  return null;
}

export function intervalProblem(raw: string): string | null {
  const text = raw.trim();
  if (text === '')
    return `Enter how often to sync, in minutes (${MIN_INTERVAL_MINUTES}–${MAX_INTERVAL_MINUTES}; ${DEFAULT_INTERVAL_MINUTES} is usual).`;
  if (!/^\d+$/.test(text)) return `Enter a whole number of minutes from ${MIN_INTERVAL_MINUTES} to ${MAX_INTERVAL_MINUTES}.`;
  const n = Number(text);
  if (n < MIN_INTERVAL_MINUTES) return `At least ${MIN_INTERVAL_MINUTES} minute.`;
  if (n > MAX_INTERVAL_MINUTES) return `At most ${MAX_INTERVAL_MINUTES} minutes (once a day).`;
  return null;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface UrlRules {
  /** What the URL is, with an example: "the Okta org URL, e.g. https://acme.okta.com". */
  what: string;
  /** Only scheme, host and port: no path. */
  originOnly?: boolean;
}

/**
 * Why `raw` is not an acceptable provider URL, or null. https:// is required; http:// only for a
 * loopback test server (the providers refuse anything else, and credentials must not travel in clear).
 */
export function urlProblem(raw: string, rules: UrlRules): string | null {
  const text = raw.trim();
  if (text === '') return `Enter ${rules.what}.`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && /^[^\s/]+\.[^\s/]+/.test(text)) return `Start with https:// (https://${text}).`;
    return `Not a URL: expected ${rules.what}.`;
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    return 'Use https:// (http:// is accepted only for a test server on this computer).';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `Use an https:// address: expected ${rules.what}.`;
  if (url.username || url.password) return 'Leave the user name and password out of the URL.';
  if (url.search || url.hash) return `Leave out the query (?…) and fragment (#…): ${url.origin}${url.pathname.replace(/\/+$/, '')}.`;
  if (rules.originOnly && url.pathname !== '/' && url.pathname !== '') return `Only the address, without a path: ${url.origin}.`;
  return null;
}

/** The Okta org URL (not the Admin Console address, no path). */
export function oktaUrlProblem(raw: string): string | null {
  const problem = urlProblem(raw, { what: 'the Okta org URL, e.g. https://acme.okta.com', originOnly: true });
  if (problem) return problem;
  const url = new URL(raw.trim());
  if (/-admin\./i.test(url.hostname)) {
    return `That is the Admin Console address: use the org URL without “-admin” (${url.protocol}//${url.host.replace(/-admin\./i, '.')}).`;
  }
  return null;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/;

function pemLabel(text: string): string | null {
  return PEM_BLOCK.exec(text)?.[1] ?? null;
}

/**
 * Why `raw` is not an RSA private key the core can sign with (PEM, PKCS#8 or PKCS#1; with
 * `allowJwk`, also a private JWK as JSON), or null. Never quotes the key.
 */
export function privateKeyProblem(raw: string, options: { allowJwk?: boolean } = {}): string | null {
  const text = raw.trim();
  const formats = options.allowJwk
    ? 'a PEM private key (-----BEGIN PRIVATE KEY-----) or a private JWK'
    : 'a PEM private key (-----BEGIN PRIVATE KEY-----)';
  if (text === '') return `Paste ${formats}, or load it from a file.`;
  if (text.startsWith('{')) {
    if (!options.allowJwk) return 'This looks like JSON: paste the PEM private key (-----BEGIN PRIVATE KEY-----).';
    let jwk: unknown;
    try {
      jwk = JSON.parse(text);
    } catch {
      return 'This JSON does not parse: paste the whole private JWK, from { to }.';
    }
    if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return 'Not a JWK: expected a JSON object with "kty": "RSA".';
    const o = jwk as Record<string, unknown>;
    if (Array.isArray(o.keys)) return 'This is a key set (JWKS): paste the one private key inside "keys".';
    if (o.kty !== 'RSA') return 'Only RSA keys are supported: expected "kty": "RSA".';
    if (typeof o.d !== 'string') return 'This JWK is a public key: paste the private key (it has a "d" member).';
    return null;
  }
  const label = pemLabel(text);
  if (label === null) {
    if (text.includes('-----BEGIN')) return 'The key is incomplete: include everything from -----BEGIN to -----END … -----.';
    return `Not a key: expected ${formats}.`;
  }
  if (label === 'ENCRYPTED PRIVATE KEY')
    return 'This key is protected by a passphrase: export it without one (Rollcall encrypts it at rest).';
  if (label === 'CERTIFICATE') return 'This is a certificate: paste the private key that belongs to it.';
  if (label.includes('PUBLIC KEY')) return 'This is a public key: paste the private key.';
  if (label === 'EC PRIVATE KEY') return 'Only RSA keys are supported; this is an EC key.';
  if (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY') return `Expected a private key, got “${label}”.`;
  return null;
}

/** Why `raw` is not a PEM X.509 certificate, or null. */
export function certificateProblem(raw: string): string | null {
  const text = raw.trim();
  if (text === '') return 'Paste the certificate uploaded to the app registration (-----BEGIN CERTIFICATE-----), or load it from a file.';
  const label = pemLabel(text);
  if (label === null) {
    if (text.includes('-----BEGIN'))
      return 'The certificate is incomplete: include everything from -----BEGIN to -----END CERTIFICATE-----.';
    return 'Not a certificate: expected PEM text starting with -----BEGIN CERTIFICATE-----.';
  }
  if (label.includes('PRIVATE KEY')) return 'This is a private key: it goes in the Private key field. Here, paste the certificate.';
  if (label !== 'CERTIFICATE') return `Expected a certificate, got “${label}”.`;
  return null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tenantIdProblem(raw: string): string | null {
  const text = raw.trim();
  if (text === '')
    return 'Enter the Directory (tenant) ID from the app registration’s overview, or a domain such as contoso.onmicrosoft.com.';
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(text)) return 'Use the tenant ID (a GUID) or a domain such as contoso.onmicrosoft.com.';
  return null;
}

/**
 * Reads a Google service-account key file (the JSON downloaded from the Cloud console). Refuses,
 * with a reason, anything else: an OAuth client file, an authorized_user file, a truncated download.
 */
export function parseServiceAccountKey(text: string): { ok: true; key: ServiceAccountKey } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {
      ok: false,
      error: 'This file is not JSON: choose the key file downloaded from the Google Cloud console (Keys → Add key → JSON).',
    };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, error: 'This file is not a service-account key (not a JSON object).' };
  const o = raw as Record<string, unknown>;
  if (o.type !== 'service_account') {
    const what =
      'installed' in o || 'web' in o
        ? 'an OAuth client file'
        : o.type === undefined
          ? 'a JSON file without a "type"'
          : `a file of type “${typeof o.type === 'string' ? o.type : 'unknown'}”`;
    return { ok: false, error: `This is ${what}, not a service-account key: expected "type": "service_account".` };
  }
  const str = (k: string): string | undefined =>
    typeof o[k] === 'string' && (o[k] as string).trim() !== '' ? (o[k] as string) : undefined;
  const clientEmail = str('client_email');
  const privateKey = str('private_key');
  const missing = [clientEmail ? null : 'client_email', privateKey ? null : 'private_key'].filter((m): m is string => m !== null);
  if (missing.length > 0) return { ok: false, error: `The key file has no ${missing.join(' and no ')}: download a new JSON key.` };
  if (!EMAIL.test(clientEmail!)) return { ok: false, error: 'The key file’s client_email is not an email address.' };
  if (pemLabel(privateKey!) === null || !pemLabel(privateKey!)!.includes('PRIVATE KEY')) {
    return { ok: false, error: 'The key file’s private_key is not a PEM private key: download a new JSON key.' };
  }
  const key: ServiceAccountKey = { clientEmail: clientEmail!, privateKey: privateKey! };
  const privateKeyId = str('private_key_id');
  const clientId = str('client_id');
  const projectId = str('project_id');
  if (privateKeyId) key.privateKeyId = privateKeyId;
  if (clientId) key.clientId = clientId;
  if (projectId) key.projectId = projectId;
  return { ok: true, key };
}

/** Why a file of `size` bytes is not worth reading as a key, certificate or key file, or null. */
export function keyFileSizeProblem(size: number): string | null {
  if (size === 0) return 'This file is empty.';
  if (size > KEY_FILE_MAX_BYTES) return `This file is too large to be a key (${Math.ceil(size / 1024)} KB; keys are a few KB).`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// The whole form

/** The example name each provider's form suggests. */
export const NAME_EXAMPLES: Readonly<Record<DirectoryKind, string>> = {
  okta: 'Acme Okta',
  entra: 'Acme Entra ID',
  google: 'Acme Workspace',
};

function fieldProblem(field: DirectoryField, v: DirectoryFormValues): string | null {
  switch (field) {
    case 'name':
      return textProblem(v.name, `Enter a name for this directory, e.g. “${NAME_EXAMPLES[v.kind]}”.`);
    case 'intervalMinutes':
      return intervalProblem(v.intervalMinutes);
    case 'baseUrl':
      return oktaUrlProblem(v.baseUrl);
    case 'oktaAuth':
      return v.oktaAuth === 'ssws' || v.oktaAuth === 'oauth' ? null : 'Choose how Rollcall signs in to Okta.';
    case 'apiToken':
      return v.apiToken.trim() === '' ? 'Paste an API token (Security → API → Tokens in the Okta Admin Console).' : null;
    case 'oktaClientId':
      return textProblem(v.oktaClientId, 'Enter the client ID of the API service app.');
    case 'keyId':
      return v.keyId.trim().length > TEXT_MAX ? `Too long: at most ${TEXT_MAX} characters.` : null;
    case 'oktaPrivateKey':
      return privateKeyProblem(v.oktaPrivateKey, { allowJwk: true });
    case 'tenantId':
      return tenantIdProblem(v.tenantId);
    case 'entraClientId':
      return textProblem(v.entraClientId, 'Enter the Application (client) ID from the app registration’s overview.');
    case 'entraAuth':
      return v.entraAuth === 'secret' || v.entraAuth === 'certificate' ? null : 'Choose how Rollcall signs in to Microsoft Entra ID.';
    case 'clientSecret':
      if (v.clientSecret.trim() === '') return 'Paste the client secret’s Value (Certificates & secrets → Client secrets).';
      if (GUID.test(v.clientSecret.trim()))
        return 'This looks like the secret’s ID: paste its Value instead (shown once, when the secret is created).';
      return null;
    case 'certificate':
      return certificateProblem(v.certificate);
    case 'entraPrivateKey':
      return privateKeyProblem(v.entraPrivateKey);
    case 'authorityUrl':
      return v.authorityUrl.trim() === ''
        ? null
        : urlProblem(v.authorityUrl, { what: 'the sign-in host, e.g. https://login.microsoftonline.us' });
    case 'graphUrl':
      return v.graphUrl.trim() === '' ? null : urlProblem(v.graphUrl, { what: 'the Graph host, e.g. https://graph.microsoft.us' });
    case 'serviceAccount':
      if (v.serviceAccountError) return v.serviceAccountError;
      return v.serviceAccount ? null : 'Choose the service account’s JSON key file.';
    case 'subject':
      if (v.subject.trim() === '') return 'Enter the email of a Workspace admin the service account acts as.';
      return EMAIL.test(v.subject.trim()) ? null : 'Enter an email address, e.g. admin@acme.com.';
    case 'customer':
      return /\s/.test(v.customer.trim()) ? 'A customer ID has no spaces, e.g. C03az79cb.' : null;
    case 'membersConcurrency':
      return membersConcurrencyProblem(v.membersConcurrency);
  }
}

/** Every problem of the fields shown for these values, one message per field; empty means it can be sent. */
export function validateDirectoryForm(values: DirectoryFormValues): DirectoryFieldErrors {
  const errors: DirectoryFieldErrors = {};
  for (const field of directoryFields(values)) {
    const problem = fieldProblem(field, values);
    if (problem) errors[field] = problem;
  }
  return errors;
}

export function hasDirectoryErrors(errors: DirectoryFieldErrors): boolean {
  return Object.values(errors).some((e) => e !== undefined);
}

/** The first field (in the order shown) with a message, or null. */
export function firstInvalidDirectoryField(values: DirectoryFormValues, errors: DirectoryFieldErrors): DirectoryField | null {
  return directoryFields(values).find((f) => errors[f] !== undefined) ?? null;
}

const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim());
const optionalNumber = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text.trim()));
const withoutTrailingSlash = (url: string): string => url.trim().replace(/\/+$/, '');
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The call input for valid `values`: only the chosen provider's and auth method's fields. */
export function toCreateDirectoryInput(values: DirectoryFormValues): CallInput<'createDirectory'> {
  const common = { kind: values.kind, name: values.name.trim(), intervalMinutes: Number(values.intervalMinutes.trim()) };
  switch (values.kind) {
    case 'okta':
      if (values.oktaAuth === 'oauth') {
        return {
          ...common,
          settings: defined({
            baseUrl: withoutTrailingSlash(values.baseUrl),
            auth: 'oauth',
            clientId: values.oktaClientId.trim(),
            keyId: optional(values.keyId),
            membersConcurrency: optionalNumber(values.membersConcurrency),
          }),
          credentials: { privateKey: values.oktaPrivateKey.trim() },
        };
      }
      return {
        ...common,
        settings: defined({
          baseUrl: withoutTrailingSlash(values.baseUrl),
          auth: 'ssws',
          membersConcurrency: optionalNumber(values.membersConcurrency),
        }),
        credentials: { apiToken: values.apiToken.trim() },
      };
    case 'entra': {
      const settings = {
        tenantId: values.tenantId.trim(),
        clientId: values.entraClientId.trim(),
        authorityUrl: values.authorityUrl.trim() === '' ? undefined : withoutTrailingSlash(values.authorityUrl),
        graphUrl: values.graphUrl.trim() === '' ? undefined : withoutTrailingSlash(values.graphUrl),
      };
      if (values.entraAuth === 'certificate') {
        return {
          ...common,
          settings: defined({ ...settings, auth: 'certificate', certificate: values.certificate.trim() }),
          credentials: { privateKey: values.entraPrivateKey.trim() },
        };
      }
      return { ...common, settings: defined({ ...settings, auth: 'secret' }), credentials: { clientSecret: values.clientSecret.trim() } };
    }
    case 'google': {
      const key = values.serviceAccount;
      if (!key) throw new Error('No service-account key file was read');
      return {
        ...common,
        settings: defined({
          clientEmail: key.clientEmail,
          clientId: key.clientId,
          subject: values.subject.trim(),
          customer: optional(values.customer),
          membersConcurrency: optionalNumber(values.membersConcurrency),
        }),
        credentials: defined({ privateKey: key.privateKey, privateKeyId: key.privateKeyId }),
      };
    }
  }
}

/** The form after switching provider: the shared fields stay, secrets typed for another provider go. */
export function switchDirectoryKind(values: DirectoryFormValues, kind: DirectoryKind): DirectoryFormValues {
  if (kind === values.kind) return values;
  const next: DirectoryFormValues = { ...EMPTY_DIRECTORY_FORM, kind, name: values.name, intervalMinutes: values.intervalMinutes };
  return next;
}

// ---------------------------------------------------------------------------------------------
// Server answers

/** Server issue paths (relative to settings/credentials, or top-level) to form fields, per provider. */
const ISSUE_FIELDS: Readonly<Record<DirectoryKind, Readonly<Record<string, DirectoryField>>>> = {
  okta: {
    baseUrl: 'baseUrl',
    auth: 'oktaAuth',
    apiToken: 'apiToken',
    clientId: 'oktaClientId',
    keyId: 'keyId',
    privateKey: 'oktaPrivateKey',
    membersConcurrency: 'membersConcurrency',
  },
  entra: {
    tenantId: 'tenantId',
    clientId: 'entraClientId',
    auth: 'entraAuth',
    clientSecret: 'clientSecret',
    certificate: 'certificate',
    certificateThumbprint: 'certificate',
    privateKey: 'entraPrivateKey',
    authorityUrl: 'authorityUrl',
    graphUrl: 'graphUrl',
  },
  google: {
    subject: 'subject',
    customer: 'customer',
    clientEmail: 'serviceAccount',
    clientId: 'serviceAccount',
    privateKey: 'serviceAccount',
    privateKeyId: 'serviceAccount',
    membersConcurrency: 'membersConcurrency',
  },
};

/** The form field a server issue path points at, or null (e.g. an option the form does not offer). */
export function fieldForIssue(kind: DirectoryKind, path: string): DirectoryField | null {
  const segments = path.split('.');
  const scoped = segments[0] === 'settings' || segments[0] === 'credentials';
  const head = (scoped ? segments[1] : segments[0]) ?? '';
  if (!scoped && (head === 'name' || head === 'intervalMinutes')) return head;
  return ISSUE_FIELDS[kind][head] ?? null;
}

export interface DirectorySubmitError {
  title: string;
  message: string;
  /** One line per problem the core reported (invalid input). */
  details: string[];
  /** Messages to show next to fields. */
  fields: DirectoryFieldErrors;
}

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** What the form shows when `createDirectory` fails. */
export function createDirectoryError(error: unknown, kind: DirectoryKind): DirectorySubmitError {
  const title = 'Could not add the directory';
  if (!(error instanceof RollcallApiError)) return { title, message: sentence(errorMessage(error)), details: [], fields: {} };
  if (error.code === 'invalid_input') {
    const fields: DirectoryFieldErrors = {};
    const details: string[] = [];
    for (const issue of error.issues ?? []) {
      const field = fieldForIssue(kind, issue.path);
      const label = field ? DIRECTORY_FIELD_LABELS[field] : issue.path === '(input)' ? null : issue.path;
      details.push(label ? `${label}: ${issue.message}` : sentence(issue.message));
      if (field && fields[field] === undefined) fields[field] = sentence(issue.message);
    }
    return { title, message: sentence(error.message) || 'Rollcall did not accept these values.', details, fields };
  }
  return { title, message: sentence(error.message) || 'Something went wrong.', details: [], fields: {} };
}

/** What a row action (test, sync, remove) shows when its call fails. */
export function directoryActionError(error: unknown): string {
  if (error instanceof RollcallApiError && error.code === 'not_found') {
    return 'This directory no longer exists (it may have been removed elsewhere). The list has been refreshed.';
  }
  if (error instanceof RollcallApiError && error.code === 'conflict')
    return sentence(error.message || 'A sync of this directory is already running.');
  return sentence(errorMessage(error));
}
