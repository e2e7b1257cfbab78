/**
 * SCIM PATCH (RFC 7644 §3.5.2) applied to a stored JSON resource.
 *
 * The input resource is never mutated; operations run on a deep copy and the whole request fails
 * atomically on the first error (a ScimError; nothing is half-applied because the copy is thrown
 * away). The stored shape: core attributes at the top level, extension attributes under their
 * schema URN key (`resource["urn:…:enterprise:2.0:User"].employeeNumber`).
 *
 * Rules, RFC first, then the IdP tolerance Rollcall needs (see scim-idp-behaviour.md):
 * - `op` is matched case-insensitively (Entra sends `Add`/`Replace`/`Remove`); other ops → 400
 *   invalidSyntax. The PatchOp message may omit `schemas` (tolerated); if present it must list
 *   the PatchOp URN. `Operations` must be a non-empty array of at most 1,000 operations (more
 *   → 413).
 * - Attribute names match case-insensitively; written keys use the schema's canonical spelling
 *   (an existing differently-cased key is renamed). Unknown attributes and unknown extension
 *   schemas are kept as sent, never rejected.
 * - Values are coerced by schema type: "True"/"False" strings (any case) for booleans, numeric
 *   strings for integer/decimal, a string for a complex attribute with a `value` sub-attribute
 *   (`"X"` → `{value: "X"}`), a one-element array for a single-valued attribute (Entra's
 *   `manager: [{value}]`), a single object for a multi-valued attribute (wrapped). Anything else
 *   that does not fit → 400 invalidValue. `null` sub-attributes are dropped (`$ref: null`), and
 *   `null`/`[]` as a whole value means "unassigned" (RFC 7643 §2.5).
 * - add: multi-valued values are merged — an element whose `value` (or, without one, whose whole
 *   content) equals an existing element is not added twice; its other sub-attributes are merged
 *   into the existing element (the stored `value` keeps its spelling). Complex single-valued: sub-attributes merged, except that a new
 *   `value` different from the stored one replaces the whole object (a new manager must not keep
 *   the old manager's `$ref`/`displayName`). `add` with a null value does nothing.
 * - replace: multi-valued without filter replaces the whole set; complex single-valued merges
 *   sub-attributes (RFC §3.5.2.3), with the same `value` rule as add; `null` unassigns.
 * - remove: no path → 400 noTarget. With a value on a multi-valued attribute (Entra's default
 *   `{"op":"Remove","path":"members","value":[{"value":"u1"}]}`) only the listed elements go: an
 *   element matches by `value` if the listed item has one, else when all listed sub-attributes
 *   equal. Removing something that is not there is a no-op.
 * - Value filters (`emails[type eq "work"]`, `members[value eq "x"]`) select elements. When a
 *   replace/add with a filter matches nothing and the filter is only `eq` comparisons joined by
 *   `and`, a new element is created from those comparisons plus the value
 *   (`emails[type eq "work"].value` → `{type: "work", value: …}`). RFC 7644 §3.5.2.3 says 400
 *   noTarget for replace; Entra relies on creation when a user has no work email yet. Filters that
 *   cannot describe an element (`co`, `or`, …) still give 400 noTarget.
 * - A sub-attribute path on a multi-valued attribute without a filter (`emails.type`) applies to
 *   every element (RFC 7644 §3.10 reads `emails.type` as "the type of every email"); with no
 *   element yet, add/replace create one.
 * - `primary: true` written on an element clears `primary` on the attribute's other elements.
 * - read-only attributes (`id`, `meta`, User `groups`) and immutable ones: an operation that would
 *   leave them unchanged (Okta's group rename repeats `id`; `null` as a value) is ignored silently;
 *   one that would change them → 400 mutability. Removing a required attribute (`userName`,
 *   Group `displayName`) or emptying it → 400 mutability (RFC 7644 §3.5.2.2). Read-only
 *   sub-attributes inside a writable attribute (`manager.displayName`) are stored as sent.
 * - No-path add/replace: each key of the value object is a path (Entra: `name.givenName`,
 *   `urn:…:enterprise:2.0:User:employeeNumber`) or an ordinary attribute (Okta: `active`); a key
 *   that is a schema URN holds that extension's attributes. A key `schemas` is ignored (the
 *   service provider maintains `schemas`). A path that is exactly an extension URN behaves the
 *   same way (and `remove` on it drops the extension).
 * - Writing extension attributes adds the extension URN to `schemas` (when the resource has a
 *   `schemas` array); removing the last one removes the URN and the empty extension object.
 */

