/**
 * SCIM filter parser and evaluator (RFC 7644 §3.4.2.2).
 *
 * Grammar (precedence: `not` > `and` > `or`; whitespace between tokens is any run of spaces,
 * tabs or newlines; keywords and operators are case-insensitive):
 *
 *   filter    = or EOF
 *   or        = and *("or" and)
 *   and       = unary *("and" unary)
 *   unary     = "not" "(" or ")" / "(" or ")" / attrExp
 *   attrExp   = attrPath "[" or "]" ["." ATTRNAME (("pr") / (compareOp compValue))]
 *             / attrPath "pr" / attrPath compareOp compValue
 *   compValue = JSON string / JSON number / true / false / null
 *
 * Decisions:
 * - `not` must be followed by a parenthesised filter, as in the RFC ABNF; a word `not` that is
 *   not followed by `(` is read as an attribute name.
 * - `emails[type eq "work"].value eq "x"` (a value path followed by a sub-attribute, which Entra
 *   uses as a matching attribute) is accepted and means `emails[type eq "work" and value eq "x"]`.
 * - Value filters cannot be nested (`a[b[c pr]]` is rejected, as in the RFC).
 * - `gt`/`ge`/`lt`/`le` with `true`/`false`/`null`, and `co`/`sw`/`ew` with a non-string value, are
 *   rejected while parsing. With a resource type, operators are also checked against the schema
 *   (ordering or substring operators on boolean or binary attributes are rejected).
 * - Unknown attributes are evaluated generically (strings compare case-insensitively) rather than
 *   rejected: resources keep unknown extension data and it stays filterable.
 * - `x eq null` matches when `x` is not present; `x ne null` when it is.
 * - `ne` on a multi-valued attribute is the negation of `eq` (no value equal), so `ne` is true
 *   when the attribute is missing.
 */

import { badRequest, type ScimError } from './errors';
import {
  type AttrRef,
  type AttributeDefinition,
  type ResourceTypeName,
  GROUP_SCHEMA,
  USER_SCHEMA,
  findSubAttribute,
  isValidAttrName,
  parseAttrPath,
  resolveAttribute,
  schemaForResource,
} from './schema';

export type { AttrRef } from './schema';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

export type FilterAst =
  | { kind: 'compare'; attr: AttrRef; op: CompareOp; value: CompValue }
  | { kind: 'present'; attr: AttrRef }
  | { kind: 'and'; filters: FilterAst[] }
  | { kind: 'or'; filters: FilterAst[] }
  | { kind: 'not'; filter: FilterAst }
  /** `attr[filter]`: true when some value of `attr` matches `filter` (relative to the value). */
  | { kind: 'valuePath'; attr: AttrRef; filter: FilterAst };

/** Longest accepted filter, in UTF-8 bytes. */
export const MAX_FILTER_BYTES = 8192;
/** Deepest accepted nesting of parentheses, `not (…)` and `[…]`. */
export const MAX_FILTER_DEPTH = 64;

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const ORDERING_OPS: ReadonlySet<CompareOp> = new Set<CompareOp>(['gt', 'ge', 'lt', 'le']);
const SUBSTRING_OPS: ReadonlySet<CompareOp> = new Set<CompareOp>(['co', 'sw', 'ew']);

// ---------------------------------------------------------------------------------------------
// Tokenizer

type Token =
  | { t: 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'eof'; pos: number; end: number }
  | { t: 'word'; text: string; pos: number; end: number }
  | { t: 'string'; value: string; pos: number; end: number }
  | { t: 'number'; value: number; pos: number; end: number };

