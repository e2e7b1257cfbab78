import { mulberry32 as rng } from '../../helpers/rng';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../src/main/scim/errors';
import { type FilterAst, MAX_FILTER_BYTES, equalityLookup, matches, matchesValue, parseFilter } from '../../../src/main/scim/filter';
import { parsePath } from '../../../src/main/scim/path';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, findAttribute } from '../../../src/main/scim/schema';

const ENT = ENTERPRISE_USER_SCHEMA;

const user: Record<string, unknown> = {
  schemas: [USER_SCHEMA, ENT],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'Bjensen',
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  nickName: '',
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [{ value: '555-555-8377', type: 'work' }],
  roles: [],
  loginCount: 10,
  [ENT]: {
    employeeNumber: '701984',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff590"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
};

const group: Record<string, unknown> = {
  schemas: [GROUP_SCHEMA],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  members: [
    { value: '2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen', type: 'User' },
    { value: '902c246b-6245-4190-8e05-00816be7344a', display: 'Mandy Pepperidge', type: 'User' },
  ],
  meta: { resourceType: 'Group', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z' },
};

const u = (filter: string, resource: Record<string, unknown> = user): boolean => matches(parseFilter(filter), resource, 'User');
const g = (filter: string): boolean => matches(parseFilter(filter), group, 'Group');

function expectInvalidFilter(fn: () => unknown): ScimError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ScimError);
  const err = caught as ScimError;
  expect(err.status).toBe(400);
  expect(err.scimType).toBe('invalidFilter');
  return err;
}

describe('parseFilter: AST shape', () => {
  it('parses a comparison', () => {
    expect(parseFilter('userName eq "bjensen"')).toEqual({
      kind: 'compare',
      attr: { attribute: 'userName' },
      op: 'eq',
      value: 'bjensen',
    });
  });

  it('parses pr', () => {
    expect(parseFilter('title pr')).toEqual({ kind: 'present', attr: { attribute: 'title' } });
  });

  it('lower-cases operator keywords of any case', () => {
    const ast = parseFilter('userName Eq "a" AND title PR oR not (active EQ TRUE)');
    expect(ast).toEqual({
      kind: 'or',
      filters: [
        {
          kind: 'and',
          filters: [
            { kind: 'compare', attr: { attribute: 'userName' }, op: 'eq', value: 'a' },
            { kind: 'present', attr: { attribute: 'title' } },
          ],
        },
        { kind: 'not', filter: { kind: 'compare', attr: { attribute: 'active' }, op: 'eq', value: true } },
      ],
    });
  });

  it('gives "and" precedence over "or": a or b and c = a or (b and c)', () => {
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toEqual({
      kind: 'or',
      filters: [
        { kind: 'compare', attr: { attribute: 'a' }, op: 'eq', value: 1 },
        {
          kind: 'and',
          filters: [
            { kind: 'compare', attr: { attribute: 'b' }, op: 'eq', value: 2 },
            { kind: 'compare', attr: { attribute: 'c' }, op: 'eq', value: 3 },
          ],
        },
      ],
    });
  });

  it('keeps "a and b or c" as (a and b) or c', () => {
    const ast = parseFilter('a eq 1 and b eq 2 or c eq 3');
    expect(ast.kind).toBe('or');
    if (ast.kind !== 'or') return;
    expect(ast.filters[0]?.kind).toBe('and');
    expect(ast.filters[1]).toEqual({ kind: 'compare', attr: { attribute: 'c' }, op: 'eq', value: 3 });
  });

  it('binds "not" tighter than "and"', () => {
    const ast = parseFilter('not (a pr) and b pr');
    expect(ast).toEqual({
      kind: 'and',
      filters: [
        { kind: 'not', filter: { kind: 'present', attr: { attribute: 'a' } } },
        { kind: 'present', attr: { attribute: 'b' } },
      ],
    });
  });

  it('honours parentheses', () => {
    const ast = parseFilter('(a eq 1 or b eq 2) and c eq 3');
    expect(ast.kind).toBe('and');
    if (ast.kind !== 'and') return;
    expect(ast.filters[0]?.kind).toBe('or');
  });

  it('parses JSON literals and numbers', () => {
    const value = (f: string): unknown => {
      const ast = parseFilter(f);
      return ast.kind === 'compare' ? ast.value : undefined;
    };
    expect(value('x eq true')).toBe(true);
    expect(value('x eq False')).toBe(false);
    expect(value('x eq null')).toBe(null);
    expect(value('x eq -1.5e2')).toBe(-150);
    expect(value('x eq 0')).toBe(0);
    expect(value('x eq 42')).toBe(42);
  });

  it('decodes JSON string escapes', () => {
    const ast = parseFilter('displayName eq "Babs \\"B\\" \\\\ \\/ \\u0041\\t"');
    expect(ast).toMatchObject({ value: 'Babs "B" \\ / A\t' });
  });

  it('parses URN-qualified attributes (colon and legacy dot forms)', () => {
    expect(parseFilter(`${ENT}:employeeNumber eq "1"`)).toMatchObject({
      attr: { schema: ENT, attribute: 'employeeNumber' },
    });
    expect(parseFilter(`${ENT}:manager.value eq "1"`)).toMatchObject({
      attr: { schema: ENT, attribute: 'manager', subAttribute: 'value' },
    });
    expect(parseFilter(`${ENT}.manager.value eq "1"`)).toMatchObject({
      attr: { schema: ENT, attribute: 'manager', subAttribute: 'value' },
    });
    expect(parseFilter(`${USER_SCHEMA.toUpperCase()}:userName eq "1"`)).toMatchObject({
      attr: { schema: USER_SCHEMA, attribute: 'userName' },
    });
  });

  it('parses value paths', () => {
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toEqual({
      kind: 'valuePath',
      attr: { attribute: 'emails' },
      filter: {
        kind: 'and',
        filters: [
          { kind: 'compare', attr: { attribute: 'type' }, op: 'eq', value: 'work' },
          { kind: 'compare', attr: { attribute: 'value' }, op: 'co', value: '@example.com' },
        ],
      },
    });
  });

  it('reads emails[type eq "work"].value eq "x" as a value path with the comparison inside', () => {
    expect(parseFilter('emails[type eq "work"].value eq "x"')).toEqual({
      kind: 'valuePath',
      attr: { attribute: 'emails' },
      filter: {
        kind: 'and',
        filters: [
          { kind: 'compare', attr: { attribute: 'type' }, op: 'eq', value: 'work' },
          { kind: 'compare', attr: { attribute: 'value' }, op: 'eq', value: 'x' },
        ],
      },
    });
  });

  it('accepts tabs and repeated spaces between tokens', () => {
    expect(parseFilter('  userName\teq   "a"  ')).toMatchObject({ op: 'eq', value: 'a' });
  });

  it('accepts an attribute named like a keyword', () => {
    expect(parseFilter('not pr')).toEqual({ kind: 'present', attr: { attribute: 'not' } });
  });

  it('allows nesting up to 64 levels', () => {
    const f = `${'('.repeat(64)}title pr${')'.repeat(64)}`;
    expect(parseFilter(f)).toEqual({ kind: 'present', attr: { attribute: 'title' } });
  });
});

