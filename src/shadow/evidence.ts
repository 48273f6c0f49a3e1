import type { Evidence, Finding } from '../findings.ts';
import { blocksTraffic, describeBlocked } from '../sql/lock-modes.ts';
import { displayName } from '../sql/names.ts';
import { foreignKeyWithoutIndex } from '../../rules/foreign-key-without-index.ts';
import { downFindings } from './downs.ts';
import { isIndexed, type ForeignKeyShape, type TableChanges, type TableShape } from './schema-changes.ts';
import type { MigrationTrace, ShadowTrace, StatementTrace } from './trace-types.ts';

/** Rules whose finding is a claim that the statement rewrites the table: the shadow can refute it. */
const REWRITE_CLAIMS = new Set(['column-type-rewrite', 'add-column-rewrite']);
/** Rules whose finding is a claim that the statement scans the whole table. */
const SCAN_CLAIMS = new Set(['set-not-null', 'constraint-missing-not-valid']);
/** Findings whose cost is the time spent rewriting or reading a table: it grows with the table. */
const SIZE_DEPENDENT = new Set([
  ...REWRITE_CLAIMS, ...SCAN_CLAIMS, 'require-concurrent-index', 'require-concurrent-reindex', 'add-unique-without-index',
  'vacuum-full-or-cluster', 'attach-partition-without-check', 'refresh-materialized-view-concurrently', 'shadow-rewrite', 'shadow-scan',
]);
/** At most this many rows by the size hints, a rewrite or scan is over before anyone waits. */
const SMALL_TABLE_ROWS = 10_000;
/** At least this many, a warning about it is an outage (for a query's full read too). */
export const LARGE_TABLE_ROWS = 1_000_000;

/**
 * Merges what the shadow database observed into the rules' findings: each finding at a traced
 * statement shows the evidence, a rewrite or scan claim the shadow refutes is dropped (observation
 * wins), and what the trace saw that no rule reported becomes a finding of its own.
 */
export interface EvidenceOptions {
  /** The PostgreSQL major version production runs. */
  targetVersion: number;
  /** False for findings about how something is defined (types, names), where locks are beside the point. */
  aboutExecution: (rule: string) => boolean;
  /** Rows of a table by the config's size hints. */
  tableRows: (table: string) => number | undefined;
}

export function applyEvidence(findings: Finding[], trace: ShadowTrace, options: EvidenceOptions): Finding[] {
  const { targetVersion, aboutExecution } = options;
  const traced = new Map<string, StatementTrace>();
  for (const migration of trace.migrations) {
    for (const statement of migration.statements) traced.set(key(migration.path, statement.statement.range.startLine), statement);
  }
  const standIns = new Set(trace.standIns);
  const comparable = behavesAlike(targetVersion, Math.floor(trace.serverVersion / 10000));
  const merged = findings.flatMap((finding) => {
    const statement = traced.get(key(finding.path, finding.line)) ?? tracedCovering(trace, finding);
    if (!statement || statement.skipped || statement.error || statement.timedOut || !aboutExecution(finding.rule)) return [finding];
    // A stand-in's column types are guesses: what it did proves nothing against a rule.
    const refutable = comparable && !statement.locks.some((l) => standIns.has(l.table));
    return withEvidence(finding, statement, refutable);
  });
  const reportedAt = new Set(merged.map((f) => key(f.path, f.line)));
  const all = [...merged, ...trace.migrations.flatMap((migration) => traceFindings(migration, reportedAt)), ...baseFindings(trace), ...downFindings(trace)];
  return [...all, ...unindexedForeignKeys(trace, merged, options.tableRows)].map((finding) => sizedByHints(finding, options.tableRows));
}

/**
 * A rewrite or scan costs what the table weighs: with size hints for every table the shadow saw
 * it rewrite or read, a small one makes the finding a notice and a large one makes a warning an error.
 */
