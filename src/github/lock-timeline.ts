import { plural } from '../report/common.ts';
import { codeSpan, escapeTableCell } from '../report/markdown-syntax.ts';
import type { ReviewedMigration } from '../review-types.ts';
import type { ShadowTrace, StatementTrace } from '../shadow/trace-types.ts';
import { blocksTraffic, describeBlocked, strongest, type LockMode } from '../sql/lock-modes.ts';
import { displayName } from '../sql/names.ts';
import { migrationLabel } from './report-parts.ts';

/** Longer statements are cut: the row only has to say which statement it is. */
const STATEMENT_CHARS = 80;

/** A pre-existing table one statement locked, as the shadow database saw it. */
interface TableLock {
  statement: StatementTrace;
  table: string;
  mode: LockMode;
}

/**
 * The "Locks on existing tables" section: per reviewed migration, a row for each table a
 * statement locked (the strongest lock it took on the table or its indexes), what that lock
 * blocks, whether the statement rewrote the table, and until when the lock was held.
 */
export function lockTimeline(trace: ShadowTrace, migrations: readonly ReviewedMigration[]): string[] {
  const blocks = trace.migrations.flatMap((migration) => {
    const locks = migration.statements.flatMap(tableLocks);
    if (locks.length === 0) return [];
    const label = migrationLabel(migration.path, migrations);
    return [
      '',
      `**${codeSpan(label)}**`,
      '',
      '| migration | statement | lock (observed) | blocks | rewrite | held until |',
      '|---|---|---|---|---|---|',
      ...locks.map((lock) => row(label, lock)),
    ];
  });
  return ['### Locks on existing tables', '', leadSentence(trace), ...blocks];
}

function tableLocks(statement: StatementTrace): TableLock[] {
  const tables = [...new Set(statement.locks.map((lock) => lock.table))];
  return tables.map((table) => ({
    statement,
    table,
    mode: strongest(statement.locks.filter((lock) => lock.table === table).map((lock) => lock.mode))!,
  }));
}

function row(label: string, { statement, table, mode }: TableLock): string {
  const cells = [
    escapeTableCell(`${label}:${statement.statement.range.startLine}`),
    tableCode(shortened(statement.statement.sql)),
    escapeTableCell(`${mode} on ${table}`),
    describeBlocked(mode),
    rewriteText(statement, table),
    statement.heldWhile > 0 ? `end of transaction (${plural(statement.heldWhile, 'more statement')})` : 'end of statement',
  ];
  return `| ${cells.join(' | ')} |`;
}

/** "yes (table + 2 indexes)", "yes (1 index)", or "no". */
function rewriteText(statement: StatementTrace, table: string): string {
  const indexes = new Set(statement.locks.filter((lock) => lock.table === table && lock.relation).map((lock) => lock.relation));
  const rewrittenIndexes = statement.rewrites.filter((relation) => indexes.has(relation)).length;
  const parts = [
    ...(statement.rewrites.includes(table) ? ['table'] : []),
    ...(rewrittenIndexes > 0 ? [plural(rewrittenIndexes, 'index', 'indexes')] : []),
  ];
  return parts.length ? `yes (${parts.join(' + ')})` : 'no';
}

function leadSentence(trace: ShadowTrace): string {
  const statements = trace.migrations.flatMap((m) => m.statements);
  const blocking = statements.filter((s) => s.locks.some((lock) => blocksTraffic(lock.mode)));
  if (blocking.length === 0) {
    return statements.some((s) => s.locks.length > 0)
      ? 'No statement takes a lock that blocks reads or writes on an existing table.'
      : 'No statement locks an existing table.';
  }
  const rewritten = [...new Set(blocking.flatMap((s) => s.rewrites.filter((r) => s.locks.some((lock) => lock.table === r))))];
  const rewrites = rewritten.length ? `; rewritten: ${rewritten.map((t) => codeSpan(displayName(t))).join(', ')}` : '';
  const verb = blocking.length === 1 ? 'takes a lock that blocks' : 'take locks that block';
  return `**${plural(blocking.length, 'statement')} ${verb} traffic on existing tables**${rewrites}.`;
}

/** The statement on one line, cut to `STATEMENT_CHARS`. */
function shortened(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > STATEMENT_CHARS ? `${flat.slice(0, STATEMENT_CHARS - 1)}…` : flat;
}

/** A code span in a table cell: GFM reads `|` as a cell border even inside code, unless escaped. */
function tableCode(text: string): string {
  return codeSpan(text).replace(/\|/g, '\\|');
}
