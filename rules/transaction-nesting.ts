import type { TransactionStmt } from '@pgsql/types';
import type { Fix } from '../src/findings.ts';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import type { Statement } from '../src/sql/statement.ts';
import { endsBlock, explicitBegin, opensBlock, runnerName, transactionKind } from './support/runner-transactions.ts';

/** Removes the statement's lines when they hold nothing else (a trailing comment goes with them). */
function removal(statement: Statement): Fix | undefined {
  if (statement.linePrefix.trim() !== '' || !/^\s*;?\s*(--.*)?$/.test(statement.lineSuffix)) return undefined;
  return { startLine: statement.range.startLine, endLine: statement.range.endLine, replacement: '' };
}

function keyword(statement: Statement): string {
  const first = statement.tokens[0]?.text.toUpperCase() ?? 'COMMIT';
  return first === 'START' ? 'START TRANSACTION' : first;
}

/** The first statement after this one that ends a transaction block. */
function laterEnd(context: RuleContext): Statement | undefined {
  return context.statements.slice(context.index + 1).find((s) => endsBlock(transactionKind(s)));
}

function runnerTransaction(context: RuleContext): string {
  const runner = runnerName(context.migration.framework);
  return runner === 'the migration runner' ? 'the transaction the migration runner wraps this file in' : `the transaction ${runner} wraps this file in`;
}

