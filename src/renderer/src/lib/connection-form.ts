/**
 * The "Add connection" form of the Sources page: validation with messages a person can act on,
 * the slug hint, the call input, and server errors turned into field and form messages. Pure.
 *
 * A connection either stores what the IdP sends, or relays it to the app's own SCIM API (the
 * "upstream") with the app's credentials. Those credentials only pass through here on their way
 * into the call input: nothing in this module keeps them, and no message ever repeats one.
 *
 * The contract stays the judge: a slug passes here exactly when it passes the contract's schema,
 * and every upstream value is also checked against the contract's own schema, so the form never
 * sends what the core would refuse.
 */
import { RollcallApiError } from '../../../shared/client';
import {
  contract,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  MAX_UPSTREAM_TIMEOUT_MS,
  MIN_UPSTREAM_TIMEOUT_MS,
  upstreamAuthSchema,
  upstreamInputSchema,
  type CallInput,
  type CallOutput,
} from '../../../shared/contract';
import { urlProblem } from './directory-form';
import { errorMessage } from './errors';
import { isProvider } from './idp';
import { slugify } from '../../../shared/slug';

export type ConnectionMode = 'store' | 'relay';
export type UpstreamAuthKind = 'bearer' | 'basic' | 'oauth';

export interface ConnectionFormValues {
  name: string;
  app: string;
  provider: string;
  slug: string;
  /** What Rollcall does with the IdP's requests. */
  mode: ConnectionMode;
  // Relay mode: the app's own SCIM API
  baseUrl: string;
  authKind: UpstreamAuthKind;
  /** Bearer */
  token: string;
  /** HTTP Basic */
  username: string;
  password: string;
  /** OAuth 2.0 client credentials */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Text as typed (a number field still gives text). */
  timeoutSeconds: string;
  /** PEM certificates read from a file ('' = trust the system's CAs only). */
  caPem: string;
}
export type ConnectionField = keyof ConnectionFormValues;
export type FieldErrors = Partial<Record<ConnectionField, string>>;

/** Every field in the order it appears (the first invalid one gets focus). */
export const CONNECTION_FIELDS: readonly ConnectionField[] = [
  'name',
  'app',
  'provider',
  'slug',
  'mode',
  'baseUrl',
  'authKind',
  'token',
  'username',
  'password',
  'tokenUrl',
  'clientId',
  'clientSecret',
  'scope',
  'timeoutSeconds',
  'caPem',
];

/** The credential fields of each authentication kind (only the chosen kind's are sent). */
export const AUTH_FIELDS: Readonly<Record<UpstreamAuthKind, readonly ConnectionField[]>> = {
  bearer: ['token'],
  basic: ['username', 'password'],
  oauth: ['tokenUrl', 'clientId', 'clientSecret', 'scope'],
};

/** The secret fields: masked, never echoed, cleared when the form is reset. */
export const SECRET_FIELDS: readonly ConnectionField[] = ['token', 'password', 'clientSecret'];

/** The fields the form shows for these values, in the order they appear. */
export function connectionFields(values: Pick<ConnectionFormValues, 'mode' | 'authKind'>): ConnectionField[] {
  const common: ConnectionField[] = ['name', 'app', 'provider', 'slug', 'mode'];
  if (values.mode !== 'relay') return common;
  return [...common, 'baseUrl', 'authKind', ...(AUTH_FIELDS[values.authKind] ?? []), 'timeoutSeconds', 'caPem'];
}

export const FIELD_LABELS: Readonly<Record<ConnectionField, string>> = {
  name: 'Name',
  app: 'App',
  provider: 'Identity provider',
  slug: 'Slug',
  mode: 'What Rollcall does with the IdP’s requests',
  baseUrl: 'App SCIM base URL',
  authKind: 'Authentication',
  token: 'API token',
  username: 'User name',
  password: 'Password',
  tokenUrl: 'Token URL',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  scope: 'Scope',
  timeoutSeconds: 'Timeout (seconds)',
  caPem: 'Trusted CA certificate (PEM)',
};

export const AUTH_KIND_LABELS: Readonly<Record<UpstreamAuthKind, string>> = {
  bearer: 'Bearer token',
  basic: 'HTTP Basic',
  oauth: 'OAuth 2.0 client credentials',
};
export const AUTH_KINDS: readonly UpstreamAuthKind[] = ['bearer', 'basic', 'oauth'];

