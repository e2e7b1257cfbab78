/**
 * Fast path for normalising a User or Group body that is already in canonical form.
 *
 * `normalizeBody` applies a client's body as a no-path PATCH `add` to an empty resource, which
 * gives create/replace exactly PATCH's coercions — and costs more than the SQL of the write.
 * Most bodies need none of it: attribute names spelt as the schema spells them, values of the
 * right types, no nulls, one primary, no duplicates. For those, the result is the body itself plus
 * the extension URNs in `schemas`. This function recognises such bodies and returns that result;
 * for anything else it returns undefined and the caller takes the slow path. A property test
 * (test/unit/scim/normalize-fast.test.ts) checks that whenever it answers, the answer equals the
 * slow path's.
 */
import { cloneJson, type JsonObject } from './patch';
import { commonAttributes, resourceSchemas, type AttributeDefinition, type ResourceTypeName } from './schema';

const isPlainObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function byName(defs: readonly AttributeDefinition[]): Map<string, AttributeDefinition> {
  return new Map(defs.filter((d) => d.mutability !== 'readOnly').map((d) => [d.name, d]));
}

interface Table {
  core: Map<string, AttributeDefinition>;
  extensions: Map<string, Map<string, AttributeDefinition>>;
}

const tables: Record<ResourceTypeName, Table> = {
  User: {
    core: byName([...commonAttributes, ...resourceSchemas.User.core.attributes]),
    extensions: new Map(resourceSchemas.User.extensions.map((s) => [s.id, byName(s.attributes)])),
  },
  Group: {
    core: byName([...commonAttributes, ...resourceSchemas.Group.core.attributes]),
    extensions: new Map(resourceSchemas.Group.extensions.map((s) => [s.id, byName(s.attributes)])),
  },
};

function simpleOk(def: AttributeDefinition, v: unknown): boolean {
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'decimal':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      // dateTime and anything else: let the slow path validate.
      return false;
  }
}

function complexOk(def: AttributeDefinition, v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0) return false;
  for (const k of keys) {
    const sub = def.subAttributes?.find((s) => s.name === k);
    if (!sub || sub.multiValued || !simpleOk(sub, v[k])) return false;
  }
  return true;
}

function valueOk(def: AttributeDefinition, v: unknown): boolean {
  if (!def.multiValued) return def.type === 'complex' ? complexOk(def, v) : simpleOk(def, v);
  if (!Array.isArray(v) || v.length === 0) return false;
  let primaries = 0;
  const seen = new Set<string>();
  for (const el of v) {
    if (def.type === 'complex') {
      if (!complexOk(def, el)) return false;
      const o = el as JsonObject;
      if (o.primary === true) primaries++;
      // Duplicates are merged by the slow path: compare by value, else by content.
      const key = 'value' in o ? `v:${JSON.stringify(o.value)}` : `c:${JSON.stringify(o)}`;
      if (seen.has(key)) return false;
      seen.add(key);
    } else {
      if (!simpleOk(def, el)) return false;
      const key = JSON.stringify(el);
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return primaries <= 1;
}

/**
 * The normalised resource for an already-canonical body value (service-provider keys and
 * `schemas` already removed by the caller), or undefined when the slow path is needed.
 */
export function fastNormalize(value: JsonObject, type: ResourceTypeName, coreSchema: string): JsonObject | undefined {
  const table = tables[type];
  const schemas = [coreSchema];
  const out: JsonObject = { schemas };
  for (const [k, v] of Object.entries(value)) {
    const def = table.core.get(k);
    if (def) {
      if (!valueOk(def, v)) return undefined;
      out[k] = cloneJson(v);
      continue;
    }
    const ext = table.extensions.get(k);
    if (!ext || !isPlainObject(v)) return undefined;
    const entries = Object.entries(v);
    if (entries.length === 0) return undefined;
    for (const [ek, ev] of entries) {
      const edef = ext.get(ek);
      if (!edef || !valueOk(edef, ev)) return undefined;
    }
    out[k] = cloneJson(v);
    schemas.push(k);
  }
  return out;
}
