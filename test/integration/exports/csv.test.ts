/**
 * The CSV encoding on its own: OWASP neutralisation, RFC 4180 quoting, numbers, times — each
 * encoded record parsed back by csv-parse.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { encodeCell, headerRecord, numberCell, record, textCell, timeCell } from '../../../src/main/core/exports/csv';

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
