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
  {
    id: 'shadow-failed',
    severity: 'error',
    summary: 'PostgreSQL rejected the statement when the migration ran on the shadow database.',
    why: 'The shadow database runs the migration as its runner would, on the schema the earlier migrations built: a statement it rejects fails in production too, and the runner stops there.',
    safe: 'Fix the statement; the message, SQLSTATE and position are PostgreSQL\'s own.',
  },
  {
    id: 'shadow-refused',
    severity: 'error',
    summary: 'A statement was not run on the shadow database because it could reach outside it (files, programs, the network, roles).',
    why: 'Pull-request SQL is untrusted: statements such as COPY ... PROGRAM, server file functions, ALTER SYSTEM, foreign servers or untrusted languages are refused before anything runs.',
    safe: 'Keep such operations out of schema migrations; run them as an operator task if they are needed.',
  },
  {
    id: 'shadow-timeout',
    severity: 'error',
    summary: 'A statement ran past the time limit on the shadow database, where tables hold only a few rows.',
    why: 'If it cannot finish on a near-empty copy, it will run far longer on production data, holding its locks all the while.',
    safe: 'Look for an endless loop, a huge generate_series or a sleep; batch long work outside the migration.',
  },
  {
    id: 'shadow-rewrite',
    severity: 'error',
    summary: 'The shadow database saw the statement rewrite an existing table, and no rule had reported it.',
    why: 'A rewrite replaces the table\'s storage (its relfilenode changes) under an ACCESS EXCLUSIVE lock: every read and write waits for the whole copy.',
    safe: 'Find the form of the change that avoids the rewrite (see the rules for column types and defaults), or expand, backfill and contract.',
  },
  {
    id: 'shadow-scan',
    severity: 'warning',
    summary: 'The shadow database saw the statement read a whole existing table while holding a lock that blocks traffic, and no rule had reported it.',
    why: 'A full scan under a lock that blocks reads or writes lasts as long as the table is large.',
    safe: 'Use the NOT VALID / VALIDATE, CONCURRENTLY or CHECK-then-SET NOT NULL forms that scan without blocking.',
  },
  {
    id: 'invalid-index',
    severity: 'error',
    summary: 'An index the migration builds is INVALID afterwards.',
    why: 'An invalid index is kept up to date on every write but the planner never uses it; a failed CREATE INDEX CONCURRENTLY leaves one behind.',
    safe: 'DROP INDEX CONCURRENTLY the invalid index and build it again.',
  },
  {
    id: 'irreversible-down',
    severity: 'warning',
    summary: 'A down migration does not bring the schema back to where it was before its up, or fails on the shadow database.',
    why: 'After the reviewed ups, the shadow database runs their downs latest first, as `migrate down` would, and compares the catalog after each with the catalog before its up: tables, columns, constraints, indexes and enums. A down that leaves objects behind or drops ones it did not create leaves the schema other than the code expects, and one that fails (reported as an error) blocks the rollback; either way it shows when a rollback is needed most, during an incident.',
    safe: 'Make the down the exact inverse of the up; where that is impossible (an enum label cannot be dropped, dropped data does not come back), say so in the down and plan a forward fix instead.',
  },
  {
    id: 'query-in-loop',
    severity: 'warning',
    summary: 'Application code runs a query once per iteration of a loop (N+1).',
    why: "Read from the code's syntax tree: a query inside the body of a `for`, `for … of` or `while` loop, or in a callback of `map`, `forEach` and the like, with no other function in between. Each iteration is a round trip to the database (network latency, parsing, planning, a connection held), so the time grows with the number of items even when every query is fast; `Promise.all` over the items runs them at once but still sends one query each and can exhaust the connection pool.",
    safe: 'Fetch the rows for all items in one query (`WHERE id = ANY($1)` with an array of ids, or a join) and match them up in the code; for writes, one multi-row INSERT or UPDATE … FROM (VALUES …).',
  },
  {
    id: 'query-broken-by-migration',
    severity: 'error',
    summary: "A query in the files the change touches plans on the schema before the change's migrations and fails after them.",
    why: 'The shadow database plans every query of the changed files (EXPLAIN, never run) on the schema before the reviewed migrations and again after them. A query that stops planning, because a column or table it names was dropped or renamed, or a type changed, fails in production as soon as the migrations apply; the application version still serving during the deploy runs it too.',
    safe: 'Expand and contract: first deploy code that no longer uses the old column or table, then drop or rename it in a later change; or keep the old name alive (a view, a column kept in sync) until no running code uses it.',
  },
  {
    id: 'query-seq-scan',
    severity: 'warning',
    summary: 'A query the change writes reads a large table whole to keep a small part of it, at the size hints.',
    why: "The shadow database plans the query with each table at its size hint (`tables:` in the config): it is lent an empty heap of real pages and given the planner's row count, so the plan is the one production would get for that many rows (without production's statistics, column statistics stay unknown and PostgreSQL's default selectivities apply). A sequential scan that keeps under a tenth of a table of 100,000 rows or more reads every row on every call. The index the filter asks for (its equality columns, then one range column) is built on the shadow and the query planned again: the finding gives both estimated costs, and the statement only when the index at least halves the cost. A million rows or more makes it an error.",
    safe: 'Create the index the finding measured, with CREATE INDEX CONCURRENTLY in a migration of its own; or rewrite the filter so that an existing index serves it.',
  },
  {
    id: 'query-reads-whole-table',
    severity: 'warning',
    summary: 'A query the change writes reads a large table whole, with no filter: to return every row, or to count or sum them all.',
    why: 'Planned at the size hints as for `query-seq-scan`: a sequential scan of a table of 100,000 rows or more with no filter reads every row on every call, and the time grows with the table. A LIMIT right above the scan stops it early and is not reported; a LIMIT above a sort of the whole table is. A million rows or more makes it an error.',
    safe: 'Filter by an indexed column, or page with LIMIT and the last key seen; for counts and totals, keep the figure up to date as rows change (a counter table, a materialized view refreshed on a schedule) or read the estimate in `pg_class.reltuples`.',
  },
  {
    id: 'query-join-without-index',
    severity: 'warning',
    summary: 'A query the change writes joins a large table by reading it whole, where an index on the join key would look up only the matching rows.',
    why: "Planned at the size hints as for `query-seq-scan`. Without an index on the join key, PostgreSQL can only join a table by reading all of it: to hash it, to probe a hash of the other side with every row, or to sort it for a merge join. With the index, it looks up only the rows that match the other side (a nested loop). The index is built on the shadow and the query planned again; the finding is made only when it at least halves the cost, since reading the whole table is the right plan when most of its rows match. A million rows or more makes it an error.",
    safe: 'Create the index the finding measured on the join key, with CREATE INDEX CONCURRENTLY in a migration of its own. PostgreSQL does not index the referencing side of a foreign key by itself.',
  },
  {
    id: 'query-sort-spills',
    severity: 'warning',
    summary: 'A query the change writes sorts more rows of a large input than work_mem holds, so the sort goes to disk.',
    why: "Planned at the size hints as for `query-seq-scan`. The planner's own estimate of the sort's input (rows times their width plus a tuple header) is compared with the shadow's work_mem: past it, PostgreSQL sorts on disk in runs and merges them, on every call. A top-N sort under a LIMIT keeps only its N rows and is not reported. When the sorted rows come straight from one table, an index on the filter's equality columns and then the sort keys is built on the shadow and the query planned again: with it, PostgreSQL reads the rows already in order. Sorting a million rows or more makes it an error.",
    safe: 'Create the index the finding measured (CREATE INDEX CONCURRENTLY, in a migration of its own); or return fewer rows: page with LIMIT and the last key seen.',
  },
  {
    id: 'query-function-hides-index',
    severity: 'warning',
    summary: 'A query the change writes filters on a function or cast of a column (`lower(email) = $1`, `created_at::date = $1`), which the index on the column cannot serve.',
    why: "A B-tree index on a column holds the column's values: PostgreSQL can use it for a condition on the column, not on `lower(column)`, `column::date` or `date_trunc('day', column)`, which it would have to compute for every row. Read from the plan on the shadow database: a sequential scan filters on such an expression while the table has an index led by the bare column (and no index on an expression). At the size hints, the index on the expression is built on the shadow and the query planned again, and the finding gives both costs; PostgreSQL refuses to index a function that is not IMMUTABLE (`timestamptz::date` depends on the time zone).",
    safe: 'Compare the column itself: a range for a cast or a truncation (`created_at >= $1 AND created_at < $2`), the stored form for a case-insensitive match (store it lower-cased, or use citext). Or create the index on the expression that the finding measured, with CREATE INDEX CONCURRENTLY.',
  },
  {
    id: 'query-fails',
    severity: 'warning',
    summary: 'A query the change writes does not plan on the schema the migrations build.',
    why: "PostgreSQL's own error when planning the query (EXPLAIN, never run) on the shadow database after the migrations: a misspelt column, a missing table, a function with other argument types. It is a warning, not an error: objects made outside the migrations (by another service, an extension, an operator) are not on the shadow database.",
    safe: 'Fix the query, or add the migration that creates what it needs; if the object comes from outside the migrations, silence the rule for the repository in the config.',
  },
  {
    id: 'base-schema',
    severity: 'notice',
    summary: 'A migration of the base (not under review) did not apply on the shadow database.',
    why: 'The review builds the schema from the earlier migrations; one that fails leaves objects missing, which the review replaces with stand-ins.',
    safe: 'Nothing to change in the pull request; check the base migration if it keeps failing.',
  },
];
