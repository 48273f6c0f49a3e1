import type { Migration, TransactionMode } from '../migrations/types.ts';
import type { Statement } from '../sql/statement.ts';
import { cannotRunInTransaction } from '../sql/non-transactional.ts';

/**
 * The mode a migration really runs in. Flyway runs a script whose statements all refuse a
 * transaction block (CREATE INDEX CONCURRENTLY, say) without one; mixed scripts fail.
 */
export function effectiveTransactionMode(migration: Migration, statements: Statement[]): TransactionMode {
  if (migration.framework === 'flyway' && statements.length > 0 && statements.every((s) => cannotRunInTransaction(s))) {
    return 'per-statement';
  }
  return migration.transaction;
}
