import type { Finding } from '../findings.ts';
import type { Review } from '../review-types.ts';
import type { SchemaChanges, TableChanges } from '../shadow/schema-changes.ts';

/** A migration under review, as the model reads it. */
export interface MigrationText {
  path: string;
  /** The runner's transaction behaviour, in words. */
  transaction: string;
  /** The file's text and the line it starts at. */
  sql: string;
  startLine: number;
}

/** A finding the model is asked to explain, under the id it answers with. */
export interface NumberedFinding {
  id: string;
  finding: Finding;
  /** Whether a rewrite of its statement can be verified: it is in a reviewed migration and has no fix yet. */
  mayRewrite: boolean;
}

export interface ReviewInput {
  /** The text that goes between the fences: all of it written by, or derived from, the pull request. */
  document: string;
  findings: NumberedFinding[];
}

/** The most findings one review asks about: the most severe come first. */
const MAX_FINDINGS = 30;
const MAX_LINES_PER_MIGRATION = 400;
const MAX_DETAIL_CHARS = 800;

/**
 * What Claude is shown: the target, the assumed table sizes, the migrations with line numbers, the
 * errors and warnings with their evidence, the net schema change and the changed queries' plans.
 * Notices are left out: they are hygiene and would cost tokens for little.
 */
export function reviewInput(review: Review, migrations: readonly MigrationText[]): ReviewInput {
  const migrationPaths = new Set(migrations.map((m) => m.path));
  const findings = review.findings
    .filter((f) => f.severity !== 'notice')
    .slice(0, MAX_FINDINGS)
    .map((finding, index): NumberedFinding => ({
      id: `F${index + 1}`,
      finding,
      mayRewrite: migrationPaths.has(finding.path) && !finding.fix && finding.source !== 'explain',
    }));
  const sections = [
    [`Target: PostgreSQL ${review.postgresVersion}.`, ...sizesLines(review)].join('\n'),
    ['# Migrations under review', ...migrations.map(migrationBlock)].join('\n\n'),
    ['# Findings', ...(findings.length ? findings.map(findingBlock) : ['(none)'])].join('\n\n'),
    ...(review.schemaChanges ? [['# Net schema change', ...schemaLines(review.schemaChanges)].join('\n')] : []),
    ...(review.queries.length ? [['# Queries the change writes', ...review.queries.map(queryLine)].join('\n')] : []),
  ];
  return { document: sections.join('\n\n'), findings };
}

function sizesLines(review: Review): string[] {
  if (!review.assumedSizes?.length) return ['Table sizes: none given; tables that exist before the change may be large.'];
  return ['Table sizes in production:', ...review.assumedSizes.map((s) => `- ${s.table}: ${s.rows.toLocaleString('en-US')} rows (${s.source})`)];
}

function migrationBlock(migration: MigrationText): string {
  const lines = migration.sql.split(/\r?\n/);
  const shown = lines.slice(0, MAX_LINES_PER_MIGRATION).map((line, index) => `${String(migration.startLine + index).padStart(4)} | ${line}`);
  const cut = lines.length > MAX_LINES_PER_MIGRATION ? [`     | … ${lines.length - MAX_LINES_PER_MIGRATION} more lines not shown`] : [];
  return [`## ${migration.path} (${migration.transaction})`, ...shown, ...cut].join('\n');
}

function findingBlock({ id, finding, mayRewrite }: NumberedFinding): string {
  const lines = finding.endLine && finding.endLine !== finding.line ? `lines ${finding.line}-${finding.endLine}` : `line ${finding.line}`;
  const status = finding.fix ? 'has a fix already: no rewrite' : mayRewrite ? 'a rewrite may be given' : 'no rewrite (not in a migration under review)';
  const parts = [`## ${id}: ${finding.severity} ${finding.rule} at ${finding.path} ${lines} (${status})`, finding.message];
  const evidence = evidenceLine(finding);
  if (evidence) parts.push(`Observed: ${evidence}`);
  const detail = finding.detail?.trim();
  if (detail) parts.push(detail.length > MAX_DETAIL_CHARS ? `${detail.slice(0, MAX_DETAIL_CHARS)}…` : detail);
  return parts.join('\n');
}

function evidenceLine({ evidence }: Finding): string | undefined {
  if (!evidence) return undefined;
  const parts = [
    ...(evidence.locks?.length ? [`locks ${evidence.locks.map((l) => `${l.mode} on ${l.relation ?? l.table}`).join(', ')}`] : []),
    ...(evidence.rewriteTables?.length ? [`rewrote ${evidence.rewriteTables.join(', ')}`] : evidence.rewrite ? ['rewrote the table'] : []),
    ...(evidence.scans?.length ? [`read in full ${evidence.scans.join(', ')}`] : []),
  ];
  return parts.length ? parts.join('; ') : undefined;
}

function schemaLines(changes: SchemaChanges): string[] {
  if (changes.status === 'timed-out') return ['(unknown: the shadow database stopped at its time limit)'];
  const enums = changes.enums.map((e) => `- enum ${e.name} ${e.change}: ${'labels' in e ? e.labels.join(', ') : `${e.from.join(', ')} → ${e.to.join(', ')}`}`);
  const lines = [...changes.tables.map(tableLine), ...enums];
  return lines.length ? lines : ['(no change)'];
}

function tableLine(table: TableChanges): string {
  const items = [
    ...table.columnsAdded.map((c) => `+ column ${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''}${c.default !== null ? ` DEFAULT ${c.default}` : ''}`),
    ...table.columnsChanged.map((c) => `~ column ${c.name}: ${c.from.type}${c.from.notNull ? ' NOT NULL' : ''} → ${c.to.type}${c.to.notNull ? ' NOT NULL' : ''}`),
    ...table.columnsDropped.map((c) => `- column ${c.name}`),
    ...table.constraintsAdded.map((c) => `+ ${c.kind} ${c.name}: ${c.definition}`),
    ...table.constraintsValidated.map((c) => `✓ validated ${c.name}`),
    ...table.constraintsDropped.map((c) => `- ${c.kind} ${c.name}`),
    ...table.indexesCreated.map((i) => `+ ${i.definition}`),
    ...table.indexesDropped.map((i) => `- index ${i.name}`),
  ];
  return [`- table ${table.table} ${table.change}`, ...items.map((item) => `  ${item}`)].join('\n');
}

function queryLine(query: Review['queries'][number]): string {
  const plan = query.plan ? `${query.plan.shape} (cost ${Math.round(query.plan.cost).toLocaleString('en-US')}, ${query.plan.rows.toLocaleString('en-US')} rows)` : 'not planned';
  return `- ${query.path}:${query.line}: ${plan}`;
}