export const transactionNesting: Rule = {
  id: 'transaction-nesting',
  severity: 'error',
  summary: 'BEGIN, COMMIT or ROLLBACK that fights the runner\'s transaction handling: nested BEGIN, COMMIT inside the runner\'s transaction, COMMIT with no transaction open.',
  docs: {
    why: 'PostgreSQL has no nested transactions: BEGIN inside a transaction block only raises a warning ("there is already a transaction in progress") and the next COMMIT ends the whole block; COMMIT or ROLLBACK with no block open warns "there is no transaction in progress" (PostgreSQL docs, BEGIN and COMMIT: "Issuing COMMIT when not inside a transaction does no harm, but it will provoke a warning message"). Inside a runner\'s transaction (goose, dbmate, Flyway) a COMMIT in the file therefore ends the runner\'s transaction early: what follows runs outside it, and a failure no longer rolls the migration back as a whole. SAVEPOINT outside a transaction block is an error.',
    safe: 'Leave transaction control to the runner: no BEGIN/COMMIT in files it wraps in a transaction. Use BEGIN ... COMMIT only where each statement would otherwise autocommit (psql -f, goose NO TRANSACTION), and always close the block.',
    bad: [
      'BEGIN;\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;',
      { sql: 'ALTER TABLE orders ADD COLUMN region text;\nCOMMIT;\nALTER TABLE users ADD COLUMN region text;', transaction: 'per-file' },
      { sql: 'BEGIN;\nBEGIN;\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;\nCOMMIT;', transaction: 'per-statement' },
      { sql: 'ALTER TABLE orders ADD COLUMN region text;\nCOMMIT;', transaction: 'per-statement' },
      { sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN region text;', transaction: 'per-statement' },
    ],
    good: [
      { sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;', transaction: 'per-statement' },
      { sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN region text;\nCOMMIT;', transaction: 'implicit' },
      { sql: 'ALTER TABLE orders ADD COLUMN region text;\nCOMMIT;', transaction: 'implicit' },
      'ALTER TABLE orders ADD COLUMN region text;\nSAVEPOINT before_users;\nALTER TABLE users ADD COLUMN region text;\nRELEASE SAVEPOINT before_users;',
    ],
  },
  check(statement, context) {
    const stmt = nodeOf<TransactionStmt>(statement, 'TransactionStmt');
    if (!stmt || statement.embeddedIn) return undefined;
    const { tx } = context;
    const runnerOpen = context.tx.runnerManaged;
    const word = keyword(statement);
    const begin = explicitBegin(context);
    const kind = stmt.kind;

    if (opensBlock(kind)) {
      if (tx.explicit && begin) {
        const end = laterEnd(context);
        return {
          message: `\`${word}\` inside the transaction block opened on line ${begin.range.startLine}: PostgreSQL has no nested transactions, it only warns "there is already a transaction in progress"${end ? `, and the \`COMMIT\` on line ${end.range.startLine} ends the outer block: the statements after it run outside any transaction` : ''}. Remove the inner \`${word}\` (use SAVEPOINT for a partial rollback).`,
          fix: removal(statement),
        };
      }
      if (runnerOpen) {
        const end = laterEnd(context);
        return {
          message: `\`${word}\` inside ${runnerTransaction(context)}: PostgreSQL only warns "there is already a transaction in progress"${end ? `, and the \`${keyword(end)}\` on line ${end.range.startLine} then ends the runner's transaction early: the statements after it and the runner's own bookkeeping run outside it, so a failure no longer rolls back the migration as a whole` : ''}. Remove \`${word}\` and the matching \`COMMIT\`: the runner already makes the file atomic.`,
          detail: `${runnerName(context.migration.framework)} opens a transaction before the first statement of this file and commits it after recording the migration. Transaction control in the file interferes with that; leave it out.`,
          fix: removal(statement),
        };
      }
      if (!laterEnd(context)) {
        return {
          message: `\`${word}\` opens a transaction block that nothing in the file closes: the changes after it are committed only if the runner happens to commit on the same session, and PostgreSQL rolls them back when the session ends. Add \`COMMIT;\` at the end.`,
        };
      }
      return undefined;
    }

    if (kind === 'TRANS_STMT_SAVEPOINT' || kind === 'TRANS_STMT_RELEASE' || kind === 'TRANS_STMT_ROLLBACK_TO') {
      if (tx.explicit || runnerOpen) return undefined;
      const what = kind === 'TRANS_STMT_SAVEPOINT' ? 'SAVEPOINT' : kind === 'TRANS_STMT_RELEASE' ? 'RELEASE SAVEPOINT' : 'ROLLBACK TO SAVEPOINT';
      return {
        message: `\`${what}\` outside a transaction block fails with \`ERROR: ${what} can only be used in transaction blocks\`${tx.inTransaction ? ' (implicit transaction blocks do not allow savepoints either)' : ''}, so the migration fails here. Remove it, or wrap the statements in BEGIN ... COMMIT.`,
      };
    }

    if (kind === 'TRANS_STMT_PREPARE') {
      if (!tx.inTransaction) return undefined;
      return {
        message: '`PREPARE TRANSACTION` detaches the migration\'s transaction from the session: none of its changes are visible, and all its locks stay held, until someone runs COMMIT PREPARED or ROLLBACK PREPARED. Use COMMIT.',
      };
    }

    if (!endsBlock(kind)) return undefined;
    const rollback = kind === 'TRANS_STMT_ROLLBACK';
    const chain = Boolean(stmt.chain);
    const remaining = context.statements.length - context.index - 1;

    if (runnerOpen) {
      const ends = begin ? ` (the \`${keyword(begin)}\` on line ${begin.range.startLine} did not open a transaction of its own)` : '';
      if (rollback) {
        return {
          message: `\`${word}\` inside ${runnerTransaction(context)}${ends} discards every statement before it, yet the runner goes on and may record the migration as applied. Remove it.`,
          fix: removal(statement),
        };
      }
      const after = remaining > 0
        ? `${remaining === 1 ? 'the statement after it runs' : `the ${remaining} statements after it run`} outside it${chain ? ' (in a new transaction, with AND CHAIN)' : ', each committing on its own'}, so a failure there leaves the migration half-applied`
        : 'the runner\'s own bookkeeping then runs outside the migration\'s transaction';
      return {
        message: `\`${word}\` inside ${runnerTransaction(context)}${ends} ends it early: ${after}, and the runner's own COMMIT warns "there is no transaction in progress". Remove \`${word}\`: the runner commits the file.`,
        severity: remaining > 0 ? 'error' : 'warning',
        fix: removal(statement),
      };
    }

    if (tx.explicit) {
      if (!rollback) return undefined;
      return {
        severity: 'warning',
        message: `\`${word}\` discards every change since the \`BEGIN\` on line ${begin?.range.startLine ?? '?'}: this part of the migration changes nothing. If that is a leftover from testing, use COMMIT.`,
      };
    }

    if (chain) {
      return {
        message: `\`${word} AND CHAIN\` with no transaction block open fails with \`ERROR: ${rollback ? 'ROLLBACK' : 'COMMIT'} AND CHAIN can only be used in transaction blocks\`, so the migration fails here. Use BEGIN ... COMMIT.`,
      };
    }

    if (tx.inTransaction) {
      // An implicit transaction block: the runner sent the file as one multi-statement query.
      const runner = runnerName(context.migration.framework);
      if (rollback) {
        return {
          message: `\`${word}\` without BEGIN: ${runner} sends this file as one multi-statement query, so PostgreSQL runs it as one implicit transaction, and \`${word}\` rolls back every statement before it (warning only "there is no transaction in progress"), yet the migration is reported as applied. Remove it.`,
        };
      }
      if (remaining === 0) return undefined;
      return {
        severity: 'warning',
        message: `\`${word}\` without BEGIN: ${runner} sends this file as one multi-statement query, which PostgreSQL runs as one implicit transaction; \`${word}\` commits the statements before it (warning "there is no transaction in progress") and the rest run in a new one, so the file is no longer atomic: if a later statement fails, the earlier part stays applied. Split the file into two migrations instead.`,
      };
    }

    return {
      severity: 'warning',
      message: `\`${word}\` with no transaction block open: PostgreSQL only warns "there is no transaction in progress"; ${rollback ? 'nothing is rolled back, ' : ''}every statement before it has already committed on its own, so they were never one transaction. Add BEGIN before them if they must be atomic, or remove \`${word}\`.`,
    };
  },
};
