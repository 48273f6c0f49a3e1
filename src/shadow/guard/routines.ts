import { parsePlpgsql, parseSql, scanSql } from '../../sql/libpg.ts';
import { nested, refused, tooDeep, type Checker, type GuardContext } from './context.ts';
import { languageAllowed, whyLanguageRefused } from './dangers.ts';
import { arr, constantString, defElems, lastName, leadingConstant, obj, stringConstants, stringNode } from './values.ts';

type Node = Record<string, unknown>;

const UNPARSED = 'the SQL in it cannot be checked, and PostgreSQL would reject it too';

/**
 * A function, procedure or DO block: its language, then the SQL in its body.
 *
 * - LANGUAGE sql with a string body: the body is parsed and checked like any statement
 *   (a BEGIN ATOMIC / RETURN body is part of the parse tree and checked with it).
 * - PL/pgSQL: every SQL statement and expression in the body is parsed and checked; a body that
 *   does not parse is refused, as PostgreSQL would not run it either and the guard cannot see in.
 * - Other allowed languages (plperl, pltcl, plv8, allowlisted ones) reach SQL through strings:
 *   the body is scanned for dangerous function names.
 */
export function checkRoutine(kind: string, node: Node, source: string | undefined, ctx: GuardContext, checker: Checker): string | undefined {
  const isDo = kind === 'DoStmt';
  const what = isDo ? 'DO block' : node.is_procedure ? 'procedure' : 'function';
  const options = defElems(isDo ? node.args : node.options);
  const language = (stringNode(options.find((o) => o.defname === 'language')?.arg) ?? (isDo ? 'plpgsql' : 'sql')).toLowerCase();
  if (!languageAllowed(language, ctx.extensions)) return refused(`A ${what} in LANGUAGE ${language}`, whyLanguageRefused(language), ctx);
  const body = bodyText(options.find((o) => o.defname === 'as')?.arg);
  if (body === undefined) return undefined;
  const inner = nested(ctx, isDo ? ' in the DO block' : ` in the ${what} body`);
  const deep = tooDeep(inner);
  if (deep) return deep;
  if (language === 'sql') {
    const result = checker.sql(body, inner);
    return result.reason ?? (result.parsed ? undefined : refused(`A ${what} whose SQL body does not parse`, UNPARSED, ctx));
  }
  if (language === 'plpgsql') {
    const tree = plpgsqlTree(isDo ? undefined : source, node, body);
    if (!tree) return refused(`A ${what} whose PL/pgSQL body does not parse`, UNPARSED, ctx);
    return checkPlpgsql(tree, inner, checker);
  }
  return checker.fragments([body], undefined, inner);
}

/** The body of `AS '...'` (one string; C functions give two: library and symbol). */
function bodyText(arg: unknown): string | undefined {
  const single = stringNode(arg);
  if (single !== undefined) return single;
  const items = arr(obj(obj(arg)?.List)?.items);
  return items.length === 1 ? stringNode(items[0]) : undefined;
}

/**
 * libpg-query's PL/pgSQL parse of the function, or undefined when it does not parse. A function
 * is parsed from its own CREATE FUNCTION text, as its parameters and return type (a trigger's
 * NEW and OLD) decide which names the body may assign; a DO block is wrapped in a function.
 */
function plpgsqlTree(source: string | undefined, node: Node, body: string): unknown {
  let text = source;
  if (text === undefined) {
    let tag = '$db_review_guard$';
    for (let i = 0; body.includes(tag); i++) tag = `$db_review_guard_${i}$`;
    const returns = lastName(obj(node.returnType)?.names)?.toLowerCase();
    const type = returns === 'trigger' || returns === 'event_trigger' ? returns : 'void';
    text = `CREATE FUNCTION db_review_guard() RETURNS ${type} LANGUAGE plpgsql AS ${tag}${body}${tag}`;
  }
  try {
    return parsePlpgsql(text);
  } catch {
    return undefined;
  }
}

/** PL/pgSQL statements whose `query` is an expression giving SQL text to run. */
const DYNAMIC_STATEMENTS = new Set(['PLpgSQL_stmt_dynexecute', 'PLpgSQL_stmt_dynfors']);

