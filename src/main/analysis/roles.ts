/**
 * Role maps: per app (connection), which groups and which values of which attribute make an
 * account hold which named role. Attribute paths read the SCIM resource as the IdP set it:
 * `userType`, `roles[].value`, `entitlements[].value`, `name.givenName`, and enterprise (or any
 * extension) attributes by their full URN, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
 * Names compare case-insensitively (SCIM attribute names are case-insensitive) and so do values.
 */
import type { Db } from '../core/store/db';

export interface PathSegment {
  name: string;
  /** `name[]`: the value is a list, every element is read. */
  each: boolean;
}

export interface AttributePath {
  /** An extension URN the path starts with (`urn:…:User`), lower case; null for core attributes. */
  urn: string | null;
  segments: PathSegment[];
}

const SEGMENT = /^([A-Za-z$_][A-Za-z0-9$_-]*)(\[\])?$/;

/** Parses an attribute path; throws an Error whose message says what is wrong. */
export function parseAttributePath(text: string): AttributePath {
  const path = text.trim();
  if (path === '') throw new Error('the attribute path is empty');
  let urn: string | null = null;
  let rest = path;
  if (/^urn:/i.test(path)) {
    const cut = path.lastIndexOf(':');
    urn = path.slice(0, cut).toLowerCase();
    rest = path.slice(cut + 1);
    if (urn.split(':').length < 3 || rest === '') throw new Error(`"${text}": an extension path is the schema URN, ":" and the attribute`);
  }
  const segments = rest.split('.').map((part) => {
    const m = SEGMENT.exec(part);
    if (!m) throw new Error(`"${text}": "${part}" is not an attribute name (letters, digits, _ or -, optionally followed by [])`);
    return { name: m[1]!.toLowerCase(), each: m[2] !== undefined };
  });
  return { urn, segments };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function member(obj: Record<string, unknown>, lowerName: string): unknown {
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lowerName) return v;
  return undefined;
}

/** Every scalar value at `path` in `resource`, as lower-case text. */
export function valuesAt(resource: Record<string, unknown>, path: AttributePath): string[] {
  let current: unknown[] = [resource];
  if (path.urn !== null) current = [member(resource, path.urn)];
  for (const seg of path.segments) {
    const next: unknown[] = [];
    for (const c of current) {
      if (!isObject(c)) continue;
      const v = member(c, seg.name);
      // Lenient: a list is read element by element with or without [] (IdPs differ on what is multi-valued).
      if (Array.isArray(v)) next.push(...v);
      else if (v !== undefined && v !== null) next.push(v);
    }
    current = next;
  }
  const out: string[] = [];
  for (const v of current) {
    if (typeof v === 'string') out.push(v.normalize('NFC').trim().toLowerCase());
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  }
  return out;
}

export interface MappedRole {
  id: number;
  name: string;
  billed: boolean;
  privileged: boolean;
  seatsPurchased: number | null;
}

export interface RoleMap {
  sourceId: string;
  roles: MappedRole[];
  /** Lower-case group displayName or id → role ids. */
  byGroup: Map<string, number[]>;
  attributes: { path: AttributePath; match: string; roleId: number }[];
  byId: Map<number, MappedRole>;
}

/** The live role map of a connection (roles without removed_at, with their mappings). */
export function loadRoleMap(db: Db, sourceId: string): RoleMap {
  const roles = db
    .prepare<[string], { id: number; name: string; billed: number; privileged: number; seats_purchased: number | null }>(
      'SELECT id, name, billed, privileged, seats_purchased FROM roles WHERE source_id = ? AND removed_at IS NULL ORDER BY name',
    )
    .all(sourceId)
    .map((r) => ({ id: r.id, name: r.name, billed: r.billed === 1, privileged: r.privileged === 1, seatsPurchased: r.seats_purchased }));
  const map: RoleMap = { sourceId, roles, byGroup: new Map(), attributes: [], byId: new Map(roles.map((r) => [r.id, r])) };
  if (roles.length === 0) return map;
  const mappings = db
    .prepare<[string], { role_id: number; kind: 'group' | 'attribute'; attribute: string | null; match: string }>(
      `SELECT m.role_id, m.kind, m.attribute, m.match FROM role_mappings m JOIN roles r ON r.id = m.role_id
        WHERE r.source_id = ? AND r.removed_at IS NULL ORDER BY m.id`,
    )
    .all(sourceId);
  for (const m of mappings) {
    const match = m.match.normalize('NFC').trim().toLowerCase();
    if (m.kind === 'group') {
      const list = map.byGroup.get(match) ?? [];
      list.push(m.role_id);
      map.byGroup.set(match, list);
    } else if (m.attribute !== null) {
      try {
        map.attributes.push({ path: parseAttributePath(m.attribute), match, roleId: m.role_id });
      } catch {
        // validated when saved; a row that no longer parses maps nothing
      }
    }
  }
  return map;
}

/** The role ids an account holds: from its groups (names or ids, lower case) and its resource. */
export function rolesOf(map: RoleMap, groups: readonly string[], resource: () => Record<string, unknown>): number[] {
  const ids = new Set<number>();
  for (const g of groups) for (const id of map.byGroup.get(g) ?? []) ids.add(id);
  if (map.attributes.length > 0) {
    const r = resource();
    for (const a of map.attributes) if (!ids.has(a.roleId) && valuesAt(r, a.path).includes(a.match)) ids.add(a.roleId);
  }
  return [...ids].sort((a, b) => a - b);
}
