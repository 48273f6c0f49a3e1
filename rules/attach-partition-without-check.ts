import type { A_Const, AlterTableCmd, AlterTableStmt, ColumnRef, Node, PartitionBoundSpec, PartitionCmd } from '@pgsql/types';
import { sizeHint } from '../src/lint/describe.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import type { Statement } from '../src/sql/statement.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify, stringValues } from '../src/sql/names.ts';

export const attachPartitionWithoutCheck: Rule = {
  id: 'attach-partition-without-check',
  severity: 'warning',
  summary: 'ATTACH PARTITION of an existing table without a validated CHECK constraint scans the whole table under ACCESS EXCLUSIVE.',
  docs: {
    why: 'ALTER TABLE ... ATTACH PARTITION scans the table being attached to prove every row fits the partition bound, holding an ACCESS EXCLUSIVE lock on it (and SHARE UPDATE EXCLUSIVE on the parent since PostgreSQL 12, ACCESS EXCLUSIVE before); a DEFAULT partition of the parent is scanned too, under ACCESS EXCLUSIVE. The scan is skipped when a valid CHECK constraint on the table already implies the partition constraint (PostgreSQL docs, ALTER TABLE: ATTACH PARTITION).',
    safe: 'Add a CHECK constraint matching the bound as NOT VALID (instant), VALIDATE it (scans under SHARE UPDATE EXCLUSIVE, reads and writes go on), then ATTACH PARTITION (no scan) and drop the now redundant CHECK. The CHECK must also rule out NULL keys unless the key columns are NOT NULL.',
    bad: [
      {
        sql: "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
        base: "CREATE TABLE events (id bigint NOT NULL, happened_at timestamptz NOT NULL) PARTITION BY RANGE (happened_at);\nCREATE TABLE events_2026 (id bigint NOT NULL, happened_at timestamptz NOT NULL);",
      },
      {
        sql: 'ALTER TABLE events ATTACH PARTITION events_archive DEFAULT;',
        base: "CREATE TABLE events (id bigint NOT NULL, happened_at timestamptz NOT NULL) PARTITION BY RANGE (happened_at);\nCREATE TABLE events_archive (id bigint NOT NULL, happened_at timestamptz NOT NULL);\nALTER TABLE events_archive ADD CONSTRAINT events_archive_happened_at_check CHECK (happened_at IS NOT NULL);",
      },
    ],
    good: [
      {
        sql: "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\nALTER TABLE events_2026 DROP CONSTRAINT events_2026_bound;",
        base: "CREATE TABLE events (id bigint NOT NULL, happened_at timestamptz NOT NULL) PARTITION BY RANGE (happened_at);\nCREATE TABLE events_2026 (id bigint NOT NULL, happened_at timestamptz NOT NULL);\nALTER TABLE events_2026 ADD CONSTRAINT events_2026_bound CHECK (happened_at >= '2026-01-01' AND happened_at < '2027-01-01') NOT VALID;\nALTER TABLE events_2026 VALIDATE CONSTRAINT events_2026_bound;",
      },
      "CREATE TABLE events_2026 (LIKE events INCLUDING ALL);\nALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
    ],
  },
  check(statement, context) {
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (!alter) return undefined;
    const parent = qualify(alter.relation);
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      if (cmd?.subtype !== 'AT_AttachPartition') continue;
      const partitionCmd = unwrap<PartitionCmd>(cmd.def, 'PartitionCmd');
      if (!partitionCmd?.name) continue;
      const partition = qualify(partitionCmd.name);
      // A table created in this migration is empty: the scan is instant and nobody else uses it.
      if (!context.isExisting(partition)) continue;
      if (hasValidatedCheck(context, partition)) continue;
      return report(context, parent, partition, partitionCmd.bound, writtenBound(statement) ?? boundText(partitionCmd.bound));
    }
    return undefined;
  },
};

/** A validated CHECK that could imply the bound (a bare `col IS NOT NULL` check never does). */
function hasValidatedCheck(context: RuleContext, table: string): boolean {
  return context.schema.constraintsOf(table).some((c) => c.kind === 'check' && c.validated && !c.provesNotNull);
}

