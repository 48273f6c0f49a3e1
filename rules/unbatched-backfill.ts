import type { DeleteStmt, DoStmt, InsertStmt, Node, UpdateStmt, WithClause } from '@pgsql/types';
import { code, statementsLaterInTransaction } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap, visit } from '../src/sql/ast.ts';
import { blocksTraffic, describeBlocked } from '../src/sql/lock-modes.ts';
import { displayName, formatType, qualify, stringValues, type ColumnType } from '../src/sql/names.ts';
import type { Statement, Token } from '../src/sql/statement.ts';

/** At or under this many rows (by the size hints) a one-statement change is a notice, not a warning. */
const SMALL_TABLE_ROWS = 10_000;
/** A key range wider than this (between integer constants) is not a batch but most of the table. */
const MAX_BATCH_SPAN = 100_000;
const BATCH_SIZE = 5000;

type AnyNode = Record<string, unknown>;

/**
 * What counts as visibly batched (the statement touches a bounded set of rows):
 * - `WHERE key IN (SELECT ... LIMIT n)`, `key = ANY(ARRAY(SELECT ... LIMIT n))`, or a join
 *   (`FROM`/`USING`/`EXISTS`/`IN`) with a subquery or CTE that has a LIMIT;
 * - both ends of a range (`BETWEEN`, or `>`/`>=` with `<`/`<=`) on the leading column of a
 *   non-partial index, primary key or unique constraint, no wider than 100,000 when both ends
 *   are integers;
 * - equality (or `IN (list)`, `= ANY(ARRAY[...])`) on every column of a primary key or unique
 *   key: a targeted fix of a few rows, not a backfill;
 * - on a table whose definition the run never saw (keys unknown): equality with a constant on
 *   any column, or both ends of a range on any column;
 * - `WHERE CURRENT OF cursor`;
 * - inside a DO block that loops and COMMITs: each iteration is its own transaction.
 * A DO block that loops without COMMIT runs every batch in one transaction: not batched.
 * OR-ed conditions are bounded only when every branch is.
 */
export const unbatchedBackfill: Rule = {
  id: 'unbatched-backfill',
  severity: 'warning',
  summary: 'UPDATE or DELETE of a whole existing table in one statement: row locks until commit, a WAL burst, replication lag and bloat.',
  docs: {
    why: 'An UPDATE or DELETE locks every row it changes until its transaction ends, and those row locks block every other UPDATE, DELETE or SELECT FOR UPDATE of the same rows (PostgreSQL docs, "Explicit Locking: Row-Level Locks": "Row-level locks are released at transaction end"). Every changed row also writes a new row version and WAL at once, so replicas lag, and leaves a dead version that only VACUUM reclaims after the transaction ends (docs, "Routine Vacuuming"). One statement over millions of rows does all of that in one long transaction.',
    safe: 'Change rows in batches of 1,000 to 10,000, each batch its own transaction, with a short pause in between: `UPDATE t SET ... WHERE id IN (SELECT id FROM t WHERE <not yet done> LIMIT 5000 FOR UPDATE SKIP LOCKED)` repeated until no row is left, from a job, or from a DO block that COMMITs after each batch (PostgreSQL 11+, outside a transaction block). INSERT ... SELECT copying a table blocks nobody but is still one long transaction and a WAL burst: it is reported as a notice.',
    bad: [
      "ALTER TABLE orders ADD COLUMN state text;\nUPDATE orders SET state = status;",
      "DELETE FROM orders WHERE created_at < now() - interval '2 years';",
      "UPDATE orders SET status = 'paid' WHERE id > 1000;",
      'DO $$\nDECLARE n bigint;\nBEGIN\n  LOOP\n    UPDATE orders SET note = \'\' WHERE id IN (SELECT id FROM orders WHERE note IS NULL LIMIT 5000);\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;\n  END LOOP;\nEND $$;',
      'INSERT INTO users (email) SELECT DISTINCT note FROM orders WHERE note IS NOT NULL;',
    ],
    good: [
      "UPDATE orders SET status = 'paid' WHERE id IN (SELECT id FROM orders WHERE status IS NULL LIMIT 5000 FOR UPDATE SKIP LOCKED);",
      "UPDATE orders SET status = 'paid' WHERE id BETWEEN 1 AND 10000 AND status IS NULL;",
      "DELETE FROM orders WHERE id >= 50000 AND id < 55000;",
      "UPDATE users SET status = 'admin' WHERE id = 1;",
      "UPDATE users SET status = 'admin' WHERE id IN (1, 2, 3);",
      "WITH batch AS (SELECT id FROM orders WHERE status IS NULL LIMIT 5000)\nUPDATE orders o SET status = 'new' FROM batch WHERE o.id = batch.id;",
      { sql: 'DO $$\nDECLARE n bigint;\nBEGIN\n  LOOP\n    UPDATE orders SET note = \'\' WHERE id IN (SELECT id FROM orders WHERE note IS NULL LIMIT 5000);\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;\n    COMMIT;\n  END LOOP;\nEND $$;', transaction: 'per-statement' },
      "CREATE TABLE audit (id bigint PRIMARY KEY, note text);\nINSERT INTO audit SELECT id, note FROM orders;\nUPDATE audit SET note = '';",
      "INSERT INTO users (email) VALUES ('a@example.com');",
    ],
  },
  check(statement, context) {
    const update = nodeOf<UpdateStmt>(statement, 'UpdateStmt');
    if (update) return changeReport(statement, context, 'UPDATE', update.relation, update.whereClause, update.fromClause, update.withClause);
    const del = nodeOf<DeleteStmt>(statement, 'DeleteStmt');
    if (del) return changeReport(statement, context, 'DELETE', del.relation, del.whereClause, del.usingClause, del.withClause);
    const insert = nodeOf<InsertStmt>(statement, 'InsertStmt');
    if (insert) return insertReport(statement, context, insert);
    return undefined;
  },
};

