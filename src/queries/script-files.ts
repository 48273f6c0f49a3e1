import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Language as Grammar, Node, Parser } from 'web-tree-sitter';
import { normaliseParameters, type ParameterStyle } from './parameters.ts';
import { isQuery } from './query-statement.ts';
import { positionsIn } from './sql-text.ts';
import type { ExtractedQuery, QueryOrigin } from './types.ts';

export type ScriptLanguage = 'python' | 'go' | 'ruby';

const LANGUAGES: Record<string, ScriptLanguage> = { '.py': 'python', '.go': 'go', '.rb': 'ruby' };

export function scriptLanguageOf(path: string): ScriptLanguage | undefined {
  return LANGUAGES[path.slice(path.lastIndexOf('.'))];
}

interface QueryCall {
  origin: QueryOrigin;
  styles: ParameterStyle[];
}

interface LanguageRules {
  /** The syntax node of a call, and how to read the called method's name and the arguments. */
  call: string;
  methodOf(call: Node): string | undefined;
  argumentsOf(call: Node): Node | null;
  /** Node types of string literals; `containers` hold one (Rails' `[sql, binds]`). */
  strings: Set<string>;
  containers: Set<string>;
  calls: Record<string, QueryCall>;
}

const field = (node: Node | null, name: string): Node | null => node?.childForFieldName(name) ?? null;

const PYTHON_DBAPI: QueryCall = { origin: 'db-execute', styles: ['percent', 'question', 'colon', 'dollar'] };
const ASYNCPG: QueryCall = { origin: 'client-query', styles: ['dollar'] };
const GO_SQL: QueryCall = { origin: 'db-execute', styles: ['dollar', 'question', 'colon'] };
const RAILS: QueryCall = { origin: 'db-execute', styles: ['question', 'colon', 'dollar'] };

const RULES: Record<ScriptLanguage, LanguageRules> = {
  python: {
    call: 'call',
    methodOf: (call) => {
      const callee = field(call, 'function');
      return callee?.type === 'attribute' ? field(callee, 'attribute')?.text : callee?.type === 'identifier' ? callee.text : undefined;
    },
    argumentsOf: (call) => field(call, 'arguments'),
    strings: new Set(['string', 'concatenated_string']),
    containers: new Set(),
    calls: {
      execute: PYTHON_DBAPI,
      executemany: PYTHON_DBAPI,
      fetch: ASYNCPG,
      fetchrow: ASYNCPG,
      fetchval: ASYNCPG,
      // SQLAlchemy's text().
      text: { origin: 'db-execute', styles: ['colon'] },
    },
  },
  go: {
    call: 'call_expression',
    methodOf: (call) => {
      const callee = field(call, 'function');
      return callee?.type === 'selector_expression' ? field(callee, 'field')?.text : callee?.type === 'identifier' ? callee.text : undefined;
    },
    argumentsOf: (call) => field(call, 'arguments'),
    strings: new Set(['raw_string_literal', 'interpreted_string_literal']),
    containers: new Set(),
    calls: Object.fromEntries(
      ['Query', 'QueryRow', 'Exec', 'Prepare', 'Select', 'Get', 'Queryx', 'QueryRowx', 'MustExec', 'NamedExec', 'NamedQuery', 'Preparex'].flatMap((name) => [
        [name, GO_SQL],
        [`${name}Context`, GO_SQL],
      ]),
    ),
  },
  ruby: {
    call: 'call',
    methodOf: (call) => field(call, 'method')?.text,
    argumentsOf: (call) => field(call, 'arguments'),
    strings: new Set(['string']),
    containers: new Set(['array']),
    calls: Object.fromEntries(
      ['find_by_sql', 'exec_query', 'execute', 'select_all', 'select_one', 'select_value', 'select_values', 'select_rows', 'exec', 'exec_params'].map((name) => [name, RAILS]),
    ),
  },
};

const parsers = new Map<ScriptLanguage, Parser>();

/**
 * Loads tree-sitter and each language's grammar (WebAssembly), once: only reviews that read
 * Python, Go or Ruby need them.
 */
export async function loadScriptParsers(languages: Iterable<ScriptLanguage>): Promise<void> {
  const wanted = [...new Set(languages)].filter((language) => !parsers.has(language));
  if (wanted.length === 0) return;
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init({ locateFile: () => wasmFile('web-tree-sitter/tree-sitter.wasm') });
  for (const language of wanted) {
    const grammar: Grammar = await Language.load(wasmFile(`tree-sitter-${language}/tree-sitter-${language}.wasm`));
    const parser = new Parser();
    parser.setLanguage(grammar);
    parsers.set(language, parser);
  }
}

