import type {
  AlterEnumStmt,
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  Constraint,
  CreateEnumStmt,
  CreateStmt,
  Node,
  TransactionStmt,
  TypeName,
  VariableSetStmt,
} from '@pgsql/types';
import type { Fix } from '../../src/findings.ts';
import type { Edit } from '../../src/lint/fix.ts';
import type { RuleContext } from '../../src/lint/rule.ts';
import { listOf, nodeOf, unwrap, visit } from '../../src/sql/ast.ts';
import { parseSql } from '../../src/sql/libpg.ts';
import { columnType, formatType, qualify, qualifyParts, stringValues, type ColumnType } from '../../src/sql/names.ts';
import type { Statement, Token } from '../../src/sql/statement.ts';

/**
 * Helpers shared by the column, type, data-loss and naming rules (add-column-*, column-type-rewrite,
 * set-not-null, drop-*, rename-*, prefer-*, enum-*).
 */

/** The ALTER TABLE statement's table and subcommands, for ALTER TABLE on a table (not a view or index). */
export function alterTable(statement: Statement): { table: string; alter: AlterTableStmt; cmds: AlterTableCmd[] } | undefined {
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  if (!alter || (alter.objtype !== undefined && alter.objtype !== 'OBJECT_TABLE')) return undefined;
  const cmds = listOf(alter.cmds).flatMap((item) => unwrap<AlterTableCmd>(item, 'AlterTableCmd') ?? []);
  return { table: qualify(alter.relation), alter, cmds };
}

/** The column definitions an ALTER TABLE adds to an existing table (none for a table made in this migration). */
export function columnsAddedToExistingTable(statement: Statement, context: RuleContext): { table: string; defs: ColumnDef[] } | undefined {
  const alter = alterTable(statement);
  if (!alter || !context.isExisting(alter.table)) return undefined;
  const defs = alter.cmds.flatMap((cmd) => (cmd.subtype === 'AT_AddColumn' ? (unwrap<ColumnDef>(cmd.def, 'ColumnDef') ?? []) : []));
  return { table: alter.table, defs };
}

export function constraintsOf(def: ColumnDef | undefined): Constraint[] {
  return listOf(def?.constraints).flatMap((c) => unwrap<Constraint>(c, 'Constraint') ?? []);
}

/** The column's DEFAULT expression, unless it is absent or a plain NULL (which PostgreSQL does not store). */
export function defaultExpression(def: ColumnDef): Node | undefined {
  const expr = constraintsOf(def).find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr ?? def.raw_default;
  return expr && !isNullConstant(expr) ? expr : undefined;
}

function isNullConstant(node: Node): boolean {
  const cast = unwrap<{ arg?: Node }>(node, 'TypeCast');
  if (cast?.arg) return isNullConstant(cast.arg);
  return Boolean(unwrap<{ isnull?: boolean }>(node, 'A_Const')?.isnull);
}

/** Statements of this migration before the current one. */
export function earlierStatements(context: RuleContext): Statement[] {
  return context.statements.slice(0, context.index);
}

function transactionKind(statement: Statement): string | undefined {
  return nodeOf<TransactionStmt>(statement, 'TransactionStmt')?.kind;
}

/** Earlier statements that run in the same transaction as the current one (nearest first is not guaranteed: in file order). */
export function earlierInTransaction(context: RuleContext): Statement[] {
  if (!context.tx.inTransaction) return [];
  const out: Statement[] = [];
  for (let i = context.index - 1; i >= 0; i--) {
    const statement = context.statements[i];
    if (!statement) break;
    const kind = transactionKind(statement);
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') break;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') break;
    out.unshift(statement);
  }
  return out;
}

/** Whether an earlier statement of this migration added `column` to `table` (ALTER TABLE ... ADD COLUMN). */
export function columnAddedEarlier(context: RuleContext, table: string, column: string): boolean {
  return earlierStatements(context).some((statement) => {
    const alter = alterTable(statement);
    if (!alter || alter.table !== table) return false;
    return alter.cmds.some((cmd) => cmd.subtype === 'AT_AddColumn' && unwrap<ColumnDef>(cmd.def, 'ColumnDef')?.colname === column);
  });
}

