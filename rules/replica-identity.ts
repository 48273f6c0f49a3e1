import type { AlterTableCmd, AlterTableStmt, Constraint, ReplicaIdentityStmt } from '@pgsql/types';
import { statementsLaterInTransaction } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import type { Statement } from '../src/sql/statement.ts';

export const replicaIdentity: Rule = {
  id: 'replica-identity',
  severity: 'warning',
  summary: 'REPLICA IDENTITY NOTHING/FULL, or dropping the primary key, breaks or slows logical replication of UPDATE and DELETE.',
  docs: {
    why: 'A table in a publication that publishes updates or deletes needs a replica identity: by default its primary key. Without one (REPLICA IDENTITY NOTHING, or DEFAULT with the primary key dropped) every UPDATE and DELETE on it fails on the primary with "cannot update table ... because it does not have a replica identity and publishes updates" (PostgreSQL docs, CREATE PUBLICATION and "Logical Replication: Publication"). REPLICA IDENTITY FULL works but logs the whole old row for every UPDATE and DELETE, and a subscriber without a usable index (any, before PostgreSQL 16) finds each row by a sequential scan (PostgreSQL docs, ALTER TABLE: REPLICA IDENTITY).',
    safe: 'Keep a primary key, or point the replica identity at a unique index on NOT NULL columns with REPLICA IDENTITY USING INDEX. When replacing a primary key, add the new one in the same transaction as the drop (or build a unique index CONCURRENTLY first and switch the replica identity to it).',
    bad: [
      'ALTER TABLE orders REPLICA IDENTITY NOTHING;',
      'ALTER TABLE orders REPLICA IDENTITY FULL;',
      'ALTER TABLE orders DROP CONSTRAINT orders_pkey;',
      { sql: 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD PRIMARY KEY (id);', transaction: 'per-statement' },
    ],
    good: [
      'ALTER TABLE orders REPLICA IDENTITY DEFAULT;',
      'CREATE UNIQUE INDEX orders_id_key ON orders (id);\nALTER TABLE orders REPLICA IDENTITY USING INDEX orders_id_key;',
      'ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD PRIMARY KEY (id, created_at);',
      'ALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);',
      'CREATE UNIQUE INDEX orders_id_key ON orders (id);\nALTER TABLE orders REPLICA IDENTITY USING INDEX orders_id_key;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;',
      'ALTER TABLE orders DROP CONSTRAINT orders_amount_check;',
      'CREATE TABLE drafts (id bigint PRIMARY KEY, body text);\nALTER TABLE drafts DROP CONSTRAINT drafts_pkey;',
    ],
  },
  check(statement, context) {
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (!alter) return undefined;
    const table = qualify(alter.relation);
    const reports: RuleReport[] = [];
    const cmds = listOf(alter.cmds).flatMap((item) => unwrap<AlterTableCmd>(item, 'AlterTableCmd') ?? []);
    for (const cmd of cmds) {
      if (cmd.subtype === 'AT_ReplicaIdentity') {
        const identity = unwrap<ReplicaIdentityStmt>(cmd.def, 'ReplicaIdentityStmt');
        if (identity?.identity_type === 'n') reports.push(nothing(table));
        if (identity?.identity_type === 'f') reports.push(full(table, context.pgVersion));
      }
    }
    const dropped = droppedPrimaryKey(context, table, cmds);
    if (dropped && context.isExisting(table) && !identityElsewhere(context, table, dropped) && !primaryKeyRestored(context, table, cmds)) {
      reports.push(droppedKey(context, table, dropped));
    }
    return reports;
  },
};

function failure(table: string): string {
  return `\`cannot update table "${displayName(table).split('.').at(-1)}" because it does not have a replica identity and publishes updates\``;
}

function nothing(table: string): RuleReport {
  const name = `\`${displayName(table)}\``;
  return {
    message: `REPLICA IDENTITY NOTHING leaves ${name} without a replica identity: if it is in a publication that publishes updates or deletes (logical replication, CDC such as Debezium, Supabase Realtime), every UPDATE and DELETE on it fails with ${failure(table)}.`,
    detail: [
      'The error is raised on the primary, in the application\'s own UPDATE or DELETE: it is not only replication that stops. Check the publications first:',
      '',
      '```sql',
      `SELECT pubname FROM pg_publication_tables WHERE schemaname = '${table.split('.')[0]}' AND tablename = '${table.split('.').at(-1)}'`,
      'UNION SELECT pubname FROM pg_publication WHERE puballtables;',
      '```',
      '',
      'Keep `REPLICA IDENTITY DEFAULT` (the primary key), or use `REPLICA IDENTITY USING INDEX <unique index on NOT NULL columns>`.',
    ].join('\n'),
  };
}

function full(table: string, pgVersion: number): RuleReport {
  const name = `\`${displayName(table)}\``;
  return {
    message: `REPLICA IDENTITY FULL makes every UPDATE and DELETE on ${name} write the whole old row to the WAL, and subscribers find each changed row by comparing whole rows (a sequential scan per row without a usable index): more WAL and replication lag.`,
    detail: [
      'FULL is the fallback for tables with no key at all, or for CDC consumers that need the old values of every column. Its costs:',
      '',
      '- every UPDATE and DELETE logs all old column values (TOASTed values included), so WAL volume and replication lag grow;',
      `- a PostgreSQL subscriber applies each change by searching for a row equal to the old one: since PostgreSQL 16 it can use a btree index on the subscriber whose leftmost column is a plain column, before 16 it scans the whole table${pgVersion < 16 ? ' (this project targets PostgreSQL ' + pgVersion + ')' : ''} for every row changed.`,
      '',
      'If the table has a primary key or a unique index on NOT NULL columns, keep `REPLICA IDENTITY DEFAULT` or use `REPLICA IDENTITY USING INDEX` on it instead.',
    ].join('\n'),
  };
}

/** The name of the primary key this ALTER TABLE drops, directly or by dropping one of its columns. */
function droppedPrimaryKey(context: RuleContext, table: string, cmds: AlterTableCmd[]): DroppedKey | undefined {
  const primary = context.schema.constraintsOf(table).find((c) => c.kind === 'primary');
  if (!primary) return undefined;
  for (const cmd of cmds) {
    if (cmd.subtype === 'AT_DropConstraint' && cmd.name === primary.name) return { name: primary.name };
    // Dropping a column drops the constraints on it, the primary key included.
    if (cmd.subtype === 'AT_DropColumn' && cmd.name && primary.columns.includes(cmd.name)) return { name: primary.name, column: cmd.name };
  }
  return undefined;
}

interface DroppedKey {
  name: string;
  /** Set when the key goes with a dropped column. */
  column?: string;
}

/** An earlier statement of this migration pointed the replica identity away from the primary key. */
function identityElsewhere(context: RuleContext, table: string, { name: primaryKey }: DroppedKey): boolean {
  let elsewhere = false;
  for (const statement of context.statements.slice(0, context.index)) {
    for (const cmd of alterCmds(statement, table)) {
      if (cmd.subtype !== 'AT_ReplicaIdentity') continue;
      const identity = unwrap<ReplicaIdentityStmt>(cmd.def, 'ReplicaIdentityStmt');
      // USING INDEX on the primary key's own index goes with it: "the same as NOTHING".
      elsewhere = identity?.identity_type === 'f' || (identity?.identity_type === 'i' && identity.name !== primaryKey);
    }
  }
  return elsewhere;
}

/**
 * A new primary key (or replica identity) in the same statement, or later in the same
 * transaction: the ACCESS EXCLUSIVE lock of the drop keeps every UPDATE and DELETE out meanwhile.
 */
function primaryKeyRestored(context: RuleContext, table: string, cmds: AlterTableCmd[]): boolean {
  const restores = (cmd: AlterTableCmd): boolean => {
    if (cmd.subtype === 'AT_ReplicaIdentity') return ['f', 'i'].includes(unwrap<ReplicaIdentityStmt>(cmd.def, 'ReplicaIdentityStmt')?.identity_type ?? '');
    const constraint = unwrap<Constraint>(cmd.def, 'Constraint');
    return cmd.subtype === 'AT_AddConstraint' && constraint?.contype === 'CONSTR_PRIMARY';
  };
  if (cmds.some(restores)) return true;
  if (!context.tx.inTransaction) return false;
  const later = context.statements.slice(context.index + 1, context.index + 1 + statementsLaterInTransaction(context));
  return later.some((statement) => alterCmds(statement, table).some(restores));
}

function alterCmds(statement: Statement, table: string): AlterTableCmd[] {
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  if (!alter || qualify(alter.relation) !== table) return [];
  return listOf(alter.cmds).flatMap((item) => unwrap<AlterTableCmd>(item, 'AlterTableCmd') ?? []);
}

function droppedKey(context: RuleContext, table: string, dropped: DroppedKey): RuleReport {
  const name = `\`${displayName(table)}\``;
  const constraint = dropped.name;
  const what = dropped.column ? `Dropping column \`${dropped.column}\` drops the primary key \`${constraint}\` with it and` : `Dropping \`${constraint}\``;
  const how = context.tx.inTransaction ? 'nothing later in this transaction adds a new one' : 'the migration runs without a transaction, so nothing replaces it atomically';
  return {
    message: `${what} leaves ${name} without a replica identity (its default is the primary key) and ${how}: if ${name} is in a publication that publishes updates or deletes, every UPDATE and DELETE on it fails with ${failure(table)}.`,
    detail: [
      'The error is raised on the primary, in the application\'s own writes, as soon as the drop commits. To replace a primary key safely:',
      '',
      '```sql',
      `CREATE UNIQUE INDEX CONCURRENTLY ${table.split('.').at(-1)}_new_pkey ON ${displayName(table)} (<new key columns>);  -- own migration, no transaction`,
      '-- then, in one transaction:',
      `ALTER TABLE ${displayName(table)} DROP CONSTRAINT ${constraint},`,
      `  ADD CONSTRAINT ${constraint} PRIMARY KEY USING INDEX ${table.split('.').at(-1)}_new_pkey;`,
      '```',
      '',
      'If the table must stay without a primary key, point the replica identity at a unique index on NOT NULL columns first (`REPLICA IDENTITY USING INDEX`).',
    ].join('\n'),
  };
}
