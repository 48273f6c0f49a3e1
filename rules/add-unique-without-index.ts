import type { AlterTableCmd, Constraint } from '@pgsql/types';
import { heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { unwrap } from '../src/sql/ast.ts';
import { displayName, stringValues } from '../src/sql/names.ts';
import type { Statement, Token } from '../src/sql/statement.ts';
import { pgConstraintName } from '../src/lint/constraint-names.ts';
import { alterOfExistingTable, type CommandSpan } from './support/alter-commands.ts';

/** SET NOT NULL skips its scan when a valid CHECK (col IS NOT NULL) proves it, from PostgreSQL 12 on. */
const NOT_NULL_PROOF_SINCE = 12;

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Text of the tokens in [from, to] (inclusive), as written. */
function textOf(statement: Statement, tokens: Token[], from: number, to: number): string {
  const first = tokens[from];
  const last = tokens[to];
  return first && last ? statement.sql.slice(first.start, last.end) : '';
}

/** Tokens of one subcommand, without the `ALTER TABLE name` that opens the first one. */
function commandTokens(statement: Statement, span: CommandSpan): Token[] {
  const tokens = statement.tokens.filter((t) => t.start >= span.start && t.end <= span.end);
  if (span.start !== 0) return tokens;
  const add = tokens.findIndex((t, i) => i > 2 && t.text.toUpperCase() === 'ADD');
  return add < 0 ? [] : tokens.slice(add);
}

/** The parenthesised key list following `UNIQUE` / `PRIMARY KEY` in the subcommand's text, as written. */
function keyListText(statement: Statement, span: CommandSpan): string | undefined {
  const tokens = commandTokens(statement, span);
  const keyword = tokens.findIndex((t) => ['UNIQUE', 'KEY'].includes(t.text.toUpperCase()));
  if (keyword < 0) return undefined;
  let i = keyword + 1;
  // UNIQUE NULLS [NOT] DISTINCT (...)
  while (i < tokens.length && tokens[i]?.text !== '(') i++;
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    if (tokens[j]?.text === '(') depth++;
    if (tokens[j]?.text === ')' && --depth === 0) return textOf(statement, tokens, i, j);
  }
  return undefined;
}

/** The relation as written after ALTER TABLE, when written plainly (no IF EXISTS / ONLY). */
function relationText(statement: Statement): string | undefined {
  const tokens = statement.tokens;
  if (tokens[1]?.text.toUpperCase() !== 'TABLE') return undefined;
  const add = tokens.findIndex((t, i) => i > 2 && t.text.toUpperCase() === 'ADD');
  if (add < 0) return undefined;
  const relation = tokens.slice(2, add);
  if (relation.length === 0 || relation.some((t) => ['IF', 'ONLY', '*'].includes(t.text.toUpperCase()))) return undefined;
  return textOf(statement, tokens, 2, add - 1);
}

/** The constraint name as written after CONSTRAINT, keeping its quoting. */
function nameText(statement: Statement, span: CommandSpan): string | undefined {
  const tokens = commandTokens(statement, span);
  const at = tokens.findIndex((t) => t.text.toUpperCase() === 'CONSTRAINT');
  return at >= 0 ? tokens[at + 1]?.text : undefined;
}

function nullableKeys(context: RuleContext, table: string, keys: string[]): string[] | undefined {
  if (!context.schema.tables.has(table)) return undefined;
  return keys.filter((k) => !context.schema.column(table, k)?.notNull);
}

