import { describe, expect, it } from 'vitest';
import { compareBytes, compareDigits, compareNatural, decodeSql, positionAt, sectionOf, splitLines } from '../../src/migrations/text.ts';

describe('text helpers', () => {
  it('sorts naturally, falling back to code units on ties', () => {
    const names = ['10_x', '2_x', '1_x', '01_x', 'a', '1_x10', '1_x9', 'A'];
    expect([...names].sort(compareNatural)).toEqual(['01_x', '1_x', '1_x9', '1_x10', '2_x', '10_x', 'A', 'a']);
  });

  it('compares digit strings numerically without size limits', () => {
    expect(compareDigits('0009', '10')).toBeLessThan(0);
    expect(compareDigits('000', '0')).toBe(0);
    expect(compareDigits('123456789012345678901234567890', '123456789012345678901234567889')).toBeGreaterThan(0);
  });

  it('compares bytes as Go and Rust do', () => {
    expect(compareBytes('a copy', 'a_b')).toBeLessThan(0);
    expect(compareBytes('\u{FF61}', '\u{1F600}')).toBeLessThan(0); // UTF-16 order would say the opposite
    expect('\u{FF61}' < '\u{1F600}').toBe(false);
  });

  it('maps offsets to lines and columns, CRLF counting once', () => {
    const text = 'ab\r\ncd\nef';
    expect(positionAt(text, 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt(text, 4)).toEqual({ line: 2, column: 1 });
    expect(positionAt(text, 5)).toEqual({ line: 2, column: 2 });
    expect(positionAt(text, 7)).toEqual({ line: 3, column: 1 });
    expect(sectionOf(text, 5, 9)).toEqual({ sql: 'd\nef', startLine: 2, startColumn: 2 });
  });

  it('splits lines without their terminators', () => {
    expect(splitLines('a\r\nb\n\nc').map((l) => [l.number, l.content, l.start, l.next])).toEqual([
      [1, 'a', 0, 3],
      [2, 'b', 3, 5],
      [3, '', 5, 6],
      [4, 'c', 6, 7],
    ]);
    expect(splitLines('')).toEqual([{ number: 1, content: '', start: 0, next: 0 }]);
  });

  it('strips a UTF-8 BOM', () => {
    expect(decodeSql('a.sql', '\uFEFFSELECT 1;')).toEqual({ path: 'a.sql', text: 'SELECT 1;', hadBom: true });
    expect(decodeSql('a.sql', 'SELECT 1;')).toEqual({ path: 'a.sql', text: 'SELECT 1;', hadBom: false });
  });
});
