import type { Node } from '@pgsql/types';
import type { MigrationSection } from '../migrations/types.ts';
import { parseSql, scanSql, toParserError, type ScanToken } from './libpg.ts';
import { embeddedStatements } from './plpgsql.ts';
import type { SqlComment, Statement, Token } from './statement.ts';
import { TextIndex } from './text-index.ts';

export interface ParseProblem {
  message: string;
  line: number;
  col: number;
}

export interface ParsedSection {
  statements: Statement[];
  /** Every comment in the section, in order (suppressions are read from these). */
  comments: SqlComment[];
  problems: ParseProblem[];
}

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** Where a section sits in its file, so positions inside it map to file lines and columns. */
interface Placement {
  path: string;
  startLine: number;
  startColumn: number;
}

/**
 * Parses one section of a migration file into statements with exact file positions.
 * A section that does not parse as a whole is split at top-level semicolons so that every
 * statement that does parse is still reviewed; each piece that fails becomes a problem.
 */
export function parseSection(section: MigrationSection, path: string): ParsedSection {
  const placement: Placement = { path, startLine: section.startLine, startColumn: section.startColumn };
  const index = new TextIndex(section.sql);
  let tokens: ScanToken[];
  try {
    tokens = scanSql(section.sql);
  } catch (error) {
    const problem = toParserError(parseFailure(section.sql) ?? error);
    return { statements: [], comments: [], problems: [problemAt(index, placement, problem.message, problem.position ?? 0)] };
  }
  const comments = tokens
    .filter((t) => COMMENT_TOKENS.has(t.tokenName))
    .map((t) => ({ text: t.text, line: toFileLine(placement, index.position(t.start).line) }));

  try {
    const result = parseSql(section.sql);
    const statements = (result.stmts ?? []).map((raw) =>
      buildStatement(raw.stmt as Node, raw.stmt_location ?? 0, raw.stmt_len ?? 0, index, tokens, placement),
    );
    return { statements: withEmbedded(statements, path), comments, problems: [] };
  } catch {
    return parsePieces(section.sql, index, tokens, placement, comments);
  }
}

function parsePieces(
  sql: string,
  index: TextIndex,
  tokens: ScanToken[],
  placement: Placement,
  comments: SqlComment[],
): ParsedSection {
  const statements: Statement[] = [];
  const problems: ParseProblem[] = [];
  for (const piece of topLevelPieces(tokens, index.bytes.length)) {
    const text = index.slice(piece.start, piece.end);
    if (!tokens.some((t) => t.start >= piece.start && t.end <= piece.end && !COMMENT_TOKENS.has(t.tokenName) && t.text !== ';')) continue;
    try {
      const result = parseSql(text);
      for (const raw of result.stmts ?? []) {
        const start = piece.start + (raw.stmt_location ?? 0);
        const len = raw.stmt_len ? raw.stmt_len : piece.end - start;
        statements.push(buildStatement(raw.stmt as Node, start, len, index, tokens, placement));
      }
    } catch (error) {
      const problem = toParserError(error);
      const pieceStartChar = index.charOffset(piece.start);
      problems.push(problemAt(index, placement, problem.message, pieceStartChar + (problem.position ?? 0)));
    }
  }
  return { statements: withEmbedded(statements, placement.path), comments, problems };
}

/** Byte ranges of the section between top-level semicolons (the scanner knows quoting). */
function topLevelPieces(tokens: ScanToken[], length: number): { start: number; end: number }[] {
  const pieces: { start: number; end: number }[] = [];
  let start = 0;
  let depth = 0;
  let inAtomicBody = false;
  for (const token of tokens) {
    const word = token.text.toUpperCase();
    if (word === 'ATOMIC') inAtomicBody = true;
    if (inAtomicBody && word === 'BEGIN') depth++;
    if (inAtomicBody && word === 'END' && depth > 0) {
      depth--;
      if (depth === 0) inAtomicBody = false;
    }
    if (token.text === ';' && depth === 0) {
      pieces.push({ start, end: token.end });
      start = token.end;
    }
  }
  if (start < length) pieces.push({ start, end: length });
  return pieces;
}

function buildStatement(
  ast: Node,
  location: number,
  length: number,
  index: TextIndex,
  tokens: ScanToken[],
  placement: Placement,
): Statement {
  const rawEnd = length > 0 ? location + length : index.bytes.length;
  const own = tokens.filter(
    (t) => t.start >= location && t.end <= rawEnd && !COMMENT_TOKENS.has(t.tokenName),
  );
  const startByte = own[0]?.start ?? location;
  const last = own.at(-1);
  const endByte = last && last.text === ';' ? (own.at(-2)?.end ?? last.start) : (last?.end ?? rawEnd);
  const start = index.position(startByte);
  const end = index.position(endByte);
  const startLine = toFileLine(placement, start.line);
  const endLine = toFileLine(placement, end.line);
  const comments = tokens
    .filter((t) => COMMENT_TOKENS.has(t.tokenName) && t.end <= rawEnd && t.start >= precedingBoundary(tokens, location))
    .map((t) => ({ text: t.text, line: toFileLine(placement, index.position(t.start).line) }));
  const offset = index.charOffset(startByte);
  const endChar = index.charOffset(endByte);
  return {
    sql: index.text.slice(offset, endChar),
    ast,
    kind: Object.keys(ast)[0] ?? 'Unknown',
    range: {
      path: placement.path,
      startLine,
      startCol: toFileCol(placement, start.line, start.col),
      endLine,
      endCol: toFileCol(placement, end.line, end.col),
    },
    offset,
    linePrefix: index.text.slice(index.lineStartChar(start.line), offset),
    lineSuffix: index.lineText(end.line).slice(end.col - 1),
    comments,
    tokens: own.map((t): Token => ({
      text: t.text,
      kind: t.tokenName,
      keyword: t.keywordName,
      start: index.charOffset(t.start) - offset,
      end: index.charOffset(t.end) - offset,
      line: toFileLine(placement, index.position(t.start).line),
    })),
  };
}

/** Byte offset just after the previous statement's semicolon (where this statement's comments may start). */
function precedingBoundary(tokens: ScanToken[], location: number): number {
  let boundary = 0;
  for (const token of tokens) {
    if (token.start >= location) break;
    if (token.text === ';') boundary = token.end;
  }
  return boundary;
}

function withEmbedded(statements: Statement[], path: string): Statement[] {
  return statements.flatMap((statement) => [statement, ...embeddedStatements(statement, path)]);
}

function problemAt(index: TextIndex, placement: Placement, message: string, charOffset: number): ParseProblem {
  const clamped = Math.max(0, Math.min(charOffset, index.text.length));
  const bytes = Buffer.byteLength(index.text.slice(0, clamped), 'utf8');
  const pos = index.position(bytes);
  return { message, line: toFileLine(placement, pos.line), col: toFileCol(placement, pos.line, pos.col) };
}

function toFileLine(placement: Placement, sectionLine: number): number {
  return placement.startLine + sectionLine - 1;
}

function toFileCol(placement: Placement, sectionLine: number, col: number): number {
  return sectionLine === 1 ? placement.startColumn + col - 1 : col;
}

/** The parser's own error for text the scanner rejects (it names a position; the scanner does not). */
function parseFailure(sql: string): unknown {
  try {
    parseSql(sql);
    return undefined;
  } catch (error) {
    return error;
  }
}
