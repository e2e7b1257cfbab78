/**
 * Stored rows → SCIM JSON (RFC 7643): `meta` with resourceType, created, lastModified, location and
 * version (the ETag), plus `attributes` / `excludedAttributes` projection (RFC 7644 §3.9).
 */
import type { JsonObject } from './patch';
import { etagOf, type Member, type StoredGroup, type StoredUser } from './resources';
import { parseAttrPathOrThrow, resourceSchemas, type AttrRef, type ResourceTypeName } from './schema';

const ALWAYS = new Set(['id', 'schemas']);

export function renderUser(row: StoredUser, groups: { value: string; display: string }[], base: string): JsonObject {
  const raw = JSON.parse(row.raw) as JsonObject;
  const { schemas, ...rest } = raw;
  const out: JsonObject = { schemas, id: row.id, ...rest };
  if (groups.length)
    out.groups = groups.map((g) => ({ value: g.value, display: g.display, $ref: `${base}/Groups/${g.value}`, type: 'direct' }));
  out.meta = {
    resourceType: 'User',
    created: row.created_at,
    lastModified: row.updated_at,
    location: `${base}/Users/${row.id}`,
    version: etagOf(row.version),
  };
  return out;
}

export function renderGroup(row: StoredGroup, members: Member[] | undefined, base: string): JsonObject {
  const raw = JSON.parse(row.raw) as JsonObject;
  const { schemas, ...rest } = raw;
  const out: JsonObject = { schemas, id: row.id, ...rest };
  if (members && members.length) {
    out.members = members.map((m) => ({
      value: m.value,
      ...(m.display !== undefined ? { display: m.display } : {}),
      $ref: `${base}/${m.type === 'Group' ? 'Groups' : 'Users'}/${m.value}`,
      type: m.type,
    }));
  }
  out.meta = {
    resourceType: 'Group',
    created: row.created_at,
    lastModified: row.updated_at,
    location: `${base}/Groups/${row.id}`,
    version: etagOf(row.version),
  };
  return out;
}

export interface Projection {
  attributes?: AttrRef[];
  excluded?: AttrRef[];
}

export function parseProjection(attributes: string | null, excluded: string | null): Projection {
  const list = (s: string | null): AttrRef[] | undefined =>
    s === null || s.trim() === ''
      ? undefined
      : s
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => parseAttrPathOrThrow(p, 'invalidValue'));
  const p: Projection = {};
  const a = list(attributes);
  const e = list(excluded);
  if (a) p.attributes = a;
  if (e) p.excluded = e;
  return p;
}

/** Whether a projection leaves `attribute` out (so the caller can skip computing it, e.g. members). */
export function omits(p: Projection, attribute: string): boolean {
  const name = attribute.toLowerCase();
  if (p.attributes) return !p.attributes.some((r) => r.schema === undefined && r.attribute.toLowerCase() === name);
  return !!p.excluded?.some((r) => r.schema === undefined && r.subAttribute === undefined && r.attribute.toLowerCase() === name);
}

const keyOf = (obj: JsonObject, name: string): string | undefined => {
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
};

/** The container a reference points into: the resource itself, or its extension object. */
function containerKey(resource: JsonObject, ref: AttrRef, type: ResourceTypeName): string | null | undefined {
  if (ref.schema === undefined || ref.schema.toLowerCase() === resourceSchemas[type].core.id.toLowerCase()) return null;
  return keyOf(resource, ref.schema);
}

export function project(resource: JsonObject, p: Projection, type: ResourceTypeName): JsonObject {
  if (p.attributes) {
    const out: JsonObject = {};
    for (const k of Object.keys(resource)) if (ALWAYS.has(k)) out[k] = resource[k];
    for (const ref of p.attributes) {
      const ck = containerKey(resource, ref, type);
      if (ck === undefined) continue;
      const from = ck === null ? resource : (resource[ck] as JsonObject);
      const k = keyOf(from, ref.attribute);
      if (k === undefined) continue;
      const into = ck === null ? out : ((out[ck] ??= {}) as JsonObject);
      const value = from[k];
      if (ref.subAttribute === undefined) into[k] = value;
      else if (Array.isArray(value)) {
        const sub = ref.subAttribute;
        const prev = Array.isArray(into[k]) ? (into[k] as JsonObject[]) : value.map(() => ({}));
        into[k] = value.map((el, i) => {
          const o: JsonObject = { ...(prev[i] ?? {}) };
          if (el && typeof el === 'object') {
            const sk = keyOf(el as JsonObject, sub);
            if (sk !== undefined) o[sk] = (el as JsonObject)[sk];
          }
          return o;
        });
      } else if (value && typeof value === 'object') {
        const sk = keyOf(value as JsonObject, ref.subAttribute);
        if (sk !== undefined) into[k] = { ...((into[k] as JsonObject) ?? {}), [sk]: (value as JsonObject)[sk] };
      }
    }
    return out;
  }
  if (p.excluded) {
    const out: JsonObject = { ...resource };
    for (const ref of p.excluded) {
      const ck = containerKey(out, ref, type);
      if (ck === undefined) continue;
      const from = ck === null ? out : (out[ck] = { ...(out[ck] as JsonObject) });
      const k = keyOf(from, ref.attribute);
      if (k === undefined || (ck === null && ALWAYS.has(k))) continue;
      if (ref.subAttribute === undefined) delete from[k];
      else {
        const sub = ref.subAttribute;
        const strip = (el: unknown): unknown => {
          if (!el || typeof el !== 'object') return el;
          const copy = { ...(el as JsonObject) };
          const sk = keyOf(copy, sub);
          if (sk !== undefined) delete copy[sk];
          return copy;
        };
        from[k] = Array.isArray(from[k]) ? (from[k] as unknown[]).map(strip) : strip(from[k]);
      }
    }
    return out;
  }
  return resource;
}
