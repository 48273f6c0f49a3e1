import type { Node } from '@pgsql/types';
import type { Rule } from '../lint/rule.ts';

/** What a query rule says of one query: where (a byte offset into its SQL, else its first line) and what. */
export interface QueryRuleReport {
  message: string;
  /** Byte offset into the query's SQL of what the report is about. */
  location?: number;
}

/** A check of one query on its own, from its parse tree: no schema, no plan. */
export interface QueryRule extends Pick<Rule, 'id' | 'severity' | 'summary'> {
  /** Its examples are queries; the test suite runs them. */
  docs: Pick<Rule['docs'], 'why' | 'safe'> & { bad: string[]; good: string[] };
  /** `statement` is the query's one statement, as `{ SelectStmt: … }`. */
  check(statement: Node): QueryRuleReport[];
}
