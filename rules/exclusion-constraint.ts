import type { AlterTableCmd, AlterTableStmt, Constraint } from '@pgsql/types';
import { heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import type { Rule } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import { pgConstraintName } from '../src/lint/constraint-names.ts';

export const exclusionConstraint: Rule = {
  id: 'exclusion-constraint',
  severity: 'error',
  summary: 'Adding an EXCLUDE constraint to an existing table builds its index under ACCESS EXCLUSIVE, and there is no NOT VALID or concurrent form.',
  docs: {
    why: 'ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE takes an ACCESS EXCLUSIVE lock (PostgreSQL docs, ALTER TABLE: "most forms of ADD table_constraint require an ACCESS EXCLUSIVE lock") and builds the constraint\'s index (GiST for ranges and geometry, btree by default) inside it, checking every pair of conflicting rows. NOT VALID is only allowed for foreign key, CHECK and not-null constraints, and ADD CONSTRAINT ... USING INDEX only for UNIQUE and PRIMARY KEY, so no form avoids the lock for the whole build.',
    safe: 'Add the constraint during a maintenance window with a lock_timeout, or when the table is created; for a large busy table, create a new table with the constraint, backfill it in batches (with a trigger for ongoing writes) and swap the names in one short transaction.',
    bad: [
      'ALTER TABLE orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (user_id WITH =, tstzrange(created_at, paid_at) WITH &&);',
      'ALTER TABLE users ADD EXCLUDE (email WITH =);',
    ],
    good: [
      'CREATE TABLE bookings (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));',
      'CREATE TABLE bookings (room int, during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
    ],
  },
  check(statement, context) {
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (!alter) return undefined;
    const table = qualify(alter.relation);
    if (!context.isExisting(table)) return undefined;
    const reports = [];
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      const c = unwrap<Constraint>(cmd?.def, 'Constraint');
      if (cmd?.subtype !== 'AT_AddConstraint' || c?.contype !== 'CONSTR_EXCLUSION') continue;
      const { name } = pgConstraintName(table, c, context.schema);
      const method = c.access_method ?? 'btree';
      const tbl = `\`${displayName(table)}\``;
      reports.push({
        message: `ADD CONSTRAINT \`${name}\` EXCLUDE builds a ${method} index and checks every row for conflicts under an ${lockPhrase('ACCESS EXCLUSIVE', table)} ${heldFor(context)}: every query on ${tbl} waits for the whole build${sizeHint(context, table)}. Exclusion constraints have no NOT VALID or concurrent form: add it in a maintenance window, or build a new table with it and swap.`,
        detail: [
          'No form of this statement avoids the lock for the whole build: NOT VALID is not accepted for EXCLUDE, ADD CONSTRAINT ... USING INDEX accepts only UNIQUE and PRIMARY KEY indexes, and CREATE INDEX CONCURRENTLY cannot create the constraint.',
          '',
          'Options, by table size:',
          '',
          `- Small or quiet table: run it in a maintenance window with \`SET lock_timeout = '5s';\` before it (so it gives up instead of queueing all traffic while it waits) and a \`statement_timeout\` sized to the build, measured on a production-size copy.`,
          `- Large busy table: create a new table with the constraint, copy the rows in batches while a trigger mirrors new writes, then swap the names (\`ALTER TABLE ... RENAME\`) in one short transaction.`,
          `- To test how long the build takes without the lock, time \`CREATE INDEX CONCURRENTLY ... USING ${method} (...)\` with the same columns on a copy.`,
        ].join('\n'),
      });
    }
    return reports.length > 0 ? reports : undefined;
  },
};