export const DEFAULT_TIMEOUT_SECONDS = DEFAULT_UPSTREAM_TIMEOUT_MS / 1000;
export const MIN_TIMEOUT_SECONDS = MIN_UPSTREAM_TIMEOUT_MS / 1000;
export const MAX_TIMEOUT_SECONDS = MAX_UPSTREAM_TIMEOUT_MS / 1000;

export const EMPTY_CONNECTION_FORM: ConnectionFormValues = {
  name: '',
  app: '',
  provider: 'okta',
  slug: '',
  mode: 'store',
  baseUrl: '',
  authKind: 'bearer',
  token: '',
  username: '',
  password: '',
  tokenUrl: '',
  clientId: '',
  clientSecret: '',
  scope: '',
  timeoutSeconds: String(DEFAULT_TIMEOUT_SECONDS),
  caPem: '',
};

export const TEXT_MAX = 200;
export const SLUG_MAX = 64;
/** The contract's own wording for a valid slug. */
export const SLUG_HINT = 'lowercase letters, digits and dashes, 1–64 characters';

const slugSchema = contract.createConnection.input.shape.slug.unwrap();

function describeChar(c: string): string {
  if (/[A-Z]/.test(c)) return 'capital letters';
  if (c === ' ') return 'spaces';
  if (/\s/.test(c)) return 'tabs or line breaks';
  return `“${c}”`;
}

/** Why `raw` is not a valid slug, or null when it is valid or empty (the slug is optional). */
export function slugProblem(raw: string): string | null {
  const slug = raw.trim();
  if (slug === '' || slugSchema.safeParse(slug).success) return null;
  if (slug.length > SLUG_MAX) return `Too long: ${slug.length} characters, at most ${SLUG_MAX}.`;
  const bad = [...new Set(slug.replace(/[a-z0-9-]/g, ''))];
  if (bad.length > 0) {
    if (bad.every((c) => /[A-Z]/.test(c)) && slugSchema.safeParse(slug.toLowerCase()).success) {
      return `Use lowercase letters only: “${slug.toLowerCase()}”.`;
    }
    const shown = [...new Set(bad.map(describeChar))];
    return `Not allowed: ${shown.join(', ')}. Use lowercase letters, digits and dashes.`;
  }
  if (slug.startsWith('-') || slug.endsWith('-')) return 'Start and end with a letter or a digit, not a dash.';
  return `Use ${SLUG_HINT}.`;
}

