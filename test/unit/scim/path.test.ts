import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../src/main/scim/errors';
import { parseFilter } from '../../../src/main/scim/filter';
import { formatFilter, formatPath, parsePath } from '../../../src/main/scim/path';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../../../src/main/scim/schema';

const ENT = ENTERPRISE_USER_SCHEMA;

function expectError(fn: () => unknown, scimType: string): ScimError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ScimError);
  const err = caught as ScimError;
  expect(err.status).toBe(400);
  expect(err.scimType).toBe(scimType);
  return err;
}

describe('parsePath: attribute paths', () => {
  it('parses a plain attribute', () => {
    expect(parsePath('userName')).toEqual({ attribute: 'userName' });
  });

  it('parses a sub-attribute', () => {
    expect(parsePath('name.givenName')).toEqual({ attribute: 'name', subAttribute: 'givenName' });
  });

  it('keeps names as written (resolution is case-insensitive later)', () => {
    expect(parsePath('Name.GivenName')).toEqual({ attribute: 'Name', subAttribute: 'GivenName' });
  });

  it('accepts $ref as a sub-attribute', () => {
    expect(parsePath('members.$ref')).toEqual({ attribute: 'members', subAttribute: '$ref' });
  });

  it('accepts hyphens, underscores and digits after the first letter', () => {
    expect(parsePath('x-custom_attr2')).toEqual({ attribute: 'x-custom_attr2' });
  });

  it('ignores surrounding whitespace', () => {
    expect(parsePath('  active ')).toEqual({ attribute: 'active' });
  });

  it('parses an extension URN-qualified attribute', () => {
    expect(parsePath(`${ENT}:employeeNumber`)).toEqual({ schema: ENT, attribute: 'employeeNumber' });
  });

  it('parses an extension URN-qualified sub-attribute', () => {
    expect(parsePath(`${ENT}:manager.value`)).toEqual({
      schema: ENT,
      attribute: 'manager',
      subAttribute: 'value',
    });
  });

  it('parses the legacy dot form Entra used (…:2.0:User.manager)', () => {
    expect(parsePath(`${ENT}.manager`)).toEqual({ schema: ENT, attribute: 'manager' });
  });

  it('reports known schema URNs in canonical spelling', () => {
    expect(parsePath(`${ENT.toUpperCase()}:EmployeeNumber`)).toEqual({
      schema: ENT,
      attribute: 'EmployeeNumber',
    });
  });

  it('parses a core URN-qualified attribute', () => {
    expect(parsePath(`${USER_SCHEMA}:name.familyName`)).toEqual({
      schema: USER_SCHEMA,
      attribute: 'name',
      subAttribute: 'familyName',
    });
  });

  it('splits an unknown URN at its last colon', () => {
    expect(parsePath('urn:acme:scim:schemas:extension:custom:1.0:User:badge.number')).toEqual({
      schema: 'urn:acme:scim:schemas:extension:custom:1.0:User',
      attribute: 'badge',
      subAttribute: 'number',
    });
  });
});

describe('parsePath: value paths', () => {
  it('parses attr[filter]', () => {
    expect(parsePath('members[value eq "2819c223-7f76-453a-919d-413861904646"]')).toEqual({
      attribute: 'members',
      filter: {
        kind: 'compare',
        attr: { attribute: 'value' },
        op: 'eq',
        value: '2819c223-7f76-453a-919d-413861904646',
      },
    });
  });

  it('parses attr[filter].subAttr', () => {
    expect(parsePath('emails[type eq "work"].value')).toEqual({
      attribute: 'emails',
      subAttribute: 'value',
      filter: { kind: 'compare', attr: { attribute: 'type' }, op: 'eq', value: 'work' },
    });
  });

  it('parses logical value filters', () => {
    const p = parsePath('addresses[type eq "work" and primary eq true].streetAddress');
    expect(p.attribute).toBe('addresses');
    expect(p.subAttribute).toBe('streetAddress');
    expect(p.filter).toEqual(parseFilter('type eq "work" and primary eq true'));
  });

  it('is not confused by brackets inside filter strings', () => {
    expect(parsePath('emails[value eq "a]b[c"].display')).toEqual({
      attribute: 'emails',
      subAttribute: 'display',
      filter: { kind: 'compare', attr: { attribute: 'value' }, op: 'eq', value: 'a]b[c' },
    });
  });

  it('is not confused by escaped quotes inside filter strings', () => {
    expect(parsePath('emails[value eq "a\\"]"]').filter).toMatchObject({ value: 'a"]' });
  });

  it('parses a URN-qualified value path', () => {
    expect(parsePath(`${ENT}:manager[value eq "x"].displayName`)).toMatchObject({
      schema: ENT,
      attribute: 'manager',
      subAttribute: 'displayName',
    });
  });
});

describe('parsePath: invalid paths', () => {
  const invalidPath: Array<[string, string]> = [
    ['empty', ''],
    ['whitespace only', '   '],
    ['space inside', 'user Name'],
    ['two sub-attributes', 'name.given.name'],
    ['leading digit', '1abc'],
    ['illegal character', 'user*Name'],
    ['trailing dot', 'name.'],
    ['unbalanced [', 'emails[type eq "work"'],
    ['stray ]', 'emails]'],
    ['garbage after ]', 'emails[type eq "work"]x'],
    ['dot without name after ]', 'emails[type eq "work"].'],
    ['bad sub-attribute after ]', 'emails[type eq "work"].1x'],
    ['second filter', 'emails[type eq "work"][value pr]'],
    ['filter after sub-attribute', 'name.givenName[x eq "y"]'],
    ['empty filter', 'emails[]'],
    ['nested value filter', 'emails[value[type eq "x"]]'],
    ['schema URN only', ENT],
    ['schema URN with trailing colon', `${ENT}:`],
    ['malformed URN', 'urn:foo'],
  ];

  it.each(invalidPath)('%s → invalidPath', (_label, path) => {
    const err = expectError(() => parsePath(path), 'invalidPath');
    expect(err.toBody()).toMatchObject({ status: '400', scimType: 'invalidPath' });
  });

  it('reports a syntax error inside the value filter as invalidFilter (RFC 7644 §3.12)', () => {
    expectError(() => parsePath('emails[type zz "work"]'), 'invalidFilter');
    expectError(() => parsePath('emails[type eq work]'), 'invalidFilter');
  });
});

describe('formatPath / formatFilter', () => {
  const paths = [
    'userName',
    'name.givenName',
    `${ENT}:manager.value`,
    'emails[type eq "work"].value',
    'members[value eq "a\\"b"]',
    'emails[(type eq "work" or type eq "home") and not (value ew "@x.com")]',
  ];
  it.each(paths)('round-trips %s', (text) => {
    const parsed = parsePath(text);
    expect(parsePath(formatPath(parsed))).toEqual(parsed);
  });

  it('renders a filter that parses back to the same AST', () => {
    const ast = parseFilter('a eq 1 or (b pr and not (c lt -2.5)) or d[e eq null]');
    expect(parseFilter(formatFilter(ast))).toEqual(ast);
  });
});
