/**
 * CSV encoding for compliance exports: RFC 4180 (comma, CRLF line ends, fields with a comma, a
 * quote, CR or LF quoted, quotes doubled), UTF-8, and OWASP formula-injection neutralisation.
 *
 * Neutralisation: a *text* cell whose first character is = + - @ TAB or CR gets a single quote
 * prepended (`=cmd|' /C calc'!A0` is written as `'=cmd|' /C calc'!A0`), so Excel, LibreOffice and
 * Google Sheets show it as text instead of evaluating it. Numeric columns carry JavaScript numbers
 * the exporter produced itself (counts, hours, sequence numbers); they are written as plain decimal
 * literals, and a negative number stays `-3` (a bare number literal is not a formula in any of
 * those programs, and prefixing it would turn a number into text and break sums). A text cell that
 * merely looks numeric (`-1` in a user name) is text and is prefixed.
 */

export type CellKind = 'text' | 'number' | 'time' | 'bool';

export interface Column {
  name: string;
  kind: CellKind;
  /** One line for docs/exports.md. */
  doc: string;
}

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/** A text cell: neutralised, then quoted when it must be. */
export function textCell(value: string): string {
  let v = value;
  if (v.length > 0 && FORMULA_START.has(v[0]!)) v = `'${v}`;
  if (NEEDS_QUOTES.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}

/** A number the exporter computed: a plain decimal literal (never exponent notation), or empty. */
export function numberCell(value: number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  const s = String(value);
  return /e/i.test(s) ? value.toFixed(20).replace(/0+$/, '') : s;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An instant as ISO-8601 UTC with milliseconds (stored times already are; anything else is converted). */
export function timeCell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  if (ISO_MS.test(value)) return value;
  const t = Date.parse(value);
  // Not a time after all: kept, as text (neutralised like any other text).
  return Number.isNaN(t) ? textCell(value) : new Date(t).toISOString();
}

export function boolCell(value: boolean | null | undefined): string {
  return value === null || value === undefined ? '' : value ? 'true' : 'false';
}

export function encodeCell(kind: CellKind, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (kind) {
    case 'number':
      return numberCell(typeof value === 'number' ? value : Number(value));
    case 'time':
      return timeCell(String(value));
    case 'bool':
      return boolCell(Boolean(value));
    default:
      return textCell(typeof value === 'string' ? value : String(value));
  }
}

/** One CSV record (with its CRLF) of already-encoded cells. */
export const record = (cells: readonly string[]): string => `${cells.join(',')}\r\n`;

export const headerRecord = (columns: readonly Column[]): string => record(columns.map((c) => textCell(c.name)));

export const UTF8_BOM = '\uFEFF';

// -------------------------------------------------------------------------------------------------
// The same encodings as SQL expressions. The large reports have SQLite build each CSV record (one
// string per row crosses into JavaScript instead of one value per column): about 3x the rows/s of
// encoding in JavaScript. csv.test.ts checks every case gives the same bytes both ways.

const FORMULA_CODES = '61, 43, 45, 64, 9, 13'; // = + - @ TAB CR

/** SQL for a text cell of `x` (NULL: empty). */
export function sqlText(x: string): string {
  const prefix = `(CASE WHEN unicode(${x}) IN (${FORMULA_CODES}) THEN '''' ELSE '' END)`;
  return (
    `(CASE WHEN ${x} IS NULL THEN '' ` +
    `WHEN instr(${x}, '"') OR instr(${x}, ',') OR instr(${x}, char(10)) OR instr(${x}, char(13)) ` +
    `THEN '"' || ${prefix} || replace(${x}, '"', '""') || '"' ` +
    `ELSE ${prefix} || ${x} END)`
  );
}

/** SQL for an INTEGER column's cell (as SQLite prints integers; NULL: empty). Not for REAL columns. */
export const sqlNumber = (x: string): string => `coalesce(CAST(${x} AS TEXT), '')`;

/** SQL for a time cell: stored ISO-8601 UTC kept, other forms converted, non-times as text. */
export function sqlTime(x: string): string {
  return (
    `(CASE WHEN ${x} IS NULL OR ${x} = '' THEN '' ` +
    `WHEN ${x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN ${x} ` +
    `ELSE coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', ${x}), ${sqlText(x)}) END)`
  );
}

/** SQL joining cell expressions into one CSV record with its CRLF. */
export const sqlRecord = (cells: readonly string[]): string => `${cells.join(` || ',' || `)} || char(13, 10)`;