/** Whether an enum type was created (CREATE TYPE ... AS ENUM) by one of the given statements. */
export function createsEnum(statements: Statement[], qualifiedType: string): boolean {
  return statements.some((s) => {
    const create = nodeOf<CreateEnumStmt>(s, 'CreateEnumStmt');
    return create !== undefined && qualifyParts(stringValues(create.typeName)) === qualifiedType;
  });
}

/** The qualified enum type of an ALTER TYPE ... ADD VALUE / RENAME VALUE. */
export function enumTypeOf(alter: AlterEnumStmt): string {
  return qualifyParts(stringValues(alter.typeName));
}

/** `public.order_state` → `order_state`, other schemas stay qualified. */
export function bareName(qualified: string): string {
  return qualified.split('.').at(-1) ?? qualified;
}

/**
 * What the migration set the session TimeZone to before this statement: `utc` for a zone with a
 * fixed offset of zero (what lets timestamp ↔ timestamptz skip the rewrite), `other`, or undefined
 * when the migration does not set it (then it is the role's, database's or server's setting).
 */
export function sessionTimeZone(context: RuleContext): 'utc' | 'other' | undefined {
  let zone: 'utc' | 'other' | undefined;
  for (const statement of earlierStatements(context)) {
    const set = nodeOf<VariableSetStmt>(statement, 'VariableSetStmt');
    if (set?.name?.toLowerCase() !== 'timezone') continue;
    if (set.kind !== 'VAR_SET_VALUE') {
      zone = undefined;
      continue;
    }
    const arg = listOf(set.args)[0];
    const value = unwrap<{ sval?: { sval?: string }; ival?: { ival?: number } }>(arg, 'A_Const');
    const text = value?.sval?.sval ?? (value?.ival ? String(value.ival.ival ?? 0) : undefined);
    // SET TIME ZONE INTERVAL '...' and other forms: not judged.
    zone = text === undefined ? undefined : isUtcZone(text) ? 'utc' : 'other';
  }
  return zone;
}

const UTC_ZONES = new Set([
  'utc', 'etc/utc', 'gmt', 'etc/gmt', 'uct', 'etc/uct', 'universal', 'etc/universal', 'zulu', 'etc/zulu',
  'greenwich', 'etc/greenwich', 'gmt0', 'etc/gmt0', 'gmt+0', 'gmt-0', 'etc/gmt+0', 'etc/gmt-0', 'z',
]);

function isUtcZone(zone: string): boolean {
  const z = zone.trim().toLowerCase();
  return UTC_ZONES.has(z) || /^[+-]?0+(:?0+)?$/.test(z);
}

// ---------------------------------------------------------------------------------------------
// Column types

/** PostgreSQL's built-in type names (as `columnType` reduces them) whose casts the rules know. */
export const BUILTIN_TYPES = new Set([
  'int2', 'int4', 'int8', 'serial2', 'serial4', 'serial8', 'float4', 'float8', 'numeric', 'money',
  'text', 'varchar', 'bpchar', 'char', 'name', 'bool', 'bytea', 'date', 'time', 'timetz', 'timestamp', 'timestamptz',
  'interval', 'json', 'jsonb', 'xml', 'uuid', 'inet', 'cidr', 'macaddr', 'macaddr8', 'bit', 'varbit', 'oid',
  'tsvector', 'tsquery', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'pg_lsn',
  'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange',
]);

/**
 * The column type as written, telling the internal one-byte `"char"` apart from `char(n)`
 * (which `columnType` folds together): quoted `"char"` parses to the bare name `char`.
 */
export function typeOf(typeName: TypeName | undefined): ColumnType {
  const names = stringValues(typeName?.names);
  if (names.length === 1 && names[0] === 'char') return { ...columnType(typeName), name: 'char' };
  return columnType(typeName);
}

export function sameType(a: ColumnType, b: ColumnType): boolean {
  return a.name === b.name && a.array === b.array && a.mods.length === b.mods.length && a.mods.every((m, i) => m === b.mods[i]);
}

