import type { Severity } from '../findings.ts';

/** Findings db-review makes itself rather than through a rule; documented and configurable like rules. */
export interface EngineFinding {
  id: string;
  severity: Severity;
  summary: string;
  why: string;
  safe: string;
}

export const ENGINE_FINDINGS: EngineFinding[] = [
  {
    id: 'parse-error',
    severity: 'error',
    summary: 'A statement PostgreSQL cannot parse: the migration fails at that line.',
    why: 'db-review parses with PostgreSQL\'s own parser (libpg-query), so what it rejects, the server rejects too. The statements around it are still reviewed.',
    safe: 'Fix the syntax at the line and column given; the message is PostgreSQL\'s own.',
  },
  {
    id: 'unknown-suppression',
    severity: 'warning',
    summary: 'A `db-review:ignore` comment names a rule that does not exist, so it silences nothing.',
    why: 'A misspelt rule id in a suppression looks like a reviewed exception but suppresses nothing, and hides the intent.',
    safe: 'Use a rule id from the table in the README.',
  },
  {
    id: 'modified-applied-migration',
    severity: 'warning',
    summary: 'A migration that already exists on the base branch is edited.',
    why: 'Environments that applied the migration never run the edit: golang-migrate, goose and dbmate skip it silently, while Prisma and Flyway refuse to go on because the checksum changed. The database and the files drift apart.',
    safe: 'Leave applied migrations as they are and put the change in a new migration.',
  },
  {
    id: 'file-not-analysed',
    severity: 'warning',
    summary: 'A migration file could not be analysed (binary content, or not text).',
    why: 'A file db-review cannot read is never silently passed: its statements were not reviewed.',
    safe: 'Make sure the migration is a UTF-8 text file of SQL statements.',
  },
];
