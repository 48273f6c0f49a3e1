import type { Fix, Severity } from '../findings.ts';
import type { Migration } from '../migrations/types.ts';
import type { LockRequest } from '../sql/locks.ts';
import type { Statement } from '../sql/statement.ts';
import type { SchemaModel } from './schema.ts';
import type { TransactionView } from './transaction.ts';

/** What a rule reports about a statement; the engine adds the rule id, file and defaults. */
export interface RuleReport {
  message: string;
  detail?: string;
  fix?: Fix;
  /** Defaults to the statement's first line. */
  line?: number;
  endLine?: number;
  /** Overrides the rule's default severity for this report (e.g. a risk that depends on the version). */
  severity?: Severity;
}

export interface RuleContext {
  pgVersion: number;
  migration: Migration;
  /** Top-level statements of the migration, in order, and this statement's place among them. */
  statements: Statement[];
  index: number;
  /** The catalog as the statements before this one left it. */
  schema: SchemaModel;
  /** The catalog after every migration of the run (to see indexes added later, say). */
  finalSchema: SchemaModel;
  /** The transaction this statement runs in, as the statements before it left it. */
  tx: TransactionView;
  /** Table locks this statement takes. */
  locks: LockRequest[];
  /**
   * Whether a table existed before this migration (or before the change under review), so
   * that locking or rewriting it hurts. Tables the run never saw created count as existing.
   */
  isExisting(table: string): boolean;
  /** Row count from the config's size hints, when given. */
  tableRows(table: string): number | undefined;
  /** True the first time a rule asks for `key` in this migration: for findings reported once per migration. */
  once(key: string): boolean;
}

/** An example the shared rule test runs: a bad one must fire, a good one must not. */
export interface RuleExample {
  sql: string;
  /** Statements applied as an earlier migration, creating the "existing" objects. */
  base?: string;
  pgVersion?: number;
  transaction?: Migration['transaction'];
}

export interface Rule {
  id: string;
  severity: Severity;
  /** One line: what the rule catches. */
  summary: string;
  docs: {
    /** Why it hurts in production, with the PostgreSQL fact it rests on. */
    why: string;
    /** The safe way. */
    safe: string;
    bad: (string | RuleExample)[];
    good: (string | RuleExample)[];
  };
  /**
   * `definition` rules also look at statements inside function bodies (which run only when
   * the function is called, so lock and rewrite rules would be wrong there).
   */
  scope?: 'execution' | 'definition';
  check(statement: Statement, context: RuleContext): RuleReport | RuleReport[] | undefined;
}
