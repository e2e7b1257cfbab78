/**
 * SCIM schema definitions (RFC 7643): core User (§4.1), core Group (§4.2), the Enterprise User
 * extension (§4.3) and the common attributes (§3.1), plus name resolution helpers and the
 * `/Schemas` representation (§7).
 *
 * Deviations from the RFC text, on purpose:
 * - `members.value` and `manager.value` are `caseExact: true`: they hold resource ids, and `id`
 *   itself is caseExact (§3.1). Two ids differing only in case are different resources.
 * - Group `displayName` is `required: true`. §4.2 calls it REQUIRED while the §8.7.1
 *   representation says `required: false`; every IdP sends it, and the store needs it.
 * - Group `members` has a `display` sub-attribute (Okta and Entra send it; §4.2 mentions it, the
 *   §8.7.1 representation omits it).
 * - `addresses` has `primary` (§4.1.2 describes it for every multi-valued attribute).
 */

import { badRequest, type ScimType } from './errors';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** Schema of the `/Schemas` representations themselves (RFC 7643 §7). */
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export type ResourceTypeName = 'User' | 'Group';

export const RESOURCE_TYPES: readonly ResourceTypeName[] = ['User', 'Group'];

// ---------------------------------------------------------------------------------------------
// Builders

type AttrOptions = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

function attr(name: string, type: AttributeType, description: string, options: AttrOptions = {}): AttributeDefinition {
  const def: {
    -readonly [K in keyof AttributeDefinition]: AttributeDefinition[K];
  } = {
    name,
    type,
    multiValued: options.multiValued ?? false,
    description,
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
  };
  if (options.canonicalValues) def.canonicalValues = options.canonicalValues;
  if (type === 'reference') def.referenceTypes = options.referenceTypes ?? ['external'];
  if (options.subAttributes) def.subAttributes = options.subAttributes;
  return Object.freeze(def);
}

function complex(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  options: AttrOptions = {},
): AttributeDefinition {
  return attr(name, 'complex', description, { ...options, subAttributes });
}

/** The usual value/display/type/primary quartet of a multi-valued attribute (RFC 7643 §2.4). */
function multiValuedSubs(
  valueType: AttributeType,
  valueDescription: string,
  typeValues: readonly string[] | undefined,
  valueOptions: AttrOptions = {},
): AttributeDefinition[] {
  const typeOptions: AttrOptions = typeValues ? { canonicalValues: typeValues } : {};
  return [
    attr('value', valueType, valueDescription, valueOptions),
    attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
    attr('type', 'string', "A label indicating the value's function.", typeOptions),
    attr('primary', 'boolean', 'Whether this is the preferred value; true at most once.'),
  ];
}

// ---------------------------------------------------------------------------------------------
// Common attributes (RFC 7643 §3.1)

