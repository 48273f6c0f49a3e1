import { describeBlocked, type LockMode } from '../sql/lock-modes.ts';
import { displayName } from '../sql/names.ts';
import type { RuleContext } from './rule.ts';

/** "ACCESS EXCLUSIVE lock on `orders` (blocks reads and writes)". */
export function lockPhrase(mode: LockMode, table: string): string {
  return `${mode} lock on \`${displayName(table)}\` (blocks ${describeBlocked(mode)})`;
}

/** How long the lock is held: to the end of the statement, or to the end of the transaction. */
export function heldFor(context: RuleContext): string {
  const n = statementsLaterInTransaction(context);
  if (!context.tx.inTransaction || n === 0) return 'for the whole statement';
  return `until the transaction commits (${n} more statement${n === 1 ? '' : 's'})`;
}

/** How many statements run after this one before its transaction ends. */
export function statementsLaterInTransaction(context: RuleContext): number {
  if (!context.tx.inTransaction) return 0;
  let count = 0;
  for (const statement of context.statements.slice(context.index + 1)) {
    const kind = (statement.ast as unknown as { TransactionStmt?: { kind?: string } }).TransactionStmt?.kind;
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') break;
    count++;
  }
  return count;
}

/** " (≈ 12,000,000 rows by the size hints)" or "". */
export function sizeHint(context: RuleContext, table: string): string {
  const rows = context.tableRows(table);
  return rows === undefined ? '' : ` (≈ ${rows.toLocaleString('en-US')} rows by the size hints)`;
}

export function code(sql: string): string {
  const fence = '`'.repeat(Math.max(1, ...[...sql.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return fence.length > 1 ? `${fence} ${sql} ${fence}` : `\`${sql}\``;
}