function fail(pos: number, message: string): ScimError {
  return badRequest('invalidFilter', `Invalid filter at character ${pos + 1}: ${message}`);
}

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_:$.-]/.test(c);
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function describe(tok: Token): string {
  switch (tok.t) {
    case 'eof':
      return 'end of filter';
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'lbracket':
      return '"["';
    case 'rbracket':
      return '"]"';
    case 'word':
      return `"${tok.text.length > 40 ? `${tok.text.slice(0, 40)}…` : tok.text}"`;
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      const t = c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === '[' ? 'lbracket' : 'rbracket';
      tokens.push({ t, pos: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      const start = i;
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        const ch = text.charAt(i);
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        if (ch === '\\') {
          const esc = text.charAt(i + 1);
          switch (esc) {
            case '"':
            case '\\':
            case '/':
              value += esc;
              i += 2;
              break;
            case 'b':
              value += '\b';
              i += 2;
              break;
            case 'f':
              value += '\f';
              i += 2;
              break;
            case 'n':
              value += '\n';
              i += 2;
              break;
            case 'r':
              value += '\r';
              i += 2;
              break;
            case 't':
              value += '\t';
              i += 2;
              break;
            case 'u': {
              const hex = text.slice(i + 2, i + 6);
              if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw fail(i, 'invalid \\u escape in string');
              value += String.fromCharCode(parseInt(hex, 16));
              i += 6;
              break;
            }
            default:
              throw fail(i, esc === '' ? 'unterminated string' : `invalid escape "\\${esc}" in string`);
          }
          continue;
        }
        value += ch;
        i++;
      }
      if (!closed) throw fail(start, 'unterminated string');
      tokens.push({ t: 'string', value, pos: start, end: i });
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      const raw = m?.[0];
      if (raw === undefined || raw.length === 0 || (i + raw.length < n && isWordChar(text.charAt(i + raw.length)))) {
        throw fail(i, 'invalid number');
      }
      const value = Number(raw);
      if (!Number.isFinite(value)) throw fail(i, 'number out of range');
      tokens.push({ t: 'number', value, pos: i, end: i + raw.length });
      i += raw.length;
      continue;
    }
    if (/[A-Za-z$.]/.test(c)) {
      const start = i;
      while (i < n && isWordChar(text.charAt(i))) i++;
      tokens.push({ t: 'word', text: text.slice(start, i), pos: start, end: i });
      continue;
    }
    throw fail(i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ t: 'eof', pos: n, end: n });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

class Parser {
  private i = 0;
  private depth = 0;
  private inValuePath = false;

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    const tok = this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
    if (!tok) throw new Error('unreachable: token list is never empty');
    return tok;
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.t !== 'eof') this.i++;
    return tok;
  }

  private isKeyword(tok: Token, keyword: string): boolean {
    return tok.t === 'word' && tok.text.toLowerCase() === keyword;
  }

  private enter(tok: Token): void {
    this.depth++;
    if (this.depth > MAX_FILTER_DEPTH) {
      throw fail(tok.pos, `nesting deeper than ${MAX_FILTER_DEPTH} levels`);
    }
  }

  private expect(t: 'rparen' | 'rbracket'): Token {
    const tok = this.next();
    if (tok.t !== t) {
      throw fail(tok.pos, `expected ${t === 'rparen' ? '")"' : '"]"'}, found ${describe(tok)}`);
    }
    return tok;
  }

  parse(): FilterAst {
    const ast = this.parseOr();
    const tok = this.peek();
    if (tok.t !== 'eof') {
      const hint = tok.t === 'rparen' ? 'unbalanced ")"' : `unexpected ${describe(tok)}`;
      throw fail(tok.pos, `${hint}; expected "and", "or" or end of filter`);
    }
    return ast;
  }

  private parseOr(): FilterAst {
    const filters = [this.parseAnd()];
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      filters.push(this.parseAnd());
    }
    return combine('or', filters);
  }

  private parseAnd(): FilterAst {
    const filters = [this.parseUnary()];
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      filters.push(this.parseUnary());
    }
    return combine('and', filters);
  }

  private parseUnary(): FilterAst {
    const tok = this.peek();
    if (this.isKeyword(tok, 'not') && this.peek(1).t === 'lparen') {
      this.next();
      const open = this.next();
      this.enter(open);
      const inner = this.parseOr();
      this.expect('rparen');
      this.depth--;
      return { kind: 'not', filter: inner };
    }
    if (tok.t === 'lparen') {
      this.next();
      this.enter(tok);
      const inner = this.parseOr();
      this.expect('rparen');
      this.depth--;
      return inner;
    }
    if (tok.t === 'word') return this.parseAttrExp();
    throw fail(tok.pos, `expected an attribute, "(" or "not (", found ${describe(tok)}`);
  }

  private parseAttrExp(): FilterAst {
    const tok = this.next();
    if (tok.t !== 'word') throw fail(tok.pos, `expected an attribute, found ${describe(tok)}`);
    const parsed = parseAttrPath(tok.text);
    if (!parsed.ok) throw fail(tok.pos, parsed.reason);
    const ref = parsed.ref;
    const open = this.peek();
    if (open.t === 'lbracket') {
      if (this.inValuePath) throw fail(open.pos, 'value filters cannot be nested');
      if (ref.subAttribute !== undefined) {
        throw fail(open.pos, 'a value filter must follow an attribute, not a sub-attribute');
      }
      this.next();
      this.enter(open);
      this.inValuePath = true;
      const inner = this.parseOr();
      this.inValuePath = false;
      const close = this.expect('rbracket');
      this.depth--;
      const after = this.peek();
      if (after.t === 'word' && after.pos === close.end && after.text.startsWith('.')) {
        // `emails[type eq "work"].value eq "x"` → `emails[type eq "work" and value eq "x"]`
        this.next();
        const sub = after.text.slice(1);
        if (!isValidAttrName(sub)) throw fail(after.pos, `invalid sub-attribute name "${sub}"`);
        const condition = this.parseCondition({ attribute: sub }, after);
        return { kind: 'valuePath', attr: ref, filter: combine('and', [inner, condition]) };
      }
      return { kind: 'valuePath', attr: ref, filter: inner };
    }
    return this.parseCondition(ref, tok);
  }

  private parseCondition(ref: AttrRef, attrTok: Token): FilterAst {
    const opTok = this.next();
    const name = attrTok.t === 'word' ? attrTok.text : ref.attribute;
    if (opTok.t !== 'word') {
      throw fail(opTok.pos, `expected an operator after "${name}", found ${describe(opTok)}`);
    }
    const op = opTok.text.toLowerCase();
    if (op === 'pr') {
      const following = this.peek();
      if (following.t === 'string' || following.t === 'number' || isLiteralWord(following)) {
        throw fail(following.pos, '"pr" takes no comparison value');
      }
      return { kind: 'present', attr: ref };
    }
    if (!COMPARE_OPS.has(op)) throw fail(opTok.pos, `unknown operator "${opTok.text}"`);
    const compareOp = op as CompareOp;
    const valTok = this.next();
    let value: CompValue;
    if (valTok.t === 'string' || valTok.t === 'number') value = valTok.value;
    else if (isLiteralWord(valTok) && valTok.t === 'word') {
      const lower = valTok.text.toLowerCase();
      value = lower === 'true' ? true : lower === 'false' ? false : null;
    } else {
      throw fail(valTok.pos, `expected a comparison value after "${opTok.text}", found ${describe(valTok)}`);
    }
    if (ORDERING_OPS.has(compareOp) && (typeof value === 'boolean' || value === null)) {
      throw fail(opTok.pos, `"${op}" cannot compare with ${String(value)}`);
    }
    if (SUBSTRING_OPS.has(compareOp) && typeof value !== 'string') {
      throw fail(opTok.pos, `"${op}" needs a string value`);
    }
    return { kind: 'compare', attr: ref, op: compareOp, value };
  }
}

