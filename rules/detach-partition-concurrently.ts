import type { AlterTableCmd, AlterTableStmt, CreateStmt, PartitionCmd, RangeVar } from '@pgsql/types';
import { code, heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import { appendToStatement, fixStatement } from '../src/lint/fix.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

/** DETACH PARTITION ... CONCURRENTLY exists from PostgreSQL 14 on. */
const CONCURRENT_DETACH_SINCE = 14;

export const detachPartitionConcurrently: Rule = {
  id: 'detach-partition-concurrently',
  severity: 'error',
  summary: 'DETACH PARTITION without CONCURRENTLY locks the whole partitioned table against reads and writes.',
  docs: {
    why: 'A plain ALTER TABLE ... DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table and on the partition, so every query on the partitioned table waits, and so does every query queued behind the DETACH while it waits for running transactions (PostgreSQL docs, ALTER TABLE: DETACH PARTITION, and "Explicit Locking", Table 13.2). Since PostgreSQL 14, DETACH PARTITION ... CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE on the parent.',
    safe: 'On PostgreSQL 14 and later use DETACH PARTITION ... CONCURRENTLY: it runs in two internal transactions with SHARE UPDATE EXCLUSIVE on the parent, so reads and writes go on. It cannot run inside a transaction block and is refused when the partitioned table has a DEFAULT partition; if it is interrupted, finish it with DETACH PARTITION ... FINALIZE. Before PostgreSQL 14 there is no concurrent form: detach at a quiet time with a short lock_timeout and retry.',
    bad: [
      'ALTER TABLE events DETACH PARTITION events_2025;',
      { sql: 'ALTER TABLE events DETACH PARTITION events_2025;', pgVersion: 13 },
    ],
    good: [
      { sql: 'ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;', transaction: 'per-statement' },
      { sql: 'ALTER TABLE events DETACH PARTITION events_2025 FINALIZE;', transaction: 'per-statement' },
      'CREATE TABLE logs (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);\nCREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');\nALTER TABLE logs DETACH PARTITION logs_2025;',
    ],
  },
  check(statement, context) {
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (!alter) return undefined;
    const parent = qualify(alter.relation);
    if (!context.isExisting(parent)) return undefined;
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      if (cmd?.subtype !== 'AT_DetachPartition') continue;
      const partitionCmd = unwrap<PartitionCmd>(cmd.def, 'PartitionCmd');
      if (!partitionCmd || partitionCmd.concurrent) continue;
      const partition = qualify(partitionCmd.name);
      const parentName = `\`${displayName(parent)}\``;
      const partitionName = `\`${displayName(partition)}\``;
      const blocked = `takes an ${lockPhrase('ACCESS EXCLUSIVE', parent)} ${heldFor(context)}: every query on ${parentName} waits${sizeHint(context, parent)}`;
      if (context.pgVersion < CONCURRENT_DETACH_SINCE) {
        return {
          severity: 'warning',
          message: `DETACH PARTITION ${partitionName} ${blocked}. PostgreSQL ${context.pgVersion} has no concurrent form (DETACH PARTITION ... CONCURRENTLY needs 14): run it at a quiet time with a short lock_timeout.`,
          detail: [
            `PostgreSQL before 14 can only detach under ACCESS EXCLUSIVE on ${parentName}. To keep the outage to the instant of the catalog change:`,
            '',
            '```sql',
            "SET lock_timeout = '2s';  -- give up instead of queueing every query behind the DETACH",
            `${statement.sql};`,
            '```',
            '',
            'Retry on lock timeout. Once on PostgreSQL 14 or later, use `DETACH PARTITION ... CONCURRENTLY` instead.',
          ].join('\n'),
        };
      }
      const defaultPartition = findDefault(context, parent);
      if (defaultPartition) {
        return {
          message: `DETACH PARTITION ${partitionName} ${blocked}. CONCURRENTLY is refused because \`${displayName(defaultPartition.table)}\` (line ${defaultPartition.line}) is a DEFAULT partition of ${parentName}: keep the lock short with a lock_timeout.`,
          detail: [
            `\`DETACH PARTITION ... CONCURRENTLY\` is not allowed while ${parentName} has a DEFAULT partition. Either detach under ACCESS EXCLUSIVE with a short \`lock_timeout\` and retries, or detach the DEFAULT partition first (itself a blocking DETACH) if it is not needed.`,
          ].join('\n'),
        };
      }
      return {
        message: `DETACH PARTITION ${partitionName} ${blocked}. Use DETACH PARTITION ... CONCURRENTLY${context.tx.inTransaction ? ', outside a transaction block' : ''}.`,
        detail: [
          `${code(`ALTER TABLE ${displayName(parent)} DETACH PARTITION ${displayName(partition)} CONCURRENTLY`)} takes SHARE UPDATE EXCLUSIVE on ${parentName} (reads and writes go on): it marks the partition as being detached, commits, waits for every transaction that uses ${parentName} to finish, and then completes with ACCESS EXCLUSIVE on ${partitionName} only.`,
          '',
          '- It cannot run inside a transaction block: put it in a migration of its own that your runner applies without a transaction.',
          `- It is refused when ${parentName} has a DEFAULT partition (\`cannot detach partitions concurrently when a default partition exists\`); then the plain form, with a short \`lock_timeout\` and retries, is the only way.`,
          `- If it is cancelled or interrupted, the partition stays "detach pending": finish with ${code(`ALTER TABLE ${displayName(parent)} DETACH PARTITION ${displayName(partition)} FINALIZE`)}.`,
          `- Either form also takes a SHARE lock (blocks writes) on every table whose foreign keys reference ${parentName}.`,
        ].join('\n'),
        fix: fixStatement(statement, [appendToStatement(statement, 'CONCURRENTLY')]),
      };
    }
    return undefined;
  },
};

interface DefaultPartition {
  table: string;
  line: number;
}

/** A DEFAULT partition of `parent` created or attached earlier in this migration. */
function findDefault(context: RuleContext, parent: string): DefaultPartition | undefined {
  let found: DefaultPartition | undefined;
  for (const statement of context.statements.slice(0, context.index)) {
    const create = nodeOf<CreateStmt>(statement, 'CreateStmt');
    if (create?.partbound?.is_default && listOf(create.inhRelations).some((r) => qualify(unwrap<RangeVar>(r, 'RangeVar')) === parent)) {
      found = { table: qualify(create.relation), line: statement.range.startLine };
    }
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (alter && qualify(alter.relation) === parent) {
      for (const item of listOf(alter.cmds)) {
        const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
        const partition = unwrap<PartitionCmd>(cmd?.def, 'PartitionCmd');
        if (cmd?.subtype === 'AT_AttachPartition' && partition?.bound?.is_default) found = { table: qualify(partition.name), line: statement.range.startLine };
        if (cmd?.subtype === 'AT_DetachPartition' && found && qualify(partition?.name) === found.table) found = undefined;
      }
    }
  }
  return found;
}
