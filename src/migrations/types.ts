export type Framework =
  | 'prisma'
  | 'flyway'
  | 'golang-migrate'
  | 'goose'
  | 'dbmate'
  | 'supabase'
  | 'plain';

/**
 * How the runner sends a migration's statements to PostgreSQL:
 * - `per-file`: wrapped in BEGIN ... COMMIT by the runner (goose, dbmate, Flyway).
 * - `implicit`: the whole file is sent as one multi-statement query, which PostgreSQL runs as
 *   one implicit transaction; a file holding a single statement runs outside any transaction
 *   block (Prisma, golang-migrate, Supabase, psql -c, dbmate transaction:false: dbmate sends the
 *   block in one Exec).
 * - `per-statement`: each statement is sent alone and autocommits (psql -f, goose NO TRANSACTION,
 *   Flyway executeInTransaction=false, golang-migrate with x-multi-statement).
 */
export type TransactionMode = 'per-file' | 'implicit' | 'per-statement';

/** A piece of a file that the runner applies, with the line it starts at in that file. */
export interface MigrationSection {
  /** SQL text of the section, exactly as in the file (no trimming), so offsets stay true. */
  sql: string;
  /** 1-based line in the file where `sql` starts. */
  startLine: number;
  /** 1-based column in the file where `sql` starts. */
  startColumn: number;
}

export interface Migration {
  /** Stable id the runner uses: version or file name without extension. */
  id: string;
  framework: Framework;
  /** Path of the file, relative to the repository root, with forward slashes. */
  path: string;
  up: MigrationSection;
  down?: { path: string; section: MigrationSection };
  transaction: TransactionMode;
  /** Flyway repeatable migrations and the like: applied after versioned ones, re-applied on change. */
  repeatable?: boolean;
}