function isLiteralWord(tok: Token): boolean {
  if (tok.t !== 'word') return false;
  const lower = tok.text.toLowerCase();
  return lower === 'true' || lower === 'false' || lower === 'null';
}

function combine(kind: 'and' | 'or', filters: FilterAst[]): FilterAst {
  const flat: FilterAst[] = [];
  for (const f of filters) {
    if (f.kind === kind) flat.push(...f.filters);
    else flat.push(f);
  }
  const first = flat[0];
  if (flat.length === 1 && first) return first;
  return { kind, filters: flat };
}

/**
 * Parse a filter. Throws ScimError 400 `invalidFilter` (detail names the character position) on
 * any syntax error, on an empty filter, on more than {@link MAX_FILTER_BYTES} bytes or more than
 * {@link MAX_FILTER_DEPTH} nesting levels. With `resourceType`, also {@link validateFilter}.
 */
export function parseFilter(text: string, resourceType?: ResourceTypeName): FilterAst {
  if (typeof text !== 'string') throw badRequest('invalidFilter', 'Invalid filter: not a string');
  if (text.length > MAX_FILTER_BYTES || utf8Length(text) > MAX_FILTER_BYTES) {
    throw badRequest('invalidFilter', `Invalid filter: longer than ${MAX_FILTER_BYTES} bytes`);
  }
  if (text.trim().length === 0) throw badRequest('invalidFilter', 'Invalid filter: empty filter');
  const ast = new Parser(tokenize(text)).parse();
  if (resourceType !== undefined) validateFilter(ast, resourceType);
  return ast;
}