function changeReport(
  statement: Statement,
  context: RuleContext,
  verb: 'UPDATE' | 'DELETE',
  relation: UpdateStmt['relation'],
  where: Node | undefined,
  from: Node[] | undefined,
  withClause: WithClause | undefined,
): RuleReport | undefined {
  const table = qualify(relation);
  if (!context.isExisting(table)) return undefined;
  const scope = new Scope(context, table, relation?.alias?.aliasname, withClause, statement, listOf(from).length > 0);
  if (scope.batchedByDoBlock) return undefined;
  if (listOf(from).some((item) => scope.limitedSource(item))) return undefined;
  if (where && scope.bounded(where)) return undefined;
  const rows = context.tableRows(table);
  const small = rows !== undefined && rows <= SMALL_TABLE_ROWS;
  const name = `\`${displayName(table)}\``;
  const whole = where ? '' : ' (no WHERE: the whole table)';
  const touched = verb === 'UPDATE' ? 'updated' : 'deleted';
  const what = verb === 'UPDATE'
    ? `${code('UPDATE')} of ${name} changes every matching row${whole}`
    : `${code('DELETE')} from ${name} removes every matching row${whole}`;
  const effects = `each ${touched} row stays locked ${lockedUntil(context, statement)} (concurrent writers of those rows wait), the whole change hits the WAL at once (replication lag) and every ${touched} row leaves a dead version behind (bloat)`;
  const advice = small ? 'Fine for a small table; batch it if the table grows.' : 'Change the rows in batches of 1,000–10,000, each committed on its own.';
  const message = scope.inDoLoop
    ? `The DO block around this ${code(verb)} on ${name} loops without COMMIT, so all its batches run in one transaction${sizeText(rows)}: ${effects}.${heldLockText(context, table)} Add COMMIT after each batch.`
    : `${what} in one transaction${sizeText(rows)}: ${effects}.${heldLockText(context, table)} ${advice}`;
  return {
    severity: small ? 'notice' : undefined,
    message,
    detail: batchDetail(statement, context, verb, table, scope),
  };
}