/** Integer types whose values run out at 2^31 - 1 or 2^15 - 1. */
export function smallIntegerType(type: ColumnType): 'int4' | 'int2' | undefined {
  if (type.array) return undefined;
  if (type.name === 'int4' || type.name === 'serial4') return 'int4';
  if (type.name === 'int2' || type.name === 'serial2') return 'int2';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Locating column types in the statement's text (for fixes and line numbers)

export interface ColumnDefSite {
  def: ColumnDef;
  /** Where the definition sits: CREATE TABLE, ADD COLUMN, ALTER COLUMN ... TYPE. */
  place: 'create' | 'add' | 'alter-type';
  /** The table it belongs to (qualified). */
  table: string;
}

/** Column definitions of CREATE TABLE and ALTER TABLE statements, in the order they are written. */
export function columnDefSites(ast: Node): ColumnDefSite[] {
  const create = unwrap<CreateStmt>(ast, 'CreateStmt');
  if (create) {
    const table = qualify(create.relation);
    return listOf(create.tableElts).flatMap((e): ColumnDefSite[] => {
      const def = unwrap<ColumnDef>(e, 'ColumnDef');
      return def ? [{ def, place: 'create', table }] : [];
    });
  }
  const alter = unwrap<AlterTableStmt>(ast, 'AlterTableStmt');
  if (alter && (alter.objtype === undefined || alter.objtype === 'OBJECT_TABLE')) {
    const table = qualify(alter.relation);
    return listOf(alter.cmds).flatMap((item): ColumnDefSite[] => {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      const def = unwrap<ColumnDef>(cmd?.def, 'ColumnDef');
      if (!cmd || !def) return [];
      if (cmd.subtype === 'AT_AddColumn') return [{ def, place: 'add', table }];
      if (cmd.subtype === 'AT_AlterColumnType') return [{ def: { ...def, colname: cmd.name }, place: 'alter-type', table }];
      return [];
    });
  }
  return [];
}

/**
 * For each column definition of the statement (in `columnDefSites` order), the index in
 * `statement.tokens` of the first token of its type name. The statement is parsed again on its
 * own so that the parser's byte locations are relative to `statement.sql`.
 */
export function typeTokenIndexes(statement: Statement): (number | undefined)[] {
  let reparsed: Node | undefined;
  try {
    reparsed = parseSql(statement.sql).stmts?.[0]?.stmt as Node | undefined;
  } catch {
    return [];
  }
  if (!reparsed) return [];
  const bytes = Buffer.from(statement.sql, 'utf8');
  return columnDefSites(reparsed).map(({ def }) => {
    const location = def.typeName?.location;
    if (location === undefined || location < 0) return undefined;
    const charOffset = bytes.subarray(0, location).toString('utf8').length;
    const index = statement.tokens.findIndex((t) => t.start === charOffset);
    return index < 0 ? undefined : index;
  });
}

/** The index of the token naming the type itself, past a schema qualification (`pg_catalog.json` → `json`). */
export function typeNameToken(tokens: Token[], first: number): number {
  let i = first;
  while (tokens[i + 1]?.text === '.' && tokens[i + 2]) i += 2;
  return i;
}

/** `replacement` in the case of `original`: TIMESTAMP → TIMESTAMPTZ, timestamp → timestamptz. */
export function sameCase(original: string, replacement: string): string {
  const bare = original.replace(/^"|"$/g, '');
  if (original.startsWith('"')) return `"${replacement.toLowerCase()}"`;
  return bare === bare.toUpperCase() && bare !== bare.toLowerCase() ? replacement.toUpperCase() : replacement.toLowerCase();
}

/**
 * A fix replacing only the lines the edits touch (not the whole statement), so that a long
 * CREATE TABLE gets a suggestion on the one or two lines that change.
 */
export function lineFix(statement: Statement, edits: Edit[]): Fix | undefined {
  if (!edits.length) return undefined;
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let sql = statement.sql;
  for (const edit of sorted) sql = sql.slice(0, edit.start) + edit.text + sql.slice(edit.end);
  const before = `${statement.linePrefix}${statement.sql}${statement.lineSuffix}`;
  const after = `${statement.linePrefix}${sql}${statement.lineSuffix}`;
  const firstEdit = Math.min(...edits.map((e) => e.start));
  const lastEdit = Math.max(...edits.map((e) => e.end));
  const firstLine = countNewlines(statement.sql.slice(0, firstEdit));
  const lastLine = countNewlines(statement.sql.slice(0, lastEdit));
  const beforeLines = before.split('\n');
  const afterLines = after.split('\n');
  // Lines after the last edited one are unchanged; count them from the end.
  const tail = beforeLines.length - 1 - lastLine;
  const replacement = afterLines.slice(firstLine, afterLines.length - tail).join('\n');
  return {
    startLine: statement.range.startLine + firstLine,
    endLine: statement.range.startLine + lastLine,
    replacement,
  };
}

function countNewlines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}

