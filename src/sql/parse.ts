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

interface RawStatement {
  ast: Node;
  /** Byte range PostgreSQL gives the statement. */
  start: number;
  end: number;
}

/**
 * Parses one section of a migration file into statements with exact file positions.
 * A section that does not parse as a whole is split at top-level semicolons so that every
 * statement that does parse is still reviewed; each piece that fails becomes a problem.
 */
export function parseSection(section: MigrationSection, path: string): ParsedSection {
  const placement: Placement = { path, startLine: section.startLine, startColumn: section.startColumn };
  if (section.sql.trim() === '') return { statements: [], comments: [], problems: [] };
  const index = new TextIndex(section.sql);
  let raws: RawStatement[];
  let problems: ParseProblem[] = [];
  try {
    raws = rawStatements(parseSql(section.sql), 0, index.bytes.length);
  } catch (error) {
    const split = parsePieces(index, placement, error);
    raws = split.raws;
    problems = split.problems;
  }
  const comments: SqlComment[] = [];
  const statements: Statement[] = [];
  let regionStart = 0;
  for (const raw of raws) {
    const statement = buildStatement(raw, Math.min(regionStart, raw.start), index, placement);
    comments.push(...statement.comments);
    statements.push(statement, ...embeddedStatements(statement, path));
    regionStart = raw.end;
  }
  comments.push(...commentsOf(commentTokens(index, regionStart, index.bytes.length), index, placement));
  return { statements, comments, problems };
}

function rawStatements(result: { stmts?: { stmt?: Node; stmt_location?: number; stmt_len?: number }[] }, base: number, end: number): RawStatement[] {
  return (result.stmts ?? []).map((raw) => {
    const start = base + (raw.stmt_location ?? 0);
    return { ast: raw.stmt as Node, start, end: raw.stmt_len ? start + raw.stmt_len : end };
  });
}

/** Tokens of a byte range of the section, with byte offsets relative to the whole section. */
function scanRegion(index: TextIndex, start: number, end: number): ScanToken[] {
  if (end <= start) return [];
  try {
    return scanSql(index.slice(start, end)).map((t) => ({ ...t, start: t.start + start, end: t.end + start }));
  } catch {
    return [];
  }
}

function parsePieces(index: TextIndex, placement: Placement, wholeError: unknown): { raws: RawStatement[]; problems: ParseProblem[] } {
  let tokens: ScanToken[];
  try {
    tokens = scanSql(index.text);
  } catch {
    // The scanner rejects the text (an unterminated quote, say): the parser's error names the place.
    const problem = toParserError(wholeError);
    return { raws: [], problems: [problemAt(index, placement, problem.message, problem.position ?? 0)] };
  }
  const raws: RawStatement[] = [];
  const problems: ParseProblem[] = [];
  for (const piece of topLevelPieces(tokens, index.bytes.length)) {
    const hasCode = tokens.some((t) => t.start >= piece.start && t.end <= piece.end && !COMMENT_TOKENS.has(t.tokenName) && t.text !== ';');
    if (!hasCode) continue;
    try {
      raws.push(...rawStatements(parseSql(index.slice(piece.start, piece.end)), piece.start, piece.end));
    } catch (error) {
      const problem = toParserError(error);
      problems.push(problemAt(index, placement, problem.message, index.charOffset(piece.start) + (problem.position ?? 0)));
    }
  }
  return { raws, problems };
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

/**
 * A statement from PostgreSQL's byte range for it. The region from `regionStart` (the end of
 * the previous statement) holds its leading comments. Only regions with comment markers are
 * scanned up front; the statement's own tokens are scanned when first asked for.
 */
function buildStatement(raw: RawStatement, regionStart: number, index: TextIndex, placement: Placement): Statement {
  const regionTokens = commentTokens(index, regionStart, raw.end);
  const bounds = regionTokens ? boundsFromTokens(raw, regionTokens) : boundsFromText(raw, index);
  const start = index.position(bounds.start);
  const end = index.position(bounds.end);
  const offset = index.charOffset(bounds.start);
  let tokens: Token[] | undefined;
  const scanOwnTokens = (): Token[] =>
    (regionTokens ?? scanRegion(index, raw.start, raw.end))
      .filter((t) => t.start >= bounds.start && t.end <= bounds.end && !COMMENT_TOKENS.has(t.tokenName))
      .map((t) => ({
        text: t.text,
        kind: t.tokenName,
        keyword: t.keywordName,
        start: index.charOffset(t.start) - offset,
        end: index.charOffset(t.end) - offset,
        line: toFileLine(placement, index.position(t.start).line),
      }));
  const statement: Omit<Statement, 'tokens'> = {
    sql: index.text.slice(offset, index.charOffset(bounds.end)),
    ast: raw.ast,
    kind: Object.keys(raw.ast)[0] ?? 'Unknown',
    range: {
      path: placement.path,
      startLine: toFileLine(placement, start.line),
      startCol: toFileCol(placement, start.line, start.col),
      endLine: toFileLine(placement, end.line),
      endCol: toFileCol(placement, end.line, end.col),
    },
    offset,
    linePrefix: index.text.slice(index.lineStartChar(start.line), offset),
    lineSuffix: index.lineText(end.line).slice(end.col - 1),
    comments: regionTokens ? commentsOf(regionTokens, index, placement) : [],
  };
  return Object.defineProperty(statement, 'tokens', {
    get: () => (tokens ??= scanOwnTokens()),
    enumerable: true,
  }) as Statement;
}

/** The region's tokens when it may hold a comment, else undefined (no scan needed). */
function commentTokens(index: TextIndex, start: number, end: number): ScanToken[] | undefined {
  const text = index.slice(start, end);
  return text.includes('--') || text.includes('/*') ? scanRegion(index, start, end) : undefined;
}

function boundsFromTokens(raw: RawStatement, tokens: ScanToken[]): { start: number; end: number } {
  const own = tokens.filter((t) => t.start >= raw.start && !COMMENT_TOKENS.has(t.tokenName));
  const last = own.at(-1);
  return {
    start: own[0]?.start ?? raw.start,
    end: last && last.text === ';' ? (own.at(-2)?.end ?? last.start) : (last?.end ?? raw.end),
  };
}

/** Without comments in the way, trimming white space and a final semicolon finds the statement. */
function boundsFromText(raw: RawStatement, index: TextIndex): { start: number; end: number } {
  const bytes = index.bytes;
  let start = raw.start;
  let end = raw.end;
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  if (end > start && bytes[end - 1] === 0x3b) end--;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  return { start, end };
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c;
}

function commentsOf(tokens: ScanToken[] | undefined, index: TextIndex, placement: Placement): SqlComment[] {
  return (tokens ?? [])
    .filter((t) => COMMENT_TOKENS.has(t.tokenName))
    .map((t) => ({ text: t.text, line: toFileLine(placement, index.position(t.start).line) }));
}

function problemAt(index: TextIndex, placement: Placement, message: string, charOffset: number): ParseProblem {
  const clamped = Math.max(0, Math.min(charOffset, index.text.length));
  const pos = index.position(Buffer.byteLength(index.text.slice(0, clamped), 'utf8'));
  return { message, line: toFileLine(placement, pos.line), col: toFileCol(placement, pos.line, pos.col) };
}

function toFileLine(placement: Placement, sectionLine: number): number {
  return placement.startLine + sectionLine - 1;
}

function toFileCol(placement: Placement, sectionLine: number, col: number): number {
  return sectionLine === 1 ? placement.startColumn + col - 1 : col;
}
