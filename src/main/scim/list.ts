/**
 * GET /Users and GET /Groups (RFC 7644 §3.4.2): filter, sort, page.
 *
 * An `eq` on an indexed attribute (id, userName, externalId, Group displayName) — alone or inside an
 * `and` — narrows the candidates with an index first (the lookup every IdP makes before creating);
 * the whole filter is then evaluated on the rendered resources, so index narrowing never changes
 * the answer. Other filters scan the connection's resources.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../core/store/db';
import { badRequest } from './errors';
import { equalityLookup, matches, parseFilter, type FilterAst } from './filter';
import type { JsonObject } from './patch';
import { foldText, uniqueKey, type StoredGroup, type StoredUser } from './resources';
import {
  findSubAttribute,
  USER_SCHEMA,
  parseAttrPathOrThrow,
  resolveAttribute,
  type AttrRef,
  type AttributeDefinition,
  type ResourceTypeName,
} from './schema';

export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 100;

export interface ListParams {
  filter?: FilterAst;
  filterText?: string;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
}

/** Reads list parameters from a query string or a SearchRequest body (RFC 7644 §3.4.3). */
export function parseListParams(get: (name: string) => unknown, type: ResourceTypeName): ListParams {
  const int = (name: string, fallback: number): number => {
    const v = get(name);
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n)) throw badRequest('invalidValue', `"${name}" must be an integer (got ${JSON.stringify(v)})`);
    return n;
  };
  // RFC 7644 §3.4.2.4: startIndex < 1 is read as 1; a negative count as 0.
  const startIndex = Math.max(1, int('startIndex', 1));
  const count = Math.min(MAX_PAGE, Math.max(0, int('count', DEFAULT_PAGE)));
  const sortOrderRaw = get('sortOrder');
  let sortOrder: ListParams['sortOrder'] = 'ascending';
  if (sortOrderRaw !== undefined && sortOrderRaw !== null && sortOrderRaw !== '') {
    const s = String(sortOrderRaw).toLowerCase();
    if (s !== 'ascending' && s !== 'descending') throw badRequest('invalidValue', '"sortOrder" must be "ascending" or "descending"');
    sortOrder = s;
  }
  const params: ListParams = { startIndex, count, sortOrder };
  const filter = get('filter');
  if (filter !== undefined && filter !== null) {
    if (typeof filter !== 'string') throw badRequest('invalidFilter', '"filter" must be a string');
    params.filter = parseFilter(filter, type);
    params.filterText = filter;
  }
  const sortBy = get('sortBy');
  if (sortBy !== undefined && sortBy !== null && sortBy !== '') {
    if (typeof sortBy !== 'string') throw badRequest('invalidValue', '"sortBy" must be an attribute path');
    parseAttrPathOrThrow(sortBy, 'invalidValue');
    params.sortBy = sortBy;
  }
  return params;
}

export interface ListResult<R> {
  total: number;
  /** The page: the stored rows and the resources the filter saw, in the same order. */
  rows: R[];
  resources: JsonObject[];
  /** How many stored rows were parsed and evaluated (index or text narrowing keeps this small). */
  examined: number;
}

type Render<R> = (row: R) => JsonObject;

/** Statements by SQL text, per database: the list queries are few and run on every page. */
const statements = new WeakMap<Db, Map<string, Statement<unknown[], unknown>>>();
function cached<P extends unknown[], R>(db: Db, sql: string): Statement<P, R> {
  let perDb = statements.get(db);
  if (!perDb) statements.set(db, (perDb = new Map()));
  let stmt = perDb.get(sql);
  if (!stmt) perDb.set(sql, (stmt = db.prepare(sql) as Statement<unknown[], unknown>));
  return stmt as unknown as Statement<P, R>;
}

/**
 * Lists resources of one connection. `render` turns a row into the SCIM JSON the filter and sort
 * see (and the caller later projects for the answer).
 */