/** String constants anywhere in the statement's parse tree. */
export function stringConstants(ast: unknown): string[] {
  const out: string[] = [];
  visit(ast, (kind, value) => {
    if (kind !== 'A_Const') return;
    const sval = (value as { sval?: { sval?: string } }).sval?.sval;
    if (sval !== undefined) out.push(sval);
  });
  return out;
}

/** The table's single-column primary key when the schema knows it, else `ctid`: what batched backfills select by. */
export function batchKey(context: RuleContext, table: string): string {
  const primary = context.schema.constraintsOf(table).find((c) => c.kind === 'primary');
  return primary?.columns.length === 1 && primary.columns[0] ? primary.columns[0] : 'ctid';
}

/** The table's primary key columns, when the schema knows them. */
export function primaryKeyColumns(context: RuleContext, table: string): string[] | undefined {
  return context.schema.constraintsOf(table).find((c) => c.kind === 'primary')?.columns;
}

export interface TypeSite extends ColumnDefSite {
  /** Index in `statement.tokens` of the type's name token (past any schema qualification). */
  nameToken?: number;
}

/**
 * The statement's column definitions that `offending` picks, with the token of each one's type
 * name (for fixes and line numbers).
 */
export function offendingTypeSites(statement: Statement, offending: (site: ColumnDefSite) => boolean): TypeSite[] {
  const sites = columnDefSites(statement.ast);
  const picked = sites.map((site, i) => ({ site, i })).filter(({ site }) => offending(site));
  if (!picked.length) return [];
  const indexes = typeTokenIndexes(statement);
  return picked.map(({ site, i }) => {
    const first = indexes[i];
    return { ...site, nameToken: first === undefined ? undefined : typeNameToken(statement.tokens, first) };
  });
}

/** The lines a set of type sites spans, for the finding's line range. */
export function siteLines(statement: Statement, sites: TypeSite[]): { line?: number; endLine?: number } {
  const lines: number[] = [];
  for (const site of sites) {
    const token = site.nameToken === undefined ? undefined : statement.tokens[site.nameToken];
    if (!token) return {};
    lines.push(token.line);
  }
  if (!lines.length) return {};
  return { line: Math.min(...lines), endLine: Math.max(...lines) };
}

/** `` `a` `` / `` `a`, `b` `` / `` `a`, `b` and `c` ``. */
export function nameList(names: string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}

/**
 * The line of the first column definition `pick` selects (its type name's line), for reports on
 * one subcommand of a multi-line statement. Undefined for one-line statements (the default line).
 */
export function columnLine(statement: Statement, pick: (site: ColumnDefSite) => boolean): { line?: number; endLine?: number } {
  if (statement.range.startLine === statement.range.endLine) return {};
  const site = offendingTypeSites(statement, pick)[0];
  const token = site?.nameToken === undefined ? undefined : statement.tokens[site.nameToken];
  return token ? { line: token.line, endLine: token.line } : {};
}

const INTERVAL_FIELDS: Record<number, string> = {
  4: 'year', 2: 'month', 8: 'day', 1024: 'hour', 2048: 'minute', 4096: 'second', 6: 'year to month',
  1032: 'day to hour', 3080: 'day to minute', 7176: 'day to second', 3072: 'hour to minute',
  7168: 'hour to second', 6144: 'minute to second',
};

/** `formatType`, with interval field lists spelled out (`interval day`, `interval second(3)`). */
export function showType(type: ColumnType): string {
  if (type.name !== 'interval' || !type.mods.length) return formatType(type);
  const [mask = 0x7fff, precision = 0xffff] = type.mods;
  const fields = INTERVAL_FIELDS[mask];
  const p = precision === 0xffff ? '' : `(${precision})`;
  return `interval${fields ? ` ${fields}` : ''}${p}${type.array ? '[]' : ''}`;
}