function sizedByHints(finding: Finding, tableRows: (table: string) => number | undefined): Finding {
  if (!SIZE_DEPENDENT.has(finding.rule) || !finding.evidence) return finding;
  const worked = [...new Set([...(finding.evidence.rewriteTables ?? []), ...(finding.evidence.scans ?? [])])];
  const rows = worked.map((table) => tableRows(table));
  if (worked.length === 0 || rows.some((n) => n === undefined)) return finding;
  const largest = Math.max(...(rows as number[]));
  const weight = worked.map((table, i) => `\`${displayName(table)}\` ≈ ${rows[i]!.toLocaleString('en-US')} rows`).join(', ');
  if (largest <= SMALL_TABLE_ROWS && finding.severity !== 'notice') {
    return { ...finding, severity: 'notice', message: `${finding.message} By the size hints the table is small (${weight}), so it is over quickly.` };
  }
  if (largest >= LARGE_TABLE_ROWS && finding.severity === 'warning') {
    return { ...finding, severity: 'error', message: `${finding.message} By the size hints this is a large table (${weight}).` };
  }
  return finding;
}

/**
 * Whether the shadow's major version rewrites and scans as the target's does, so that what it
 * did not do refutes a rule. Stored defaults arrived in 11 and CHECK-proven SET NOT NULL in 12;
 * from 12 on the rewrite and scan behaviour the rules rely on is the same.
 */
function behavesAlike(target: number, shadow: number): boolean {
  return target === shadow || (target >= 12 && shadow >= 12);
}

function key(path: string, line: number): string {
  return `${path}\0${line}`;
}

function tracedCovering(trace: ShadowTrace, finding: Finding): StatementTrace | undefined {
  const migration = trace.migrations.find((m) => m.path === finding.path);
  return migration?.statements.find((s) => s.statement.range.startLine <= finding.line && s.statement.range.endLine >= finding.line);
}

function withEvidence(finding: Finding, statement: StatementTrace, refutable: boolean): Finding[] {
  if (refutable && REWRITE_CLAIMS.has(finding.rule) && statement.rewrites.length === 0) return [];
  if (refutable && SCAN_CLAIMS.has(finding.rule) && statement.scans.length === 0 && statement.rewrites.length === 0) return [];
  const observed = describe(statement);
  if (!observed) return [finding];
  const upgraded = REWRITE_CLAIMS.has(finding.rule) && statement.rewrites.length > 0 ? 'error' : finding.severity;
  return [{
    ...finding,
    severity: upgraded,
    message: `${finding.message} Observed on the shadow database: ${observed}.`,
    detail: [finding.detail, evidenceDetail(statement)].filter(Boolean).join('\n\n'),
    evidence: evidenceOf(statement),
  }];
}

function evidenceOf(statement: StatementTrace): Evidence {
  const tables = new Set(statement.locks.filter((l) => !l.relation).map((l) => l.table));
  return {
    locks: statement.locks,
    rewrite: statement.rewrites.length > 0,
    rewriteTables: statement.rewrites.filter((r) => tables.has(r)),
    scans: statement.scans,
  };
}

