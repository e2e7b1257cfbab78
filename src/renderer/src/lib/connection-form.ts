/**
 * The "Add connection" form of the Sources page: validation with messages a person can act on,
 * the slug hint, the call input, and server errors turned into field and form messages. Pure.
 *
 * The contract stays the judge: a slug passes here exactly when it passes the contract's schema,
 * so the form can never accept what the core refuses (or the other way round).
 */
import { RollcallApiError } from '../../../shared/client';
import { contract, type CallInput } from '../../../shared/contract';
import { errorMessage } from './errors';
import { isProvider } from './idp';
import { slugify } from '../../../shared/slug';

export interface ConnectionFormValues {
  name: string;
  app: string;
  provider: string;
  slug: string;
}
export type ConnectionField = keyof ConnectionFormValues;
export type FieldErrors = Partial<Record<ConnectionField, string>>;

/** The fields in the order they appear (the first invalid one gets focus). */
export const CONNECTION_FIELDS: readonly ConnectionField[] = ['name', 'app', 'provider', 'slug'];

export const FIELD_LABELS: Readonly<Record<ConnectionField, string>> = {
  name: 'Name',
  app: 'App',
  provider: 'Identity provider',
  slug: 'Slug',
};

export const EMPTY_CONNECTION_FORM: ConnectionFormValues = { name: '', app: '', provider: 'okta', slug: '' };

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

/** Every problem of the form, one message per field; an empty object means it can be sent. */
export function validateConnectionForm(values: ConnectionFormValues): FieldErrors {
  const errors: FieldErrors = {};
  const name = textProblem(values.name, 'Enter a name for this connection, e.g. “Slack via Okta”.');
  if (name) errors.name = name;
  const app = textProblem(values.app, 'Enter the app the identity provider provisions, e.g. “Slack”.');
  if (app) errors.app = app;
  if (!isProvider(values.provider)) errors.provider = 'Choose the identity provider that will push users to this connection.';
  const slug = slugProblem(values.slug);
  if (slug) errors.slug = slug;
  return errors;
}

export function hasErrors(errors: FieldErrors): boolean {
  return CONNECTION_FIELDS.some((f) => errors[f] !== undefined);
}

export function firstInvalidField(errors: FieldErrors): ConnectionField | null {
  return CONNECTION_FIELDS.find((f) => errors[f] !== undefined) ?? null;
}

/** The call input for valid `values`: names trimmed, an empty slug left out (the core picks one). */
export function toCreateConnectionInput(values: ConnectionFormValues): CallInput<'createConnection'> {
  if (!isProvider(values.provider)) throw new Error(`Unknown identity provider "${values.provider}"`);
  const slug = values.slug.trim();
  return {
    name: values.name.trim(),
    app: values.app.trim(),
    provider: values.provider,
    ...(slug === '' ? {} : { slug }),
  };
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

function fieldOf(path: string): ConnectionField | null {
  const head = path.split('.')[0] ?? '';
  return (CONNECTION_FIELDS as readonly string[]).includes(head) ? (head as ConnectionField) : null;
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
      const field = fieldOf(issue.path);
      details.push(field ? `${FIELD_LABELS[field]}: ${issue.message}` : `${issue.path}: ${issue.message}`);
      if (field && fields[field] === undefined) fields[field] = sentence(issue.message);
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