function textProblem(raw: string, empty: string): string | null {
  const text = raw.trim();
  if (text === '') return empty;
  if (text.length > TEXT_MAX) return `Too long: ${text.length} characters, at most ${TEXT_MAX}.`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Relay mode: the upstream's fields

const authShapes = {
  bearer: upstreamAuthSchema.options[0].shape,
  basic: upstreamAuthSchema.options[1].shape,
  oauth: upstreamAuthSchema.options[2].shape,
};
const baseUrlSchema = upstreamInputSchema.shape.baseUrl;
const caPemSchema = upstreamInputSchema.shape.caPem.unwrap();

/** The largest CA file the form reads: the contract's own limit on caPem (a whole CA bundle fits). */
export const CA_FILE_MAX_BYTES = 1_000_000;

/**
 * Why `raw` is not an acceptable address of the app's API, or null. https:// is required;
 * http:// only for a server on this computer (the app's credentials would travel in clear).
 */
export function upstreamUrlProblem(raw: string, what: string): string | null {
  const problem = urlProblem(raw, { what });
  if (problem) return problem;
  // Whatever the checks above let through, the contract must accept too.
  if (!baseUrlSchema.safeParse(raw.trim()).success) return `Not an address Rollcall can use: expected ${what}.`;
  return null;
}

/** Why `raw` is not the app's SCIM base URL (what /Users and /Groups hang off), or null. */
export function baseUrlProblem(raw: string): string | null {
  const problem = upstreamUrlProblem(raw, 'the app’s SCIM base URL, e.g. https://api.slack.com/scim/v2');
  if (problem) return problem;
  const url = new URL(raw.trim());
  const resource = /\/(Users|Groups|ServiceProviderConfig|Schemas|ResourceTypes)\/?$/i.exec(url.pathname);
  if (resource) {
    return `Leave out “/${resource[1]}”: the base URL ends before it (${url.origin}${url.pathname.slice(0, resource.index)}).`;
  }
  return null;
}

/** Why `raw` is not a whole number of seconds from 1 to 300, or null. */
export function timeoutProblem(raw: string): string | null {
  const text = raw.trim();
  const range = `${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}`;
  if (text === '') return `Enter how long to wait for the app, in seconds (${range}; ${DEFAULT_TIMEOUT_SECONDS} is usual).`;
  if (!/^\d+$/.test(text)) return `Enter a whole number of seconds from ${range}.`;
  const n = Number(text);
  if (n < MIN_TIMEOUT_SECONDS) return `At least ${MIN_TIMEOUT_SECONDS} second.`;
  if (n > MAX_TIMEOUT_SECONDS) return `At most ${MAX_TIMEOUT_SECONDS} seconds (5 minutes).`;
  return null;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** How many PEM certificates `text` holds. */
export function certificateCount(text: string): number {
  return text.match(CERTIFICATE_BLOCK)?.length ?? 0;
}

/** Why `text` is not PEM certificates to trust, or null. Never quotes the file. */
export function caPemProblem(text: string): string | null {
  if (text.trim() === '') return 'This file is empty.';
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    return 'This file holds a private key: choose the CA’s certificate alone (a private key never belongs here).';
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    return 'No certificate in this file: expected PEM text with -----BEGIN CERTIFICATE-----. A binary (DER) .cer or .crt must be converted first: openssl x509 -inform der -in ca.cer -out ca.pem';
  }
  if (certificateCount(text) === 0) return 'The certificate is incomplete: the file must hold everything up to -----END CERTIFICATE-----.';
  if (!caPemSchema.safeParse(text).success) return `Too large: at most ${CA_FILE_MAX_BYTES.toLocaleString('en')} characters.`;
  return null;
}

/** Why a file of `size` bytes is not worth reading as CA certificates, or null. */
export function caFileSizeProblem(size: number): string | null {
  if (size === 0) return 'This file is empty.';
  if (size > CA_FILE_MAX_BYTES) return `This file is too large for CA certificates (${Math.ceil(size / 1024)} KB; at most 1 MB).`;
  return null;
}

/** "1.2 KB", "512 bytes". */
export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** What the form says about a CA file it read: “ca.pem (1.2 KB, 2 certificates)”. */
export function caFileSummary(name: string, size: number, pem: string): string {
  const n = certificateCount(pem);
  return `${name} (${formatFileSize(size)}, ${n} ${n === 1 ? 'certificate' : 'certificates'})`;
}

function secretProblem(raw: string, empty: string, max: number): string | null {
  if (raw.trim() === '') return empty;
  if (raw.length > max) return `Too long: ${raw.length} characters, at most ${max}.`;
  return null;
}

function limitProblem(raw: string, max: number): string | null {
  return raw.trim().length > max ? `Too long: ${raw.trim().length} characters, at most ${max}.` : null;
}

/** A zod string schema's maximum length (the contract's limits, without repeating them here). */
function maxOf(schema: { maxLength: number | null }): number {
  return schema.maxLength ?? Number.MAX_SAFE_INTEGER;
}

function fieldProblem(field: ConnectionField, v: ConnectionFormValues): string | null {
  switch (field) {
    case 'name':
      return textProblem(v.name, 'Enter a name for this connection, e.g. “Slack via Okta”.');
    case 'app':
      return textProblem(v.app, 'Enter the app the identity provider provisions, e.g. “Slack”.');
    case 'provider':
      return isProvider(v.provider) ? null : 'Choose the identity provider that will push users to this connection.';
    case 'slug':
      return slugProblem(v.slug);
    case 'mode':
      return v.mode === 'store' || v.mode === 'relay' ? null : 'Choose whether Rollcall stores the requests or relays them to the app.';
    case 'baseUrl':
      return baseUrlProblem(v.baseUrl);
    case 'authKind':
      return AUTH_KINDS.includes(v.authKind) ? null : 'Choose how Rollcall signs in to the app’s SCIM API.';
    case 'token':
      return secretProblem(
        v.token,
        'Paste the app’s SCIM API token (the one the app gives for SCIM provisioning).',
        maxOf(authShapes.bearer.token),
      );
    case 'username':
      return secretProblem(v.username, 'Enter the user name the app’s SCIM API expects.', maxOf(authShapes.basic.username));
    case 'password':
      return v.password.length > maxOf(authShapes.basic.password)
        ? `Too long: ${v.password.length} characters, at most ${maxOf(authShapes.basic.password)}.`
        : null;
    case 'tokenUrl':
      return upstreamUrlProblem(v.tokenUrl, 'the app’s OAuth token endpoint, e.g. https://auth.example.com/oauth/token');
    case 'clientId':
      return secretProblem(v.clientId, 'Enter the client ID the app issued to Rollcall.', maxOf(authShapes.oauth.clientId));
    case 'clientSecret':
      return secretProblem(v.clientSecret, 'Paste the client secret that goes with the client ID.', maxOf(authShapes.oauth.clientSecret));
    case 'scope':
      return limitProblem(v.scope, maxOf(authShapes.oauth.scope.unwrap()));
    case 'timeoutSeconds':
      return timeoutProblem(v.timeoutSeconds);
    case 'caPem':
      return v.caPem === '' ? null : caPemProblem(v.caPem);
  }
}

/** Every problem of the fields shown for these values, one message per field; empty means it can be sent. */
export function validateConnectionForm(values: ConnectionFormValues): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of connectionFields(values)) {
    const problem = fieldProblem(field, values);
    if (problem) errors[field] = problem;
  }
  return errors;
}