import { badRequest, payloadTooLarge, type ScimError } from './errors';
import { type FilterAst, getCaseInsensitive, isPresent, matchesValue } from './filter';
import { type ScimPath, parsePath } from './path';
import {
  type AttributeDefinition,
  type ResourceTypeName,
  PATCH_OP_SCHEMA,
  findSubAttribute,
  getSchema,
  parseAttrPath,
  resolveAttribute,
  schemaForResource,
} from './schema';

export { PATCH_OP_SCHEMA } from './schema';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path?: string;
  /** `undefined` when the operation has no `value` member. */
  value?: unknown;
}

export type JsonObject = Record<string, unknown>;

export interface PatchResult {
  resource: JsonObject;
  /** False when the result deep-equals the input (nothing to store, no event to emit). */
  changed: boolean;
}

/** Most operations accepted in one PATCH request. */
export const MAX_PATCH_OPERATIONS = 1000;

// ---------------------------------------------------------------------------------------------
// JSON helpers

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON data; drops `undefined` values and `__proto__` keys. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => cloneJson(v)) as T;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__' || v === undefined) continue;
      out[k] = cloneJson(v);
    }
    return out as T;
  }
  return value;
}

/** Structural JSON equality; object key order does not matter, `undefined` members are absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
}

function findKey(obj: JsonObject, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** Set `obj[name]`, replacing any differently-cased existing key. */
function setKey(obj: JsonObject, name: string, value: unknown): void {
  const existing = findKey(obj, name);
  if (existing !== undefined && existing !== name) delete obj[existing];
  obj[name] = value;
}

function deleteKey(obj: JsonObject, name: string): void {
  const existing = findKey(obj, name);
  if (existing !== undefined) delete obj[existing];
}

/** Equality of SCIM state: unassigned, null, "" and [] are all "no value". */
function sameState(a: unknown, b: unknown): boolean {
  const pa = isPresent(a);
  const pb = isPresent(b);
  if (!pa || !pb) return pa === pb;
  return deepEqual(a, b);
}

// ---------------------------------------------------------------------------------------------
// Request validation

/**
 * Validate a PATCH body — a PatchOp message (`{schemas?, Operations}`) or a bare operations
 * array — and return normalised operations (`op` lower-cased, `path` absent when null).
 */
