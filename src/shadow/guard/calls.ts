import { nested, refused, tooDeep, type Checker, type GuardContext } from './context.ts';
import {
  CATALOG_NOT_FIRST,
  FRAGMENT_RUNNERS,
  SQL_RUNNERS,
  dangerousFunction,
  dangerousRelation,
  dangerousSetting,
  searchPathDemotesCatalog,
  searchPathEntries,
  settingInSql,
} from './dangers.ts';
import { arr, constantString, defElems, lastName, leadingConstant, obj, stringNode } from './values.ts';

type Node = Record<string, unknown>;

const UNCHECKABLE_SQL = 'it runs SQL text that cannot be checked before it runs';
const SETS_SETTINGS = 'it changes settings, including the role the SQL runs as';

/** A function call anywhere in a tree: SELECT lists, defaults, CHECKs, views, CALL, FROM ... */
export function checkFuncCall(node: Node, ctx: GuardContext, checker: Checker): string | undefined {
  const name = lastName(node.funcname)?.toLowerCase();
  if (!name) return undefined;
  const why = dangerousFunction(name);
  if (why) return refused(`${name}()`, why, ctx);
  if (name === 'set_config') return checkSetConfig(node, ctx);
  const runner = SQL_RUNNERS.get(name);
  if (runner) {
    for (const [i, position] of runner.positions.entries()) {
      const arg = argument(node, position, runner.names.slice(i, i + 1));
      if (arg === undefined) continue;
      const sql = constantString(arg);
      if (sql === undefined) return refused(`${name}() with SQL that is not a constant string`, UNCHECKABLE_SQL, ctx);
      const inner = nested(ctx, ` in SQL run by ${name}()`);
      const deep = tooDeep(inner);
      if (deep) return deep;
      const result = checker.sql(sql, inner);
      if (result.reason) return result.reason;
      if (!result.parsed) {
        const fragment = checker.fragments([sql], sql, inner);
        if (fragment) return fragment;
      }
    }
    return undefined;
  }
  if (FRAGMENT_RUNNERS.has(name)) {
    const texts: string[] = [];
    for (const arg of arr(node.args)) {
      const value = constantString(obj(obj(arg)?.NamedArgExpr)?.arg ?? arg);
      if (value === undefined) return refused(`${name}() with arguments that are not constants`, UNCHECKABLE_SQL, ctx);
      texts.push(value);
    }
    return checker.fragments(texts, undefined, nested(ctx, ` in SQL built by ${name}()`));
  }
  return undefined;
}

/**
 * set_config(name, value, is_local) is SET by another name. A constant name is checked like SET;
 * a name built from a constant prefix with a dot (`'request.jwt.claim.' || key`, a custom
 * setting) cannot be a server setting and is allowed; any other name could be 'role' at run
 * time (from a variable, a rule's NEW row...) and is refused.
 */
function checkSetConfig(node: Node, ctx: GuardContext): string | undefined {
  const arg = argument(node, 0, ['setting_name']);
  if (arg === undefined) return undefined;
  const setting = constantString(arg);
  if (setting?.toLowerCase() === 'search_path') {
    const value = constantString(argument(node, 1, ['new_value']));
    return value === undefined || searchPathDemotesCatalog(searchPathEntries(value))
      ? refused("set_config('search_path') with pg_catalog after another schema, or a value that is not a constant", CATALOG_NOT_FIRST, ctx)
      : undefined;
  }
  if (setting !== undefined) {
    const why = dangerousSetting(setting);
    return why ? refused(`set_config('${setting.toLowerCase()}')`, why, ctx) : undefined;
  }
  const prefix = leadingConstant(arg);
  if (prefix !== undefined && /^[^%]*\./.test(prefix)) return undefined;
  return refused('set_config() with a setting name that is not a constant', 'the name could be role at run time, which changes the role the SQL runs as', ctx);
}

/** The argument at a position, or passed by one of the names (`query => '...'`). */
function argument(call: Node, position: number, names: string[]): unknown {
  const args = arr(call.args);
  const positional = args[position];
  if (positional !== undefined && !obj(positional)?.NamedArgExpr) return positional;
  for (const arg of args) {
    const named = obj(obj(arg)?.NamedArgExpr);
    if (named && typeof named.name === 'string' && names.includes(named.name.toLowerCase())) return named.arg;
  }
  return undefined;
}

/** A relation read anywhere (FROM, JOIN, views, COPY (query) ...). */
export function checkRangeVar(node: Node, ctx: GuardContext): string | undefined {
  const name = typeof node.relname === 'string' ? node.relname : undefined;
  const why = name ? dangerousRelation(name) : undefined;
  return why ? refused(`Reading ${name!.toLowerCase()}`, why, ctx) : undefined;
}

/**
 * SET, SET LOCAL, RESET, and a function's SET clause (`CREATE FUNCTION ... SET role = x`, which
 * switches role while the function runs). `statement` tells the two apart.
 */
