/**
 * SCIM attribute paths (RFC 7644 §3.10) and PATCH paths (§3.5.2, Figure 7):
 *
 *   PATH      = attrPath / valuePath [subAttr]
 *   attrPath  = [URI ":"] ATTRNAME *1subAttr
 *   valuePath = attrPath "[" valFilter "]"
 *
 * e.g. `userName`, `name.givenName`, `emails[type eq "work"].value`, `members[value eq "abc"]`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, and the legacy
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager`.
 *
 * Errors: a malformed path is ScimError 400 `invalidPath`. A well-formed `attr[…]` whose filter
 * does not parse is 400 `invalidFilter`, the scimType RFC 7644 §3.12 lists for PATCH path filters.
 */

import { badRequest } from './errors';
import { type FilterAst, parseFilter } from './filter';
import { isValidAttrName, parseAttrPath } from './schema';

export interface ScimPath {
  /** Schema URN, canonical spelling for known schemas; absent when the path is not qualified. */
  schema?: string;
  attribute: string;
  subAttribute?: string;
  /** Value filter (`attr[filter]`), relative to one value of `attribute`. */
  filter?: FilterAst;
}

/** Longest accepted path (characters). */
export const MAX_PATH_LENGTH = 8192;

function invalid(text: string, reason: string): never {
  const shown = text.length > 100 ? `${text.slice(0, 100)}…` : text;
  throw badRequest('invalidPath', `Invalid path ${JSON.stringify(shown)}: ${reason}`);
}

/** Index of the `]` closing the `[` at `open`, skipping JSON strings; -1 when unbalanced. */
function closingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') {
      i++;
      while (i < text.length && text.charAt(i) !== '"') {
        if (text.charAt(i) === '\\') i++;
        i++;
      }
      continue;
    }
    if (c === '[') depth++;
    else if (c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Parse a PATCH path. Surrounding whitespace is ignored. */
export function parsePath(input: string): ScimPath {
  if (typeof input !== 'string') invalid(String(input), 'not a string');
  const text = input.trim();
  if (text.length === 0) invalid(input, 'empty path');
  if (text.length > MAX_PATH_LENGTH) invalid(text, `longer than ${MAX_PATH_LENGTH} characters`);

  const open = text.indexOf('[');
  const head = open === -1 ? text : text.slice(0, open);
  if (/\s/.test(head)) invalid(text, 'whitespace in attribute name');
  if (head.includes(']')) invalid(text, 'unbalanced "]"');
  const parsed = parseAttrPath(head);
  if (!parsed.ok) invalid(text, parsed.reason);
  const path: ScimPath = { ...parsed.ref };
  if (open === -1) return path;

  if (path.subAttribute !== undefined) {
    invalid(text, 'a value filter must follow an attribute, not a sub-attribute');
  }
  const close = closingBracket(text, open);
  if (close === -1) invalid(text, 'unbalanced "["');
  const filterText = text.slice(open + 1, close);
  if (filterText.trim().length === 0) invalid(text, 'empty value filter');
  const tail = text.slice(close + 1);
  if (tail.length > 0) {
    if (!tail.startsWith('.')) invalid(text, `unexpected ${JSON.stringify(tail)} after "]"`);
    const sub = tail.slice(1);
    if (!isValidAttrName(sub)) invalid(text, `invalid sub-attribute name ${JSON.stringify(sub)}`);
    path.subAttribute = sub;
  }
  const filter = parseFilter(filterText);
  if (containsValuePath(filter)) invalid(text, 'value filters cannot be nested');
  path.filter = filter;
  return path;
}

function containsValuePath(ast: FilterAst): boolean {
  switch (ast.kind) {
    case 'valuePath':
      return true;
    case 'and':
    case 'or':
      return ast.filters.some(containsValuePath);
    case 'not':
      return containsValuePath(ast.filter);
    default:
      return false;
  }
}

/** Render a path back to text (schema-qualified form when it has a schema). */
export function formatPath(path: ScimPath): string {
  let out = path.schema !== undefined ? `${path.schema}:${path.attribute}` : path.attribute;
  if (path.filter) out += `[${formatFilter(path.filter)}]`;
  if (path.subAttribute !== undefined) out += `.${path.subAttribute}`;
  return out;
}

/** Render a filter AST as filter text that {@link parseFilter} reads back to the same AST. */
export function formatFilter(ast: FilterAst): string {
  switch (ast.kind) {
    case 'and':
    case 'or':
      return ast.filters.map((f) => (f.kind === 'or' || f.kind === 'and' ? `(${formatFilter(f)})` : formatFilter(f))).join(` ${ast.kind} `);
    case 'not':
      return `not (${formatFilter(ast.filter)})`;
    case 'present':
      return `${formatPath(ast.attr)} pr`;
    case 'compare':
      return `${formatPath(ast.attr)} ${ast.op} ${JSON.stringify(ast.value)}`;
    case 'valuePath':
      return `${formatPath(ast.attr)}[${formatFilter(ast.filter)}]`;
  }
}