describe('matches: operators on strings', () => {
  const cases: Array<[string, boolean]> = [
    ['title eq "Tour Guide"', true],
    ['title eq "Tour"', false],
    ['title ne "Tour"', true],
    ['title ne "tour guide"', false],
    ['title co "our G"', true],
    ['title co "xyz"', false],
    ['title sw "tour"', true],
    ['title sw "Guide"', false],
    ['title ew "GUIDE"', true],
    ['title ew "Tour"', false],
    ['title gt "Tour Gui"', true],
    ['title gt "Tour Guide"', false],
    ['title ge "Tour Guide"', true],
    ['title ge "Zebra"', false],
    ['title lt "Zebra"', true],
    ['title lt "Tour Guide"', false],
    ['title le "tour guide"', true],
    ['title le "A"', false],
  ];
  it.each(cases)('%s → %s', (filter, expected) => {
    expect(u(filter)).toBe(expected);
  });
});

describe('matches: logical operators and precedence', () => {
  it('a or b and c: true when only a holds', () => {
    expect(u('title eq "Tour Guide" or userName eq "nobody" and displayName eq "nobody"')).toBe(true);
  });

  it('a or b and c: false when b holds but c does not (and binds first)', () => {
    expect(u('title eq "x" or userName eq "bjensen@example.com" and displayName eq "nobody"')).toBe(false);
  });

  it('(a or b) and c differs from a or b and c', () => {
    expect(u('(title eq "Tour Guide" or userName eq "x") and displayName eq "nobody"')).toBe(false);
    expect(u('title eq "Tour Guide" or userName eq "x" and displayName eq "nobody"')).toBe(true);
  });

  it('not negates', () => {
    expect(u('not (active eq true)')).toBe(false);
    expect(u('not (title eq "x")')).toBe(true);
    expect(u('not (title eq "x") and not (userName eq "y")')).toBe(true);
    expect(u('not (not (title pr))')).toBe(true);
  });

  it('and requires all, or requires any', () => {
    expect(u('title pr and userName pr and displayName pr')).toBe(true);
    expect(u('title pr and userName pr and profileUrl pr')).toBe(false);
    expect(u('profileUrl pr or locale pr or title pr')).toBe(true);
    expect(u('profileUrl pr or locale pr or timezone pr')).toBe(false);
  });
});