/**
 * Schema checks that need the resource type: ordering (`gt` `ge` `lt` `le`) and substring
 * (`co` `sw` `ew`) operators on boolean or binary attributes are rejected (RFC 7644 §3.4.2.2),
 * as is any comparison on a complex attribute without a `value` sub-attribute.
 */
export function validateFilter(ast: FilterAst, resourceType: ResourceTypeName): void {
  const check = (node: FilterAst, parent: AttributeDefinition | undefined, inElement: boolean): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        node.filters.forEach((f) => check(f, parent, inElement));
        return;
      case 'not':
        check(node.filter, parent, inElement);
        return;
      case 'present':
        return;
      case 'valuePath': {
        const def = inElement
          ? findSubAttribute(parent, node.attr.attribute)
          : resolveAttribute(resourceType, { ...node.attr, subAttribute: undefined })?.attribute;
        check(node.filter, def, true);
        return;
      }
      case 'compare': {
        let def: AttributeDefinition | undefined;
        if (inElement) {
          def = findSubAttribute(parent, node.attr.attribute);
          if (node.attr.subAttribute !== undefined) def = findSubAttribute(def, node.attr.subAttribute);
        } else {
          const resolved = resolveAttribute(resourceType, node.attr);
          def = node.attr.subAttribute !== undefined ? resolved?.subAttribute : resolved?.attribute;
        }
        if (def?.type === 'complex') {
          const valueDef = findSubAttribute(def, 'value');
          if (!valueDef) {
            throw badRequest('invalidFilter', `Invalid filter: complex attribute "${def.name}" cannot be compared without a sub-attribute`);
          }
          def = valueDef;
        }
        if (!def) return;
        if ((def.type === 'boolean' || def.type === 'binary') && (ORDERING_OPS.has(node.op) || SUBSTRING_OPS.has(node.op))) {
          throw badRequest(
            'invalidFilter',
            `Invalid filter: operator "${node.op}" is not supported on ${def.type} attribute "${def.name}"`,
          );
        }
        return;
      }
    }
  };
  check(ast, undefined, false);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property lookup: exact key first, then case-insensitive (attribute names are). */
export function getCaseInsensitive(obj: JsonObject, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) {
    if (key.toLowerCase() === lower) return obj[key];
  }
  return undefined;
}

function flat(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** SCIM "present": not null, not "", not an empty array, not an object with nothing present. */
export function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isObject(value)) return Object.values(value).some(isPresent);
  return true;
}

type Scope =
  | { kind: 'resource'; resource: JsonObject; resourceType: ResourceTypeName }
  | { kind: 'element'; element: unknown; parent: AttributeDefinition | undefined };

interface Selection {
  top: unknown;
  topDef: AttributeDefinition | undefined;
}

