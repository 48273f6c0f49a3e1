import type { ClusterStmt, ReindexStmt } from '@pgsql/types';
import { code } from '../src/lint/describe.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { cannotRunInTransaction } from '../src/sql/non-transactional.ts';
import type { Statement } from '../src/sql/statement.ts';
import { explicitBegin, outsideTransactionAdvice, transactionCause } from './support/runner-transactions.ts';

/** ALTER TYPE ... ADD VALUE could not run in a transaction block before PostgreSQL 12. */
const ENUM_ADD_VALUE_IN_TRANSACTION_SINCE = 12;

/**
 * The statement type PostgreSQL names in "… cannot run inside a transaction block"
 * (PreventInTransactionBlock), or undefined when the statement may run in one.
 */
function refusedStatement(statement: Statement, context: RuleContext): string | undefined {
  const reason = cannotRunInTransaction(statement);
  if (reason === 'DETACH PARTITION CONCURRENTLY') return 'ALTER TABLE ... DETACH CONCURRENTLY';
  if (reason) return reason;
  // Also refused, not (yet) known to cannotRunInTransaction:
  const reindex = nodeOf<ReindexStmt>(statement, 'ReindexStmt');
  if (reindex?.kind === 'REINDEX_OBJECT_SCHEMA') return 'REINDEX SCHEMA';
  if (reindex?.kind === 'REINDEX_OBJECT_DATABASE') return 'REINDEX DATABASE';
  if (reindex?.kind === 'REINDEX_OBJECT_SYSTEM') return 'REINDEX SYSTEM';
  const cluster = nodeOf<ClusterStmt>(statement, 'ClusterStmt');
  if (cluster && !cluster.relation) return 'CLUSTER';
  const alterEnum = nodeOf<{ newVal?: string; oldVal?: string }>(statement, 'AlterEnumStmt');
  if (alterEnum?.newVal && !alterEnum.oldVal && context.pgVersion < ENUM_ADD_VALUE_IN_TRANSACTION_SINCE) return 'ALTER TYPE ... ADD';
  return undefined;
}

export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  severity: 'error',
  summary: 'A statement that cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...) runs inside one, so the migration fails.',
  docs: {
    why: 'CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, VACUUM and a few others commit internally and refuse to run inside a transaction block: PostgreSQL raises `ERROR: ... cannot run inside a transaction block` (SQLSTATE 25001, active_sql_transaction; see CREATE INDEX: "a regular CREATE INDEX command can be performed within a transaction block, but CREATE INDEX CONCURRENTLY cannot"). A multi-statement query string runs as one implicit transaction block (Frontend/Backend Protocol, "Multiple Statements in a Simple Query"), so the statement also fails when the runner sends the file in one piece.',
    safe: 'Give the statement a migration of its own that the runner applies outside a transaction: goose `-- +goose NO TRANSACTION`, dbmate `-- migrate:up transaction:false` with the statement alone in the block, a Flyway script holding only such statements, and a file holding only that statement for Prisma, golang-migrate and Supabase.',
    bad: [
      'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);',
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;', transaction: 'implicit' },
      { sql: 'BEGIN;\nDROP INDEX CONCURRENTLY orders_user_id_idx;\nCOMMIT;', transaction: 'per-statement' },
    ],
    good: [
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', transaction: 'per-statement' },
      { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', transaction: 'implicit' },
      { sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN shipped_at timestamptz;\nCOMMIT;\nCREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at);', transaction: 'per-statement' },
      'CREATE INDEX orders_status_idx ON orders (status);',
    ],
  },
  check(statement, context) {
    const refused = refusedStatement(statement, context);
    if (!refused) return undefined;
    if (statement.embeddedIn?.kind === 'do') {
      const error = context.tx.inTransaction ? `${refused} cannot run inside a transaction block` : `${refused} cannot be executed from a function`;
      return {
        message: `\`${refused}\` cannot run inside a DO block or function: the migration fails with \`ERROR: ${error}\`. Run it as a top-level statement, outside any transaction block.`,
        detail: 'PL/pgSQL runs its statements inside the DO block\'s own transaction, so statements that must commit internally are refused there, even when the DO block itself is sent on its own. Write the statement at the top level of a migration that runs outside a transaction.',
      };
    }
    if (!context.tx.inTransaction) return undefined;
    const error = `\`ERROR: ${refused} cannot run inside a transaction block\` (SQLSTATE 25001)`;
    const { migration } = context;
    const begin = explicitBegin(context);

    if (!begin && context.tx.runnerManaged && migration.framework === 'flyway') {
      return {
        message: `Flyway refuses to run this script: it mixes \`${refused}\`, which cannot run inside a transaction block, with statements Flyway runs in a transaction (\`Detected both transactional and non-transactional statements within the same migration\`), so the migration fails before it starts. Move it to a script of its own.`,
        detail: [
          'Flyway runs a script without a transaction only when every statement in it refuses transaction blocks; a script that mixes both kinds fails unless `mixed=true` is set, and `mixed=true` runs the whole script without a transaction (each statement autocommits, so a failure halfway leaves the first half applied).',
          '',
          `Put \`${refused}\` in a versioned script of its own (one such statement per script is easiest to retry), and keep the other statements in a script that Flyway runs in a transaction.`,
        ].join('\n'),
      };
    }

    const cause = transactionCause(context);
    let remedy: string;
    if (begin && migration.transaction === 'per-statement') remedy = 'move it outside the BEGIN ... COMMIT block';
    else if (begin) remedy = `take it out of the BEGIN ... COMMIT block and ${outsideTransactionAdvice(migration)}`;
    else remedy = outsideTransactionAdvice(migration);
    return {
      message: `\`${refused}\` cannot run inside a transaction block, and ${cause}: the migration fails with ${error}. ${remedy.charAt(0).toUpperCase()}${remedy.slice(1)}.`,
      detail: [
        `${code(refused)} manages its own transactions (a concurrent build, for one, commits between its phases to wait for other transactions), which is impossible inside a transaction block, so PostgreSQL refuses it before doing anything.`,
        '',
        `To run it: ${remedy}. Keep it alone there: if it fails, nothing else has to be rolled back, and it can simply be retried${refused.includes('CONCURRENTLY') && refused.startsWith('CREATE') ? ' (after dropping the INVALID index a failed concurrent build leaves behind)' : ''}.`,
      ].join('\n'),
    };
  },
};