describe('matches: attributes', () => {
  it('compares sub-attributes', () => {
    expect(u('name.familyName eq "jensen"')).toBe(true);
    expect(u('name.familyName eq "smith"')).toBe(false);
    expect(u('NAME.GIVENNAME sw "bar"')).toBe(true);
  });

  it('is case-insensitive for userName (caseExact false)', () => {
    expect(u('userName eq "BJENSEN@EXAMPLE.COM"')).toBe(true);
    expect(u('userName eq "bjensen@example.org"')).toBe(false);
  });

  it('is case-sensitive for id and externalId (caseExact true)', () => {
    expect(u('id eq "2819c223-7f76-453a-919d-413861904646"')).toBe(true);
    expect(u('id eq "2819C223-7F76-453A-919D-413861904646"')).toBe(false);
    expect(u('externalId eq "Bjensen"')).toBe(true);
    expect(u('externalId eq "bjensen"')).toBe(false);
    expect(u('externalId sw "bj"')).toBe(false);
  });

  it('is case-sensitive for meta.resourceType', () => {
    expect(u('meta.resourceType eq "User"')).toBe(true);
    expect(u('meta.resourceType eq "user"')).toBe(false);
  });

  it('compares dateTime attributes as instants', () => {
    expect(u('meta.lastModified eq "2011-05-13T04:42:34Z"')).toBe(true);
    // same instant written with another offset
    expect(u('meta.lastModified eq "2011-05-13T06:42:34+02:00"')).toBe(true);
    expect(u('meta.lastModified gt "2011-05-13T04:42:34Z"')).toBe(false);
    expect(u('meta.lastModified ge "2011-05-13T04:42:34Z"')).toBe(true);
    expect(u('meta.lastModified gt "2011-05-13T04:42:33.999Z"')).toBe(true);
    // 00:00-05:00 is 05:00Z, after 04:42Z — a string comparison would say the opposite
    expect(u('meta.lastModified lt "2011-05-13T00:00:00-05:00"')).toBe(true);
    expect(u('meta.lastModified gt "2011-05-13T00:00:00-05:00"')).toBe(false);
    expect(u('meta.created lt "2010-01-23T04:56:22.001Z"')).toBe(true);
    expect(u('meta.created le "2010-01-23T04:56:21Z"')).toBe(false);
    expect(u('meta.lastModified gt "not a date"')).toBe(false);
  });

  it('matches multi-valued attributes when any value matches', () => {
    expect(u('emails.value eq "babs@jensen.org"')).toBe(true);
    expect(u('emails.type eq "home"')).toBe(true);
    expect(u('emails.type eq "other"')).toBe(false);
    expect(u('phoneNumbers.value co "8377"')).toBe(true);
  });

  it('compares a complex multi-valued attribute without sub-attribute through its value', () => {
    expect(u('emails eq "babs@jensen.org"')).toBe(true);
    expect(u('emails co "jensen.org"')).toBe(true);
    expect(u('emails eq "home"')).toBe(false);
  });

  it('treats ne on multi-valued attributes as "no value equals"', () => {
    expect(u('emails.type ne "work"')).toBe(false);
    expect(u('emails.type ne "other"')).toBe(true);
  });

  it('applies value filters to one element at a time', () => {
    expect(u('emails[type eq "work" and value co "@example.com"]')).toBe(true);
    expect(u('emails[type eq "home" and value co "@example.com"]')).toBe(false);
    // without brackets the two conditions may hold on different elements
    expect(u('emails.type eq "home" and emails.value co "@example.com"')).toBe(true);
    expect(u('emails[type eq "work"].value eq "BJENSEN@example.com"')).toBe(true);
    expect(u('emails[type eq "home"].value eq "bjensen@example.com"')).toBe(false);
    expect(u('emails[not (type eq "work")]')).toBe(true);
    expect(u('emails[primary eq true].type eq "work"')).toBe(true);
    expect(u('phoneNumbers[type eq "home"]')).toBe(false);
  });

  it('resolves extension attributes (qualified, legacy dot form, unqualified)', () => {
    expect(u(`${ENT}:employeeNumber eq "701984"`)).toBe(true);
    expect(u(`${ENT}:employeeNumber eq "1"`)).toBe(false);
    expect(u(`${ENT}.department eq "tour operations"`)).toBe(true);
    expect(u(`${ENT}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`)).toBe(true);
    expect(u(`${ENT}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`)).toBe(true);
    expect(u(`${ENT}:manager[displayName sw "john"]`)).toBe(true);
    expect(u('employeeNumber eq "701984"')).toBe(true);
    expect(u(`${USER_SCHEMA}:userName eq "bjensen@example.com"`)).toBe(true);
  });

  it('evaluates unknown attributes generically', () => {
    expect(u('loginCount gt 5')).toBe(true);
    expect(u('loginCount lt 5')).toBe(false);
    expect(u('loginCount eq 10')).toBe(true);
    expect(u('urn:acme:ext:1.0:User:badge eq "x"')).toBe(false);
    expect(u('urn:acme:ext:1.0:User:badge eq "X"', { ...user, 'urn:acme:ext:1.0:User': { badge: 'x' } })).toBe(true);
  });

  it('implements pr: null, "", [] and missing are not present', () => {
    expect(u('title pr')).toBe(true);
    expect(u('nickName pr')).toBe(false);
    expect(u('roles pr')).toBe(false);
    expect(u('x509Certificates pr')).toBe(false);
    expect(u('name.middleName pr')).toBe(false);
    expect(u('name pr')).toBe(true);
    expect(u('emails pr')).toBe(true);
    expect(u('emails.display pr')).toBe(false);
    expect(u(`${ENT}:manager pr`)).toBe(true);
    expect(u('title pr', { ...user, title: null })).toBe(false);
    expect(u('name pr', { ...user, name: {} })).toBe(false);
  });

  it('treats comparisons on missing attributes as false, ne as true', () => {
    expect(u('profileUrl eq "x"')).toBe(false);
    expect(u('profileUrl co "x"')).toBe(false);
    expect(u('profileUrl gt "a"')).toBe(false);
    expect(u('profileUrl ne "x"')).toBe(true);
    expect(u('nickName eq null')).toBe(true);
    expect(u('title eq null')).toBe(false);
    expect(u('title ne null')).toBe(true);
  });

  it('compares booleans, tolerating "True"/"False" strings in stored data', () => {
    expect(u('active eq true')).toBe(true);
    expect(u('active eq false')).toBe(false);
    expect(u('active ne false')).toBe(true);
    expect(u('active eq true', { ...user, active: 'True' })).toBe(true);
    expect(u('active eq false', { ...user, active: 'False' })).toBe(true);
    expect(u('active eq true', { ...user, active: 'False' })).toBe(false);
    expect(u('active eq false', { ...user, active: 'maybe' })).toBe(false);
  });

  it('does not compare a string attribute with a boolean', () => {
    expect(u('title eq true', { ...user, title: 'true' })).toBe(false);
  });

  it('evaluates Group filters', () => {
    expect(g('displayName eq "tour guides"')).toBe(true);
    expect(g('members.value eq "902c246b-6245-4190-8e05-00816be7344a"')).toBe(true);
    expect(g('members[value eq "902C246B-6245-4190-8E05-00816BE7344A"]')).toBe(false);
    expect(g('members[display co "mandy"]')).toBe(true);
    expect(g('members pr and displayName sw "Tour"')).toBe(true);
  });
});