export const addUniqueWithoutIndex: Rule = {
  id: 'add-unique-without-index',
  severity: 'error',
  summary: 'ADD CONSTRAINT ... UNIQUE / PRIMARY KEY without USING INDEX builds the index while holding an ACCESS EXCLUSIVE lock: no reads or writes for the whole build.',
  docs: {
    why: 'ALTER TABLE ... ADD table_constraint takes ACCESS EXCLUSIVE (PostgreSQL docs, ALTER TABLE: "most forms of ADD table_constraint require an ACCESS EXCLUSIVE lock"), and a UNIQUE or PRIMARY KEY constraint builds its index inside that statement, so every query on the table waits for the whole build. ADD table_constraint_using_index attaches an index built beforehand instead (ALTER TABLE: "Adding a constraint using an existing index can be helpful in situations where a new constraint needs to be added without blocking table updates for a long time. To do that, create the index using CREATE INDEX CONCURRENTLY, and then convert it to a constraint using this syntax").',
    safe: 'CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction block), then ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX idx (or PRIMARY KEY USING INDEX), which only takes the lock for an instant. For a primary key the columns must already be NOT NULL, or the ADD runs SET NOT NULL and scans the table under the lock.',
    bad: [
      'ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE (note);',
      'ALTER TABLE users ADD UNIQUE (email);',
      { sql: 'ALTER TABLE events ADD PRIMARY KEY (id, happened_at);', transaction: 'per-statement' },
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE USING INDEX orders_note_idx;',
      { base: 'CREATE TABLE legacy (id bigint NOT NULL);\nCREATE UNIQUE INDEX legacy_id_idx ON legacy (id);', sql: 'ALTER TABLE legacy ADD CONSTRAINT legacy_pkey PRIMARY KEY USING INDEX legacy_id_idx;' },
      { sql: 'CREATE UNIQUE INDEX CONCURRENTLY orders_note_idx ON orders (note);', transaction: 'per-statement' },
      'CREATE TABLE invoices (id bigint, number text);\nALTER TABLE invoices ADD PRIMARY KEY (id);\nALTER TABLE invoices ADD CONSTRAINT invoices_number_key UNIQUE (number);',
    ],
  },
  check(statement, context) {
    const alter = alterOfExistingTable(statement, context);
    if (!alter) return undefined;
    const { table, cmds, spans, partitioned } = alter;
    const tbl = `\`${displayName(table)}\``;
    const reports = [];
    for (const [i, item] of cmds.entries()) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      const c = unwrap<Constraint>(cmd?.def, 'Constraint');
      if (cmd?.subtype !== 'AT_AddConstraint' || !c || c.indexname) continue;
      if (c.contype !== 'CONSTR_UNIQUE' && c.contype !== 'CONSTR_PRIMARY') continue;
      const primary = c.contype === 'CONSTR_PRIMARY';
      const kind = primary ? 'PRIMARY KEY' : 'UNIQUE';
      const keys = stringValues(c.keys);
      const { name } = pgConstraintName(table, c, context.schema);
      const nullable = primary ? nullableKeys(context, table, keys) : [];
      const scan = nullable && nullable.length > 0
        ? `, and first scans the table to set NOT NULL on ${nullable.map((k) => `\`${k}\``).join(', ')}`
        : '';
      const safeWay = partitioned
        ? 'Build a matching unique index CONCURRENTLY on each partition first, then add the constraint: it attaches them instead of building'
        : `Build the index with CREATE UNIQUE INDEX CONCURRENTLY first, then add the constraint with \`${kind} USING INDEX\``;
      const span = spans?.[i];
      const relation = relationText(statement);
      const keyList = span ? keyListText(statement, span) : undefined;
      const constraintText = (span && c.conname ? nameText(statement, span) : undefined) ?? quoteIdent(name);
      const indexText = constraintText;
      const nulls = c.nulls_not_distinct ? ' NULLS NOT DISTINCT' : '';
      const createIndex = `CREATE UNIQUE INDEX CONCURRENTLY ${indexText} ON ${relation ?? displayName(table)} ${keyList ?? `(${keys.join(', ')})`}${nulls};`;
      const addConstraint = `ALTER TABLE ${relation ?? displayName(table)} ADD CONSTRAINT ${constraintText} ${kind} USING INDEX ${indexText};`;
      const simple =
        cmds.length === 1 && !partitioned && relation !== undefined && keyList !== undefined &&
        !c.including?.length && !c.options?.length && !c.indexspace && !c.deferrable && !c.initdeferred &&
        (!primary || (nullable !== undefined && nullable.length === 0));
      const canFix = simple && context.migration.transaction === 'per-statement' && !context.tx.inTransaction;
      reports.push({
        message: `ADD CONSTRAINT \`${name}\` ${kind} builds its index under an ${lockPhrase('ACCESS EXCLUSIVE', table)} ${heldFor(context)}${scan}: every query on ${tbl} waits for the whole build${sizeHint(context, table)}. ${safeWay}.`,
        detail: detail({ context, table, primary, partitioned, nullable, createIndex, addConstraint, keys, name }),
        fix: canFix
          ? { startLine: statement.range.startLine, endLine: statement.range.endLine, replacement: `${statement.linePrefix}${createIndex}\n${leadingSpace(statement.linePrefix)}${addConstraint}${statement.lineSuffix.replace(/^\s*;/, '')}` }
          : undefined,
      });
    }
    return reports.length > 0 ? reports : undefined;
  },
};