/** "ACCESS EXCLUSIVE on orders (and 2 of its indexes), held while 3 more statements ran; orders rewritten". */
export function describe(statement: StatementTrace): string {
  const parts: string[] = [];
  const byTable = new Map<string, StatementTrace['locks']>();
  for (const lock of statement.locks) byTable.set(lock.table, [...(byTable.get(lock.table) ?? []), lock]);
  const lockTexts = [...byTable].map(([table, locks]) => {
    const own = locks.find((l) => !l.relation) ?? locks[0]!;
    const indexes = locks.filter((l) => l.relation).length;
    return `${own.mode} on \`${displayName(table)}\`${indexes ? ` (and ${indexes} of its indexes)` : ''}`;
  });
  if (lockTexts.length) {
    const held = statement.heldWhile ? `, held while ${statement.heldWhile} more statement${statement.heldWhile === 1 ? '' : 's'} ran` : '';
    parts.push(`${lockTexts.join(', ')}${held}`);
  }
  if (statement.rewrites.length) parts.push(`rewritten: ${statement.rewrites.map((r) => `\`${displayName(r)}\``).join(', ')}`);
  if (statement.scans.length) parts.push(`full scan of ${statement.scans.map((r) => `\`${displayName(r)}\``).join(', ')}`);
  return parts.join('; ');
}

function evidenceDetail(statement: StatementTrace): string {
  const rows = statement.locks.map((l) => `| \`${displayName(l.relation ?? l.table)}\` | ${l.mode} | ${describeBlocked(l.mode)} |`);
  return [
    '**Observed on the shadow database**',
    '',
    ...(rows.length ? ['| relation | lock | blocks |', '|---|---|---|', ...rows, ''] : []),
    `- storage replaced (rewrite): ${statement.rewrites.length ? statement.rewrites.map((r) => `\`${displayName(r)}\``).join(', ') : 'none'}`,
    `- full table scans: ${statement.scans.length ? statement.scans.map((r) => `\`${displayName(r)}\``).join(', ') : 'none'}`,
    `- held while ${statement.heldWhile} later statement${statement.heldWhile === 1 ? '' : 's'} of the same transaction ran`,
  ].join('\n');
}

function traceFindings(migration: MigrationTrace, reportedAt: Set<string>): Finding[] {
  const findings: Finding[] = [];
  for (const statement of migration.statements) {
    const { startLine, endLine } = statement.statement.range;
    const base = { path: migration.path, line: startLine, endLine, source: 'shadow' as const };
    if (statement.skipped?.reason === 'refused') {
      findings.push({ ...base, rule: 'shadow-refused', severity: 'error', message: `Not run on the shadow database: ${statement.skipped.detail}` });
    } else if (statement.timedOut) {
      findings.push({
        ...base,
        rule: 'shadow-timeout',
        severity: 'error',
        message: 'This statement ran past the time limit on the shadow database, where each table holds only a few rows: it was stopped, and the statements after it were not traced. On production data it would run far longer.',
      });
    } else if (statement.error) {
      findings.push({
        ...base,
        line: statement.error.line,
        column: statement.error.col,
        rule: 'shadow-failed',
        severity: 'error',
        message: `PostgreSQL rejected this statement on the shadow database: ${statement.error.message}${statement.error.code ? ` (SQLSTATE ${statement.error.code})` : ''}. The migration fails here and its runner stops.`,
      });
    } else if (!reportedAt.has(key(migration.path, startLine))) {
      const hazard = unflaggedHazard(statement);
      if (hazard) findings.push({ ...base, ...hazard, evidence: evidenceOf(statement), source: 'shadow' });
    }
  }
  for (const change of migration.catalog) {
    if (change.kind === 'index-created' && !change.index.valid) {
      const statement = migration.statements.find((s) => s.catalog.some((c) => c.kind === 'index-created' && c.name === change.name));
      findings.push({
        path: migration.path,
        line: statement?.statement.range.startLine ?? 1,
        rule: 'invalid-index',
        severity: 'error',
        message: `The index \`${displayName(change.name)}\` is INVALID after this migration: it is maintained on every write but never used by queries. Drop it and build it again.`,
        source: 'shadow',
      });
    }
  }
  return findings;
}