function insertReport(statement: Statement, context: RuleContext, insert: InsertStmt): RuleReport | undefined {
  const table = qualify(insert.relation);
  if (!context.isExisting(table)) return undefined;
  const select = unwrap<AnyNode>(insert.selectStmt, 'SelectStmt');
  if (!select || select.valuesLists || select.limitCount) return undefined;
  const ctes = new Set(listOf(insert.withClause?.ctes).map((c) => unwrap<{ ctename?: string }>(c, 'CommonTableExpr')?.ctename ?? ''));
  const sources = sourceTables(listOf(select.fromClause), ctes).filter((t) => context.isExisting(t));
  if (sources.length === 0) return undefined;
  const [only] = sources;
  if (sources.length === 1 && only) {
    const scope = new Scope(context, only, undefined, insert.withClause, statement, false);
    if (scope.batchedByDoBlock) return undefined;
    const where = select.whereClause as Node | undefined;
    if (where && scope.bounded(where)) return undefined;
  }
  const hinted = sources.map((t) => context.tableRows(t));
  const allSmall = hinted.every((rows) => rows !== undefined && rows <= SMALL_TABLE_ROWS);
  const upsert = insert.onConflictClause?.action === 'ONCONFLICT_UPDATE';
  const from = sources.map((t) => `\`${displayName(t)}\``).join(', ');
  const known = hinted.every((r) => r !== undefined) ? sizeText(hinted.reduce<number>((a, b) => a + (b ?? 0), 0)) : '';
  const name = `\`${displayName(table)}\``;
  if (upsert) {
    return {
      severity: allSmall ? 'notice' : undefined,
      message: `${code('INSERT ... SELECT ... ON CONFLICT DO UPDATE')} copies all of ${from} into ${name} in one transaction${known} and updates every conflicting row: each stays locked ${lockedUntil(context, statement)} (concurrent writers of those rows wait), with a WAL burst and a dead row version per update. Copy in batches by key range, each committed on its own.`,
      detail: copyDetail(context, table, sources[0] ?? ''),
    };
  }
  if (allSmall) return undefined;
  return {
    severity: 'notice',
    message: `${code('INSERT ... SELECT')} copies all of ${from} into ${name} in one transaction${known}: new rows block no one, but the whole copy hits the WAL at once (replication lag) and the long transaction holds back VACUUM everywhere. On a large table, copy in batches by key range.`,
    detail: copyDetail(context, table, sources[0] ?? ''),
  };
}

/** Why a plain INSERT ... SELECT is only a notice, and how to batch it. */
function copyDetail(context: RuleContext, target: string, source: string): string {
  const t = displayName(target);
  const s = displayName(source);
  const key = primaryKey(context, source) ?? '<key>';
  return [
    'Inserted rows are invisible to other sessions until commit and lock no existing row, so reads and writes go on (only concurrent inserts of the same unique key wait). The cost is elsewhere: the whole copy is written to the WAL in one go, replicas fall behind, and while the transaction runs VACUUM cannot remove dead rows anywhere in the database.',
    '',
    'Copy in key ranges, each in its own transaction (from a script or job):',
    '',
    '```sql',
    `INSERT INTO ${t} SELECT ... FROM ${s}`,
    `WHERE ${key} > :last_id AND ${key} <= :last_id + ${BATCH_SIZE * 2}  -- advance :last_id each batch`,
    'ON CONFLICT DO NOTHING;  -- makes a retried batch harmless, given a unique key',
    '```',
  ].join('\n');
}