export function parsePatchOperations(body: unknown): PatchOperation[] {
  let list: unknown;
  if (Array.isArray(body)) {
    list = body;
  } else if (isObject(body)) {
    const schemas = getCaseInsensitive(body, 'schemas');
    if (schemas !== undefined) {
      const ok = Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase());
      if (!ok) throw badRequest('invalidSyntax', `PATCH "schemas" must contain "${PATCH_OP_SCHEMA}"`);
    }
    list = getCaseInsensitive(body, 'Operations');
  } else {
    throw badRequest('invalidSyntax', 'PATCH body must be a PatchOp message object');
  }
  if (!Array.isArray(list)) throw badRequest('invalidSyntax', 'PATCH "Operations" must be an array');
  if (list.length === 0) throw badRequest('invalidSyntax', 'PATCH "Operations" must not be empty');
  if (list.length > MAX_PATCH_OPERATIONS) {
    throw payloadTooLarge(`PATCH has more than ${MAX_PATCH_OPERATIONS} operations`);
  }
  return list.map((raw, index) => {
    if (!isObject(raw)) throw badRequest('invalidSyntax', `Operation ${index} is not an object`);
    const op = getCaseInsensitive(raw, 'op');
    if (typeof op !== 'string') throw badRequest('invalidSyntax', `Operation ${index} has no "op"`);
    const name = op.trim().toLowerCase();
    if (name !== 'add' && name !== 'replace' && name !== 'remove') {
      throw badRequest('invalidSyntax', `Operation ${index}: unknown op ${JSON.stringify(op)}`);
    }
    const path = getCaseInsensitive(raw, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') {
      throw badRequest('invalidPath', `Operation ${index}: "path" must be a string`);
    }
    const hasValue = findKey(raw, 'value') !== undefined;
    const value = getCaseInsensitive(raw, 'value');
    if (name !== 'remove' && !hasValue) {
      throw badRequest('invalidSyntax', `Operation ${index}: "${name}" needs a "value"`);
    }
    const out: PatchOperation = { op: name };
    if (typeof path === 'string' && path.trim() !== '') out.path = path;
    if (hasValue) out.value = value;
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Value coercion

function invalidValue(label: string, expected: string, value: unknown): ScimError {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 80)}…`;
  return badRequest('invalidValue', `"${label}" expects ${expected}, got ${shown}`);
}

/** Coerce a whole attribute value; `null` means unassigned. */
function coerceAttribute(def: AttributeDefinition | undefined, value: unknown, label: string): unknown {
  if (value === undefined || value === null) return null;
  if (!def) return cloneJson(value);
  if (def.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    const out = items.map((item) => coerceSingle(def, item, label)).filter((v) => v !== null);
    return out.length > 0 ? out : null;
  }
  let single = value;
  if (Array.isArray(single)) {
    if (single.length === 0) return null;
    if (single.length > 1) throw invalidValue(label, 'a single value', value);
    single = single[0];
  }
  return coerceSingle(def, single, label);
}

/** Coerce one value (an element, for a multi-valued attribute) to the definition's type. */
function coerceSingle(def: AttributeDefinition, value: unknown, label: string): unknown {
  if (value === undefined || value === null) return null;
  switch (def.type) {
    case 'complex': {
      if (Array.isArray(value)) {
        if (value.length === 0) return null;
        if (value.length === 1) return coerceSingle(def, value[0], label);
        throw invalidValue(label, 'a single complex value', value);
      }
      if (isObject(value)) {
        const out: JsonObject = {};
        for (const [k, v] of Object.entries(value)) {
          if (k === '__proto__') continue;
          const sub = findSubAttribute(def, k);
          const coerced = sub ? coerceAttribute(sub, v, `${label}.${sub.name}`) : cloneJson(v);
          if (coerced === null || coerced === undefined) continue;
          setKey(out, sub?.name ?? k, coerced);
        }
        return Object.keys(out).length > 0 ? out : null;
      }
      const valueDef = findSubAttribute(def, 'value');
      if (valueDef && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
        return { value: coerceSingle(valueDef, value, `${label}.value`) };
      }
      throw invalidValue(label, 'a complex value (object)', value);
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const lower = value.trim().toLowerCase();
        if (lower === 'true') return true;
        if (lower === 'false') return false;
      }
      throw invalidValue(label, 'a boolean', value);
    }
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) throw invalidValue(label, 'an integer', value);
      return n;
    }
    case 'decimal': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw invalidValue(label, 'a decimal number', value);
      return n;
    }
    case 'dateTime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
        throw invalidValue(label, 'a dateTime string', value);
      }
      return value;
    }
    default: {
      // string, reference, binary. Numbers and booleans are accepted as their text (templated
      // IdPs such as OneLogin send `"employeeNumber": 123`).
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw invalidValue(label, `a ${def.type} string`, value);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Multi-valued helpers

function valueCaseExact(def: AttributeDefinition | undefined): boolean {
  return findSubAttribute(def, 'value')?.caseExact ?? false;
}

function sameScalar(a: unknown, b: unknown, caseExact: boolean): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !caseExact) return a.toLowerCase() === b.toLowerCase();
  return deepEqual(a, b);
}

/** Identity of elements for `add`: by `value` when both have one, else whole-content equality. */
function sameElement(a: unknown, b: unknown, def: AttributeDefinition | undefined): boolean {
  if (isObject(a) && isObject(b)) {
    const va = getCaseInsensitive(a, 'value');
    const vb = getCaseInsensitive(b, 'value');
    if (va !== undefined && vb !== undefined) return sameScalar(va, vb, valueCaseExact(def));
    return deepEqual(a, b);
  }
  return sameScalar(a, b, valueCaseExact(def));
}

/** `remove` with a value list: by `value` when listed, else every listed sub-attribute equal. */
function removalMatches(stored: unknown, listed: unknown, def: AttributeDefinition | undefined): boolean {
  if (isObject(stored) && isObject(listed)) {
    const lv = getCaseInsensitive(listed, 'value');
    if (lv !== undefined) {
      const sv = getCaseInsensitive(stored, 'value');
      return sv !== undefined && sameScalar(sv, lv, valueCaseExact(def));
    }
    const keys = Object.keys(listed);
    return (
      keys.length > 0 &&
      keys.every((k) => sameScalar(getCaseInsensitive(stored, k), listed[k], findSubAttribute(def, k)?.caseExact ?? false))
    );
  }
  return sameScalar(stored, listed, valueCaseExact(def));
}

/** Keep `primary: true` on the last written element that has it; clear it on the others. */
function normalizePrimary(list: unknown[], written: readonly unknown[]): void {
  let keeper: JsonObject | undefined;
  for (const el of written) {
    if (isObject(el) && getCaseInsensitive(el, 'primary') === true) keeper = el;
  }
  if (!keeper) return;
  for (const el of list) {
    if (el !== keeper && isObject(el) && getCaseInsensitive(el, 'primary') === true) setKey(el, 'primary', false);
  }
}

/** Merge `incoming` sub-attributes into `target` (null sub-attributes were already dropped). */
function mergeInto(target: JsonObject, incoming: JsonObject): void {
  for (const [k, v] of Object.entries(incoming)) setKey(target, k, cloneJson(v));
}

/** The element a filter of `eq`s joined by `and` describes, or undefined if it cannot. */
function elementFromFilter(filter: FilterAst, def: AttributeDefinition | undefined): JsonObject | undefined {
  const parts = filter.kind === 'and' ? filter.filters : [filter];
  const out: JsonObject = {};
  for (const part of parts) {
    if (part.kind !== 'compare' || part.op !== 'eq' || part.value === null) return undefined;
    if (part.attr.subAttribute !== undefined || part.attr.schema !== undefined) return undefined;
    const sub = findSubAttribute(def, part.attr.attribute);
    setKey(out, sub?.name ?? part.attr.attribute, part.value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Target resolution

type Storage = { kind: 'core' } | { kind: 'extension'; schemaId: string };

interface Target {
  storage: Storage;
  /** Key to write the attribute under (canonical name when known). */
  name: string;
  def: AttributeDefinition | undefined;
  subDef: AttributeDefinition | undefined;
  path: ScimPath;
}

function resolveTarget(resourceType: ResourceTypeName, path: ScimPath): Target {
  const resolved = resolveAttribute(resourceType, { schema: path.schema, attribute: path.attribute });
  let storage: Storage;
  if (path.schema !== undefined) {
    const target = schemaForResource(resourceType, path.schema);
    if (target) {
      storage = target.core ? { kind: 'core' } : { kind: 'extension', schemaId: target.schema.id };
    } else if (getSchema(path.schema)) {
      throw badRequest('invalidPath', `Schema "${path.schema}" does not apply to ${resourceType} resources`);
    } else {
      storage = { kind: 'extension', schemaId: path.schema };
    }
  } else if (resolved?.extension) {
    storage = { kind: 'extension', schemaId: resolved.schemaId };
  } else {
    storage = { kind: 'core' };
  }
  const def = resolved?.attribute;
  if (path.subAttribute !== undefined && def && def.type !== 'complex') {
    throw badRequest('invalidPath', `"${def.name}" has no sub-attributes`);
  }
  if (path.filter && def && def.type !== 'complex' && !def.multiValued) {
    throw badRequest('invalidPath', `"${def.name}" is not multi-valued; it cannot take a value filter`);
  }
  const subDef = path.subAttribute !== undefined ? findSubAttribute(def, path.subAttribute) : undefined;
  return { storage, name: def?.name ?? path.attribute, def, subDef, path };
}

function getContainer(doc: JsonObject, storage: Storage, create: boolean): JsonObject | undefined {
  if (storage.kind === 'core') return doc;
  const key = findKey(doc, storage.schemaId);
  const existing = key !== undefined ? doc[key] : undefined;
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  if (key !== undefined) delete doc[key];
  const fresh: JsonObject = {};
  doc[storage.schemaId] = fresh;
  return fresh;
}

function readAttribute(doc: JsonObject, target: Target): unknown {
  const container = getContainer(doc, target.storage, false);
  if (!container) return undefined;
  return getCaseInsensitive(container, target.name);
}

/**
 * After an operation on an extension: list the URN in `schemas` while the extension object has
 * content; drop an empty extension object (and its URN) when this operation created or emptied it.
 */
function syncExtension(doc: JsonObject, schemaId: string, existedBefore: boolean, hadContent: boolean): void {
  const key = findKey(doc, schemaId);
  const container = key !== undefined ? doc[key] : undefined;
  if (key === undefined || !isObject(container)) return;
  const schemas = doc['schemas'];
  const lower = schemaId.toLowerCase();
  const listed = (s: unknown): boolean => typeof s === 'string' && s.toLowerCase() === lower;
  if (Object.keys(container).length > 0) {
    if (Array.isArray(schemas) && !schemas.some(listed)) schemas.push(schemaId);
    return;
  }
  if (existedBefore && !hadContent) return; // was already empty: leave the input as it was
  delete doc[key];
  if (Array.isArray(schemas)) {
    const idx = schemas.findIndex(listed);
    if (idx !== -1) schemas.splice(idx, 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

interface OpContext {
  op: PatchOpName;
  value: unknown;
  hasValue: boolean;
}

/** Apply one operation on a parsed path, ignoring mutability (checked by the caller). */
function applyRaw(doc: JsonObject, target: Target, ctx: OpContext): void {
  const { path, def, name } = target;
  const container = getContainer(doc, target.storage, ctx.op !== 'remove');
  if (!container) return; // remove under an absent extension: nothing to do
  const label = path.schema !== undefined && target.storage.kind === 'extension' ? `${path.schema}:${name}` : name;
  const current = getCaseInsensitive(container, name);

  if (path.filter) {
    applyFiltered(container, target, ctx, current, label, path.filter);
    return;
  }

  if (path.subAttribute !== undefined) {
    applySubAttribute(container, target, ctx, current, label, path.subAttribute);
    return;
  }

  const multi = def ? def.multiValued : Array.isArray(current);

  if (ctx.op === 'remove') {
    if (ctx.hasValue && multi && ctx.value !== null && ctx.value !== undefined && Array.isArray(current)) {
      // Entra: remove only the listed values.
      const listed = (Array.isArray(ctx.value) ? ctx.value : [ctx.value]).map((v) => (def ? coerceSingle(def, v, label) : v));
      const kept = current.filter((el) => !listed.some((l) => l !== null && removalMatches(el, l, def)));
      if (kept.length > 0) setKey(container, name, kept);
      else deleteKey(container, name);
      return;
    }
    deleteKey(container, name);
    return;
  }

  const value = coerceAttribute(def, ctx.value, label);
  if (value === null) {
    if (ctx.op === 'replace') deleteKey(container, name);
    return;
  }

  if (multi) {
    const incoming = (Array.isArray(value) ? value : [value]).map((v) => cloneJson(v));
    if (ctx.op === 'replace') {
      const list = dedupe(incoming, def);
      normalizePrimary(list, list);
      setKey(container, name, list);
      return;
    }
    const list: unknown[] = Array.isArray(current)
      ? cloneJson(current)
      : current === undefined || current === null
        ? []
        : [cloneJson(current)];
    const written: unknown[] = [];
    for (const item of incoming) {
      const existing = list.find((el) => sameElement(el, item, def));
      if (existing === undefined) {
        list.push(item);
        written.push(item);
      } else if (isObject(existing) && isObject(item)) {
        // Same element: merge the other sub-attributes; the stored `value` keeps its spelling.
        const { value: _same, ...rest } = item;
        mergeInto(existing, rest);
        written.push(existing);
      }
    }
    normalizePrimary(list, written);
    setKey(container, name, list);
    return;
  }

  const isComplex = def ? def.type === 'complex' : isObject(value) && isObject(current);
  if (isComplex && isObject(value) && isObject(current)) {
    const newValue = getCaseInsensitive(value, 'value');
    const oldValue = getCaseInsensitive(current, 'value');
    const referentChanged = newValue !== undefined && oldValue !== undefined && !sameScalar(newValue, oldValue, valueCaseExact(def));
    if (referentChanged) {
      setKey(container, name, cloneJson(value));
    } else {
      const merged = cloneJson(current);
      mergeInto(merged, value);
      setKey(container, name, merged);
    }
    return;
  }
  setKey(container, name, cloneJson(value));
}

/** Remove duplicates (same `value`, or identical content); a later duplicate is merged into the first. */
function dedupe(list: unknown[], def: AttributeDefinition | undefined): unknown[] {
  const out: unknown[] = [];
  for (const item of list) {
    const existing = out.find((el) => sameElement(el, item, def));
    if (existing === undefined) out.push(item);
    else if (isObject(existing) && isObject(item)) mergeInto(existing, item);
  }
  return out;
}

function applySubAttribute(container: JsonObject, target: Target, ctx: OpContext, current: unknown, label: string, subName: string): void {
  const { def, subDef, name } = target;
  const key = subDef?.name ?? subName;
  const subLabel = `${label}.${key}`;
  const multi = def ? def.multiValued : Array.isArray(current);

  if (ctx.op === 'remove') {
    if (Array.isArray(current)) {
      const list = cloneJson(current);
      for (const el of list) if (isObject(el)) deleteKey(el, key);
      const kept = list.filter((el) => isPresent(el));
      if (kept.length > 0) setKey(container, name, kept);
      else deleteKey(container, name);
    } else if (isObject(current)) {
      const copy = cloneJson(current);
      deleteKey(copy, key);
      if (Object.keys(copy).length > 0) setKey(container, name, copy);
      else deleteKey(container, name);
    }
    return;
  }

  const value = subDef ? coerceAttribute(subDef, ctx.value, subLabel) : cloneJson(ctx.value ?? null);
  if (value === null && ctx.op === 'add') return;

  if (multi) {
    // `emails.type` without a filter applies to every element; with none, one is created.
    const list = Array.isArray(current) ? cloneJson(current) : isObject(current) ? [cloneJson(current)] : [];
    if (list.length === 0) {
      if (value !== null) setKey(container, name, [{ [key]: value }]);
      return;
    }
    for (const el of list) {
      if (!isObject(el)) continue;
      if (value === null) deleteKey(el, key);
      else setKey(el, key, cloneJson(value));
    }
    if (key === 'primary' && value === true) normalizePrimary(list, list.slice(-1));
    setKey(container, name, list);
    return;
  }

  if (current !== undefined && current !== null && !isObject(current)) {
    throw badRequest('invalidPath', `"${label}" is not a complex value; "${subName}" cannot be set`);
  }
  const obj = isObject(current) ? cloneJson(current) : {};
  if (value === null) deleteKey(obj, key);
  else setKey(obj, key, value);
  if (Object.keys(obj).length > 0) setKey(container, name, obj);
  else deleteKey(container, name);
}

function applyFiltered(container: JsonObject, target: Target, ctx: OpContext, current: unknown, label: string, filter: FilterAst): void {
  const { def, subDef, name, path } = target;
  const wasSingle = isObject(current);
  const list: unknown[] = Array.isArray(current) ? cloneJson(current) : wasSingle ? [cloneJson(current)] : [];
  const matched = list.filter((el) => matchesValue(filter, el, def));
  const subName = path.subAttribute;
  const subKey = subName !== undefined ? (subDef?.name ?? subName) : undefined;
  const store = (items: unknown[]): void => {
    if (items.length === 0) deleteKey(container, name);
    else if (wasSingle && items.length === 1) setKey(container, name, items[0]);
    else setKey(container, name, items);
  };

  if (ctx.op === 'remove') {
    if (matched.length === 0) return;
    if (subKey === undefined) {
      store(list.filter((el) => !matched.includes(el)));
      return;
    }
    for (const el of matched) if (isObject(el)) deleteKey(el, subKey);
    store(list.filter((el) => isPresent(el)));
    return;
  }

  const written: unknown[] = [];
  if (subKey !== undefined) {
    const value = subDef ? coerceAttribute(subDef, ctx.value, `${label}.${subKey}`) : cloneJson(ctx.value ?? null);
    if (matched.length === 0) {
      if (value === null) return;
      const created = elementFromFilter(filter, def);
      if (!created) throw noTarget(label, path);
      setKey(created, subKey, value);
      list.push(created);
      written.push(created);
    } else {
      for (const el of matched) {
        if (!isObject(el)) continue;
        if (value === null) deleteKey(el, subKey);
        else setKey(el, subKey, cloneJson(value));
        written.push(el);
      }
    }
  } else {
    const value = def
      ? coerceSingle(def, Array.isArray(ctx.value) && ctx.value.length === 1 ? ctx.value[0] : ctx.value, label)
      : cloneJson(ctx.value ?? null);
    if (value !== null && !isObject(value)) throw invalidValue(label, 'a complex value (object)', ctx.value);
    if (matched.length === 0) {
      if (value === null) return;
      const created = elementFromFilter(filter, def);
      if (!created) throw noTarget(label, path);
      mergeInto(created, value);
      list.push(created);
      written.push(created);
    } else if (value === null) {
      if (ctx.op === 'replace') {
        store(list.filter((el) => !matched.includes(el)));
      }
      return;
    } else {
      for (const el of matched) {
        const idx = list.indexOf(el);
        if (ctx.op === 'replace' || !isObject(el)) {
          const replacement = cloneJson(value);
          list[idx] = replacement;
          written.push(replacement);
        } else {
          mergeInto(el, value);
          written.push(el);
        }
      }
    }
  }
  normalizePrimary(list, written);
  store(list.filter((el) => isPresent(el)));
}

function noTarget(label: string, path: ScimPath): ScimError {
  return badRequest('noTarget', `No value of "${label}" matches the filter in path "${describePath(path)}"`);
}

function describePath(path: ScimPath): string {
  return `${path.schema !== undefined ? `${path.schema}:` : ''}${path.attribute}[…]${path.subAttribute !== undefined ? `.${path.subAttribute}` : ''}`;
}

/** Apply an operation at a parsed path, enforcing mutability and required-ness. */
function applyAtPath(doc: JsonObject, resourceType: ResourceTypeName, path: ScimPath, ctx: OpContext): void {
  const target = resolveTarget(resourceType, path);
  const { def } = target;
  const label = def?.name ?? path.attribute;

  if (def?.name === 'schemas' || (!def && target.storage.kind === 'core' && path.attribute.toLowerCase() === 'schemas')) {
    return; // maintained by the service provider
  }

  const before = cloneJson(readAttribute(doc, target));
  const extension = target.storage.kind === 'extension' ? getContainer(doc, target.storage, false) : undefined;
  const extensionExisted = extension !== undefined;
  const extensionHadContent = extension !== undefined && Object.keys(extension).length > 0;

  if (def && (def.mutability === 'readOnly' || def.mutability === 'immutable')) {
    if (ctx.op !== 'remove' && (ctx.value === null || ctx.value === undefined)) return;
    const scratch = cloneJson(doc);
    applyRaw(scratch, target, ctx);
    const after = readAttribute(scratch, target);
    if (sameState(before, after)) return;
    if (!(def.mutability === 'immutable' && !isPresent(before))) {
      throw badRequest('mutability', `Attribute "${label}" is ${def.mutability} and cannot be modified`);
    }
  }

  // An immutable sub-attribute (Group `members.value`) may be set on a new element but never
  // changed on an existing one (RFC 7643 §2.2): `replace members[value eq "u"].value` would swap
  // the member behind the audit trail's back.
  const subDef = path.subAttribute !== undefined ? findSubAttribute(def, path.subAttribute) : undefined;
  if (subDef?.mutability === 'immutable' && Array.isArray(before) && before.length > 0) {
    const scratch = cloneJson(doc);
    applyRaw(scratch, target, ctx);
    const after = readAttribute(scratch, target);
    const kept = Array.isArray(after) ? after : [];
    if (before.some((el, i) => !deepEqual(el, kept[i]))) {
      throw badRequest('mutability', `Sub-attribute "${label}.${subDef.name}" is immutable and cannot be modified`);
    }
  }

  applyRaw(doc, target, ctx);

  if (def?.required && isPresent(before) && !isPresent(readAttribute(doc, target))) {
    throw badRequest('mutability', `Attribute "${label}" is required and cannot be removed`);
  }
  if (target.storage.kind === 'extension') {
    syncExtension(doc, target.storage.schemaId, extensionExisted, extensionHadContent);
  }
}

/** Whether a no-path key (or a path) names a whole schema's attributes rather than one attribute. */
function schemaContainerKey(resourceType: ResourceTypeName, key: string, value: unknown): string | undefined {
  const known = getSchema(key);
  if (known) {
    if (!schemaForResource(resourceType, known.id)) {
      throw badRequest('invalidPath', `Schema "${known.id}" does not apply to ${resourceType} resources`);
    }
    return known.id;
  }
  if (!key.includes(':') || !isObject(value)) return undefined;
  const parsed = parseAttrPath(key);
  // A key qualified by a known schema is an attribute path (`urn:…:User:employeeNumber`).
  if (parsed.ok && parsed.ref.schema !== undefined && getSchema(parsed.ref.schema)) return undefined;
  return key;
}

/** `add`/`replace` without a path: each member of the value object is applied on its own. */
function applyWithoutPath(doc: JsonObject, resourceType: ResourceTypeName, op: PatchOpName, value: unknown): void {
  if (!isObject(value)) {
    throw invalidValue('value', 'an object of attributes when there is no "path"', value);
  }
  for (const [key, member] of Object.entries(value)) {
    if (key === '__proto__' || member === undefined) continue;
    const schemaId = schemaContainerKey(resourceType, key, member);
    if (schemaId !== undefined) {
      applySchemaObject(doc, resourceType, op, schemaId, member);
      continue;
    }
    applyAtPath(doc, resourceType, parsePath(key), { op, value: member, hasValue: true });
  }
}

/** The members of `value` are attributes of schema `schemaId` (an extension, or the core). */
function applySchemaObject(doc: JsonObject, resourceType: ResourceTypeName, op: PatchOpName, schemaId: string, value: unknown): void {
  if (value === null) {
    if (op === 'replace') removeSchemaObject(doc, resourceType, schemaId);
    return;
  }
  if (!isObject(value)) throw invalidValue(schemaId, 'an object of extension attributes', value);
  for (const [key, member] of Object.entries(value)) {
    if (key === '__proto__' || member === undefined) continue;
    const sub = parsePath(key);
    if (sub.schema !== undefined) throw badRequest('invalidPath', `"${key}" inside "${schemaId}" must not be qualified`);
    applyAtPath(doc, resourceType, { ...sub, schema: schemaId }, { op, value: member, hasValue: true });
  }
}

function removeSchemaObject(doc: JsonObject, resourceType: ResourceTypeName, schemaId: string): void {
  const target = schemaForResource(resourceType, schemaId);
  if (target?.core) throw badRequest('mutability', `The core schema "${schemaId}" cannot be removed`);
  const key = findKey(doc, schemaId);
  const container = key !== undefined ? doc[key] : undefined;
  if (!isObject(container)) return;
  for (const attrName of Object.keys(container)) {
    applyAtPath(doc, resourceType, { schema: schemaId, attribute: attrName }, { op: 'remove', value: undefined, hasValue: false });
  }
  const after = findKey(doc, schemaId);
  if (after !== undefined) {
    const rest = doc[after];
    if (isObject(rest) && Object.keys(rest).length === 0) syncExtension(doc, schemaId, true, true);
  }
}

/**
 * Apply a PATCH request to `resource` (not mutated) of type `resourceType`. `operations` is the
 * PatchOp message body or its `Operations` array. Throws ScimError (400) on invalid requests.
 */
export function applyPatch(resource: Readonly<JsonObject>, resourceType: ResourceTypeName, operations: unknown): PatchResult {
  const ops = parsePatchOperations(operations);
  const doc = cloneJson(resource as JsonObject);
  for (const operation of ops) {
    const ctx: OpContext = { op: operation.op, value: operation.value, hasValue: 'value' in operation };
    const rawPath = operation.path;
    if (rawPath === undefined) {
      if (operation.op === 'remove') throw badRequest('noTarget', 'A "remove" operation needs a "path"');
      applyWithoutPath(doc, resourceType, operation.op, operation.value);
      continue;
    }
    const trimmed = rawPath.trim();
    const schema = getSchema(trimmed);
    if (schema) {
      if (operation.op === 'remove') removeSchemaObject(doc, resourceType, schema.id);
      else {
        if (!schemaForResource(resourceType, schema.id)) {
          throw badRequest('invalidPath', `Schema "${schema.id}" does not apply to ${resourceType} resources`);
        }
        applySchemaObject(doc, resourceType, operation.op, schema.id, operation.value);
      }
      continue;
    }
    applyAtPath(doc, resourceType, parsePath(trimmed), ctx);
  }
  return { resource: doc, changed: !deepEqual(resource, doc) };
}
