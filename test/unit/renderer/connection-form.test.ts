import { describe, expect, it } from 'vitest';
import { RollcallApiError } from '../../../src/shared/client';
import { contract } from '../../../src/shared/contract';
import {
  CONNECTION_FIELDS,
  connectionFields,
  EMPTY_CONNECTION_FORM,
  SLUG_HINT,
  connectionActionError,
  createConnectionError,
  firstInvalidField,
  hasErrors,
  slugHint,
  slugProblem,
  suggestedSlug,
  toCreateConnectionInput,
  validateConnectionForm,
  type ConnectionFormValues,
} from '../../../src/renderer/src/lib/connection-form';

const valid: ConnectionFormValues = { ...EMPTY_CONNECTION_FORM, name: 'GitHub via Okta', app: 'GitHub', provider: 'okta', slug: '' };
/** The call input the contract judges (the form's values hold more than the call takes). */
const callBase = { name: valid.name, app: valid.app, provider: 'okta' as const };
const slugAccepted = (slug: string): boolean => contract.createConnection.input.safeParse({ ...callBase, slug }).success;

describe('slug validation', () => {
  it('uses the contract’s own wording as the hint', () => {
    const parsed = contract.createConnection.input.safeParse({ ...callBase, slug: 'Not OK' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(SLUG_HINT);
  });

  it('accepts exactly the slugs the contract accepts', () => {
    const samples = [
      'a',
      '0',
      'slack',
      'slack-2',
      'a-b-c',
      'x'.repeat(64),
      'x'.repeat(65),
      '-slack',
      'slack-',
      '-',
      'Slack',
      'SLACK',
      'my slack',
      'slack_2',
      'slack.io',
      'släck',
      'a--b',
      '🙂',
    ];
    for (const slug of samples) expect(slugProblem(slug) === null, slug).toBe(slugAccepted(slug));
  });

  it('treats an empty (or blank) slug as “let the core pick one”', () => {
    expect(slugProblem('')).toBeNull();
    expect(slugProblem('   ')).toBeNull();
    expect(toCreateConnectionInput({ ...valid, slug: '  ' })).not.toHaveProperty('slug');
  });

  it('says what is wrong, not just that it is wrong', () => {
    expect(slugProblem('GitHub')).toBe('Use lowercase letters only: “github”.');
    expect(slugProblem('my app_1')).toBe('Not allowed: spaces, “_”. Use lowercase letters, digits and dashes.');
    expect(slugProblem('-github')).toBe('Start and end with a letter or a digit, not a dash.');
    expect(slugProblem('github-')).toBe('Start and end with a letter or a digit, not a dash.');
    expect(slugProblem('x'.repeat(70))).toBe('Too long: 70 characters, at most 64.');
    // Upper case plus another problem: lowercasing alone would not help, so list the characters.
    expect(slugProblem('My-App')).toBe('Use lowercase letters only: “my-app”.');
    expect(slugProblem('-App')).toBe('Not allowed: capital letters. Use lowercase letters, digits and dashes.');
    expect(slugProblem('Slack Two')).toBe('Not allowed: capital letters, spaces. Use lowercase letters, digits and dashes.');
    expect(slugProblem('a\tb.c')).toBe('Not allowed: tabs or line breaks, “.”. Use lowercase letters, digits and dashes.');
  });

  it('trims surrounding spaces (pasted values) before checking and sending', () => {
    expect(slugProblem('  github  ')).toBeNull();
    expect(toCreateConnectionInput({ ...valid, slug: ' github ' }).slug).toBe('github');
  });
});

describe('validateConnectionForm', () => {
  it('finds nothing wrong with a complete form', () => {
    const errors = validateConnectionForm(valid);
    expect(errors).toEqual({});
    expect(hasErrors(errors)).toBe(false);
    expect(firstInvalidField(errors)).toBeNull();
  });

  it('asks for a name and an app, and the empty form starts with Okta chosen', () => {
    const errors = validateConnectionForm(EMPTY_CONNECTION_FORM);
    expect(errors.name).toMatch(/^Enter a name/);
    expect(errors.app).toMatch(/^Enter the app/);
    expect(errors.provider).toBeUndefined();
    expect(errors.slug).toBeUndefined();
    expect(firstInvalidField(errors)).toBe('name');
    expect(validateConnectionForm({ ...valid, name: '   ' }).name).toMatch(/^Enter a name/);
  });

  it('limits names to what the contract allows', () => {
    expect(validateConnectionForm({ ...valid, name: 'n'.repeat(200) }).name).toBeUndefined();
    expect(validateConnectionForm({ ...valid, app: 'a'.repeat(201) }).app).toBe('Too long: 201 characters, at most 200.');
  });

  it('refuses an unknown identity provider', () => {
    const errors = validateConnectionForm({ ...valid, provider: 'ldap' });
    expect(errors.provider).toMatch(/Choose the identity provider/);
    expect(() => toCreateConnectionInput({ ...valid, provider: 'ldap' })).toThrow(/ldap/);
  });

  it('reports fields in form order', () => {
    expect(CONNECTION_FIELDS.slice(0, 5)).toEqual(['name', 'app', 'provider', 'slug', 'mode']);
    expect(connectionFields(valid)).toEqual(['name', 'app', 'provider', 'slug', 'mode']);
    expect(firstInvalidField(validateConnectionForm({ ...valid, app: '', slug: 'BAD SLUG' }))).toBe('app');
    expect(firstInvalidField(validateConnectionForm({ ...valid, slug: 'BAD SLUG' }))).toBe('slug');
  });

  it('every form it passes, the contract passes too', () => {
    const forms: ConnectionFormValues[] = [
      valid,
      { ...valid, slug: 'github-2' },
      { ...EMPTY_CONNECTION_FORM, name: '  Padded  ', app: ' App ', provider: 'generic', slug: ' x ' },
      { ...valid, name: 'n'.repeat(200), app: 'a'.repeat(200) },
    ];
    for (const f of forms) {
      expect(validateConnectionForm(f)).toEqual({});
      expect(contract.createConnection.input.safeParse(toCreateConnectionInput(f)).success).toBe(true);
    }
    expect(toCreateConnectionInput(forms[2]!)).toEqual({ name: 'Padded', app: 'App', provider: 'generic', slug: 'x' });
  });
});

describe('slug suggestion and hint', () => {
  it('derives the slug from the app name the way the core does', () => {
    expect(suggestedSlug('GitHub')).toBe('github');
    expect(suggestedSlug('Google Workspace (EU)')).toBe('google-workspace-eu');
    expect(suggestedSlug('Café Crème')).toBe('cafe-creme');
    expect(suggestedSlug('!!!')).toBe('app');
    expect(suggestedSlug('   ')).toBeNull();
    expect(suggestedSlug('a'.repeat(100))).toBe('a'.repeat(48));
  });

  it('skips slugs live connections use, as the core does', () => {
    expect(suggestedSlug('Slack', ['slack'])).toBe('slack-2');
    expect(suggestedSlug('Slack', ['slack', 'slack-2'])).toBe('slack-3');
    expect(suggestedSlug('Slack', ['github'])).toBe('slack');
  });

  it('states the rule and what an empty slug becomes', () => {
    expect(slugHint('')).toBe(`Optional: ${SLUG_HINT}. It ends the SCIM URL (…/scim/v2/slug). Leave empty to derive it from the app name.`);
    expect(slugHint('Slack', ['slack'])).toMatch(/Leave empty to use “slack-2”\.$/);
  });
});

describe('server errors', () => {
  it('shows a slug conflict in the alert and next to the slug', () => {
    const e = createConnectionError(
      new RollcallApiError({ code: 'conflict', message: 'The slug "slack" is already used by another connection' }),
    );
    expect(e.title).toBe('Could not add the connection');
    expect(e.message).toBe('The slug "slack" is already used by another connection.');
    expect(e.fields.slug).toMatch(/Already used/);
    expect(e.details).toEqual([]);
  });

  it('keeps a conflict about something else off the fields', () => {
    const e = createConnectionError(new RollcallApiError({ code: 'conflict', message: 'A connection needs an app' }));
    expect(e.fields).toEqual({});
    expect(e.message).toBe('A connection needs an app.');
  });

  it('maps invalid-input issues onto their fields and lists them all', () => {
    const e = createConnectionError(
      new RollcallApiError({
        code: 'invalid_input',
        message: 'Invalid input for createConnection',
        issues: [
          { path: 'slug', message: SLUG_HINT },
          { path: 'name', message: 'Too small: expected string to have >=1 characters' },
          { path: '(input)', message: 'Unrecognized key: "extra"' },
        ],
      }),
    );
    expect(e.fields).toEqual({
      slug: 'Lowercase letters, digits and dashes, 1–64 characters.',
      name: 'Too small: expected string to have >=1 characters.',
    });
    expect(e.details).toEqual([
      `Slug: ${SLUG_HINT}`,
      'Name: Too small: expected string to have >=1 characters',
      '(input): Unrecognized key: "extra"',
    ]);
    expect(e.message).toBe('Rollcall did not accept these values:');
  });

  it('passes other failures through as one sentence', () => {
    expect(createConnectionError(new RollcallApiError({ code: 'internal', message: 'Internal error in createConnection' })).message).toBe(
      'Internal error in createConnection.',
    );
    expect(createConnectionError(new Error('Failed to fetch')).message).toBe('Failed to fetch');
    expect(createConnectionError('boom').fields).toEqual({});
  });

  it('explains a row action on a connection that is already gone', () => {
    expect(connectionActionError(new RollcallApiError({ code: 'not_found', message: 'No connection "x"' }))).toMatch(/no longer exists/);
    expect(connectionActionError(new RollcallApiError({ code: 'internal', message: 'Internal error in removeConnection' }))).toBe(
      'Internal error in removeConnection',
    );
  });
});