function batchDetail(statement: Statement, context: RuleContext, verb: 'UPDATE' | 'DELETE', table: string, scope: Scope): string {
  const t = displayName(table);
  const key = primaryKey(context, table) ?? '<key>';
  const parts = clauses(statement);
  const update = nodeOf<UpdateStmt>(statement, 'UpdateStmt');
  const pending = update ? notYetDone(statement, update, parts.setSpan, (column) => context.schema.column(table, column)?.type) : undefined;
  const where = parts.where && /\bOR\b/i.test(parts.where) && pending ? `(${parts.where})` : parts.where;
  const condition = verb === 'DELETE'
    ? (where ?? 'true')
    : [where, pending].filter(Boolean).join(' AND ') || '<rows not yet updated>';
  const head = verb === 'UPDATE' ? `UPDATE ${t} SET ${parts.set ?? '...'}` : `DELETE FROM ${t}`;
  const simple = !parts.hasFrom && !parts.hasWith;
  const inner = `${key} IN (SELECT ${key} FROM ${t} WHERE ${condition} LIMIT ${BATCH_SIZE} FOR UPDATE SKIP LOCKED)`;
  const loop = (body: string): string[] => [
    '```sql',
    'DO $$',
    'DECLARE n bigint;',
    'BEGIN',
    '  LOOP',
    `    ${body};`,
    '    GET DIAGNOSTICS n = ROW_COUNT;',
    '    EXIT WHEN n = 0;',
    '    COMMIT;',
    '    PERFORM pg_sleep(0.1);',
    '  END LOOP;',
    'END $$;',
    '```',
  ];
  const noTransaction = `PostgreSQL 11+; COMMIT inside DO cannot run inside a transaction block${context.tx.inTransaction ? ', which this migration runs in: give it a migration of its own that runs without a transaction' : ''}`;
  if (scope.inDoLoop) {
    return [
      `Without COMMIT, a loop in a DO block is still one transaction: row locks pile up until the block ends, and VACUUM cannot reclaim anything meanwhile. Commit after each batch (${noTransaction}):`,
      '',
      ...loop(oneLine(statement.sql)),
    ].join('\n');
  }
  const batch = simple
    ? [head, `WHERE ${key} IN (`, `  SELECT ${key} FROM ${t}`, `  WHERE ${condition}`, `  LIMIT ${BATCH_SIZE}`, '  FOR UPDATE SKIP LOCKED', ');']
    : [`-- add to the statement's WHERE: AND ${t}.${key} IN (SELECT ${key} FROM ${t} WHERE <not yet done> LIMIT ${BATCH_SIZE} FOR UPDATE SKIP LOCKED)`];
  const lines = [
    `Change at most ~${BATCH_SIZE.toLocaleString('en-US')} rows per transaction and repeat until a batch changes nothing, with a short pause (say 100 ms) between batches so replicas and VACUUM keep up:`,
    '',
    '```sql',
    ...batch,
    '```',
    '',
  ];
  if (verb === 'UPDATE') {
    lines.push(
      pending
        ? `\`${pending}\` skips rows already updated, so every round makes progress and the loop ends.`
        : 'The inner condition must be false for rows already updated (e.g. `new_column IS NULL`), or the loop never ends.',
    );
  }
  lines.push(
    '`SKIP LOCKED` steps over rows the application is writing at that moment instead of waiting for them; a later round picks them up.',
    '',
    `Run the loop from a job or script, or in the migration as a DO block that commits after each batch (${noTransaction}):`,
    '',
    ...loop(simple ? `${head} WHERE ${inner}` : '-- the batched statement'),
  );
  return lines.join('\n');
}

/** Allowed in a SET expression for `col IS DISTINCT FROM expr` to mean "not yet updated". */
const STABLE_NODES = new Set(['A_Const', 'TypeCast', 'TypeName', 'ColumnRef', 'A_Expr', 'BoolExpr', 'NullTest', 'CaseExpr', 'CaseWhen', 'CoalesceExpr', 'MinMaxExpr', 'A_ArrayExpr', 'String', 'Integer', 'Float', 'Boolean', 'List', 'FuncCall']);
const IMMUTABLE_FUNCTIONS = new Set(['lower', 'upper', 'btrim', 'ltrim', 'rtrim', 'trim', 'substr', 'substring', 'replace', 'md5', 'abs', 'round', 'floor', 'ceil', 'left', 'right', 'split_part', 'length']);

/**
 * `col IS DISTINCT FROM <new value>` (or the row form for several columns) when every SET value
 * is the same however often it is computed: no volatile functions, subqueries, or the columns
 * being set. Undefined otherwise.
 */
function notYetDone(statement: Statement, update: UpdateStmt, span: [number, number] | undefined, typeOf: (column: string) => ColumnType | undefined): string | undefined {
  if (!span) return undefined;
  const targets = listOf(update.targetList).map((item) => unwrap<{ name?: string; val?: Node; indirection?: Node[] }>(item, 'ResTarget'));
  const names = new Set(targets.map((target) => target?.name ?? ''));
  for (const target of targets) {
    if (!target?.name || target.indirection || !target.val) return undefined;
    let stable = true;
    visit({ root: target.val }, (kind, value) => {
      if (!STABLE_NODES.has(kind)) stable = false;
      if (kind === 'FuncCall' && !IMMUTABLE_FUNCTIONS.has(stringValues((value as { funcname?: Node[] }).funcname).at(-1) ?? '')) stable = false;
      if (kind === 'ColumnRef' && names.has(stringValues((value as { fields?: Node[] }).fields).at(-1) ?? '')) stable = false;
    });
    if (!stable) return undefined;
  }
  const values = splitAssignments(statement, span);
  if (!values || values.length !== targets.length) return undefined;
  const columns = targets.map((target) => target?.name ?? '');
  // Compare with the value as stored: an assignment casts to the column's type (rounding, say).
  // A cast binds tighter than IS DISTINCT FROM, so a cast value needs no more parentheses.
  const stored = values.map((value, i) => {
    const target = targets[i];
    const type = typeOf(target?.name ?? '');
    if (!type || unwrap(target?.val, 'A_Const')) return parenthesize(value);
    const source = stringValues(unwrap<{ fields?: Node[] }>(target?.val, 'ColumnRef')?.fields).at(-1);
    const sourceType = source ? typeOf(source) : undefined;
    if (sourceType && formatType(sourceType) === formatType(type)) return parenthesize(value);
    return `${parenthesize(value)}::${formatType(type)}`;
  });
  if (columns.length === 1) return `${columns[0]} IS DISTINCT FROM ${stored[0] ?? ''}`;
  return `(${columns.join(', ')}) IS DISTINCT FROM (${stored.join(', ')})`;
}