export const commonAttributes: readonly AttributeDefinition[] = Object.freeze([
  attr('id', 'string', 'Unique identifier of the resource, issued by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attr('externalId', 'string', 'Identifier of the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  complex(
    'meta',
    'Resource metadata maintained by the service provider.',
    [
      attr('resourceType', 'string', 'Name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attr('created', 'dateTime', 'When the resource was added to the service provider.', {
        mutability: 'readOnly',
      }),
      attr('lastModified', 'dateTime', 'When the resource was last updated.', {
        mutability: 'readOnly',
      }),
      attr('location', 'reference', 'URI of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      attr('version', 'string', 'Version (entity tag) of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
    { mutability: 'readOnly' },
  ),
]);

// ---------------------------------------------------------------------------------------------
// Core User (RFC 7643 §4.1)

const nameSubs = [
  attr('formatted', 'string', 'The full name, formatted for display.'),
  attr('familyName', 'string', 'Family name (last name in most Western languages).'),
  attr('givenName', 'string', 'Given name (first name in most Western languages).'),
  attr('middleName', 'string', 'Middle name(s).'),
  attr('honorificPrefix', 'string', 'Honorific prefix(es), e.g. "Ms.".'),
  attr('honorificSuffix', 'string', 'Honorific suffix(es), e.g. "III".'),
];

const addressSubs = [
  attr('formatted', 'string', 'The full mailing address, formatted for display.'),
  attr('streetAddress', 'string', 'Full street address component.'),
  attr('locality', 'string', 'City or locality component.'),
  attr('region', 'string', 'State or region component.'),
  attr('postalCode', 'string', 'Zip code or postal code component.'),
  attr('country', 'string', 'Country name component (ISO 3166-1 alpha-2).'),
  attr('type', 'string', "A label indicating the address's function.", {
    canonicalValues: ['work', 'home', 'other'],
  }),
  attr('primary', 'boolean', 'Whether this is the preferred address; true at most once.'),
];

const userGroupsSubs = [
  attr('value', 'string', 'Identifier of the group.', { caseExact: true, mutability: 'readOnly' }),
  attr('$ref', 'reference', 'URI of the group resource.', {
    mutability: 'readOnly',
    referenceTypes: ['User', 'Group'],
  }),
  attr('display', 'string', 'Human-readable name of the group.', { mutability: 'readOnly' }),
  attr('type', 'string', 'Direct or indirect membership.', {
    mutability: 'readOnly',
    canonicalValues: ['direct', 'indirect'],
  }),
];

export const userSchema: SchemaDefinition = Object.freeze({
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: Object.freeze([
    attr('userName', 'string', 'Unique identifier the user signs in with. REQUIRED.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', "Components of the user's real name.", nameSubs),
    attr('displayName', 'string', 'Name of the user, suitable for display.'),
    attr('nickName', 'string', 'Casual way to address the user.'),
    attr('profileUrl', 'reference', "URL of the user's online profile.", {
      referenceTypes: ['external'],
    }),
    attr('title', 'string', 'The user\'s title, e.g. "Vice President".'),
    attr('userType', 'string', 'Relationship between the organization and the user.'),
    attr('preferredLanguage', 'string', "The user's preferred written or spoken language."),
    attr('locale', 'string', "The user's default location for localisation."),
    attr('timezone', 'string', "The user's time zone (IANA tz database name)."),
    attr('active', 'boolean', "The user's administrative status."),
    attr('password', 'string', "The user's clear-text password; never returned.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    complex('emails', 'Email addresses of the user.', multiValuedSubs('string', 'Email address.', ['work', 'home', 'other']), {
      multiValued: true,
    }),
    complex(
      'phoneNumbers',
      'Phone numbers of the user.',
      multiValuedSubs('string', 'Phone number.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
      { multiValued: true },
    ),
    complex(
      'ims',
      'Instant messaging addresses of the user.',
      multiValuedSubs('string', 'Instant messaging address.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
      { multiValued: true },
    ),
    complex(
      'photos',
      'URLs of photos of the user.',
      multiValuedSubs('reference', 'URL of a photo of the user.', ['photo', 'thumbnail'], {
        referenceTypes: ['external'],
      }),
      { multiValued: true },
    ),
    complex('addresses', 'Physical mailing addresses of the user.', addressSubs, {
      multiValued: true,
    }),
    complex('groups', 'Groups the user belongs to; maintained by the service provider.', userGroupsSubs, {
      multiValued: true,
      mutability: 'readOnly',
    }),
    complex('entitlements', 'Entitlements of the user.', multiValuedSubs('string', 'The value of an entitlement.', undefined), {
      multiValued: true,
    }),
    complex('roles', 'Roles of the user.', multiValuedSubs('string', 'The value of a role.', undefined), { multiValued: true }),
    complex(
      'x509Certificates',
      'X.509 certificates issued to the user.',
      multiValuedSubs('binary', 'The base64 DER-encoded certificate.', undefined),
      { multiValued: true },
    ),
  ]),
});

// ---------------------------------------------------------------------------------------------
// Core Group (RFC 7643 §4.2)

export const groupSchema: SchemaDefinition = Object.freeze({
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: Object.freeze([
    // Unique per connection (case-insensitive): the listener answers 409 uniqueness for a duplicate.
    attr('displayName', 'string', 'Human-readable name of the group. REQUIRED.', { required: true, uniqueness: 'server' }),
    complex(
      'members',
      'Members of the group.',
      [
        attr('value', 'string', 'Identifier of the member.', {
          caseExact: true,
          mutability: 'immutable',
        }),
        attr('$ref', 'reference', 'URI of the member resource.', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        attr('display', 'string', 'Human-readable name of the member.', { mutability: 'immutable' }),
        attr('type', 'string', 'Type of the member resource.', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
      { multiValued: true },
    ),
  ]),
});

// ---------------------------------------------------------------------------------------------
// Enterprise User extension (RFC 7643 §4.3)

export const enterpriseUserSchema: SchemaDefinition = Object.freeze({
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: Object.freeze([
    attr('employeeNumber', 'string', 'Identifier assigned by the organization.'),
    attr('costCenter', 'string', 'Name of a cost center.'),
    attr('organization', 'string', 'Name of an organization.'),
    attr('division', 'string', 'Name of a division.'),
    attr('department', 'string', 'Name of a department.'),
    complex('manager', "The user's manager.", [
      attr('value', 'string', 'The id of the manager User resource.', { caseExact: true }),
      attr('$ref', 'reference', 'URI of the manager User resource.', { referenceTypes: ['User'] }),
      attr('displayName', 'string', "The manager's display name.", { mutability: 'readOnly' }),
    ]),
  ]),
});

// ---------------------------------------------------------------------------------------------
// Resource types

export interface ResourceSchemas {
  readonly core: SchemaDefinition;
  /** Extension schemas the resource type accepts; none is required (`required: false`). */
  readonly extensions: readonly SchemaDefinition[];
}

export const resourceSchemas: Readonly<Record<ResourceTypeName, ResourceSchemas>> = Object.freeze({
  User: Object.freeze({ core: userSchema, extensions: Object.freeze([enterpriseUserSchema]) }),
  Group: Object.freeze({ core: groupSchema, extensions: Object.freeze([]) }),
});

export const allSchemas: readonly SchemaDefinition[] = Object.freeze([userSchema, groupSchema, enterpriseUserSchema]);

const RESOURCE_ENDPOINTS: Readonly<Record<ResourceTypeName, string>> = {
  User: '/Users',
  Group: '/Groups',
};

export function getSchema(id: string): SchemaDefinition | undefined {
  const lower = id.toLowerCase();
  return allSchemas.find((s) => s.id.toLowerCase() === lower);
}

/** The schema `urn` is declared for `resourceType`, with whether it is the core schema. */
export function schemaForResource(resourceType: ResourceTypeName, urn: string): { schema: SchemaDefinition; core: boolean } | undefined {
  const lower = urn.toLowerCase();
  const rs = resourceSchemas[resourceType];
  if (rs.core.id.toLowerCase() === lower) return { schema: rs.core, core: true };
  const ext = rs.extensions.find((s) => s.id.toLowerCase() === lower);
  return ext ? { schema: ext, core: false } : undefined;
}

/** Case-insensitive lookup of a (sub-)attribute by name in a list of definitions. */
export function findDefinition(definitions: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  if (!definitions) return undefined;
  const lower = name.toLowerCase();
  return definitions.find((d) => d.name.toLowerCase() === lower);
}

export function findSubAttribute(parent: AttributeDefinition | undefined, name: string): AttributeDefinition | undefined {
  return findDefinition(parent?.subAttributes, name);
}

// ---------------------------------------------------------------------------------------------
// Attribute paths

/** An attribute reference as written in a filter or path: `[schema:]attribute[.subAttribute]`. */
export interface AttrRef {
  /** The schema URN; canonical spelling when it is a known schema, else as written. */
  schema?: string;
  attribute: string;
  subAttribute?: string;
}

const ATTRNAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;

/** Whether `name` is a valid ATTRNAME (RFC 7644 §3.10; `$ref` is accepted as well). */
export function isValidAttrName(name: string): boolean {
  return ATTRNAME.test(name);
}

const knownSchemaIdsLongestFirst = allSchemas.map((s) => s.id).sort((a, b) => b.length - a.length);

/** Whether `text` is exactly a known schema URN (any resource type), case-insensitively. */
export function isKnownSchemaUrn(text: string): boolean {
  return getSchema(text) !== undefined;
}

export type AttrPathResult = { ok: true; ref: AttrRef } | { ok: false; reason: string };

/**
 * Split an attribute path `[URI ":"] ATTRNAME [ "." ATTRNAME ]` (RFC 7644 §3.10) into its parts.
 *
 * URN handling: a known schema URN followed by `:` or by `.` (the legacy form Entra used before
 * Dec 2018, e.g. `urn:…:enterprise:2.0:User.manager`) is recognised case-insensitively and
 * reported in its canonical spelling. For an unknown URN the attribute is what follows the last
 * `:` (a URN may itself contain dots, e.g. `2.0`).
 */
export function parseAttrPath(text: string): AttrPathResult {
  if (text.length === 0) return { ok: false, reason: 'empty attribute path' };
  let schema: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    if (isKnownSchemaUrn(text)) return { ok: false, reason: `"${text}" names a schema, not an attribute` };
    const lower = text.toLowerCase();
    const known = knownSchemaIdsLongestFirst.find((id) => {
      const sep = lower.charAt(id.length);
      return lower.startsWith(id.toLowerCase()) && (sep === ':' || sep === '.');
    });
    if (known !== undefined) {
      schema = known;
      rest = text.slice(known.length + 1);
    } else {
      const lastColon = text.lastIndexOf(':');
      schema = text.slice(0, lastColon);
      rest = text.slice(lastColon + 1);
      if (!/^urn:[^:]+:.+/i.test(schema)) {
        return { ok: false, reason: `"${text}" is not a URN-qualified attribute` };
      }
    }
    if (rest.length === 0) return { ok: false, reason: `"${text}" names a schema, not an attribute` };
  }
  const parts = rest.split('.');
  if (parts.length > 2) return { ok: false, reason: `"${text}" has more than one sub-attribute` };
  const [attribute = '', subAttribute] = parts;
  if (!isValidAttrName(attribute)) return { ok: false, reason: `invalid attribute name "${attribute}"` };
  if (subAttribute !== undefined && !isValidAttrName(subAttribute)) {
    return { ok: false, reason: `invalid sub-attribute name "${subAttribute}"` };
  }
  const ref: AttrRef = { attribute };
  if (schema !== undefined) ref.schema = schema;
  if (subAttribute !== undefined) ref.subAttribute = subAttribute;
  return { ok: true, ref };
}

/** {@link parseAttrPath} that throws a 400 ScimError with the given scimType. */
export function parseAttrPathOrThrow(text: string, scimType: ScimType): AttrRef {
  const result = parseAttrPath(text);
  if (!result.ok) throw badRequest(scimType, `Invalid attribute path: ${result.reason}`);
  return result.ref;
}

/** Where a resolved attribute lives: top level (core schema) or under its extension's URN key. */
export interface ResolvedAttribute {
  /** The schema declaring the attribute. For common attributes, the resource's core schema. */
  schemaId: string;
  /** True when stored under `resource[schemaId]` (an extension). */
  extension: boolean;
  /** Definition of the top-level attribute. */
  attribute: AttributeDefinition;
  /** Definition of the sub-attribute, when the reference names one that exists. */
  subAttribute?: AttributeDefinition;
}

/**
 * Resolve `[schema:]attribute[.subAttribute]` for a resource type, case-insensitively.
 * Without a schema, the core schema and the common attributes are tried first, then each
 * extension (Entra sends a bare `manager`). Returns undefined when the attribute is unknown, or
 * when a sub-attribute is named that the attribute does not have.
 */
export function resolveAttribute(resourceType: ResourceTypeName, ref: AttrRef): ResolvedAttribute | undefined {
  const rs = resourceSchemas[resourceType];
  let found: { def: AttributeDefinition; schemaId: string; extension: boolean } | undefined;
  if (ref.schema !== undefined) {
    const target = schemaForResource(resourceType, ref.schema);
    if (!target) return undefined;
    const def = target.core
      ? (findDefinition(target.schema.attributes, ref.attribute) ?? findDefinition(commonAttributes, ref.attribute))
      : findDefinition(target.schema.attributes, ref.attribute);
    if (def) found = { def, schemaId: target.schema.id, extension: !target.core };
  } else {
    const coreDef = findDefinition(rs.core.attributes, ref.attribute) ?? findDefinition(commonAttributes, ref.attribute);
    if (coreDef) {
      found = { def: coreDef, schemaId: rs.core.id, extension: false };
    } else {
      for (const ext of rs.extensions) {
        const def = findDefinition(ext.attributes, ref.attribute);
        if (def) {
          found = { def, schemaId: ext.id, extension: true };
          break;
        }
      }
    }
  }
  if (!found) return undefined;
  const resolved: ResolvedAttribute = {
    schemaId: found.schemaId,
    extension: found.extension,
    attribute: found.def,
  };
  if (ref.subAttribute !== undefined) {
    const sub = findSubAttribute(found.def, ref.subAttribute);
    if (!sub) return undefined;
    resolved.subAttribute = sub;
  }
  return resolved;
}

/**
 * Find the definition an attribute path names. `segments` are path pieces, e.g.
 * `['name', 'givenName']`, `['name.givenName']`, `['urn:…:enterprise:2.0:User:employeeNumber']`,
 * `['urn:…:enterprise:2.0:User.manager', 'value']` or `['urn:…:enterprise:2.0:User', 'manager']`.
 * Names match case-insensitively (RFC 7643 §2.1).
 */
export function findAttribute(resourceType: ResourceTypeName, segments: readonly string[]): AttributeDefinition | undefined {
  const [first, ...others] = segments;
  if (first === undefined) return undefined;
  let ref: AttrRef;
  if (isKnownSchemaUrn(first)) {
    const [attribute, ...subs] = others;
    if (attribute === undefined) return undefined;
    const parsed = parseAttrPath(attribute);
    if (!parsed.ok || parsed.ref.schema !== undefined) return undefined;
    ref = { ...parsed.ref, schema: getSchema(first)?.id ?? first };
    others.splice(0, others.length, ...subs);
  } else {
    const parsed = parseAttrPath(first);
    if (!parsed.ok) return undefined;
    ref = parsed.ref;
  }
  for (const seg of others) {
    if (ref.subAttribute !== undefined || !isValidAttrName(seg)) return undefined;
    ref = { ...ref, subAttribute: seg };
  }
  const resolved = resolveAttribute(resourceType, ref);
  if (!resolved) return undefined;
  return ref.subAttribute !== undefined ? resolved.subAttribute : resolved.attribute;
}

// ---------------------------------------------------------------------------------------------
// /Schemas representation (RFC 7643 §7)

export interface AttributeJson {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeJson[];
}

export interface SchemaJson {
  schemas: [typeof SCHEMA_SCHEMA];
  id: string;
  name: string;
  description: string;
  attributes: AttributeJson[];
  meta: { resourceType: 'Schema'; location: string };
}

function attributeToJson(def: AttributeDefinition): AttributeJson {
  const json: AttributeJson = {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued,
    description: def.description,
    required: def.required,
    caseExact: def.caseExact,
    mutability: def.mutability,
    returned: def.returned,
    uniqueness: def.uniqueness,
  };
  if (def.canonicalValues) json.canonicalValues = [...def.canonicalValues];
  if (def.referenceTypes) json.referenceTypes = [...def.referenceTypes];
  if (def.subAttributes) json.subAttributes = def.subAttributes.map(attributeToJson);
  return json;
}

/**
 * The RFC 7643 §7 representation of a schema, as served by `GET /Schemas/{id}`. The common
 * attributes (id, externalId, meta) are not listed, as in RFC 7643 §8.7.1. `baseUrl` is the SCIM
 * base URL (e.g. `http://127.0.0.1:4000/scim/v2/acme`); without it `meta.location` is relative.
 */
export function schemaToJson(schema: SchemaDefinition, baseUrl = ''): SchemaJson {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeToJson),
    meta: { resourceType: 'Schema', location: `${trimSlash(baseUrl)}/Schemas/${schema.id}` },
  };
}

/** All schema representations, in a stable order (User, Group, EnterpriseUser). */
export function allSchemasToJson(baseUrl = ''): SchemaJson[] {
  return allSchemas.map((s) => schemaToJson(s, baseUrl));
}

export interface ResourceTypeJson {
  schemas: [typeof RESOURCE_TYPE_SCHEMA];
  id: ResourceTypeName;
  name: ResourceTypeName;
  endpoint: string;
  description: string;
  schema: string;
  schemaExtensions: { schema: string; required: boolean }[];
  meta: { resourceType: 'ResourceType'; location: string };
}

/** The RFC 7643 §6 representation of a resource type, for `GET /ResourceTypes`. */
export function resourceTypeToJson(resourceType: ResourceTypeName, baseUrl = ''): ResourceTypeJson {
  const rs = resourceSchemas[resourceType];
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: resourceType,
    name: resourceType,
    endpoint: RESOURCE_ENDPOINTS[resourceType],
    description: rs.core.description,
    schema: rs.core.id,
    schemaExtensions: rs.extensions.map((s) => ({ schema: s.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${trimSlash(baseUrl)}/ResourceTypes/${resourceType}` },
  };
}

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