export function hasErrors(errors: FieldErrors): boolean {
  return CONNECTION_FIELDS.some((f) => errors[f] !== undefined);
}

export function firstInvalidField(errors: FieldErrors): ConnectionField | null {
  return CONNECTION_FIELDS.find((f) => errors[f] !== undefined) ?? null;
}

type UpstreamCallInput = NonNullable<CallInput<'createConnection'>['upstream']>;

function upstreamAuth(values: ConnectionFormValues): UpstreamCallInput['auth'] {
  switch (values.authKind) {
    case 'bearer':
      return { kind: 'bearer', token: values.token.trim() };
    case 'basic':
      // A password is taken as typed (spaces included); an API key as user name may go without one.
      return { kind: 'basic', username: values.username.trim(), password: values.password };
    case 'oauth': {
      const scope = values.scope.trim();
      return {
        kind: 'oauth',
        tokenUrl: values.tokenUrl.trim(),
        clientId: values.clientId.trim(),
        clientSecret: values.clientSecret.trim(),
        ...(scope === '' ? {} : { scope }),
      };
    }
  }
}

/**
 * The call input for valid `values`: names trimmed, an empty slug left out (the core picks one),
 * and in relay mode the upstream with the chosen authentication kind's credentials only.
 */
export function toCreateConnectionInput(values: ConnectionFormValues): CallInput<'createConnection'> {
  if (!isProvider(values.provider)) throw new Error(`Unknown identity provider "${values.provider}"`);
  const slug = values.slug.trim();
  const input: CallInput<'createConnection'> = {
    name: values.name.trim(),
    app: values.app.trim(),
    provider: values.provider,
    ...(slug === '' ? {} : { slug }),
  };
  if (values.mode !== 'relay') return input;
  if (!AUTH_KINDS.includes(values.authKind)) throw new Error(`Unknown authentication kind "${String(values.authKind)}"`);
  return {
    ...input,
    upstream: {
      baseUrl: values.baseUrl.trim().replace(/\/+$/, ''),
      auth: upstreamAuth(values),
      timeoutMs: Number(values.timeoutSeconds.trim()) * 1000,
      ...(values.caPem === '' ? {} : { caPem: values.caPem }),
    },
  };
}

/** The form after choosing another authentication kind: credentials typed for the other kinds go. */
export function switchAuthKind(values: ConnectionFormValues, authKind: UpstreamAuthKind): ConnectionFormValues {
  if (authKind === values.authKind) return values;
  const cleared = Object.fromEntries(
    AUTH_KINDS.flatMap((k) => AUTH_FIELDS[k]).map((f) => [f, EMPTY_CONNECTION_FORM[f]]),
  ) as Partial<ConnectionFormValues>;
  return { ...values, ...cleared, authKind };
}

/** The form after choosing store or relay: going back to store forgets the app's credentials. */
export function switchMode(values: ConnectionFormValues, mode: ConnectionMode): ConnectionFormValues {
  if (mode === values.mode) return values;
  if (mode === 'relay') return { ...values, mode };
  const { name, app, provider, slug } = values;
  return { ...EMPTY_CONNECTION_FORM, name, app, provider, slug };
}

/**
 * The slug the core will most likely pick when none is given: the app name made URL-safe, with
 * "-2", "-3"… when a live connection already uses it (the core's own `slugify`, from src/shared).
 */
export function suggestedSlug(app: string, taken: readonly string[] = []): string | null {
  if (app.trim() === '') return null;
  const base = slugify(app);
  const used = new Set(taken);
  let slug = base;
  for (let i = 2; used.has(slug); i++) slug = `${base}-${i}`;
  return slug;
}

