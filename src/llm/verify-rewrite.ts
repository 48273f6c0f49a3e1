import type { Finding, Fix } from '../findings.ts';
import type { ParsedMigration } from '../lint/engine.ts';
import { blockedBy, type LockMode } from '../sql/lock-modes.ts';
import { locksTaken } from '../sql/locks.ts';
import { parseSection } from '../sql/parse.ts';
import type { Statement } from '../sql/statement.ts';
import type { CatalogChange } from '../shadow/catalog-diff.ts';
import type { MigrationTrace, ShadowTrace, StatementTrace } from '../shadow/trace-types.ts';

/** What a rewrite is checked against: the migrations as reviewed, what the shadow saw of them, and a way to trace others from the same base. */
export interface RewriteCheck {
  migrations: readonly ParsedMigration[];
  trace: ShadowTrace;
  postgresVersion: number;
  /** Which tables count as new (empty, unused): those the whole change creates, or only the finding's migration. */
  newObjects: 'change' | 'migration';
  /** Traces migrations on a fresh shadow database built from the same base. */
  traceOnFreshShadow(migrations: ParsedMigration[]): Promise<ShadowTrace>;
  /** Why a statement must not run on the shadow (hostile), or undefined. */
  refuse(statement: Statement): string | undefined;
}

export type RewriteVerdict = { verified: true; fix: Fix } | { verified: false; reason: string };

/**
 * Puts `sql` in place of the finding's statement lines, and replays the migration on a fresh
 * shadow database from the same base. The rewrite is verified when it parses, every statement
 * applies, it still changes every table and type the original statement changed, and on no
 * table that existed before the change does it take a lock that blocks more traffic, hold a
 * traffic-blocking lock across more statements, rewrite it or read it in full under such a lock
 * where the original did not.
 */
export async function verifyRewrite(finding: Finding, sql: string, check: RewriteCheck): Promise<RewriteVerdict> {
  const reviewed = check.migrations.find((m) => m.reviewed && m.migration.path === finding.path);
  const statement = reviewed?.statements.find((s) => !s.embeddedIn && s.range.startLine === finding.line);
  if (!reviewed || !statement) return { verified: false, reason: 'the finding is not on a statement of a migration under review' };
  if (!/^\s*$/.test(statement.linePrefix) || !/^\s*;?\s*(--.*)?$/.test(statement.lineSuffix)) {
    return { verified: false, reason: 'the statement shares its lines with another' };
  }
  const fix: Fix = { startLine: statement.range.startLine, endLine: statement.range.endLine, replacement: `${statement.linePrefix}${sql.trim()}` };
  const rewritten = withLinesReplaced(reviewed, fix);
  if (rewritten.problems.length) return { verified: false, reason: `it does not parse: ${rewritten.problems[0]!.message}` };
  const refused = rewritten.statements.map((s) => check.refuse(s)).find((reason) => reason !== undefined);
  if (refused) return { verified: false, reason: `the shadow database refuses it: ${refused}` };

  const upTo = check.migrations.slice(0, check.migrations.indexOf(reviewed));
  const trace = await check.traceOnFreshShadow([...upTo, rewritten]);
  const after = trace.migrations.find((m) => m.path === finding.path);
  const before = check.trace.migrations.find((m) => m.path === finding.path);
  if (!after || !before) return { verified: false, reason: 'the shadow database did not replay it' };
  const failure = replayFailure(after);
  if (failure) return { verified: false, reason: failure };
  const lost = lostWork(before.statements.filter((s) => s.statement.range.startLine === finding.line), statementsIn(after, fix));
  if (lost) return { verified: false, reason: lost };
  const created = createdTables(check.newObjects === 'change' ? [...check.trace.migrations, ...trace.migrations] : [before, after]);
  const worse = worseThan(impactOn(before, created, check.postgresVersion), impactOn(after, created, check.postgresVersion));
  return worse ? { verified: false, reason: worse } : { verified: true, fix };
}

function withLinesReplaced(parsed: ParsedMigration, fix: Fix): ParsedMigration {
  const { up } = parsed.migration;
  const lines = up.sql.split('\n');
  const first = fix.startLine - up.startLine;
  const last = fix.endLine - up.startLine;
  const sql = [...lines.slice(0, first), fix.replacement, ...lines.slice(last + 1)].join('\n');
  const migration = { ...parsed.migration, up: { ...up, sql } };
  return { migration, reviewed: true, ...parseSection(migration.up, migration.path) };
}

function replayFailure(trace: MigrationTrace): string | undefined {
  const skipped = trace.statements.find((s) => s.skipped && s.skipped.reason !== 'after-failure');
  if (skipped?.skipped) return `line ${skipped.statement.range.startLine} could not be replayed (${skipped.skipped.detail})`;
  const failed = trace.statements.find((s) => s.error);
  if (failed?.error) return `line ${failed.error.line} fails on the shadow database: ${failed.error.message}`;
  return undefined;
}

/** The rewrite's statements as replayed: those starting within the lines it took. */
function statementsIn(trace: MigrationTrace, fix: Fix): StatementTrace[] {
  const lastLine = fix.startLine + fix.replacement.split('\n').length - 1;
  return trace.statements.filter((s) => s.statement.range.startLine >= fix.startLine && s.statement.range.startLine <= lastLine);
}

