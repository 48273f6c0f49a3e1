import type { TransactionStmt } from '@pgsql/types';
import type { RuleContext } from '../../src/lint/rule.ts';
import type { Framework, Migration } from '../../src/migrations/types.ts';
import { nodeOf } from '../../src/sql/ast.ts';
import { cannotRunInTransaction } from '../../src/sql/non-transactional.ts';
import type { Statement } from '../../src/sql/statement.ts';

/** Helpers shared by the transaction rules: which runner wraps what, and how to get out of it. */

export function transactionKind(statement: Statement | undefined): TransactionStmt['kind'] | undefined {
  return statement ? nodeOf<TransactionStmt>(statement, 'TransactionStmt')?.kind : undefined;
}

export function opensBlock(kind: string | undefined): boolean {
  return kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START';
}

export function endsBlock(kind: string | undefined): boolean {
  return kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE';
}

/** The statement that opened the explicit transaction block this statement runs in (BEGIN in the file). */
export function explicitBegin(context: RuleContext): Statement | undefined {
  if (!context.tx.explicit) return undefined;
  for (let i = context.index - 1; i >= 0; i--) {
    const statement = context.statements[i];
    const kind = transactionKind(statement);
    if (opensBlock(kind)) return statement;
    if (endsBlock(kind)) return undefined;
  }
  return undefined;
}

export function runnerName(framework: Framework): string {
  switch (framework) {
    case 'prisma': return 'Prisma';
    case 'golang-migrate': return 'golang-migrate';
    case 'supabase': return 'the Supabase CLI';
    case 'goose': return 'goose';
    case 'dbmate': return 'dbmate';
    case 'flyway': return 'Flyway';
    default: return 'the migration runner';
  }
}

/** Number of top-level statements in the migration (transaction control included). */
function statementCount(context: RuleContext): number {
  return context.statements.length;
}

/**
 * Why this statement runs inside a transaction block, naming the runner's behaviour:
 * "goose runs this file in a transaction (it is not marked `-- +goose NO TRANSACTION`)".
 */
export function transactionCause(context: RuleContext): string {
  const begin = explicitBegin(context);
  if (begin) {
    const word = transactionKind(begin) === 'TRANS_STMT_START' ? 'START TRANSACTION' : 'BEGIN';
    return `the \`${word}\` on line ${begin.range.startLine} opened a transaction block`;
  }
  const { migration } = context;
  const runner = runnerName(migration.framework);
  if (context.tx.runnerManaged) {
    switch (migration.framework) {
      case 'goose': return 'goose runs this file in a transaction (it is not marked `-- +goose NO TRANSACTION`)';
      case 'dbmate': return 'dbmate runs this migration in a transaction (its up block is not marked `-- migrate:up transaction:false`)';
      case 'flyway': return 'Flyway runs this script in a transaction';
      default: return `${runner} runs this file in a transaction`;
    }
  }
  const n = statementCount(context);
  const what = migration.framework === 'dbmate' ? 'the up block' : migration.framework === 'prisma' ? 'this migration.sql' : 'this file';
  const noTx = migration.framework === 'dbmate' ? ' (even with `transaction:false`)' : '';
  return `${runner} sends ${what} (${n} statements) as one multi-statement query${noTx}, which PostgreSQL runs as one implicit transaction`;
}

/** How to get a statement that refuses transaction blocks to run outside one, for this runner. */
export function outsideTransactionAdvice(migration: Migration): string {
  switch (migration.framework) {
    case 'goose':
      return 'move it to a migration file of its own marked `-- +goose NO TRANSACTION`';
    case 'dbmate':
      return 'move it to a migration of its own, alone in an up block marked `-- migrate:up transaction:false` (dbmate sends a block as one query, so statements sharing the block still share an implicit transaction)';
    case 'flyway':
      return 'move it to a script of its own: Flyway runs a script made only of such statements without a transaction';
    case 'prisma':
      return 'move it to a migration of its own whose migration.sql holds only this statement';
    case 'golang-migrate':
      return 'move it to a migration file of its own holding only this statement (or enable `x-multi-statement`, which sends the statements one by one)';
    case 'supabase':
      return 'move it to a migration file of its own holding only this statement';
    default:
      return migration.transaction === 'per-statement'
        ? 'move it outside the BEGIN ... COMMIT block'
        : 'move it to a migration of its own that your runner applies without a transaction';
  }
}

/**
 * Whether a statement that refuses transaction blocks would run fine in this statement's place:
 * the statement runs outside any block, or Flyway would run the whole script without one
 * because every other statement of it refuses transaction blocks too.
 */
export function canRunOutsideTransactionHere(statement: Statement, context: RuleContext): boolean {
  if (!context.tx.inTransaction) return true;
  const { migration } = context;
  if (migration.framework !== 'flyway' || migration.transaction !== 'per-file' || context.tx.explicit) return false;
  return context.statements.every((s) => s === statement || cannotRunInTransaction(s) !== undefined);
}