/** Every expression of a PL/pgSQL parse tree, static or dynamic. */
function checkPlpgsql(tree: unknown, ctx: GuardContext, checker: Checker): string | undefined {
  const stack: { value: unknown; dynamic: boolean }[] = [{ value: tree, dynamic: false }];
  while (stack.length) {
    const { value, dynamic } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], dynamic: false });
      continue;
    }
    const n = obj(value);
    if (!n) continue;
    const expr = obj(n.PLpgSQL_expr);
    if (expr) {
      const query = typeof expr.query === 'string' ? expr.query : '';
      const reason = dynamic ? checkDynamic(query, ctx, checker) : checkExpression(query, Number(expr.parseMode ?? 0), ctx, checker);
      if (reason) return reason;
      continue;
    }
    const entries = Object.entries(n);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (DYNAMIC_STATEMENTS.has(key)) {
        const fields = Object.entries(obj(child) ?? {});
        for (let j = fields.length - 1; j >= 0; j--) stack.push({ value: fields[j]![1], dynamic: fields[j]![0] === 'query' });
      } else {
        stack.push({ value: child, dynamic: key === 'dynquery' });
      }
    }
  }
  return undefined;
}

/** PostgreSQL's RawParseMode for PL/pgSQL expressions. */
const RAW_PARSE_DEFAULT = 0;
const RAW_PARSE_TYPE_NAME = 1;
const RAW_PARSE_PLPGSQL_EXPR = 2;

/**
 * Static SQL in PL/pgSQL: a whole statement (mode 0), an expression (`IF cond`, `x := ...`,
 * defaults), checked as `SELECT expression`. Text that does not parse that way is scanned.
 */
function checkExpression(query: string, parseMode: number, ctx: GuardContext, checker: Checker): string | undefined {
  if (parseMode === RAW_PARSE_TYPE_NAME) return undefined;
  const sql =
    parseMode === RAW_PARSE_DEFAULT ? query : parseMode === RAW_PARSE_PLPGSQL_EXPR ? `SELECT ${query}` : `SELECT ${afterAssignment(query)}`;
  const result = checker.sql(sql, ctx);
  if (result.reason) return result.reason;
  return result.parsed ? undefined : checker.fragments([query], undefined, ctx);
}

/** `target := value` → `value` (PL/pgSQL assignments, also written with `=`). */
function afterAssignment(query: string): string {
  try {
    const assign = scanSql(query).find((t) => t.text === ':=' || t.text === '=');
    return assign ? Buffer.from(query, 'utf8').subarray(assign.end).toString('utf8') : query;
  } catch {
    return query;
  }
}

/**
 * EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR EXECUTE, RETURN QUERY EXECUTE.
 *
 * Decision: dynamic SQL is allowed even when its text is not constant. It is common in real
 * migrations (loops over partitions or tables), and what it could do is contained by the second
 * line: PGlite reaches no host file or network, and the server role is NOSUPERUSER. What the
 * guard can see it checks: the expression itself (EXECUTE pg_read_file(...)); a text that is
 * constant (a literal, `||` of literals) is parsed and checked like any statement; otherwise
 * each literal in it is checked on its own when it parses, and scanned for dangerous function
 * names, COPY ... PROGRAM, and a SET ROLE, ALTER SYSTEM or LOAD it starts with.
 */
function checkDynamic(query: string, ctx: GuardContext, checker: Checker): string | undefined {
  const inner = nested(ctx, ' in SQL run by EXECUTE');
  const deep = tooDeep(inner);
  if (deep) return deep;
  const select = firstStatement(`SELECT ${query}`);
  if (!select) return checker.fragments([query], undefined, inner);
  const expression = checker.tree(select, undefined, ctx);
  if (expression) return expression;
  const value = obj(obj(arr(obj(select.SelectStmt)?.targetList)[0])?.ResTarget)?.val;
  const constant = constantString(value);
  if (constant !== undefined) {
    const result = checker.sql(constant, inner);
    if (result.reason) return result.reason;
    return result.parsed ? undefined : checker.fragments([constant], constant, inner);
  }
  const pieces = stringConstants(value);
  for (const piece of pieces.slice(0, MAX_PIECES_PARSED)) {
    const reason = checker.sql(piece, inner).reason;
    if (reason) return reason;
  }
  return checker.fragments(pieces, leadingConstant(value), inner);
}

/** Literals of one EXECUTE parsed one by one; any beyond are only scanned. */
const MAX_PIECES_PARSED = 1000;

function firstStatement(sql: string): Node | undefined {
  try {
    return obj(parseSql(sql).stmts?.[0]?.stmt);
  } catch {
    return undefined;
  }
}