/**
 * Why the rewrite no longer does the original statement's work, or undefined. Locks alone would
 * let an empty rewrite, or a `SELECT 1`, pass as safer; as a one-click suggestion it would delete
 * the change. So a rewrite must still change each table and type the original changed (a new
 * column for a changed one, a constraint added NOT VALID for one added at once: the catalog
 * shows a change on the same table either way).
 */
function lostWork(original: readonly StatementTrace[], rewrite: readonly StatementTrace[]): string | undefined {
  if (rewrite.length === 0) return 'it has no statement: as a suggestion it would delete the original';
  const changedByRewrite = new Set(rewrite.flatMap((s) => s.catalog.map(changedObject)));
  const unchanged = original.flatMap((s) => s.catalog.map(changedObject)).find((object) => !changedByRewrite.has(object));
  return unchanged ? `it leaves ${unchanged} unchanged, which the original changes` : undefined;
}

/** What a catalog change changes: its table, or its enum type. */
function changedObject(change: CatalogChange): string {
  switch (change.kind) {
    case 'constraint-added':
    case 'constraint-dropped':
    case 'constraint-validated':
      return `\`${change.constraint.table}\``;
    case 'index-created':
    case 'index-dropped':
      return `\`${change.index.table}\``;
    case 'enum-created':
    case 'enum-dropped':
    case 'enum-changed':
      return `type \`${change.name}\``;
    default:
      return `\`${change.table}\``;
  }
}

function createdTables(migrations: readonly MigrationTrace[]): Set<string> {
  return new Set(migrations.flatMap((m) => m.catalog.flatMap((change) => (change.kind === 'table-created' ? [change.table] : []))));
}

/** How a migration treats one pre-existing table. */
interface TableImpact {
  /** 3: blocks reads and writes; 2: writes; 1: schema changes and VACUUM; 0: nothing. */
  blocks: number;
  /** Most statements run while a traffic-blocking lock on it was held. */
  heldWhile: number;
  rewritten: boolean;
  /** Read in full while a traffic-blocking lock on it was held. */
  scannedWhileBlocking: boolean;
}

const BLOCKS_WRITES = 2;

function impactOn(migration: MigrationTrace, created: ReadonlySet<string>, pgVersion: number): Map<string, TableImpact> {
  const impacts = new Map<string, TableImpact>();
  const impactFor = (table: string): TableImpact => {
    let impact = impacts.get(table);
    if (!impact) impacts.set(table, (impact = { blocks: 0, heldWhile: 0, rewritten: false, scannedWhileBlocking: false }));
    return impact;
  };
  for (const statement of migration.statements) {
    const blocking = new Set<string>();
    for (const { table, mode } of locksOf(statement, pgVersion)) {
      if (created.has(table)) continue;
      const impact = impactFor(table);
      const blocks = blockRank(mode);
      impact.blocks = Math.max(impact.blocks, blocks);
      if (blocks >= BLOCKS_WRITES) {
        impact.heldWhile = Math.max(impact.heldWhile, statement.heldWhile);
        blocking.add(table);
      }
    }
    for (const table of statement.rewrites) if (!created.has(table)) impactFor(table).rewritten = true;
    for (const table of statement.scans) if (blocking.has(table)) impactFor(table).scannedWhileBlocking = true;
  }
  return impacts;
}

/** The locks the shadow saw; for a statement it could not watch (outside a transaction), the documented ones. */
function locksOf(statement: StatementTrace, pgVersion: number): { table: string; mode: LockMode }[] {
  if (statement.locksObserved) return statement.locks.filter((lock) => lock.relation === undefined);
  return locksTaken(statement.statement, () => undefined, pgVersion);
}

function blockRank(mode: LockMode): number {
  const blocked = blockedBy(mode);
  return blocked.reads ? 3 : blocked.writes ? 2 : blocked.ddl ? 1 : 0;
}

const BLOCK_WORDS = ['nothing', 'schema changes and VACUUM', 'writes', 'reads and writes'];

/** Why the rewrite treats a pre-existing table worse than the original, or undefined. */
function worseThan(before: Map<string, TableImpact>, after: Map<string, TableImpact>): string | undefined {
  const none: TableImpact = { blocks: 0, heldWhile: 0, rewritten: false, scannedWhileBlocking: false };
  for (const [table, now] of after) {
    const was = before.get(table) ?? none;
    if (now.blocks > was.blocks) return `it takes a lock that blocks ${BLOCK_WORDS[now.blocks]} on \`${table}\`, where the original blocked ${BLOCK_WORDS[was.blocks]}`;
    if (now.blocks >= BLOCKS_WRITES && now.blocks === was.blocks && now.heldWhile > was.heldWhile) {
      return `it holds the lock that blocks ${BLOCK_WORDS[now.blocks]} on \`${table}\` while ${now.heldWhile} more statements run, the original while ${was.heldWhile}`;
    }
    if (now.rewritten && !was.rewritten) return `it rewrites \`${table}\`, which the original did not`;
    if (now.scannedWhileBlocking && !was.scannedWhileBlocking) return `it reads all of \`${table}\` while blocking its traffic, which the original did not`;
  }
  return undefined;
}
