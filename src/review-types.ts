import type { Finding, Severity } from './findings.ts';
import type { Framework } from './migrations/types.ts';

export type Conclusion = 'failure' | 'success' | 'neutral';

export interface ReviewedMigration {
  id: string;
  path: string;
  framework: Framework;
  statements: number;
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
}