export function listResources<R extends StoredUser | StoredGroup>(
  db: Db,
  type: ResourceTypeName,
  connectionId: string,
  params: ListParams,
  render: Render<R>,
): ListResult<R> {
  const table = type === 'User' ? 'accounts' : 'groups';
  const prepare = <P extends unknown[]>(sql: string) => cached<P, R>(db, sql);
  const offset = params.startIndex - 1;
  // Sorting a whole connection by its unique name: the (case-folded) key column does it in SQL.
  const keySort =
    !params.filter &&
    params.sortBy !== undefined &&
    /^(urn:ietf:params:scim:schemas:core:2\.0:(user|group):)?(username|displayname)$/i.test(params.sortBy)
      ? type === 'User' && /username$/i.test(params.sortBy)
        ? 'user_name_key'
        : type === 'Group' && /displayname$/i.test(params.sortBy)
          ? 'display_name_key'
          : undefined
      : undefined;
  if (keySort) {
    const total = cached<[string], { n: number }>(db, `SELECT count(*) AS n FROM ${table} WHERE source_id = ? AND deleted_at IS NULL`).get(
      connectionId,
    )!.n;
    const dir = params.sortOrder === 'descending' ? 'DESC' : 'ASC';
    const rows =
      params.count === 0
        ? []
        : prepare<[string, number, number]>(
            // The unique (partial) index on the key serves this; the key is never null for SCIM resources.
            `SELECT * FROM ${table} WHERE source_id = ? AND deleted_at IS NULL AND ${keySort} IS NOT NULL ORDER BY ${keySort} ${dir} LIMIT ? OFFSET ?`,
          ).all(connectionId, params.count, offset);
    return { total, rows, resources: rows.map(render), examined: rows.length };
  }
  if (!params.filter && !params.sortBy) {
    const total = cached<[string], { n: number }>(db, `SELECT count(*) AS n FROM ${table} WHERE source_id = ? AND deleted_at IS NULL`).get(
      connectionId,
    )!.n;
    const rows =
      params.count === 0
        ? []
        : prepare<[string, number, number]>(
            `SELECT * FROM ${table} WHERE source_id = ? AND deleted_at IS NULL ORDER BY pk LIMIT ? OFFSET ?`,
          ).all(connectionId, params.count, offset);
    return { total, rows, resources: rows.map(render), examined: rows.length };
  }
  let candidates: R[];
  const eq = params.filter ? equalityLookup(params.filter) : undefined;
  const column =
    eq === undefined
      ? undefined
      : eq.attribute === 'id'
        ? 'id'
        : eq.attribute === 'externalId'
          ? 'external_id'
          : eq.attribute === 'userName' && type === 'User'
            ? 'user_name_key'
            : eq.attribute === 'displayName' && type === 'Group'
              ? 'display_name_key'
              : undefined;
  const email = params.filter && !(eq && column) && type === 'User' ? emailLookup(params.filter) : undefined;
  const needles = params.filter && !(eq && column) && email === undefined ? filterNeedles(params.filter, type).slice(0, 8) : [];
  if (email !== undefined) {
    // An email the match must have: the account_emails index finds its accounts.
    candidates = prepare<[string, string]>(
      `SELECT a.* FROM account_emails e JOIN accounts a ON a.pk = e.account_pk
        WHERE e.source_id = ? AND e.value_key = ? AND a.deleted_at IS NULL ORDER BY a.pk`,
    ).all(connectionId, email);
  } else if (eq && column) {
    const value = column.endsWith('_key') ? uniqueKey(eq.value) : eq.value;
    candidates = prepare<[string, string]>(
      `SELECT * FROM ${table} WHERE source_id = ? AND deleted_at IS NULL AND ${column} = ? ORDER BY pk`,
    ).all(connectionId, value);
  } else if (needles.length > 0) {
    // No index serves this filter, but it needs these texts in the resource: let SQLite look for
    // them in the folded JSON before any row is parsed (a 100,000-user scan in C, not in JS).
    const clauses = needles.map(() => '(raw_fold IS NULL OR instr(raw_fold, ?) > 0)').join(' AND ');
    candidates = prepare<[string, ...string[]]>(
      `SELECT * FROM ${table} WHERE source_id = ? AND deleted_at IS NULL AND ${clauses} ORDER BY pk`,
    ).all(connectionId, ...needles);
  } else {
    // Includes `userName eq …` on Groups: not a Group attribute, but unknown attributes are kept
    // and stay filterable (filter.ts), so the answer must come from evaluating the filter.
    candidates = prepare<[string]>(`SELECT * FROM ${table} WHERE source_id = ? AND deleted_at IS NULL ORDER BY pk`).all(connectionId);
  }
  let pairs = candidates.map((row) => ({ row, resource: render(row) }));
  if (params.filter) {
    const f = params.filter;
    pairs = pairs.filter((p) => matches(f, p.resource, type));
  }
  if (params.sortBy) {
    const order = new Map(pairs.map((p, i) => [p.resource, i]));
    const sorted = sortResources(
      pairs.map((p) => p.resource),
      params.sortBy,
      params.sortOrder,
    );
    pairs = sorted.map((r) => pairs[order.get(r)!]!);
  }
  const page = pairs.slice(offset, offset + params.count);
  return { total: pairs.length, rows: page.map((p) => p.row), resources: page.map((p) => p.resource), examined: candidates.length };
}

const isUserCore = (schema: string | undefined): boolean => schema === undefined || schema.toLowerCase() === USER_SCHEMA.toLowerCase();

/**
 * The folded email value a User must have for `ast` to match it — an `eq` on `emails`,
 * `emails.value` or `emails[… value eq …]` under `and` — or undefined.
 */
