import type { DefElem, Node } from '@pgsql/types';
import { parsePlpgsql } from './libpg.ts';
import { parseSection } from './parse.ts';
import type { Statement } from './statement.ts';

/**
 * Statements written as static SQL inside a PL/pgSQL function body or DO block, parsed as
 * statements of their own at their true file positions. Dynamic SQL (EXECUTE) is not seen.
 */
export function embeddedStatements(statement: Statement, path: string): Statement[] {
  const body = functionBody(statement);
  if (!body) return [];
  const bodyStart = bodyOffset(statement, body.text);
  if (bodyStart === undefined) return [];
  const queries = body.language === 'plpgsql' ? plpgsqlQueries(statement, body.text) : sqlBodyQueries(body.text);
  if (!queries) return [];
  const kind = 'DoStmt' in statement.ast ? 'do' : 'function';
  const bodyLine = statement.range.startLine + countNewlines(statement.sql.slice(0, bodyStart));
  return queries.flatMap(({ query, line }) => {
    const place = locate(statement, bodyStart, query, bodyLine + line - 1);
    const parsed = parseSection({ sql: query, startLine: place.line, startColumn: place.col }, path);
    return parsed.statements.map((inner) => ({
      ...inner,
      embeddedIn: inner.embeddedIn ?? { kind, line: statement.range.startLine },
    }));
  });
}

interface Body {
  text: string;
  language: 'plpgsql' | 'sql';
}

function functionBody(statement: Statement): Body | undefined {
  const ast = statement.ast as Record<string, { args?: Node[]; options?: Node[]; sql_body?: unknown }>;
  const node = ast.DoStmt ?? ast.CreateFunctionStmt;
  if (!node) return undefined;
  const options = (node.args ?? node.options ?? []).map((n) => (n as { DefElem: DefElem }).DefElem);
  const language = stringArg(options.find((o) => o.defname === 'language')) ?? (ast.DoStmt ? 'plpgsql' : undefined);
  const as = options.find((o) => o.defname === 'as');
  const text = stringArg(as) ?? listFirstString(as);
  if (!text || (language !== 'plpgsql' && language !== 'sql')) return undefined;
  return { text, language };
}

function stringArg(option: DefElem | undefined): string | undefined {
  const arg = option?.arg as { String?: { sval?: string } } | undefined;
  return arg?.String?.sval;
}

function listFirstString(option: DefElem | undefined): string | undefined {
  const arg = option?.arg as { List?: { items?: Node[] } } | undefined;
  const first = arg?.List?.items?.[0] as { String?: { sval?: string } } | undefined;
  return arg?.List?.items?.length === 1 ? first?.String?.sval : undefined;
}

/** Character offset, within the statement, where the body's text begins (after its opening quote). */
function bodyOffset(statement: Statement, body: string): number | undefined {
  for (const token of statement.tokens) {
    if (token.kind !== 'SCONST') continue;
    if (token.text.startsWith('$')) {
      const tag = token.text.slice(0, token.text.indexOf('$', 1) + 1);
      if (token.text.slice(tag.length, token.text.length - tag.length) === body) return token.start + tag.length;
    } else if (token.text.startsWith("'") && token.text.slice(1, -1).replaceAll("''", "'") === body) {
      return token.start + 1;
    }
  }
  return undefined;
}

interface EmbeddedQuery {
  query: string;
  /** 1-based line within the body. */
  line: number;
}

function plpgsqlQueries(statement: Statement, body: string): EmbeddedQuery[] | undefined {
  const source = 'DoStmt' in statement.ast
    ? `CREATE FUNCTION db_review_do_block() RETURNS void LANGUAGE plpgsql AS $db_review$${body}$db_review$`
    : statement.sql;
  let tree: unknown;
  try {
    tree = parsePlpgsql(source);
  } catch {
    return undefined;
  }
  const queries: EmbeddedQuery[] = [];
  collectExecSql(tree, queries);
  return queries;
}

function collectExecSql(node: unknown, out: EmbeddedQuery[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectExecSql(item, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'PLpgSQL_stmt_execsql') {
      const stmt = value as { lineno?: number; sqlstmt?: { PLpgSQL_expr?: { query?: string } } };
      const query = stmt.sqlstmt?.PLpgSQL_expr?.query;
      if (query) out.push({ query, line: stmt.lineno ?? 1 });
    } else {
      collectExecSql(value, out);
    }
  }
}

function sqlBodyQueries(body: string): EmbeddedQuery[] {
  return [{ query: body, line: 1 }];
}

/** File line and column of a query inside the body, found by its text from its PL/pgSQL line on. */
function locate(statement: Statement, bodyStart: number, query: string, line: number): { line: number; col: number } {
  const lineStart = offsetOfLine(statement, line);
  const searchFrom = Math.max(bodyStart, lineStart);
  const at = statement.sql.indexOf(query, searchFrom);
  if (at < 0) return { line, col: 1 };
  const foundLine = statement.range.startLine + countNewlines(statement.sql.slice(0, at));
  const startOfFoundLine = offsetOfLine(statement, foundLine);
  const col = foundLine === statement.range.startLine ? statement.range.startCol + at : at - startOfFoundLine + 1;
  return { line: foundLine, col };
}

function offsetOfLine(statement: Statement, line: number): number {
  let offset = 0;
  for (let current = statement.range.startLine; current < line; current++) {
    const next = statement.sql.indexOf('\n', offset);
    if (next < 0) return statement.sql.length;
    offset = next + 1;
  }
  return offset;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) count++;
  return count;
}