export function checkVariableSet(node: Node, statement: boolean, ctx: GuardContext): string | undefined {
  const name = typeof node.name === 'string' ? node.name : undefined;
  const verb = node.kind === 'VAR_RESET' ? 'RESET' : node.is_local ? 'SET LOCAL' : 'SET';
  // A function's own search_path holds only while it runs, never while the shadow reads the catalog.
  if (statement && name === 'search_path' && node.kind === 'VAR_SET_VALUE' && searchPathDemotesCatalog(arr(node.args).map(constantString))) {
    return refused(`${verb} search_path with pg_catalog after another schema`, CATALOG_NOT_FIRST, ctx);
  }
  const why = name ? dangerousSetting(name) : undefined;
  if (!why) return undefined;
  return refused(`${verb} ${settingInSql(name!)}${statement ? '' : " in the function's SET clause"}`, why, ctx);
}

/** Statements that name functions for PostgreSQL to call later, and how the user wrote them. */
const DEFINITIONS: Record<string, string> = {
  AlterOperatorStmt: 'ALTER OPERATOR',
  AlterTypeStmt: 'ALTER TYPE',
  CreateRangeStmt: 'CREATE TYPE',
  CreateCastStmt: 'CREATE CAST',
  CreateOpClassStmt: 'CREATE OPERATOR CLASS',
  AlterOpFamilyStmt: 'ALTER OPERATOR FAMILY',
  CreateConversionStmt: 'CREATE CONVERSION',
  CreateTrigStmt: 'CREATE TRIGGER',
  CreateEventTrigStmt: 'CREATE EVENT TRIGGER',
  CreateTransformStmt: 'CREATE TRANSFORM',
  CreateAmStmt: 'CREATE ACCESS METHOD',
};

const DEFINE_KINDS: Record<string, string> = {
  OBJECT_AGGREGATE: 'CREATE AGGREGATE',
  OBJECT_OPERATOR: 'CREATE OPERATOR',
  OBJECT_TYPE: 'CREATE TYPE',
  OBJECT_COLLATION: 'CREATE COLLATION',
  OBJECT_TSPARSER: 'CREATE TEXT SEARCH PARSER',
  OBJECT_TSDICTIONARY: 'CREATE TEXT SEARCH DICTIONARY',
  OBJECT_TSTEMPLATE: 'CREATE TEXT SEARCH TEMPLATE',
  OBJECT_TSCONFIGURATION: 'CREATE TEXT SEARCH CONFIGURATION',
};

/**
 * A dangerous function named (not called) by a definition: an operator, aggregate, cast, type,
 * trigger... whose function PostgreSQL then calls with any argument, e.g.
 * `CREATE OPERATOR !!! (RIGHTARG = text, FUNCTION = pg_read_file)` and `SELECT !!! '/etc/passwd'`.
 * Functions that run SQL text and set_config are refused here too, as their argument cannot
 * be checked once it is an operand.
 */
export function checkDefinition(kind: string, node: Node, ctx: GuardContext): string | undefined {
  const label = kind === 'DefineStmt' ? (DEFINE_KINDS[String(node.kind)] ?? 'this definition') : DEFINITIONS[kind];
  if (!label) return undefined;
  for (const name of namedFunctions(node)) {
    const lower = name.toLowerCase();
    const why =
      dangerousFunction(lower) ??
      (SQL_RUNNERS.has(lower) || FRAGMENT_RUNNERS.has(lower) ? UNCHECKABLE_SQL : lower === 'set_config' ? SETS_SETTINGS : undefined);
    if (why) return refused(`${lower}() in ${label}`, why, ctx);
  }
  return undefined;
}

/** Function names a definition refers to: `FUNCTION = name` options, `WITH FUNCTION f(...)`, `EXECUTE FUNCTION f()`. */
function namedFunctions(root: Node): string[] {
  const names: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    const n = obj(node);
    if (!n) continue;
    for (const [key, value] of Object.entries(n)) {
      // ObjectWithArgs (CREATE CAST's func, an operator class's FUNCTION items, a transform's
      // FROM SQL / TO SQL) appears unwrapped, as an object with `objname`.
      if (key === 'funcname' || key === 'conversion_func' || key === 'handler_name' || key === 'objname') {
        const name = lastName(value);
        if (name) names.push(name);
      } else if (key === 'definition' || key === 'options' || key === 'params') {
        for (const def of defElems(value)) {
          const name = definedName(def.arg);
          if (name) names.push(name);
        }
      } else if (value && typeof value === 'object') {
        stack.push(value);
      }
    }
  }
  return names;
}

/** The last part of a name given as a type name, a list of names, or a (possibly qualified) string. */
function definedName(arg: unknown): string | undefined {
  const n = obj(arg);
  if (!n) return undefined;
  const typeName = obj(n.TypeName);
  if (typeName) return lastName(typeName.names);
  const list = obj(n.List);
  if (list) return lastName(list.items);
  const text = stringNode(n);
  return text?.split('.').pop()?.replaceAll('"', '');
}