function select(ref: AttrRef, scope: Scope): Selection {
  if (scope.kind === 'element') {
    const el = scope.element;
    const topDef = findSubAttribute(scope.parent, ref.attribute);
    if (isObject(el)) return { top: getCaseInsensitive(el, ref.attribute), topDef };
    // A simple multi-valued attribute: `value` is the element itself.
    return { top: ref.attribute.toLowerCase() === 'value' ? el : undefined, topDef };
  }
  const { resource, resourceType } = scope;
  const resolved = resolveAttribute(resourceType, { schema: ref.schema, attribute: ref.attribute });
  const name = resolved?.attribute.name ?? ref.attribute;
  let container: unknown = resource;
  if (ref.schema !== undefined) {
    const target = schemaForResource(resourceType, ref.schema);
    if (!target?.core) container = getCaseInsensitive(resource, ref.schema);
  } else if (resolved?.extension) {
    const ext = getCaseInsensitive(resource, resolved.schemaId);
    if (isObject(ext) && getCaseInsensitive(ext, name) !== undefined) container = ext;
  }
  return { top: isObject(container) ? getCaseInsensitive(container, name) : undefined, topDef: resolved?.attribute };
}

/** The scalar values a comparison looks at, with the definition that types them. */
function leaves(sel: Selection, sub: string | undefined): { values: unknown[]; def: AttributeDefinition | undefined } {
  if (sub !== undefined) {
    const values = flat(sel.top).flatMap((el) => (isObject(el) ? flat(getCaseInsensitive(el, sub)) : []));
    return { values, def: findSubAttribute(sel.topDef, sub) };
  }
  const elements = flat(sel.top);
  if (sel.topDef?.type === 'complex' || (!sel.topDef && elements.some(isObject))) {
    // A complex attribute without a sub-attribute is compared through its `value`.
    const values = elements.flatMap((el) => (isObject(el) ? flat(getCaseInsensitive(el, 'value')) : [el]));
    return { values, def: findSubAttribute(sel.topDef, 'value') };
  }
  return { values: elements, def: sel.topDef };
}

function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function toNum(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return NaN;
}

function toStr(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function toInstant(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : NaN;
}

function ordered(op: CompareOp, cmp: number): boolean {
  switch (op) {
    case 'eq':
      return cmp === 0;
    case 'gt':
      return cmp > 0;
    case 'ge':
      return cmp >= 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
    default:
      return false;
  }
}

function compareStrings(op: CompareOp, stored: string, wanted: string, caseExact: boolean): boolean {
  // Case-insensitive comparison folds Unicode-equivalent spellings too (NFC), as the userName and
  // displayName uniqueness keys do, so a lookup finds whatever a create would collide with.
  const a = caseExact ? stored : stored.normalize('NFC').toLowerCase();
  const b = caseExact ? wanted : wanted.normalize('NFC').toLowerCase();
  switch (op) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return ordered(op, a < b ? -1 : a > b ? 1 : 0);
  }
}

function compareOne(op: CompareOp, stored: unknown, wanted: CompValue, def: AttributeDefinition | undefined): boolean {
  const type =
    def?.type ??
    (typeof stored === 'boolean' ? 'boolean' : typeof stored === 'number' ? 'decimal' : typeof stored === 'string' ? 'string' : 'complex');
  switch (type) {
    case 'boolean': {
      const a = toBool(stored);
      const b = toBool(wanted);
      return op === 'eq' && a !== undefined && a === b;
    }
    case 'integer':
    case 'decimal': {
      const a = toNum(stored);
      const b = toNum(wanted);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return ordered(op, a === b ? 0 : a < b ? -1 : 1);
    }
    case 'dateTime': {
      if (SUBSTRING_OPS.has(op)) {
        const a = toStr(stored);
        const b = toStr(wanted);
        return a !== undefined && b !== undefined && compareStrings(op, a, b, false);
      }
      const a = toInstant(stored);
      const b = toInstant(wanted);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return ordered(op, a === b ? 0 : a < b ? -1 : 1);
    }
    case 'complex':
      return false;
    default: {
      const a = toStr(stored);
      const b = toStr(wanted);
      if (a === undefined || b === undefined) return false;
      return compareStrings(op, a, b, def?.caseExact ?? false);
    }
  }
}

