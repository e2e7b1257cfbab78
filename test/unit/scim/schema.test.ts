import { describe, expect, it } from 'vitest';
import { SCIM_ERROR_SCHEMA, ScimError, badRequest, conflict, isScimError, notFound } from '../../../src/main/scim/errors';
import {
  type AttributeDefinition,
  type AttributeJson,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  SCHEMA_SCHEMA,
  USER_SCHEMA,
  allSchemasToJson,
  commonAttributes,
  enterpriseUserSchema,
  findAttribute,
  groupSchema,
  parseAttrPath,
  resolveAttribute,
  resourceSchemas,
  resourceTypeToJson,
  schemaToJson,
  userSchema,
} from '../../../src/main/scim/schema';

const ENT = ENTERPRISE_USER_SCHEMA;

describe('ScimError', () => {
  it('builds the RFC 7644 §3.12 body with a string status', () => {
    const err = badRequest('invalidFilter', 'bad filter');
    expect(err).toBeInstanceOf(Error);
    expect(err.status).toBe(400);
    expect(err.scimType).toBe('invalidFilter');
    expect(err.detail).toBe('bad filter');
    expect(err.message).toBe('bad filter');
    expect(err.name).toBe('ScimError');
    expect(err.toBody()).toEqual({
      schemas: [SCIM_ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'bad filter',
    });
  });

  it('omits scimType when there is none', () => {
    const body = notFound('User 1 not found').toBody();
    expect(body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: 'User 1 not found' });
    expect('scimType' in body).toBe(false);
  });

  it('maps conflicts to 409 uniqueness', () => {
    expect(conflict('dup').toBody()).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('is recognisable', () => {
    expect(isScimError(new ScimError(400, undefined, 'x'))).toBe(true);
    expect(isScimError(new Error('x'))).toBe(false);
  });
});

describe('schema ids and resource types', () => {
  it('exports the RFC URNs', () => {
    expect(USER_SCHEMA).toBe('urn:ietf:params:scim:schemas:core:2.0:User');
    expect(GROUP_SCHEMA).toBe('urn:ietf:params:scim:schemas:core:2.0:Group');
    expect(ENTERPRISE_USER_SCHEMA).toBe('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
  });

  it('maps resource types to core and extension schemas', () => {
    expect(resourceSchemas.User.core.id).toBe(USER_SCHEMA);
    expect(resourceSchemas.User.extensions.map((s) => s.id)).toEqual([ENT]);
    expect(resourceSchemas.Group.core.id).toBe(GROUP_SCHEMA);
    expect(resourceSchemas.Group.extensions).toEqual([]);
  });

  it('defines the full RFC 7643 §4.1 User attribute set', () => {
    expect(userSchema.attributes.map((a) => a.name)).toEqual([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
  });

  it('defines the Group and Enterprise User attributes', () => {
    expect(groupSchema.attributes.map((a) => a.name)).toEqual(['displayName', 'members']);
    expect(groupSchema.attributes[1]?.subAttributes?.map((a) => a.name)).toEqual(['value', '$ref', 'display', 'type']);
    expect(enterpriseUserSchema.attributes.map((a) => a.name)).toEqual([
      'employeeNumber',
      'costCenter',
      'organization',
      'division',
      'department',
      'manager',
    ]);
    expect(findAttribute('User', [ENT, 'manager'])?.subAttributes?.map((a) => a.name)).toEqual(['value', '$ref', 'displayName']);
  });

  it('defines the common attributes', () => {
    expect(commonAttributes.map((a) => a.name)).toEqual(['id', 'externalId', 'meta']);
    expect(commonAttributes[2]?.subAttributes?.map((a) => a.name)).toEqual([
      'resourceType',
      'created',
      'lastModified',
      'location',
      'version',
    ]);
  });
});

describe('findAttribute', () => {
  it('finds core attributes case-insensitively', () => {
    const userName = findAttribute('User', ['userName']);
    expect(userName).toMatchObject({
      name: 'userName',
      type: 'string',
      required: true,
      caseExact: false,
      uniqueness: 'server',
      mutability: 'readWrite',
    });
    expect(findAttribute('User', ['USERNAME'])).toBe(userName);
    expect(findAttribute('User', ['active'])).toMatchObject({ type: 'boolean', multiValued: false });
  });

  it('finds sub-attributes (as segments or dotted)', () => {
    const given = findAttribute('User', ['name', 'givenName']);
    expect(given).toMatchObject({ name: 'givenName', type: 'string' });
    expect(findAttribute('User', ['name.givenName'])).toBe(given);
    expect(findAttribute('User', ['Name', 'GIVENNAME'])).toBe(given);
    expect(findAttribute('User', ['emails', 'primary'])).toMatchObject({ type: 'boolean' });
    expect(findAttribute('User', ['emails', 'type'])?.canonicalValues).toEqual(['work', 'home', 'other']);
    expect(findAttribute('User', ['photos', 'value'])).toMatchObject({ type: 'reference', referenceTypes: ['external'] });
    expect(findAttribute('User', ['x509Certificates', 'value'])).toMatchObject({ type: 'binary' });
  });

  it('describes the common attributes', () => {
    expect(findAttribute('User', ['id'])).toMatchObject({ caseExact: true, mutability: 'readOnly', returned: 'always' });
    expect(findAttribute('Group', ['externalId'])).toMatchObject({ caseExact: true, mutability: 'readWrite', uniqueness: 'none' });
    expect(findAttribute('User', ['meta'])).toMatchObject({ type: 'complex', mutability: 'readOnly' });
    expect(findAttribute('User', ['meta', 'lastModified'])).toMatchObject({ type: 'dateTime' });
    expect(findAttribute('Group', ['meta', 'created'])).toMatchObject({ type: 'dateTime' });
    expect(findAttribute('User', ['meta', 'version'])).toMatchObject({ caseExact: true });
  });

  it('describes password and groups', () => {
    expect(findAttribute('User', ['password'])).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(findAttribute('User', ['groups'])).toMatchObject({ mutability: 'readOnly', multiValued: true });
    expect(findAttribute('User', ['groups', 'type'])?.canonicalValues).toEqual(['direct', 'indirect']);
  });

  it('finds URN-qualified extension attributes', () => {
    const emp = findAttribute('User', [`${ENT}:employeeNumber`]);
    expect(emp).toMatchObject({ name: 'employeeNumber', type: 'string' });
    expect(findAttribute('User', [`${ENT.toLowerCase()}:EMPLOYEENUMBER`])).toBe(emp);
    expect(findAttribute('User', [ENT, 'employeeNumber'])).toBe(emp);
    expect(findAttribute('User', ['employeeNumber'])).toBe(emp);
  });

  it('finds the legacy dot form Entra may send', () => {
    const manager = findAttribute('User', [`${ENT}.manager`]);
    expect(manager).toMatchObject({ name: 'manager', type: 'complex' });
    expect(findAttribute('User', [`${ENT}:manager`])).toBe(manager);
    expect(findAttribute('User', ['manager'])).toBe(manager);
    expect(findAttribute('User', [`${ENT}.manager`, 'value'])).toMatchObject({ name: 'value', caseExact: true });
    expect(findAttribute('User', [`${ENT}:manager.displayName`])).toMatchObject({ mutability: 'readOnly' });
  });

  it('finds core URN-qualified attributes', () => {
    expect(findAttribute('User', [`${USER_SCHEMA}:userName`])).toMatchObject({ name: 'userName' });
    expect(findAttribute('User', [`${USER_SCHEMA}:id`])).toMatchObject({ name: 'id' });
    expect(findAttribute('Group', [`${GROUP_SCHEMA}:members`, '$ref'])).toMatchObject({
      type: 'reference',
      referenceTypes: ['User', 'Group'],
    });
  });

  it('returns undefined for unknown or misplaced names', () => {
    expect(findAttribute('User', [])).toBeUndefined();
    expect(findAttribute('User', ['nope'])).toBeUndefined();
    expect(findAttribute('User', ['name', 'nope'])).toBeUndefined();
    expect(findAttribute('User', ['name', 'givenName', 'x'])).toBeUndefined();
    expect(findAttribute('User', ['members'])).toBeUndefined();
    expect(findAttribute('Group', ['employeeNumber'])).toBeUndefined();
    expect(findAttribute('Group', [`${ENT}:employeeNumber`])).toBeUndefined();
    expect(findAttribute('User', [`${GROUP_SCHEMA}:displayName`])).toBeUndefined();
    expect(findAttribute('User', ['urn:acme:x:1.0:User:badge'])).toBeUndefined();
    expect(findAttribute('User', [ENT])).toBeUndefined();
  });
});

describe('resolveAttribute', () => {
  it('tells where an attribute is stored', () => {
    expect(resolveAttribute('User', { attribute: 'userName' })).toMatchObject({ schemaId: USER_SCHEMA, extension: false });
    expect(resolveAttribute('User', { attribute: 'id' })).toMatchObject({ schemaId: USER_SCHEMA, extension: false });
    expect(resolveAttribute('User', { attribute: 'manager', subAttribute: 'value' })).toMatchObject({
      schemaId: ENT,
      extension: true,
      attribute: { name: 'manager' },
      subAttribute: { name: 'value' },
    });
  });
});

describe('parseAttrPath', () => {
  it('splits paths', () => {
    expect(parseAttrPath('name.givenName')).toEqual({ ok: true, ref: { attribute: 'name', subAttribute: 'givenName' } });
    expect(parseAttrPath(`${ENT}:manager.value`)).toEqual({
      ok: true,
      ref: { schema: ENT, attribute: 'manager', subAttribute: 'value' },
    });
  });

  it('rejects malformed paths', () => {
    for (const bad of ['', '1a', 'a.b.c', 'a..b', 'a b', ENT, 'urn:x', 'urn:', 'a.$']) {
      expect(parseAttrPath(bad).ok, bad).toBe(false);
    }
  });
});

describe('/Schemas representation', () => {
  function expectTruthful(json: AttributeJson, def: AttributeDefinition): void {
    expect(json.name).toBe(def.name);
    expect(json.type).toBe(def.type);
    expect(json.multiValued).toBe(def.multiValued);
    expect(json.required).toBe(def.required);
    expect(json.caseExact).toBe(def.caseExact);
    expect(json.mutability).toBe(def.mutability);
    expect(json.returned).toBe(def.returned);
    expect(json.uniqueness).toBe(def.uniqueness);
    expect(json.description).toBe(def.description);
    expect(json.description.length).toBeGreaterThan(0);
    expect(json.canonicalValues).toEqual(def.canonicalValues);
    expect(json.referenceTypes).toEqual(def.referenceTypes);
    if (def.type === 'reference') expect(json.referenceTypes?.length).toBeGreaterThan(0);
    if (def.type === 'complex') {
      expect(json.subAttributes?.length).toBe(def.subAttributes?.length);
      def.subAttributes?.forEach((sub, i) => expectTruthful(json.subAttributes?.[i] as AttributeJson, sub));
    } else {
      expect(json.subAttributes).toBeUndefined();
    }
  }

  it('represents each schema truthfully', () => {
    for (const schema of [userSchema, groupSchema, enterpriseUserSchema]) {
      const json = schemaToJson(schema, 'https://h/scim/v2/acme/');
      expect(json.schemas).toEqual([SCHEMA_SCHEMA]);
      expect(json.id).toBe(schema.id);
      expect(json.name).toBe(schema.name);
      expect(json.meta).toEqual({ resourceType: 'Schema', location: `https://h/scim/v2/acme/Schemas/${schema.id}` });
      expect(json.attributes).toHaveLength(schema.attributes.length);
      schema.attributes.forEach((def, i) => expectTruthful(json.attributes[i] as AttributeJson, def));
      // plain JSON: survives serialisation unchanged
      expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    }
  });

  it('shows the key characteristics RFC clients rely on', () => {
    const user = schemaToJson(userSchema);
    const byName = (n: string): AttributeJson | undefined => user.attributes.find((a) => a.name === n);
    expect(byName('password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(byName('groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
    expect(byName('userName')).toMatchObject({ uniqueness: 'server', required: true, caseExact: false });
    expect(byName('emails')?.subAttributes?.map((a) => a.name)).toEqual(['value', 'display', 'type', 'primary']);
    expect(byName('id')).toBeUndefined(); // common attributes are not part of the schema (RFC 7643 §8.7.1)
    expect(user.meta.location).toBe(`/Schemas/${USER_SCHEMA}`);
  });

  it('lists all schemas', () => {
    expect(allSchemasToJson().map((s) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENT]);
  });

  it('represents resource types', () => {
    expect(resourceTypeToJson('User', 'https://h/scim')).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENT, required: false }],
      meta: { resourceType: 'ResourceType', location: 'https://h/scim/ResourceTypes/User' },
    });
    expect(resourceTypeToJson('Group')).toMatchObject({ endpoint: '/Groups', schemaExtensions: [] });
  });

  it('cannot be mutated through exported definitions', () => {
    expect(Object.isFrozen(userSchema)).toBe(true);
    expect(Object.isFrozen(userSchema.attributes)).toBe(true);
    expect(Object.isFrozen(userSchema.attributes[0])).toBe(true);
  });
});
