/**
 * The CSV encoding on its own: OWASP neutralisation, RFC 4180 quoting, numbers, times — each
 * encoded record parsed back by csv-parse.
 */
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  encodeCell,
  headerRecord,
  numberCell,
  record,
  sqlNumber,
  sqlRecord,
  sqlText,
  sqlTime,
  textCell,
  timeCell,
} from '../../../src/main/core/exports/csv';

const roundTrip = (cells: string[]): string[] => (parse(record(cells), { relax_quotes: false }) as string[][])[0]!;

describe('CSV cells', () => {
  it.each([
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1+2', "'\t=1+2"],
    ['\r=1+2', "'\r=1+2"],
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ['plain', 'plain'],
    ['a=b', 'a=b'],
    ['', ''],
    ['Zoë 李 🙂', 'Zoë 李 🙂'],
    ['say "hi", then\r\nleave', 'say "hi", then\r\nleave'],
    ['line\nbreak', 'line\nbreak'],
  ])('text %j reads back as %j', (input, expected) => {
    expect(roundTrip([textCell(input), 'next'])).toEqual([expected, 'next']);
  });

  it('quotes exactly the fields that need it, doubling quotes', () => {
    expect(textCell('a,b')).toBe('"a,b"');
    expect(textCell('a"b')).toBe('"a""b"');
    expect(textCell('a\nb')).toBe('"a\nb"');
    expect(textCell('ab')).toBe('ab');
    expect(textCell('=a,b')).toBe(`"'=a,b"`);
  });

  it('numbers: plain literals, negatives unprefixed (numeric columns), never exponent notation', () => {
    expect(numberCell(-3)).toBe('-3');
    expect(numberCell(5.33)).toBe('5.33');
    expect(numberCell(1e21)).toBe('1000000000000000000000');
    expect(numberCell(1e-7)).toBe('0.0000001');
    expect(numberCell(null)).toBe('');
    expect(() => numberCell(Number.NaN)).toThrow();
    // a numeric-looking value in a text column is text, and neutralised
    expect(encodeCell('text', '-3')).toBe("'-3");
    expect(encodeCell('number', -3)).toBe('-3');
  });

  it('times: ISO-8601 UTC with milliseconds; other parseable forms converted; junk kept as neutralised text', () => {
    expect(timeCell('2026-03-04T09:00:00.000Z')).toBe('2026-03-04T09:00:00.000Z');
    expect(timeCell('2026-03-04T10:00:00+01:00')).toBe('2026-03-04T09:00:00.000Z');
    expect(timeCell('=1+1')).toBe("'=1+1");
    expect(timeCell(null)).toBe('');
  });

  it('records end in CRLF; the header is one record', () => {
    expect(record(['a', 'b'])).toBe('a,b\r\n');
    expect(
      headerRecord([
        { name: 'x', kind: 'text', doc: '' },
        { name: 'y', kind: 'number', doc: '' },
      ]),
    ).toBe('x,y\r\n');
  });
});

describe('the SQL encodings (the large reports) write the same bytes as the JavaScript ones', () => {
  const texts = [
    "=cmd|' /C calc'!A0",
    '+1',
    '-1',
    '@SUM(A1)',
    '\t=1',
    '\r=1',
    '=a,b',
    'a"b',
    'a,b',
    'l\nb',
    'c\rd',
    '',
    'Zoë 李 🙂',
    'plain',
    null,
  ];
  const times = ['2026-03-04T09:00:00.000Z', '2026-03-04T10:00:00+01:00', '2026-03-04T09:00:00Z', '=1+1', 'not a time', null];
  it.each(texts.map((t) => [t]))('text %j', (value) => {
    const db = new Database(':memory:');
    try {
      const sql = db
        .prepare(`WITH v(x) AS (SELECT ?) SELECT ${sqlText('x')} FROM v`)
        .pluck()
        .get(value) as string;
      expect(sql).toBe(value === null ? '' : textCell(value));
    } finally {
      db.close();
    }
  });
  it('times, numbers and whole records', () => {
    const db = new Database(':memory:');
    try {
      for (const v of times)
        expect(
          db
            .prepare(`WITH v(x) AS (SELECT ?) SELECT ${sqlTime('x')} FROM v`)
            .pluck()
            .get(v),
        ).toBe(v === null ? '' : timeCell(v));
      for (const v of [0, -3, 42, null])
        expect(
          db
            .prepare(`WITH v(x) AS (SELECT ?) SELECT ${sqlNumber('x')} FROM v`)
            .pluck()
            // bound as SQLite INTEGERs, as the columns store them
            .get(v === null ? null : BigInt(v)),
        ).toBe(numberCell(v));
      const rec = db
        .prepare(`WITH v(a, b, c) AS (SELECT ?, ?, ?) SELECT ${sqlRecord([sqlNumber('a'), sqlText('b'), sqlTime('c')])} FROM v`)
        .pluck()
        .get(7n, '=x', '2026-01-01T00:00:00.000Z');
      expect(rec).toBe(record(['7', textCell('=x'), '2026-01-01T00:00:00.000Z']));
    } finally {
      db.close();
    }
  });
});