/** A rewrite, or a full scan under a lock that blocks traffic, that no rule reported. */
function unflaggedHazard(statement: StatementTrace): Pick<Finding, 'rule' | 'severity' | 'message' | 'detail'> | undefined {
  const blocking = statement.locks.filter((l) => !l.relation && blocksTraffic(l.mode));
  const tables = statement.rewrites.filter((r) => blocking.some((l) => l.table === r) || statement.locks.length === 0);
  if (tables.length) {
    return {
      rule: 'shadow-rewrite',
      severity: 'error',
      message: `This statement rewrote ${tables.map((t) => `\`${displayName(t)}\``).join(', ')} on the shadow database (its storage was replaced): ${describe(statement)}. On a large table every query waits for the whole rewrite.`,
      detail: evidenceDetail(statement),
    };
  }
  const scanned = statement.scans.filter((t) => blocking.some((l) => l.table === t));
  if (scanned.length) {
    return {
      rule: 'shadow-scan',
      severity: 'warning',
      message: `This statement read all of ${scanned.map((t) => `\`${displayName(t)}\``).join(', ')} on the shadow database while holding a lock that blocks traffic: ${describe(statement)}. Its duration grows with the table.`,
      detail: evidenceDetail(statement),
    };
  }
  return undefined;
}

function baseFindings(trace: ShadowTrace): Finding[] {
  return trace.base.failures.map((failure) => ({
    rule: 'base-schema',
    severity: 'notice',
    path: failure.path,
    line: Number(/^line (\d+)/.exec(failure.message)?.[1] ?? 1),
    message: `This base migration did not apply on the shadow database (${failure.message}); the review went on with what applied, and stand-ins replace what is missing.`,
    source: 'shadow',
  }));
}

/**
 * Foreign keys the reviewed migrations added that no valid index leads with once they have all
 * run. The rule reports most of them from the SQL; this catches those its schema model did not
 * follow (a key added, or its index dropped, by dynamic SQL), at the statement that added the key.
 */
function unindexedForeignKeys(trace: ShadowTrace, findings: Finding[], tableRows: (table: string) => number | undefined): Finding[] {
  const changes = trace.schemaChanges;
  if (changes.status !== 'complete') return [];
  const shapes = new Map(changes.shapes.map((shape) => [shape.table, shape]));
  return changes.tables.flatMap((table) => {
    const shape = shapes.get(table.table);
    // A stand-in has no indexes: whether the real table has one is unknown.
    if (!shape || table.standIn) return [];
    const added = new Set(table.constraintsAdded.filter((c) => c.kind === 'foreign key').map((c) => c.name));
    return shape.foreignKeys
      .filter((key) => added.has(key.name) && key.enforced && !isIndexed(key, shape.indexes))
      .flatMap((key) => {
        const site = statementAdding(trace, `${table.table}.${key.name}`);
        if (!site) return [];
        const reported = findings.some((f) => f.rule === foreignKeyWithoutIndex.id && f.path === site.path && f.line >= site.line && f.line <= site.endLine);
        return reported ? [] : [unindexedForeignKey(table, shape, key, site, tableRows(table.table))];
      });
  });
}

/** The last traced statement that added the constraint; the start of its migration when no statement shows it (a function call). */
function statementAdding(trace: ShadowTrace, constraint: string): { path: string; line: number; endLine: number } | undefined {
  const adds = (changes: StatementTrace['catalog']) => changes.some((c) => c.kind === 'constraint-added' && c.name === constraint);
  for (const migration of [...trace.migrations].reverse()) {
    const statement = migration.statements.findLast((s) => adds(s.catalog));
    if (statement) return { path: migration.path, line: statement.statement.range.startLine, endLine: statement.statement.range.endLine };
    if (adds(migration.catalog)) return { path: migration.path, line: 1, endLine: 1 };
  }
  return undefined;
}

function unindexedForeignKey(table: TableChanges, shape: TableShape, key: ForeignKeyShape, site: { path: string; line: number; endLine: number }, rows: number | undefined): Finding {
  const t = `\`${displayName(table.table)}\``;
  const columns = key.columns.map((c) => `\`${c}\``).join(', ');
  const weight = rows === undefined ? '' : ` (≈ ${rows.toLocaleString('en-US')} rows by the size hints)`;
  const how = table.change === 'created' ? 'a plain CREATE INDEX right after the CREATE TABLE' : 'CREATE INDEX CONCURRENTLY, in a migration of its own';
  const indexes = shape.indexes.map((i) => `\`${displayName(i.name)}\` (${i.columns.map((c) => c ?? 'an expression').join(', ')})${i.partial ? ' partial' : ''}${i.valid ? '' : ' INVALID'}`);
  return {
    rule: foreignKeyWithoutIndex.id,
    severity: rows !== undefined && rows <= SMALL_TABLE_ROWS ? 'notice' : foreignKeyWithoutIndex.severity,
    path: site.path,
    line: site.line,
    endLine: site.endLine,
    message: `After the reviewed migrations, no valid index on ${t} starts with the foreign key column${key.columns.length === 1 ? '' : 's'} ${columns} (seen on the shadow database): every DELETE from \`${displayName(key.references)}\`, or UPDATE of its key, scans all of ${t}${weight} to find referencing rows. Add an index on ${t} (${columns}) with ${how}.`,
    detail: [
      'The rules did not see this in the SQL: the key, or the loss of the index that covered it, comes from SQL they do not follow (dynamic SQL run by EXECUTE, a function).',
      `Indexes on ${t} once the reviewed migrations have run: ${indexes.length ? indexes.join(', ') : 'none'}.`,
    ].join(' '),
    source: 'shadow',
  };
}
