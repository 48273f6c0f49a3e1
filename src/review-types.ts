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
  /** PostgreSQL major version the rules assumed. */
  postgresVersion: number;
  /** Absent when the review ran without a shadow database. */
  shadow?: ShadowSummary;
  /** The net effect of the reviewed migrations on the schema, as the shadow database saw it; absent without one. */
  schemaChanges?: SchemaChanges;
}
