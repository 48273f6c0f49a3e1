import type { Finding, Severity } from './findings.ts';
import type { Framework } from './migrations/types.ts';
import type { SchemaChanges } from './shadow/schema-changes.ts';

export type Conclusion = 'failure' | 'success' | 'neutral';

export interface ReviewedMigration {
  id: string;
  path: string;
  framework: Framework;
  statements: number;
}

/** A query the change writes, as the shadow database planned it. */
export interface ReviewedQuery {
  path: string;
  line: number;
  endLine: number;
  /**
   * The plan after the migrations (at the size hints): its shape (`Seq Scan on orders`,
   * `Hash Join: Seq Scan on a, Index Scan using b_pkey on b`) and estimated cost and rows;
   * absent when the query did not plan or the review ran without a shadow database.
   */
  plan?: { shape: string; cost: number; rows: number };
}

/** A table the queries were planned at: its production size, and where that comes from. */
export interface AssumedTableSize {
  table: string;
  rows: number;
  source: 'size hint' | 'production statistics';
  /** Columns whose production statistics (NULL fraction, distinct count, width) the planner had. */
  columns: number;
}

/** How the shadow database run went, for the review's footer. */
export interface ShadowSummary {
  provider: 'embedded' | 'server';
  /** server_version_num of the shadow. */
  serverVersion: number;
  baseMigrations: number;
  baseCached: boolean;
  /** Tables created as stand-ins because the reviewed SQL needed them and no migration made them. */
  standIns: string[];
  elapsedMs: number;
}

export interface Review {
  /** Sorted by path, then line. */
  findings: Finding[];
  conclusion: Conclusion;
  failOn: Severity | 'never';
  counts: Record<Severity, number>;
  /** Migrations whose statements were reviewed (changed ones when reviewing a diff). */
  migrations: ReviewedMigration[];
  /** Queries the change writes in application code and query files. */
  queries: ReviewedQuery[];
  /** The sizes the queries were planned at; absent when none was assumed. */
  assumedSizes?: AssumedTableSize[];
  /** PostgreSQL major version the rules assumed. */
  postgresVersion: number;
  /** Absent when the review ran without a shadow database. */
  shadow?: ShadowSummary;
  /** The net effect of the reviewed migrations on the schema, as the shadow database saw it; absent without one. */
  schemaChanges?: SchemaChanges;
  /** Claude's part of the review; absent when it was not asked for (no API key, `llm.mode`). */
  advice?: ReviewAdvice;
}

/** What Claude added to a review, as advice: the verdict never depends on it. */
export interface ReviewAdvice {
  model: string;
  /** Why Claude's part is missing from this review, in one line; absent when it is there. */
  missing?: string;
  /** The review of the data model change; empty when Claude had nothing to say. */
  dataModel: string;
  /** Findings Claude explained. */
  explained: number;
  /** Rewrites the shadow database verified (shown as suggestions), and those it did not (dropped). */
  rewrites: { verified: number; dropped: number };
  /** Tokens the call used; `cached` when an earlier identical request answered it for nothing. */
  tokens: { input: number; output: number; cached: boolean };
}