export function emailLookup(ast: FilterAst, within = false): string | undefined {
  switch (ast.kind) {
    case 'and':
      for (const f of ast.filters) {
        const found = emailLookup(f, within);
        if (found !== undefined) return found;
      }
      return undefined;
    case 'valuePath':
      return !within && isUserCore(ast.attr.schema) && ast.attr.attribute.toLowerCase() === 'emails' && ast.attr.subAttribute === undefined
        ? emailLookup(ast.filter, true)
        : undefined;
    case 'compare': {
      if (ast.op !== 'eq' || typeof ast.value !== 'string' || ast.value === '') return undefined;
      const a = ast.attr;
      const hit = within
        ? a.attribute.toLowerCase() === 'value' && a.subAttribute === undefined && a.schema === undefined
        : isUserCore(a.schema) &&
          a.attribute.toLowerCase() === 'emails' &&
          (a.subAttribute === undefined || a.subAttribute.toLowerCase() === 'value');
      return hit ? foldText(ast.value) : undefined;
    }
    default:
      return undefined;
  }
}

/** Attributes that are not in a resource's stored JSON (derived, or kept in their own columns). */
const NOT_IN_RAW: Record<ResourceTypeName, ReadonlySet<string>> = {
  User: new Set(['id', 'meta', 'groups']),
  Group: new Set(['id', 'meta', 'members']),
};
const TEXT_TYPES = new Set(['string', 'reference', 'binary']);

/**
 * Texts a resource's folded JSON must contain for `ast` to match it: the JSON-escaped, folded
 * string value of every `eq`/`co`/`sw`/`ew` on a string attribute that is stored in the JSON,
 * under `and` and value paths only (an `or` or `not` requires nothing). A necessary condition, so
 * narrowing with it never changes the answer; the whole filter is still evaluated afterwards.
 */
export function filterNeedles(ast: FilterAst, type: ResourceTypeName, within?: AttributeDefinition): string[] {
  switch (ast.kind) {
    case 'and':
      return ast.filters.flatMap((f) => filterNeedles(f, type, within));
    case 'valuePath': {
      if (within || ast.attr.subAttribute !== undefined) return [];
      const resolved = resolveTop(ast.attr, type);
      return resolved ? filterNeedles(ast.filter, type, resolved.subAttribute ?? resolved.attribute) : [];
    }
    case 'compare': {
      if (!['eq', 'co', 'sw', 'ew'].includes(ast.op) || typeof ast.value !== 'string' || ast.value === '') return [];
      let def: AttributeDefinition | undefined;
      if (within) {
        def = findSubAttribute(within, ast.attr.attribute);
        if (!def || ast.attr.subAttribute !== undefined) return [];
      } else {
        const resolved = resolveTop(ast.attr, type);
        if (!resolved) return [];
        def = resolved.subAttribute ?? resolved.attribute;
        // A complex attribute compared without a sub-attribute compares its `value`.
        if (def.type === 'complex') def = findSubAttribute(def, 'value');
      }
      return def && TEXT_TYPES.has(def.type) ? [foldText(JSON.stringify(ast.value).slice(1, -1))] : [];
    }
    default:
      return [];
  }
}

function resolveTop(ref: AttrRef, type: ResourceTypeName) {
  if (NOT_IN_RAW[type].has(ref.attribute.toLowerCase()) && ref.schema === undefined) return undefined;
  const resolved = resolveAttribute(type, ref);
  // Unknown attributes are kept as sent, in any JSON type: no assumption about their text.
  if (!resolved || (!resolved.extension && NOT_IN_RAW[type].has(resolved.attribute.name.toLowerCase()))) return undefined;
  if (ref.subAttribute !== undefined && !resolved.subAttribute) return undefined;
  return resolved;
}

function sortValue(resource: JsonObject, path: string): string | number | boolean | undefined {
  const ref = parseAttrPathOrThrow(path, 'invalidValue');
  const ci = (o: unknown, k: string): unknown => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
    const key = Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase());
    return key === undefined ? undefined : (o as JsonObject)[key];
  };
  let v: unknown =
    ref.schema && !ref.schema.toLowerCase().includes(':core:') ? ci(ci(resource, ref.schema), ref.attribute) : ci(resource, ref.attribute);
  if (Array.isArray(v)) {
    // Multi-valued: sort by the primary element's value, else the first (RFC 7644 §3.4.2.3).
    const primary = v.find((e) => ci(e, 'primary') === true) ?? v[0];
    v = ref.subAttribute ? ci(primary, ref.subAttribute) : (ci(primary, 'value') ?? primary);
  } else if (ref.subAttribute) v = ci(v, ref.subAttribute);
  return typeof v === 'string' ? v.normalize('NFC').toLowerCase() : typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

function sortResources(resources: JsonObject[], sortBy: string, order: 'ascending' | 'descending'): JsonObject[] {
  const keyed = resources.map((r, i) => ({ r, i, k: sortValue(r, sortBy) }));
  const dir = order === 'ascending' ? 1 : -1;
  keyed.sort((a, b) => {
    // Resources without the attribute go last whatever the order; ties keep creation order.
    if (a.k === undefined || b.k === undefined) return a.k === b.k ? a.i - b.i : a.k === undefined ? 1 : -1;
    if (a.k < b.k) return -dir;
    if (a.k > b.k) return dir;
    return a.i - b.i;
  });
  return keyed.map((x) => x.r);
}