function evaluate(ast: FilterAst, scope: Scope): boolean {
  switch (ast.kind) {
    case 'and':
      return ast.filters.every((f) => evaluate(f, scope));
    case 'or':
      return ast.filters.some((f) => evaluate(f, scope));
    case 'not':
      return !evaluate(ast.filter, scope);
    case 'present': {
      const sel = select(ast.attr, scope);
      if (ast.attr.subAttribute === undefined) return isPresent(sel.top);
      return leaves(sel, ast.attr.subAttribute).values.some(isPresent);
    }
    case 'valuePath': {
      const sel = select(ast.attr, scope);
      return flat(sel.top).some((element) => evaluate(ast.filter, { kind: 'element', element, parent: sel.topDef }));
    }
    case 'compare': {
      const sel = select(ast.attr, scope);
      const { values, def } = leaves(sel, ast.attr.subAttribute);
      if (ast.value === null) {
        const present = values.some(isPresent);
        return ast.op === 'eq' ? !present : ast.op === 'ne' ? present : false;
      }
      const op = ast.op === 'ne' ? 'eq' : ast.op;
      const wanted = ast.value;
      const any = values.some((v) => v !== null && v !== undefined && compareOne(op, v, wanted, def));
      return ast.op === 'ne' ? !any : any;
    }
  }
}

/**
 * Evaluate a filter against a stored SCIM resource (extension attributes under their URN key).
 * Never throws for well-formed ASTs; comparisons that make no sense for the data are false.
 */
export function matches(ast: FilterAst, resource: Readonly<Record<string, unknown>>, resourceType: ResourceTypeName): boolean {
  return evaluate(ast, { kind: 'resource', resource: resource as JsonObject, resourceType });
}

/**
 * Evaluate a value filter (the part inside `attr[…]`) against one value of `attribute`, e.g. an
 * element of `emails`. Attribute references in the filter are sub-attributes of `attribute`.
 */
export function matchesValue(ast: FilterAst, element: unknown, attribute: AttributeDefinition | undefined): boolean {
  return evaluate(ast, { kind: 'element', element, parent: attribute });
}

// ---------------------------------------------------------------------------------------------
// Index narrowing

export type IndexedAttribute = 'id' | 'userName' | 'externalId' | 'displayName';

export interface EqualityLookup {
  attribute: IndexedAttribute;
  value: string;
  /** Whether the attribute compares case-sensitively (id, externalId) or not (userName, displayName). */
  caseExact: boolean;
}

const INDEXED: ReadonlyArray<{ name: IndexedAttribute; caseExact: boolean }> = [
  { name: 'id', caseExact: true },
  { name: 'userName', caseExact: false },
  { name: 'externalId', caseExact: true },
  { name: 'displayName', caseExact: false },
];

function indexedEq(ast: FilterAst): EqualityLookup | undefined {
  if (ast.kind !== 'compare' || ast.op !== 'eq') return undefined;
  if (ast.attr.subAttribute !== undefined) return undefined;
  if (ast.attr.schema !== undefined) {
    const schema = ast.attr.schema.toLowerCase();
    if (schema !== USER_SCHEMA.toLowerCase() && schema !== GROUP_SCHEMA.toLowerCase()) return undefined;
  }
  const value = typeof ast.value === 'string' ? ast.value : typeof ast.value === 'number' ? String(ast.value) : undefined;
  if (value === undefined) return undefined;
  const lower = ast.attr.attribute.toLowerCase();
  const hit = INDEXED.find((a) => a.name.toLowerCase() === lower);
  return hit ? { attribute: hit.name, value, caseExact: hit.caseExact } : undefined;
}

/**
 * If the filter is a single `eq` on id, userName, externalId or displayName — or an `and` with
 * such an `eq` among its operands — return it so the caller can narrow candidates with an index
 * before evaluating the whole filter with {@link matches}. With several, the most selective wins
 * (id, then userName, externalId, displayName). Anything under `or`/`not`, sub-attributes and
 * value paths (`emails[type eq "work"].value`) are not indexable.
 */
export function equalityLookup(ast: FilterAst): EqualityLookup | undefined {
  if (ast.kind === 'compare') return indexedEq(ast);
  if (ast.kind !== 'and') return undefined;
  const found = ast.filters.map(indexedEq).filter((x): x is EqualityLookup => x !== undefined);
  for (const { name } of INDEXED) {
    const hit = found.find((f) => f.attribute === name);
    if (hit) return hit;
  }
  return undefined;
}