function report(context: RuleContext, parent: string, partition: string, bound: PartitionBoundSpec | undefined, written: string) {
  const p = displayName(partition);
  const parentLock = context.pgVersion >= 12
    ? `SHARE UPDATE EXCLUSIVE on \`${displayName(parent)}\``
    : `ACCESS EXCLUSIVE on \`${displayName(parent)}\` (before PostgreSQL 12: reads and writes on the whole partitioned table wait too)`;
  const message = `ATTACH PARTITION scans all of \`${p}\`${sizeHint(context, partition)} to check every row against the partition bound, holding an ACCESS EXCLUSIVE lock on \`${p}\` (blocks reads and writes) and ${parentLock}. Add a CHECK constraint matching the bound NOT VALID, VALIDATE it, then attach: the scan is skipped.`;
  const constraint = `${partition.split('.').at(-1) ?? p}_bound`;
  const expression = checkExpression(bound);
  const steps = [
    'A valid CHECK constraint that implies the partition constraint lets PostgreSQL skip the scan. Build it without blocking traffic:',
    '',
    '```sql',
    `ALTER TABLE ${p} ADD CONSTRAINT ${constraint} CHECK (${expression ?? (bound?.is_default ? '<expression excluding the bounds of every other partition>' : '<expression admitting exactly the rows of the bound>')}) NOT VALID;  -- instant`,
    `ALTER TABLE ${p} VALIDATE CONSTRAINT ${constraint};  -- scans under SHARE UPDATE EXCLUSIVE: reads and writes go on`,
    `ALTER TABLE ${displayName(parent)} ATTACH PARTITION ${p} ${written};  -- no scan`,
    `ALTER TABLE ${p} DROP CONSTRAINT ${constraint};  -- the partition constraint now does its job`,
    '```',
    '',
  ];
  if (expression) {
    steps.push('Replace `<key>` with the partition key column of `' + displayName(parent) + '`. The `IS NOT NULL` test is needed because a CHECK accepts NULL while a range or list bound does not, unless the column is already NOT NULL.');
  } else if (bound?.strategy === 'h') {
    steps.push('A hash bound cannot practically be proven by a CHECK constraint: attach the table while it is still empty, or create the partition with `CREATE TABLE ... PARTITION OF` and copy the rows into it in batches.');
  } else if (bound?.is_default) {
    steps.push(`As the DEFAULT partition, \`${p}\` may hold only rows that no other partition of \`${displayName(parent)}\` accepts: the CHECK must exclude each of their bounds, e.g. \`NOT (<key> >= '2025-01-01' AND <key> < '2026-01-01')\` for each range partition.`);
  } else {
    steps.push('Write the CHECK so that it admits exactly the rows of the bound, and rules out NULL partition keys unless the bound accepts NULL or the key columns are NOT NULL.');
  }
  steps.push(
    '',
    `If \`${displayName(parent)}\` has a DEFAULT partition, it is scanned too, under an ACCESS EXCLUSIVE lock, to prove it holds no rows of the new bound; a valid CHECK on the default partition that excludes the bound skips that scan.`,
  );
  return { message, detail: steps.join('\n') };
}

/** The bound clause as written in the statement: from `FOR VALUES` (or `DEFAULT`) to the end. */
function writtenBound(statement: Statement): string | undefined {
  const tokens = statement.tokens.filter((t) => t.text !== ';');
  const at = tokens.findIndex((t, i) =>
    (t.text.toUpperCase() === 'FOR' && tokens[i + 1]?.text.toUpperCase() === 'VALUES') ||
    (t.text.toUpperCase() === 'DEFAULT' && i === tokens.length - 1));
  const start = tokens[at]?.start;
  return start === undefined ? undefined : statement.sql.slice(start).trim();
}

/** `FOR VALUES FROM (...) TO (...)`, `FOR VALUES IN (...)`, `DEFAULT`, rebuilt from the parse tree. */
function boundText(bound: PartitionBoundSpec | undefined): string {
  if (!bound || bound.is_default) return 'DEFAULT';
  const list = (nodes: Node[] | undefined) => listOf(nodes).map((n) => literal(n) ?? '...').join(', ');
  switch (bound.strategy) {
    case 'r':
      return `FOR VALUES FROM (${list(bound.lowerdatums)}) TO (${list(bound.upperdatums)})`;
    case 'l':
      return `FOR VALUES IN (${list(bound.listdatums)})`;
    case 'h':
      return `FOR VALUES WITH (MODULUS ${bound.modulus ?? 0}, REMAINDER ${bound.remainder ?? 0})`;
    default:
      return 'FOR VALUES ...';
  }
}

/** The CHECK expression equivalent to a single-column range or list bound, with `<key>` for the key column. */
function checkExpression(bound: PartitionBoundSpec | undefined): string | undefined {
  if (!bound || bound.is_default) return undefined;
  const key = '<key>';
  if (bound.strategy === 'r') {
    const lower = listOf(bound.lowerdatums);
    const upper = listOf(bound.upperdatums);
    if (lower.length !== 1 || upper.length !== 1) return undefined;
    const parts = [`${key} IS NOT NULL`];
    const from = lower[0];
    const to = upper[0];
    if (!isInfinite(from, 'minvalue')) {
      const value = literal(from);
      if (value === undefined) return undefined;
      parts.push(`${key} >= ${value}`);
    }
    if (!isInfinite(to, 'maxvalue')) {
      const value = literal(to);
      if (value === undefined) return undefined;
      parts.push(`${key} < ${value}`);
    }
    return parts.join(' AND ');
  }
  if (bound.strategy === 'l') {
    const values = listOf(bound.listdatums);
    const nonNull = values.filter((v) => !isNull(v));
    const rendered = nonNull.map(literal);
    if (rendered.some((v) => v === undefined)) return undefined;
    const inList = rendered.length ? `${key} IN (${rendered.join(', ')})` : undefined;
    if (nonNull.length === values.length) return `${key} IS NOT NULL AND ${inList}`;
    return inList ? `${key} IS NULL OR ${inList}` : `${key} IS NULL`;
  }
  return undefined;
}

function literal(node: Node | undefined): string | undefined {
  const constant = unwrap<A_Const & { isnull?: boolean }>(node, 'A_Const');
  if (!constant) return undefined;
  if (constant.isnull) return 'NULL';
  if (constant.sval) return `'${(constant.sval.sval ?? '').replaceAll("'", "''")}'`;
  if (constant.ival) return String(constant.ival.ival ?? 0);
  if (constant.fval) return constant.fval.fval;
  if (constant.boolval) return constant.boolval.boolval ? 'true' : 'false';
  return undefined;
}

function isInfinite(node: Node | undefined, word: 'minvalue' | 'maxvalue'): boolean {
  const ref = unwrap<ColumnRef>(node, 'ColumnRef');
  return stringValues(ref?.fields).join('.').toLowerCase() === word;
}

function isNull(node: Node | undefined): boolean {
  return Boolean(unwrap<{ isnull?: boolean }>(node, 'A_Const')?.isnull);
}