/** The right-hand sides of `a = x, b = y` between the given offsets, split at top-level commas. */
function splitAssignments(statement: Statement, [start, end]: [number, number]): string[] | undefined {
  const tokens = statement.tokens.filter((t) => t.start >= start && t.end <= end);
  const values: string[] = [];
  let depth = 0;
  let eq: Token | undefined;
  let last: Token | undefined;
  const flush = (): boolean => {
    if (!eq || !last) return false;
    values.push(textBetween(statement, eq.end, last.end));
    return true;
  };
  for (const token of tokens) {
    if (token.text === '(' || token.text === '[') depth++;
    else if (token.text === ')' || token.text === ']') depth--;
    if (depth === 0 && token.text === ',') {
      if (!flush()) return undefined;
      eq = undefined;
      last = undefined;
      continue;
    }
    if (depth === 0 && token.text === '=' && !eq) eq = token;
    else last = token;
  }
  return flush() ? values : undefined;
}

function parenthesize(expression: string): string {
  return /^[\w.'":]+$/.test(expression) ? expression : `(${expression})`;
}

/** The statement's text between two offsets, comments dropped and whitespace folded to one line. */
function textBetween(statement: Statement, start: number, end: number): string {
  let out = '';
  let previous: Token | undefined;
  for (const token of statement.tokens) {
    if (token.start < start || token.end > end) continue;
    if (previous) out += /^[ \t]*$/.test(statement.sql.slice(previous.end, token.start)) ? statement.sql.slice(previous.end, token.start) : ' ';
    out += token.text;
    previous = token;
  }
  return out.trim();
}

function oneLine(sql: string): string {
  return sql.replace(/\s*\n\s*/g, ' ');
}

/** The SET list and WHERE condition as written (top level of the statement only). */
function clauses(statement: Statement): { set?: string; setSpan?: [number, number]; where?: string; hasFrom: boolean; hasWith: boolean } {
  const top = topLevelTokens(statement.tokens);
  const find = (word: string): Token | undefined => top.find((t) => t.text.toUpperCase() === word);
  const set = find('SET');
  const from = find('FROM');
  const using = find('USING');
  const where = find('WHERE');
  const returning = find('RETURNING');
  const end = returning?.start ?? statement.sql.length;
  const verb = top[0]?.text.toUpperCase();
  const setEnd = (verb === 'UPDATE' ? from?.start : undefined) ?? where?.start ?? end;
  return {
    set: set ? textBetween(statement, set.end, setEnd) : undefined,
    setSpan: set ? [set.end, setEnd] : undefined,
    where: where ? textBetween(statement, where.end, end) : undefined,
    hasFrom: verb === 'UPDATE' ? from !== undefined : using !== undefined,
    hasWith: verb === 'WITH',
  };
}

function topLevelTokens(tokens: Token[]): Token[] {
  let depth = 0;
  const out: Token[] = [];
  for (const token of tokens) {
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (depth === 0) out.push(token);
  }
  return out;
}

function primaryKey(context: RuleContext, table: string): string | undefined {
  const pk = context.schema.constraintsOf(table).find((c) => c.kind === 'primary');
  return pk?.columns.length === 1 ? pk.columns[0] : undefined;
}

function sizeText(rows: number | undefined): string {
  return rows === undefined ? '' : ` (≈ ${rows.toLocaleString('en-US')} rows by the size hints)`;
}

/** Row locks last to the end of the transaction. */
function lockedUntil(context: RuleContext, statement: Statement): string {
  const n = statementsLaterInTransaction(context);
  if (context.tx.inTransaction && n > 0) return `until the transaction commits (${n} more statement${n === 1 ? '' : 's'})`;
  return statement.embeddedIn?.kind === 'do' ? 'until the DO block ends' : 'until the statement ends';
}

/** A traffic-blocking lock on the table taken earlier in the same transaction makes it much worse. */
function heldLockText(context: RuleContext, table: string): string {
  const held = context.tx.held.find((h) => h.table === table && blocksTraffic(h.mode));
  if (!held) return '';
  return ` Worse, the ${held.mode} lock taken on line ${held.line} is still held, so all ${describeBlocked(held.mode)} on \`${displayName(table)}\` wait for the whole change.`;
}

/** Tables named in a FROM list (joins included), CTE names left out. */
function sourceTables(from: Node[], ctes: Set<string>): string[] {
  const tables: string[] = [];
  for (const item of from) {
    visit(item, (kind, value) => {
      if (kind !== 'RangeVar') return;
      const relation = value as { schemaname?: string; relname?: string };
      if (!relation.schemaname && ctes.has(relation.relname ?? '')) return;
      tables.push(qualify(relation as never));
    });
  }
  return [...new Set(tables)];
}

/** What the statement's WHERE can be proven to touch, for one target table. */
class Scope {
  private readonly limitedCtes = new Set<string>();
  private readonly uniqueKeys: string[][];
  private readonly rangeColumns: Set<string>;
  private readonly columns: Set<string> | undefined;
  /** The run saw the table created, so its keys and indexes are known. */
  private readonly known: boolean;
  private readonly names: Set<string>;
  /** In a DO block: one with a loop and COMMIT batches by itself; one with a loop and no COMMIT does not. */
  readonly batchedByDoBlock: boolean;
  readonly inDoLoop: boolean;
  private readonly inDo: boolean;

  constructor(
    context: RuleContext,
    table: string,
    alias: string | undefined,
    withClause: WithClause | undefined,
    statement: Statement,
    private readonly joins: boolean,
  ) {
    for (const item of listOf(withClause?.ctes)) {
      const cte = unwrap<{ ctename?: string; ctequery?: Node }>(item, 'CommonTableExpr');
      if (cte?.ctename && this.limitedSelect(unwrap<AnyNode>(cte.ctequery, 'SelectStmt'))) this.limitedCtes.add(cte.ctename);
    }
    const constraints = context.schema.constraintsOf(table);
    const indexes = context.schema.indexesOf(table).filter((i) => !i.partial && !i.columns.includes('(expression)'));
    this.uniqueKeys = [
      ...constraints.filter((c) => (c.kind === 'primary' || c.kind === 'unique') && c.columns.length > 0).map((c) => c.columns),
      ...indexes.filter((i) => i.unique).map((i) => i.columns),
    ];
    this.rangeColumns = new Set([...this.uniqueKeys.map((k) => k[0] ?? ''), ...indexes.map((i) => i.columns[0] ?? '')]);
    const info = context.schema.tables.get(table);
    // CREATE TABLE AS records no columns: then any name may be one.
    this.columns = info && info.columns.size > 0 ? new Set(info.columns.keys()) : undefined;
    this.known = info !== undefined;
    const bare = table.split('.').at(-1) ?? table;
    this.names = new Set([bare, ...(alias ? [alias] : [])]);
    const body = statement.embeddedIn?.kind === 'do' ? doBody(context.statements[context.index]) : undefined;
    this.inDo = body !== undefined;
    const loops = body !== undefined && /\bLOOP\b/i.test(body);
    this.batchedByDoBlock = loops && /\bCOMMIT\b/i.test(body ?? '');
    this.inDoLoop = loops && !this.batchedByDoBlock;
  }

  /** A FROM/USING item that limits the rows joined: a LIMITed subquery or CTE. */
  limitedSource(item: Node): boolean {
    if (this.inDoLoop) return false;
    const sub = unwrap<{ subquery?: Node }>(item, 'RangeSubselect');
    if (sub) return this.limitedSelect(unwrap<AnyNode>(sub.subquery, 'SelectStmt'));
    const relation = unwrap<{ schemaname?: string; relname?: string }>(item, 'RangeVar');
    return Boolean(relation && !relation.schemaname && this.limitedCtes.has(relation.relname ?? ''));
  }

  bounded(node: Node): boolean {
    const bool = unwrap<{ boolop?: string; args?: Node[] }>(node, 'BoolExpr');
    if (bool?.boolop === 'OR_EXPR') return listOf(bool.args).every((arg) => this.bounded(arg));
    if (bool?.boolop === 'NOT_EXPR') return false;
    const conjuncts = bool?.boolop === 'AND_EXPR' ? this.flatten(node) : [node];
    if (conjuncts.some((c) => this.boundedAlone(c))) return true;
    return this.pointMatch(conjuncts) || (!this.inDoLoop && this.rangeMatch(conjuncts));
  }

  private flatten(node: Node): Node[] {
    const bool = unwrap<{ boolop?: string; args?: Node[] }>(node, 'BoolExpr');
    return bool?.boolop === 'AND_EXPR' ? listOf(bool.args).flatMap((arg) => this.flatten(arg)) : [node];
  }

  private boundedAlone(node: Node): boolean {
    if (unwrap(node, 'CurrentOfExpr')) return true;
    const bool = unwrap<{ boolop?: string }>(node, 'BoolExpr');
    if (bool) return this.bounded(node);
    const link = unwrap<{ subLinkType?: string; subselect?: Node }>(node, 'SubLink');
    if (link && (link.subLinkType === 'ANY_SUBLINK' || link.subLinkType === 'EXISTS_SUBLINK')) {
      const select = unwrap<AnyNode>(link.subselect, 'SelectStmt');
      // EXISTS (... LIMIT 1) is the usual existence idiom, not a batch: only a LIMITed CTE bounds it.
      if (link.subLinkType === 'EXISTS_SUBLINK') return !this.inDoLoop && this.readsLimitedCte(select);
      return !this.inDoLoop && (this.limitedSelect(select) || this.readsLimitedCte(select));
    }
    const expr = unwrap<{ kind?: string; lexpr?: Node; rexpr?: Node }>(node, 'A_Expr');
    if (expr?.kind === 'AEXPR_OP_ANY') {
      const array = unwrap<{ subLinkType?: string; subselect?: Node }>(expr.rexpr, 'SubLink');
      if (array?.subLinkType === 'ARRAY_SUBLINK') {
        const select = unwrap<AnyNode>(array.subselect, 'SelectStmt');
        return !this.inDoLoop && (this.limitedSelect(select) || this.readsLimitedCte(select));
      }
    }
    return false;
  }

  /** Equality on every column of a unique key (`=`, `IN (list)`, `= ANY(ARRAY[...])`). */
  private pointMatch(conjuncts: Node[]): boolean {
    const fixed = new Set<string>();
    for (const node of conjuncts) {
      const expr = unwrap<{ kind?: string; name?: Node[]; lexpr?: Node; rexpr?: Node }>(node, 'A_Expr');
      if (!expr) continue;
      const op = stringValues(expr.name)[0];
      if (expr.kind === 'AEXPR_OP' && op === '=') {
        const left = this.column(expr.lexpr);
        const right = this.column(expr.rexpr);
        if (left && this.constant(expr.rexpr)) fixed.add(left);
        if (right && this.constant(expr.lexpr)) fixed.add(right);
      } else if (expr.kind === 'AEXPR_IN' && op === '=') {
        const column = this.column(expr.lexpr);
        if (column && listOf(unwrap<{ items?: Node[] }>(expr.rexpr, 'List')?.items).every((v) => this.constant(v))) fixed.add(column);
      } else if (expr.kind === 'AEXPR_OP_ANY' && op === '=') {
        // = ANY(ARRAY[1, 2]) or = ANY('{1,2}'): a fixed list.
        const column = this.column(expr.lexpr);
        if (column && this.constant(expr.rexpr)) fixed.add(column);
      }
    }
    // Without the table's definition, the unique keys are unknown: an equality with a constant
    // looks like a targeted fix, and is given the benefit of the doubt.
    if (!this.known) return fixed.size > 0;
    return this.uniqueKeys.some((key) => key.every((column) => fixed.has(column)));
  }

  /** Both ends of a range on an indexed column, not absurdly wide. */
  private rangeMatch(conjuncts: Node[]): boolean {
    const lower = new Map<string, Node>();
    const upper = new Map<string, Node>();
    for (const node of conjuncts) {
      const expr = unwrap<{ kind?: string; name?: Node[]; lexpr?: Node; rexpr?: Node }>(node, 'A_Expr');
      if (!expr) continue;
      if (expr.kind === 'AEXPR_BETWEEN' || expr.kind === 'AEXPR_BETWEEN_SYM') {
        const column = this.column(expr.lexpr);
        const [low, high] = listOf(unwrap<{ items?: Node[] }>(expr.rexpr, 'List')?.items);
        if (column && low && high && this.constant(low) && this.constant(high)) {
          lower.set(column, low);
          upper.set(column, high);
        }
        continue;
      }
      if (expr.kind !== 'AEXPR_OP') continue;
      const op = stringValues(expr.name)[0] ?? '';
      if (!['<', '<=', '>', '>='].includes(op)) continue;
      const left = this.column(expr.lexpr);
      const right = this.column(expr.rexpr);
      if (left && this.constant(expr.rexpr)) (op.startsWith('>') ? lower : upper).set(left, expr.rexpr as Node);
      else if (right && this.constant(expr.lexpr)) (op.startsWith('<') ? lower : upper).set(right, expr.lexpr as Node);
    }
    for (const [column, low] of lower) {
      const high = upper.get(column);
      if (!high || (this.known && !this.rangeColumns.has(column))) continue;
      const a = integer(low);
      const b = integer(high);
      if (a !== undefined && b !== undefined && Math.abs(b - a) > MAX_BATCH_SPAN) continue;
      return true;
    }
    return false;
  }

  /** The target table's column a ColumnRef names, if it names one. */
  private column(node: Node | undefined): string | undefined {
    const ref = unwrap<{ fields?: Node[] }>(node, 'ColumnRef');
    if (!ref) return undefined;
    const fields = stringValues(ref.fields);
    const name = fields.at(-1);
    if (!name) return undefined;
    if (fields.length === 2 && !this.names.has(fields[0] ?? '')) return undefined;
    if (fields.length > 2) return undefined;
    if (this.columns && !this.columns.has(name)) return undefined;
    return name;
  }

  /**
   * A value fixed for the whole statement: no column of any table in it. In a DO block, a bare
   * name that is not a column of the target table is a PL/pgSQL variable.
   */
  private constant(node: Node | undefined): boolean {
    if (!node) return false;
    let fixed = true;
    visit(node, (kind, value) => {
      if (kind === 'SubLink') return;
      if (kind !== 'ColumnRef') return;
      const fields = stringValues((value as { fields?: Node[] }).fields);
      const variable = this.inDo && !this.joins && fields.length === 1 && this.columns !== undefined && !this.columns.has(fields[0] ?? '');
      if (!variable) fixed = false;
    });
    return fixed && !this.column(node);
  }

  private limitedSelect(select: AnyNode | undefined): boolean {
    if (!select) return false;
    const limit = select.limitCount as Node | undefined;
    if (!limit) return false;
    // LIMIT ALL and LIMIT NULL limit nothing.
    return !unwrap<{ isnull?: boolean }>(limit, 'A_Const')?.isnull;
  }

  private readsLimitedCte(select: AnyNode | undefined): boolean {
    if (!select) return false;
    return listOf(select.fromClause).some((item) => {
      const relation = unwrap<{ schemaname?: string; relname?: string }>(item, 'RangeVar');
      return Boolean(relation && !relation.schemaname && this.limitedCtes.has(relation.relname ?? ''));
    });
  }
}

function integer(node: Node): number | undefined {
  const constant = unwrap<{ ival?: { ival?: number } }>(node, 'A_Const');
  return constant?.ival ? (constant.ival.ival ?? 0) : undefined;
}

function doBody(statement: Statement | undefined): string | undefined {
  if (!statement) return undefined;
  const node = nodeOf<DoStmt>(statement, 'DoStmt');
  if (!node) return undefined;
  for (const arg of listOf(node.args)) {
    const option = unwrap<{ defname?: string; arg?: Node }>(arg, 'DefElem');
    if (option?.defname === 'as') return unwrap<{ sval?: string }>(option.arg, 'String')?.sval;
  }
  return undefined;
}
