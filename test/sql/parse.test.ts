import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/sql/libpg.ts';
import { parseSection } from '../../src/sql/parse.ts';

beforeAll(() => loadParser());

function parse(sql: string, startLine = 1, startColumn = 1) {
  return parseSection({ sql, startLine, startColumn }, 'db/m.sql');
}

describe('parseSection', () => {
  it('gives every statement its exact lines and columns, without the semicolon', () => {
    const { statements, problems } = parse('CREATE TABLE a (id int);\n\n  ALTER TABLE a\n    ADD COLUMN b text;  SELECT 1');
    expect(problems).toEqual([]);
    expect(statements.map((s) => [s.kind, s.range.startLine, s.range.startCol, s.range.endLine, s.range.endCol, s.sql])).toEqual([
      ['CreateStmt', 1, 1, 1, 24, 'CREATE TABLE a (id int)'],
      ['AlterTableStmt', 3, 3, 4, 22, 'ALTER TABLE a\n    ADD COLUMN b text'],
      ['SelectStmt', 4, 25, 4, 33, 'SELECT 1'],
    ]);
  });

  it('maps UTF-8 byte offsets to characters with multibyte text and CRLF line endings', () => {
    const sql = "-- Prüfung: ü, 日本語\r\nINSERT INTO t (name) VALUES ('日本語'); CREATE INDEX i ON t (name);\r\nSELECT '😀';\r\n";
    const { statements } = parse(sql);
    expect(statements.map((s) => [s.range.startLine, s.range.startCol, s.range.endCol, s.sql])).toEqual([
      [2, 1, 36, "INSERT INTO t (name) VALUES ('日本語')"],
      [2, 38, 64, 'CREATE INDEX i ON t (name)'],
      [3, 1, 12, "SELECT '😀'"],
    ]);
    expect(statements[1]!.linePrefix).toBe("INSERT INTO t (name) VALUES ('日本語'); ");
    expect(statements[1]!.lineSuffix).toBe(';');
  });

  it('places a section that starts mid-file (goose, dbmate) at its true lines', () => {
    const { statements } = parse('\nALTER TABLE a ADD b int;', 7, 1);
    expect(statements[0]!.range).toMatchObject({ startLine: 8, startCol: 1, endLine: 8 });
  });

  it('collects comments: leading ones per statement, and all of them for the section', () => {
    const { statements, comments } = parse('-- first\nSELECT 1; /* inline */\n-- above two\nSELECT 2;\n-- trailing');
    expect(statements[0]!.comments).toEqual([{ text: '-- first', line: 1 }]);
    expect(statements[1]!.comments).toEqual([
      { text: '/* inline */', line: 2 },
      { text: '-- above two', line: 3 },
    ]);
    expect(comments.map((c) => c.line)).toEqual([1, 2, 3, 5]);
  });

  it('reports a syntax error at the line and column PostgreSQL names and keeps the statements that parse', () => {
    const { statements, problems } = parse("SELECT 'é';\nCREATE TABL x ();\nCREATE INDEX i ON t (a);");
    expect(problems).toEqual([{ message: 'syntax error at or near "TABL"', line: 2, col: 8 }]);
    expect(statements.map((s) => [s.kind, s.range.startLine])).toEqual([
      ['SelectStmt', 1],
      ['IndexStmt', 3],
    ]);
  });

  it('reports an unterminated string at its start', () => {
    const { statements, problems } = parse("SELECT 1;\nSELECT 'abc");
    expect(statements).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ message: 'unterminated quoted string at or near "\'abc"', line: 2, col: 8 });
  });

  it('finds static SQL inside PL/pgSQL functions and DO blocks, at the right lines', () => {
    const sql = [
      'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$',
      'BEGIN',
      '  UPDATE audit SET n = n + 1;',
      "  EXECUTE 'DROP TABLE x';",
      '  RETURN NEW;',
      'END $fn$;',
      'DO $$',
      'BEGIN',
      '    ALTER TABLE orders ADD COLUMN z int;',
      'END $$;',
    ].join('\n');
    const { statements } = parse(sql);
    expect(statements.map((s) => [s.kind, s.range.startLine, s.range.startCol, s.embeddedIn?.kind ?? null])).toEqual([
      ['CreateFunctionStmt', 1, 1, null],
      ['UpdateStmt', 3, 3, 'function'],
      ['DoStmt', 7, 1, null],
      ['AlterTableStmt', 9, 5, 'do'],
    ]);
  });

  it('reads tokens from the scanner with offsets inside the statement', () => {
    const [statement] = parse('  CREATE UNIQUE INDEX "Ü" ON t (a);').statements;
    const index = statement!.tokens.find((t) => t.text === 'INDEX')!;
    expect(statement!.sql.slice(index.start, index.end)).toBe('INDEX');
    const ident = statement!.tokens.find((t) => t.kind === 'IDENT')!;
    expect(statement!.sql.slice(ident.start, ident.end)).toBe('"Ü"');
  });

  it('parses an empty or comment-only section to nothing', () => {
    expect(parse('')).toEqual({ statements: [], comments: [], problems: [] });
    expect(parse('-- nothing here\n').statements).toEqual([]);
  });
});
