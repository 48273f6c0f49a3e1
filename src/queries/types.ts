/** Where a query came from: a kind of query file, or the call or tag in application code that holds it. */
export type QueryOrigin =
  | 'sql-file'
  | 'sqlc'
  | 'pgtyped'
  | 'tagged-template'
  | 'client-query'
  | 'knex-raw'
  | 'sequelize-query'
  | 'db-execute'
  | 'prisma-raw';

/** A query found in a file, ready to plan: its parameters all written `$n`. */
export interface ExtractedQuery {
  path: string;
  /** 1-based position of the query's first character in the file. */
  line: number;
  column: number;
  endLine: number;
  origin: QueryOrigin;
  /** The query's name where the file gives one (sqlc, PgTyped). */
  name?: string;
  /** The SQL with every parameter as `$1`, `$2`, …: as PostgreSQL plans a prepared statement. */
  sql: string;
  /** What each `$n` stands for in the source (`id`, `${user.id}`, `?`), in order. */
  parameters: string[];
  /** The line of the loop the code runs the query in, once per iteration (a `for`, or a callback of `map`, `forEach`, …). */
  loopLine?: number;
}
