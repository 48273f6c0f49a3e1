import type { Node, TransactionStmt, VariableSetStmt } from '@pgsql/types';
import { nodeOf, visit } from '../sql/ast.ts';
import { strongest, type LockMode } from '../sql/lock-modes.ts';
import type { LockRequest } from '../sql/locks.ts';
import type { Statement } from '../sql/statement.ts';
import type { TransactionMode } from '../migrations/types.ts';

export interface HeldLock {
  table: string;
  mode: LockMode;
  /** Line of the statement that took it. */
  line: number;
}

export interface TransactionView {
  /** This statement runs inside a transaction block (the runner's, an implicit one, or BEGIN). */
  inTransaction: boolean;
  /** The block was opened by a BEGIN in the file rather than by the runner. */
  explicit: boolean;
  /** The runner's own BEGIN ... COMMIT around the file is still open (no COMMIT in the file ended it). */
  runnerManaged: boolean;
  /** Locks on existing tables taken by earlier statements of this transaction, still held. */
  held: HeldLock[];
  lockTimeout: boolean;
  statementTimeout: boolean;
  /** `table.constraint` of constraints added NOT VALID earlier in this transaction. */
  notValidConstraints: Set<string>;
  /** Enum labels added earlier in this transaction. */
  addedEnumValues: Set<string>;
  /** Statements left in the migration after this one. */
  remaining: number;
}

/** Follows a migration statement by statement: which transaction each runs in and what it holds. */
export class TransactionTracker {
  private inTransaction: boolean;
  private explicit = false;
  private held: HeldLock[] = [];
  private sessionLockTimeout = false;
  private localLockTimeout = false;
  private sessionStatementTimeout = false;
  private localStatementTimeout = false;
  private notValid = new Set<string>();
  private enumValues = new Set<string>();
  private runnerManaged: boolean;

  constructor(
    private readonly mode: TransactionMode,
    private readonly statementCount: number,
  ) {
    this.runnerManaged = mode === 'per-file';
    this.inTransaction = mode === 'per-file' || (mode === 'implicit' && statementCount > 1);
  }

  view(index: number): TransactionView {
    return {
      inTransaction: this.inTransaction,
      explicit: this.explicit,
      runnerManaged: this.runnerManaged,
      held: [...this.held],
      lockTimeout: this.sessionLockTimeout || this.localLockTimeout,
      statementTimeout: this.sessionStatementTimeout || this.localStatementTimeout,
      notValidConstraints: new Set(this.notValid),
      addedEnumValues: new Set(this.enumValues),
      remaining: this.statementCount - index - 1,
    };
  }

  /** Records what the statement changed: transaction boundaries, settings, locks it keeps. */
  after(statement: Statement, existingLocks: LockRequest[], extras: { notValid?: string[]; enumValues?: string[] }): void {
    const transaction = nodeOf<TransactionStmt>(statement, 'TransactionStmt');
    if (transaction) return this.transactionControl(transaction);
    this.settings(statement);
    if (!this.inTransaction) return;
    for (const lock of existingLocks) {
      const current = this.held.find((h) => h.table === lock.table);
      if (!current) this.held.push({ table: lock.table, mode: lock.mode, line: statement.range.startLine });
      else if (strongest([current.mode, lock.mode]) !== current.mode) {
        current.mode = lock.mode;
        current.line = statement.range.startLine;
      }
    }
    for (const name of extras.notValid ?? []) this.notValid.add(name);
    for (const value of extras.enumValues ?? []) this.enumValues.add(value);
  }

  private transactionControl(stmt: TransactionStmt): void {
    switch (stmt.kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        this.inTransaction = true;
        this.explicit = true;
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK':
      case 'TRANS_STMT_PREPARE':
        this.endTransaction();
        this.runnerManaged = false;
        // In one multi-statement query, what follows a COMMIT runs in a new implicit block.
        this.inTransaction = this.mode === 'implicit';
        break;
      default:
        break;
    }
  }

  private endTransaction(): void {
    this.explicit = false;
    this.held = [];
    this.localLockTimeout = false;
    this.localStatementTimeout = false;
    this.notValid.clear();
    this.enumValues.clear();
  }

  private settings(statement: Statement): void {
    const set = nodeOf<VariableSetStmt>(statement, 'VariableSetStmt');
    if (set) {
      const enabled = set.kind === 'VAR_SET_VALUE' && !isZero(set.args);
      this.setting(set.name, enabled, Boolean(set.is_local));
      return;
    }
    // set_config('lock_timeout', ...) is called from a SELECT; other statements cannot set it.
    if (statement.kind !== 'SelectStmt') return;
    visit(statement.ast, (kind, value) => {
      if (kind !== 'FuncCall') return;
      const name = ((value.funcname as Node[] | undefined) ?? []).map((n) => (n as { String?: { sval?: string } }).String?.sval).at(-1);
      if (name !== 'set_config') return;
      const args = (value.args as Node[] | undefined) ?? [];
      const setting = constString(args[0]);
      const local = (args[2] as { A_Const?: { boolval?: { boolval?: boolean } } } | undefined)?.A_Const?.boolval?.boolval;
      this.setting(setting, !isZero(args.slice(1, 2)), Boolean(local));
    });
  }

  private setting(name: string | undefined, enabled: boolean, local: boolean): void {
    // SET LOCAL outside a transaction block only warns, and changes nothing.
    if (local && !this.inTransaction) return;
    if (name === 'lock_timeout') {
      if (local) this.localLockTimeout = enabled;
      else this.sessionLockTimeout = enabled;
    } else if (name === 'statement_timeout') {
      if (local) this.localStatementTimeout = enabled;
      else this.sessionStatementTimeout = enabled;
    }
  }
}

function constString(node: Node | undefined): string | undefined {
  return (node as { A_Const?: { sval?: { sval?: string } } } | undefined)?.A_Const?.sval?.sval;
}

function isZero(args: Node[] | undefined): boolean {
  const value = (args?.[0] as { A_Const?: { ival?: { ival?: number }; sval?: { sval?: string } } } | undefined)?.A_Const;
  if (!value) return false;
  if (value.ival) return !value.ival.ival;
  if (value.sval) return /^\s*0+\s*(ms|s|min|h|d)?\s*$/.test(value.sval.sval ?? '');
  return true;
}
