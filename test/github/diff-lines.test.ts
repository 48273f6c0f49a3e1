import { describe, expect, it } from 'vitest';
import { commentableLines } from '../../src/github/diff-lines.ts';

const entries = (patch: string | undefined) => [...commentableLines(patch)].map(([line, { hunk, text }]) => [line, hunk, text]);

describe('commentableLines', () => {
  it('takes every line of an added file', () => {
    expect(entries('@@ -0,0 +1,3 @@\n+-- +goose Up\n+ALTER TABLE t ADD COLUMN a int;\n+CREATE INDEX i ON t (a);')).toEqual([
      [1, 0, '-- +goose Up'],
      [2, 0, 'ALTER TABLE t ADD COLUMN a int;'],
      [3, 0, 'CREATE INDEX i ON t (a);'],
    ]);
  });

  it('takes added and context lines of each hunk, numbered on the head side, and skips removed lines', () => {
    const patch = [
      '@@ -1,4 +1,4 @@ CREATE TABLE t (',
      ' CREATE TABLE t (',
      '-  a int',
      '+  a bigint',
      ' );',
      ' ',
      '@@ -20,3 +20,5 @@',
      ' SELECT 1;',
      '+SELECT 2;',
      '+SELECT 3;',
      '-SELECT 4;',
      ' SELECT 5;',
      '+SELECT 6;',
    ].join('\n');
    expect(entries(patch)).toEqual([
      [1, 0, 'CREATE TABLE t ('],
      [2, 0, '  a bigint'],
      [3, 0, ');'],
      [4, 0, ''],
      [20, 1, 'SELECT 1;'],
      [21, 1, 'SELECT 2;'],
      [22, 1, 'SELECT 3;'],
      [23, 1, 'SELECT 5;'],
      [24, 1, 'SELECT 6;'],
    ]);
  });

  it('ignores "\\ No newline at end of file" on either side', () => {
    const patch = '@@ -1,2 +1,2 @@\n SELECT 1;\n-SELECT 2;\n\\ No newline at end of file\n+SELECT 3;\n\\ No newline at end of file';
    expect(entries(patch)).toEqual([
      [1, 0, 'SELECT 1;'],
      [2, 0, 'SELECT 3;'],
    ]);
  });

  it('reads CRLF patches, and hunk headers without counts', () => {
    expect(entries('@@ -3 +3 @@\r\n-SELECT 1;\r\n+SELECT 2;\r\n@@ -9,0 +10,2 @@\r\n+a\r\n+b\r\n')).toEqual([
      [3, 0, 'SELECT 2;'],
      [10, 1, 'a'],
      [11, 1, 'b'],
    ]);
  });

  it('counts a context line whose leading space was stripped, by the hunk header', () => {
    expect(entries('@@ -1,3 +1,3 @@\n a\n\n b\n')).toEqual([
      [1, 0, 'a'],
      [2, 0, ''],
      [3, 0, 'b'],
    ]);
  });

  it('gives nothing for a missing patch (binary or too large) or a deleted file', () => {
    expect(entries(undefined)).toEqual([]);
    expect(entries('')).toEqual([]);
    expect(entries('@@ -1,2 +0,0 @@\n-SELECT 1;\n-SELECT 2;')).toEqual([]);
  });
});