/** A package's WebAssembly file: from node_modules, or beside the bundle that carries it. */
function wasmFile(packagePath: string): string {
  try {
    return createRequire(import.meta.url).resolve(packagePath);
  } catch {
    const beside = path.join(path.dirname(fileURLToPath(import.meta.url)), path.basename(packagePath));
    if (existsSync(beside)) return beside;
    throw new Error(`${packagePath} is missing: reinstall db-review's dependencies`);
  }
}

/**
 * The queries in a Python, Go or Ruby file: the string literal each query call of the database
 * libraries is given (DB-API's `execute`, asyncpg, SQLAlchemy's `text`; database/sql, sqlx and
 * pgx; Active Record's `find_by_sql`, `exec_query`, `execute`), read from tree-sitter's syntax
 * tree. An f-string's or `#{…}`'s interpolations become parameters.
 */
export function queriesInScript(path: string, text: string, language: ScriptLanguage): ExtractedQuery[] {
  const parser = parsers.get(language);
  if (!parser) throw new Error('loadScriptParsers() must resolve before this language is read');
  const rules = RULES[language];
  const tree = parser.parse(text);
  if (!tree) return [];
  const positionOf = positionsIn(text);
  const queries: ExtractedQuery[] = [];
  try {
    for (const call of tree.rootNode.descendantsOfType(rules.call)) {
      if (!call) continue;
      const how = rules.calls[rules.methodOf(call) ?? ''];
      const literal = how && firstString(rules.argumentsOf(call), rules);
      if (!how || !literal) continue;
      const { sql, interpolations, start } = stringValue(literal, text);
      const normalised = normaliseParameters(sql.trim(), how.styles, interpolations);
      if (!isQuery(normalised.sql)) continue;
      const from = positionOf(start);
      queries.push({ path, line: from.line, column: from.column, endLine: positionOf(literal.endIndex).line, origin: how.origin, ...normalised });
    }
  } finally {
    tree.delete();
  }
  return queries;
}

/** The first string among a call's first two arguments (Go passes a context first), or inside a container there. */
function firstString(args: Node | null, rules: LanguageRules): Node | undefined {
  for (const argument of (args?.namedChildren ?? []).slice(0, 2)) {
    if (!argument) continue;
    if (rules.strings.has(argument.type)) return argument;
    if (rules.containers.has(argument.type)) {
      const inner = argument.namedChildren[0];
      if (inner && rules.strings.has(inner.type)) return inner;
    }
  }
  return undefined;
}

/** Node types that open or close a string literal, not part of its value. */
const DELIMITERS = new Set(['string_start', 'string_end', '"', "'", '`']);
const INTERPOLATIONS = new Set(['interpolation']);

/**
 * A string literal's value, its interpolations as `$n` (with their source text), and the offset
 * where its value starts. Python's implicit concatenation ("a" "b") is joined.
 */
function stringValue(literal: Node, text: string): { sql: string; interpolations: string[]; start: number } {
  const parts = literal.type === 'concatenated_string' ? literal.namedChildren.filter((n): n is Node => n !== null) : [literal];
  const interpolations: string[] = [];
  let sql = '';
  let start: number | undefined;
  for (const part of parts) {
    const children = part.children.filter((n): n is Node => n !== null);
    const opening = children[0] && DELIMITERS.has(children[0].type) ? children[0] : undefined;
    const closing = children.at(-1) && DELIMITERS.has(children.at(-1)!.type) && children.length > 1 ? children.at(-1) : undefined;
    const from = opening?.endIndex ?? part.startIndex;
    const to = closing?.startIndex ?? part.endIndex;
    // Go's backquoted strings, and Python's with an r prefix (`r"`, `rf'`), take no escapes.
    const raw = part.type === 'raw_string_literal' || /^[a-zA-Z]*[rR]/.test(opening?.text ?? '');
    start ??= from + (/^\s*/.exec(text.slice(from, to))?.[0].length ?? 0);
    let at = from;
    for (const inner of children.filter((n) => INTERPOLATIONS.has(n.type) && n.startIndex >= from && n.endIndex <= to)) {
      sql += decode(text.slice(at, inner.startIndex), raw);
      interpolations.push(inner.text);
      sql += `$${interpolations.length}`;
      at = inner.endIndex;
    }
    sql += decode(text.slice(at, to), raw);
  }
  return { sql, interpolations, start: start ?? literal.startIndex };
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

/** Backslash escapes as the languages' double-quoted strings read them; a raw string keeps them. */
function decode(source: string, raw: boolean): string {
  return raw ? source : source.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c);
}
