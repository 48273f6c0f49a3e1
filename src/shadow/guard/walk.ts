import { parseSql } from '../../sql/libpg.ts';
import { checkDefinition, checkFuncCall, checkRangeVar, checkVariableSet } from './calls.ts';
import { refused, type Checker, type GuardContext } from './context.ts';
import { FRAGMENT_RUNNERS, SQL_RUNNERS, dangerousFunction, dangerousSetting, settingInSql } from './dangers.ts';
import { checkRoutine } from './routines.ts';
import { LOADS_LIBRARY, SHELL, SYSTEM_CONFIG, checkStatementNode } from './statements.ts';
import { obj } from './values.ts';

type Node = Record<string, unknown>;

/**
 * Fields that hold a node of a fixed type without its `{ Kind: ... }` wrapper: CALL's function
 * call, and the SET of ALTER ROLE / DATABASE / SYSTEM. (Definitions' ObjectWithArgs are read in
 * calls.ts.)
 */
const UNWRAPPED: Record<string, string> = { funccall: 'FuncCall', setstmt: 'VariableSetStmt' };

/**
 * Walks a parse tree depth-first, in the order the SQL is written, and returns the first reason
 * to refuse. Iterative, so that however deep the tree PostgreSQL's parser accepted, the guard
 * does not run out of stack.
 */
function checkTree(root: unknown, source: string | undefined, ctx: GuardContext): string | undefined {
  const statement = obj(root) ? Object.values(obj(root)!)[0] : undefined;
  const stack: { kind?: string; value: unknown }[] = [{ value: root }];
  while (stack.length) {
    const { kind, value } = stack.pop()!;
    if (kind) {
      const reason = checkNode(kind, value as Node, value === statement, source, ctx);
      if (reason) return reason;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i] });
      continue;
    }
    const n = obj(value);
    if (!n) continue;
    const entries = Object.entries(n);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (!child || typeof child !== 'object') continue;
      const kind = Array.isArray(child) ? undefined : /^[A-Z]/.test(key) ? key : UNWRAPPED[key];
      stack.push({ kind, value: child });
    }
  }
  return undefined;
}

/** One node; `statement` when it is the tree's statement itself, whose text `source` is. */
function checkNode(kind: string, node: Node, statement: boolean, source: string | undefined, ctx: GuardContext): string | undefined {
  switch (kind) {
    case 'FuncCall':
      return checkFuncCall(node, ctx, checker);
    case 'RangeVar':
      return checkRangeVar(node, ctx);
    case 'VariableSetStmt':
      return checkVariableSet(node, statement, ctx);
    case 'CreateFunctionStmt':
    case 'DoStmt':
      return checkRoutine(kind, node, statement ? source : undefined, ctx, checker);
    default:
      return checkStatementNode(kind, node, ctx) ?? checkDefinition(kind, node, ctx);
  }
}

/** Parses SQL text and checks every statement in it, each with its own text (a function's body needs it). */
function checkSql(text: string, ctx: GuardContext): { reason?: string; parsed: boolean } {
  let stmts: { stmt?: unknown; stmt_location?: number; stmt_len?: number }[];
  try {
    stmts = parseSql(text).stmts ?? [];
  } catch {
    return { parsed: false };
  }
  const bytes = stmts.length > 1 || stmts.some((s) => obj(s.stmt)?.CreateFunctionStmt) ? Buffer.from(text, 'utf8') : undefined;
  for (const raw of stmts) {
    const start = raw.stmt_location ?? 0;
    const source = bytes ? bytes.subarray(start, raw.stmt_len ? start + raw.stmt_len : bytes.length).toString('utf8') : text;
    const reason = checkTree(raw.stmt, source, ctx);
    if (reason) return { reason, parsed: true };
  }
  return { parsed: true };
}

// Linear on hostile text: a name may only start after a character that cannot be part of one
// (else a long run of letters is rescanned from every position), and COPY and PROGRAM are
// searched one after the other rather than with a backtracking `copy.*?program`.
const CALL = /(?<![\w$])"?([A-Za-z_][\w$]*)"?\s*\(/g;
const SET_CONFIG = /(?<![\w$])set_config\s*\(\s*'([^']*)'/gi;
const COPY = /\bcopy\b/i;
const TO_PROGRAM = /\b(to|from)\s+program\b/i;
const HEAD_ROLE = /^\s*(set(?:\s+local|\s+session)?|reset)\s+(role|session\s+authorization)\b/i;
const HEAD_ALTER_SYSTEM = /^\s*alter\s+system\b/i;
const HEAD_LOAD = /^\s*load\b/i;

/** See Checker.fragments. */
function checkFragments(texts: string[], head: string | undefined, ctx: GuardContext): string | undefined {
  for (const text of texts) {
    for (const match of text.matchAll(CALL)) {
      const name = match[1]!.toLowerCase();
      const why = dangerousFunction(name) ?? (SQL_RUNNERS.has(name) || FRAGMENT_RUNNERS.has(name) ? 'it runs SQL text that cannot be checked before it runs' : undefined);
      if (why) return refused(`${name}()`, why, ctx);
    }
    for (const match of text.matchAll(SET_CONFIG)) {
      const why = dangerousSetting(match[1]!);
      if (why) return refused(`set_config('${match[1]!.toLowerCase()}')`, why, ctx);
    }
  }
  const joined = texts.join(' x ');
  const copyAt = joined.search(COPY);
  const copy = copyAt < 0 ? null : TO_PROGRAM.exec(joined.slice(copyAt));
  if (copy) return refused(`COPY ${copy[1]!.toUpperCase()} PROGRAM`, SHELL, ctx);
  if (head !== undefined) {
    const role = HEAD_ROLE.exec(head);
    if (role) {
      const verb = role[1]!.toUpperCase().replace(/\s+/g, ' ');
      return refused(`${verb} ${settingInSql(role[2]!.toLowerCase().replace(/\s+/g, '_'))}`, dangerousSetting('role')!, ctx);
    }
    if (HEAD_ALTER_SYSTEM.test(head)) return refused('ALTER SYSTEM', SYSTEM_CONFIG, ctx);
    if (HEAD_LOAD.test(head)) return refused('LOAD', LOADS_LIBRARY, ctx);
  }
  return undefined;
}

const checker: Checker = { tree: checkTree, sql: checkSql, fragments: checkFragments };

/** Checks one parsed statement; `source` is its SQL text. */
export function checkStatement(ast: unknown, source: string, ctx: GuardContext): string | undefined {
  return checkTree(ast, source, ctx);
}