describe('matchesValue', () => {
  it('evaluates a value filter against one element', () => {
    const emails = findAttribute('User', ['emails']);
    const f = parsePath('emails[type eq "work" and primary eq true]').filter as FilterAst;
    expect(matchesValue(f, { type: 'WORK', primary: 'True' }, emails)).toBe(true);
    expect(matchesValue(f, { type: 'work', primary: false }, emails)).toBe(false);
    expect(matchesValue(f, 'work', emails)).toBe(false);
  });
});

describe('parseFilter: invalid filters', () => {
  const cases: Array<[string, string, number | undefined]> = [
    ['empty', '', undefined],
    ['only whitespace', '   ', undefined],
    ['attribute only', 'userName', 9],
    ['missing value', 'userName eq', 12],
    ['unknown operator', 'userName xx "a"', 10],
    ['unbalanced "("', '(userName eq "a"', 17],
    ['unbalanced ")"', 'userName eq "a")', 16],
    ['trailing garbage', 'userName eq "a" garbage', 17],
    ['pr with a value', 'title pr "x"', 10],
    ['gt with true', 'active gt true', 8],
    ['lt with false', 'active lt false', 8],
    ['gt with null', 'title gt null', 7],
    ['co with a number', 'title co 5', 7],
    ['unterminated string', 'userName eq "abc', 13],
    ['bad escape', 'userName eq "a\\qb"', 15],
    ['bad unicode escape', 'userName eq "\\u12"', 14],
    ['unquoted value', 'userName eq bjensen', 13],
    ['dangling and', 'userName eq "a" and', 20],
    ['leading or', 'or userName eq "a"', 4],
    ['not without parentheses', 'not userName eq "a"', 5],
    ['empty parentheses', '()', 2],
    ['unclosed value filter', 'emails[type eq "work"', 22],
    ['nested value filter', 'emails[value[type eq "x"]]', 13],
    ['value filter after sub-attribute', 'name.givenName[x eq "y"]', 15],
    ['too many dots', 'a.b.c eq "x"', 1],
    ['attribute starting with a digit', '1abc eq "x"', 1],
    ['leading zero number', 'x eq 01', 6],
    ['number out of range', 'x eq 1e999', 6],
    ['unexpected character', 'userName eq "a" && title pr', 17],
    ['single quotes', "userName eq 'a'", 13],
    ['detached sub-attribute', 'emails[type eq "work"] .value eq "x"', 24],
    ['missing operator after value path sub-attribute', 'emails[type eq "work"].value', 29],
  ];

  it.each(cases)('%s: %s', (_label, filter, position) => {
    const err = expectInvalidFilter(() => parseFilter(filter));
    if (position !== undefined) expect(err.message).toContain(`character ${position}`);
    expect(err.toBody()).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('rejects nesting deeper than 64 levels', () => {
    const f = `${'('.repeat(65)}title pr${')'.repeat(65)}`;
    expect(expectInvalidFilter(() => parseFilter(f)).message).toMatch(/nesting/);
    const nots = `${'not ('.repeat(65)}title pr${')'.repeat(65)}`;
    expectInvalidFilter(() => parseFilter(nots));
  });

  it('rejects filters longer than 8 KiB', () => {
    const long = `title eq "${'a'.repeat(MAX_FILTER_BYTES)}"`;
    expect(expectInvalidFilter(() => parseFilter(long)).message).toMatch(/8192/);
    // measured in UTF-8 bytes: 3,000 three-byte characters exceed the limit
    expectInvalidFilter(() => parseFilter(`title eq "${'€'.repeat(3000)}"`));
    expect(() => parseFilter(`title eq "${'a'.repeat(8000)}"`)).not.toThrow();
  });

  it('rejects ordering and substring operators on boolean attributes when the type is known', () => {
    expectInvalidFilter(() => parseFilter('active gt "x"', 'User'));
    expectInvalidFilter(() => parseFilter('active co "t"', 'User'));
    expectInvalidFilter(() => parseFilter('emails[primary ge "true"]', 'User'));
    expectInvalidFilter(() => parseFilter('x509Certificates.value gt "MII"', 'User'));
    expectInvalidFilter(() => parseFilter('name eq "x"', 'User'));
    expect(() => parseFilter('active gt "x"')).not.toThrow();
    expect(() => parseFilter('active eq "True"', 'User')).not.toThrow();
    expect(() => parseFilter('title gt "x"', 'User')).not.toThrow();
  });
});

describe('equalityLookup', () => {
  it('returns a single eq on an indexed attribute', () => {
    expect(equalityLookup(parseFilter('userName eq "Bjensen"'))).toEqual({
      attribute: 'userName',
      value: 'Bjensen',
      caseExact: false,
    });
    expect(equalityLookup(parseFilter('USERNAME eq "x"'))).toMatchObject({ attribute: 'userName' });
    expect(equalityLookup(parseFilter('externalId eq "abc"'))).toEqual({
      attribute: 'externalId',
      value: 'abc',
      caseExact: true,
    });
    expect(equalityLookup(parseFilter('id eq "1"'))).toMatchObject({ attribute: 'id', caseExact: true });
    expect(equalityLookup(parseFilter('displayName eq "Group A"'))).toMatchObject({
      attribute: 'displayName',
      caseExact: false,
    });
    expect(equalityLookup(parseFilter(`${USER_SCHEMA}:userName eq "x"`))).toMatchObject({ attribute: 'userName' });
    expect(equalityLookup(parseFilter('externalId eq 123'))).toMatchObject({ value: '123' });
  });

  it('finds the most selective eq inside an and', () => {
    expect(equalityLookup(parseFilter('title pr and externalId eq "e" and userName eq "u"'))).toMatchObject({
      attribute: 'userName',
      value: 'u',
    });
    expect(equalityLookup(parseFilter('userName eq "u" and id eq "i"'))).toMatchObject({ attribute: 'id' });
  });

  it('returns undefined when the filter cannot be narrowed by an index', () => {
    const none = [
      'userName ne "x"',
      'userName co "x"',
      'userName eq "a" or externalId eq "b"',
      'not (userName eq "a")',
      'emails.value eq "a@b"',
      'emails[type eq "work"].value eq "a@b"',
      'emails[type eq "work"]',
      'title eq "x"',
      'userName eq null',
      'userName pr',
      `${ENT}:employeeNumber eq "1"`,
      'name.givenName eq "x"',
    ];
    for (const f of none) expect(equalityLookup(parseFilter(f)), f).toBeUndefined();
  });
});

describe('property: random and mutated filters only ever throw ScimError', () => {
  const valid = [
    'userName eq "bjensen"',
    'name.familyName co "O\'Malley"',
    'userName sw "J"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
    'title pr',
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'meta.lastModified ge "2011-05-13T04:42:34Z"',
    'meta.lastModified lt "2011-05-13T04:42:34Z"',
    'meta.lastModified le "2011-05-13T04:42:34Z"',
    'title pr and userType eq "Employee"',
    'title pr or userType eq "Intern"',
    'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    'userType eq "Employee" and (emails.type eq "work")',
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    'emails[type eq "work"].value eq "a@b.c"',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"',
    'loginCount gt -1.5e3 and active eq true and x eq null',
    'displayName eq "\\u00e9\\"\\\\"',
  ];
  const alphabet = ' ()[]"\\.:$-_abcdeqnotrpwsgl0123456789\tétrueflsnull[]"()!@#,\u0000\u2028😀';

  it('2,000 cases', () => {
    const random = rng(0x5c1a);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const randChar = (): string => {
      const chars = [...alphabet];
      return pick(chars);
    };
    let parsed = 0;
    let rejected = 0;
    for (let n = 0; n < 2000; n++) {
      let text: string;
      if (n % 5 === 0) {
        const len = Math.floor(random() * 40);
        text = Array.from({ length: len }, randChar).join('');
      } else {
        text = pick(valid);
        const mutations = 1 + Math.floor(random() * 4);
        for (let m = 0; m < mutations; m++) {
          const at = Math.floor(random() * (text.length + 1));
          const kind = Math.floor(random() * 5);
          if (kind === 0) text = text.slice(0, at) + text.slice(at + 1);
          else if (kind === 1) text = text.slice(0, at) + randChar() + text.slice(at);
          else if (kind === 2) text = text.slice(0, at) + randChar() + text.slice(at + 1);
          else if (kind === 3) text = text.slice(0, at);
          else {
            const from = Math.floor(random() * text.length);
            text = text.slice(0, at) + text.slice(from, from + 8) + text.slice(at);
          }
        }
      }
      try {
        const ast = parseFilter(text);
        parsed++;
        // evaluation of anything that parses must not throw either
        matches(ast, user, 'User');
        matches(ast, group, 'Group');
        equalityLookup(ast);
      } catch (e) {
        rejected++;
        expect(e, JSON.stringify(text)).toBeInstanceOf(ScimError);
        expect((e as ScimError).status).toBe(400);
        expect((e as ScimError).scimType).toBe('invalidFilter');
      }
      try {
        parsePath(text);
      } catch (e) {
        expect(e, JSON.stringify(text)).toBeInstanceOf(ScimError);
        expect(['invalidPath', 'invalidFilter']).toContain((e as ScimError).scimType);
      }
    }
    // both branches were exercised
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});