function leadingSpace(prefix: string): string {
  return /^\s*/.exec(prefix)?.[0] ?? '';
}

interface DetailInput {
  context: RuleContext;
  table: string;
  primary: boolean;
  partitioned: boolean;
  nullable: string[] | undefined;
  createIndex: string;
  addConstraint: string;
  keys: string[];
  name: string;
}

function detail(d: DetailInput): string {
  const tbl = displayName(d.table);
  const bare = d.table.slice(d.table.indexOf('.') + 1);
  if (d.partitioned) {
    return [
      `\`${tbl}\` is partitioned: CREATE INDEX CONCURRENTLY cannot build an index on a partitioned table, and ADD CONSTRAINT ... USING INDEX is not supported there. Instead:`,
      '',
      `1. For each partition, outside a transaction block: \`CREATE UNIQUE INDEX CONCURRENTLY <partition>_${d.keys.join('_')}_key ON <partition> (${d.keys.join(', ')});\``,
      `2. Then add the constraint to \`${tbl}\` as written: PostgreSQL finds the matching valid index on each partition and attaches it instead of building one, so the ACCESS EXCLUSIVE lock is held only for the catalog update (set \`lock_timeout\`).`,
      '',
      `A unique constraint on a partitioned table must include all the partition key columns.`,
    ].join('\n');
  }
  const lines = [
    'Build the index first without blocking traffic, then attach it:',
    '',
    '```sql',
    '-- 1. outside a transaction block (a migration of its own); reads and writes go on',
    d.createIndex,
    '-- 2. attaching the built index takes the ACCESS EXCLUSIVE lock only for an instant',
    d.addConstraint,
    '```',
    '',
    'The index is renamed to the constraint\'s name. If the concurrent build fails (a duplicate value, say), it leaves an INVALID index: fix the data, `DROP INDEX CONCURRENTLY` it and retry.',
  ];
  if (d.primary) {
    const nullable = d.nullable === undefined ? 'the key columns' : d.nullable.map((k) => `\`${k}\``).join(', ');
    if (d.nullable === undefined || d.nullable.length > 0) {
      lines.push(
        '',
        `PRIMARY KEY needs ${nullable} to be NOT NULL${d.nullable === undefined ? ' (db-review does not know whether they are)' : ''}; otherwise ADD PRIMARY KEY ... USING INDEX runs SET NOT NULL, which scans the whole table under ACCESS EXCLUSIVE.`,
        d.context.pgVersion >= NOT_NULL_PROOF_SINCE
          ? `Make the scan non-blocking first: \`ALTER TABLE ${tbl} ADD CONSTRAINT ${quoteIdent(`${bare}_${d.keys[0] ?? 'col'}_not_null`)} CHECK (${d.keys[0] ?? 'col'} IS NOT NULL) NOT VALID;\`, then in a later migration \`VALIDATE CONSTRAINT\` it (SHARE UPDATE EXCLUSIVE), then \`ALTER COLUMN ... SET NOT NULL\`, which uses the valid CHECK instead of scanning (drop the CHECK afterwards); one CHECK per column.`
          : `Before PostgreSQL 12, SET NOT NULL always scans the table; do it at a quiet time.`,
      );
    }
  }
  return lines.join('\n');
}