/** The hint under the slug field. */
export function slugHint(app: string, taken: readonly string[] = []): string {
  const suggestion = suggestedSlug(app, taken);
  const rule = `Optional: ${SLUG_HINT}. It ends the SCIM URL (…/scim/v2/slug).`;
  return suggestion ? `${rule} Leave empty to use “${suggestion}”.` : `${rule} Leave empty to derive it from the app name.`;
}

export interface SubmitError {
  title: string;
  message: string;
  /** One line per problem the core reported (invalid input). */
  details: string[];
  /** Messages to show next to fields. */
  fields: FieldErrors;
}

/** Server issue paths under `upstream.` to form fields (extra headers and tlsVerify are not in the form). */
const UPSTREAM_ISSUE_FIELDS: Readonly<Record<string, ConnectionField>> = {
  baseUrl: 'baseUrl',
  auth: 'authKind',
  'auth.kind': 'authKind',
  'auth.token': 'token',
  'auth.username': 'username',
  'auth.password': 'password',
  'auth.tokenUrl': 'tokenUrl',
  'auth.clientId': 'clientId',
  'auth.clientSecret': 'clientSecret',
  'auth.scope': 'scope',
  timeoutMs: 'timeoutSeconds',
  caPem: 'caPem',
};

/** The form field a server issue path points at, or null (e.g. an option the form does not offer). */
export function fieldForIssue(path: string): ConnectionField | null {
  const [head = '', ...rest] = path.split('.');
  if (head === 'upstream') return rest.length === 0 ? 'mode' : (UPSTREAM_ISSUE_FIELDS[rest.join('.')] ?? null);
  return (['name', 'app', 'provider', 'slug'] as const).find((f) => f === head) ?? null;
}

/** What a field says for a server issue: the core counts the timeout in milliseconds, the form in seconds. */
function fieldMessage(field: ConnectionField, message: string): string {
  if (field === 'timeoutSeconds') return `Enter a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}.`;
  return sentence(message);
}

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** What the form shows when `createConnection` fails. */
export function createConnectionError(error: unknown): SubmitError {
  const title = 'Could not add the connection';
  if (!(error instanceof RollcallApiError)) return { title, message: errorMessage(error), details: [], fields: {} };
  if (error.code === 'conflict') {
    const fields: FieldErrors = {};
    if (/\bslug\b/i.test(error.message)) fields.slug = 'Already used by another connection: choose another slug, or leave it empty.';
    return { title, message: sentence(error.message), details: [], fields };
  }
  if (error.code === 'invalid_input' && error.issues && error.issues.length > 0) {
    const fields: FieldErrors = {};
    const details: string[] = [];
    for (const issue of error.issues) {
      const field = fieldForIssue(issue.path);
      details.push(field ? `${FIELD_LABELS[field]}: ${issue.message}` : `${issue.path}: ${issue.message}`);
      if (field && fields[field] === undefined) fields[field] = fieldMessage(field, issue.message);
    }
    return { title, message: 'Rollcall did not accept these values:', details, fields };
  }
  return { title, message: sentence(error.message) || 'Something went wrong.', details: [], fields: {} };
}

/** What a row action (rotate, remove) shows when its call fails. */
export function connectionActionError(error: unknown): string {
  if (error instanceof RollcallApiError && error.code === 'not_found') {
    return 'This connection no longer exists (it may have been removed elsewhere). The list has been refreshed.';
  }
  return errorMessage(error);
}

// ---------------------------------------------------------------------------------------------
// Test connection (relay rows)

export type TestConnectionResult = CallOutput<'testConnection'>;

/** What a relay row says after Test connection. */
export interface TestNote {
  ok: boolean;
  /** "Connection works", "Connection failed", "Could not test". */
  title: string;
  message: string;
  /** "HTTP 200 · 12.3 ms", or null when the app was not reached. */
  detail: string | null;
}

function formatLatency(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** The row note for what `testConnection` answered. */
export function testConnectionNote(result: TestConnectionResult): TestNote {
  const parts = [
    result.status === null ? null : `HTTP ${result.status}`,
    result.latencyMs === null ? null : formatLatency(result.latencyMs),
  ].filter((p): p is string => p !== null);
  return {
    ok: result.ok,
    title: result.ok ? 'Connection works' : 'Connection failed',
    message: sentence(result.message),
    detail: parts.length > 0 ? parts.join(' · ') : null,
  };
}

/** The row note when `testConnection` itself failed (the connection is gone, the core is down…). */
export function testConnectionErrorNote(error: unknown): TestNote {
  return { ok: false, title: 'Could not test', message: sentence(connectionActionError(error)), detail: null };
}
