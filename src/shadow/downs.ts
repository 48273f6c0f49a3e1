import type { RangeVar } from '@pgsql/types';
import type { Finding } from '../findings.ts';
import type { ParsedMigration } from '../lint/engine.ts';
import type { Migration } from '../migrations/types.ts';
import { displayName, qualify } from '../sql/names.ts';
import { parseSection } from '../sql/parse.ts';
import type { Statement } from '../sql/statement.ts';
import { catalogSnapshot, type CatalogSnapshot, type ColumnSnapshot, type ConstraintSnapshot } from './catalog.ts';
import { diffCatalog, type CatalogChange } from './catalog-diff.ts';
import { ShadowTimeoutError, ShadowUnavailableError, type ShadowDatabase } from './provider.ts';
import type { CatalogDifference, DownCheck, DownStop, MigrationTrace, ShadowTrace } from './trace-types.ts';
import { traceMigrations, type TraceOptions } from './tracer.ts';

/** The ups' traces and the catalogs `traceMigrations` told: before each migration (by its index), and after the last. */
export interface TracedUps {
  traces: MigrationTrace[];
  catalogs: Map<number, CatalogSnapshot>;
}

/** Traces the migrations as `traceMigrations` does, keeping the catalog as it stood before each one: what its down must bring back. */
export async function traceRememberingCatalogs(db: ShadowDatabase, migrations: ParsedMigration[], options: TraceOptions): Promise<TracedUps> {
  const catalogs = new Map<number, CatalogSnapshot>();
  const traces = await traceMigrations(db, migrations, { ...options, catalogAt: (index, catalog) => catalogs.set(index, catalog) });
  return { traces, catalogs };
}

/** The downs run as the ups did: the same guard, role handling and time limit. */
export type DownOptions = Pick<TraceOptions, 'refuse' | 'divert' | 'statementTimeoutMs'> & {
  /** Tables made up for the ups (no migration creates them), with only the columns the ups name. */
  standIns: string[];
  onProgress?: (message: string) => void;
};

/** The catalog a down started from and the one it left, or why it did not run to its end. */
type DownRun = { start: CatalogSnapshot; after: CatalogSnapshot } | { stop: Omit<DownStop, 'unchecked'> };

/**
 * Runs the downs of the reviewed migrations, latest first as `migrate down` would, each the way its
 * runner runs it, and compares the catalog after each with the catalog from before its up. Only
 * when every up applied: otherwise the downs start from a state nobody meant them for. The first
 * down that does not run to its end stops the check, since the ones before it would start wrong.
 */
export async function checkDowns(db: ShadowDatabase, migrations: ParsedMigration[], ups: TracedUps, options: DownOptions): Promise<DownCheck[]> {
  if (!upsApplied(migrations, ups.traces)) return [];
  const pending = migrations
    .flatMap((parsed, index) => {
      const { down } = parsed.migration;
      const before = ups.catalogs.get(index);
      return down && before ? [{ index, migration: parsed.migration, down, before }] : [];
    })
    .reverse();
  const checks: DownCheck[] = [];
  let current = ups.catalogs.get(migrations.length);
  for (const [done, { index, migration, down, before }] of pending.entries()) {
    options.onProgress?.(`down ${done + 1} of ${pending.length}: ${down.path}`);
    const check = { migrationId: migration.id, path: down.path, line: down.section.startLine, differences: [] };
    const run = await runDown(db, migration, down, current, options);
    if ('stop' in run) {
      checks.push({ ...check, stopped: { ...run.stop, unchecked: pending.length - done - 1 } });
      break;
    }
    // What was already off when this down started (a later down's leftovers, the up of a later
    // migration that has no down) is not this down's doing.
    const carried = new Set(catalogDifferences(ups.catalogs.get(index + 1) ?? run.start, run.start).map(keyOf));
    checks.push({ ...check, differences: catalogDifferences(before, run.after).filter((d) => !carried.has(keyOf(d))) });
    current = run.after;
  }
  return checks;
}

function keyOf(difference: CatalogDifference): string {
  return JSON.stringify(difference);
}

/** Every reviewed up parsed and ran to its end: no parse error, failure, refusal or time limit. */
function upsApplied(migrations: ParsedMigration[], traces: MigrationTrace[]): boolean {
  return (
    traces.length === migrations.length &&
    migrations.every((m) => m.problems.length === 0) &&
    traces.every((trace) => !trace.failed && trace.statements.every((s) => !s.error && !s.timedOut && (!s.skipped || s.skipped.reason === 'not-replayable')))
  );
}

async function runDown(
  db: ShadowDatabase,
  migration: Migration,
  down: NonNullable<Migration['down']>,
  start: CatalogSnapshot | undefined,
  options: DownOptions,
): Promise<DownRun> {
  // The down runs as a migration of its own: same runner and transaction mode, its own file and section.
  const parsed: ParsedMigration = {
    migration: { ...migration, path: down.path, up: down.section, down: undefined },
    reviewed: true,
    ...parseSection(down.section, down.path),
  };
  const unrunnable = cannotRun(parsed, options.refuse);
  if (unrunnable) return { stop: unrunnable };
  try {
    const from = start ?? (await catalogSnapshot(db));
    const { refuse, divert, statementTimeoutMs } = options;
    const [trace] = await traceMigrations(db, [parsed], { refuse, divert, statementTimeoutMs, observe: false });
    const stopped = trace && stoppedAt(trace, options.standIns);
    return stopped ? { stop: stopped } : { start: from, after: await catalogSnapshot(db) };
  } catch (error) {
    if (!(error instanceof ShadowTimeoutError || error instanceof ShadowUnavailableError)) throw error;
    const line = down.section.startLine;
    return { stop: { reason: 'interrupted', at: [{ line, col: 1, endLine: line, message: error.message }] } };
  }
}

/** A down that must not be run at all: a piece PostgreSQL's parser rejects, or statements the guard refuses. */
function cannotRun(parsed: ParsedMigration, refuse: DownOptions['refuse']): Omit<DownStop, 'unchecked'> | undefined {
  const unparsable = parsed.problems[0];
  if (unparsable) return { reason: 'failed', at: [{ line: unparsable.line, col: unparsable.col, endLine: unparsable.line, message: unparsable.message }] };
  const refused = parsed.statements.filter((s) => !s.embeddedIn).flatMap((statement) => {
    const why = refuse(statement);
    const { startLine, startCol, endLine } = statement.range;
    return why ? [{ line: startLine, col: startCol, endLine, message: why }] : [];
  });
  return refused.length ? { reason: 'refused', at: refused } : undefined;
}

/** The statement the down stopped at on the shadow: one PostgreSQL rejected, or one past its time limit. */
function stoppedAt(trace: MigrationTrace, standIns: string[]): Omit<DownStop, 'unchecked'> | undefined {
  const stopped = trace.statements.find((s) => s.error || s.timedOut);
  if (!stopped) return undefined;
  const { startLine, startCol, endLine } = stopped.statement.range;
  if (!stopped.error) return { reason: 'interrupted', at: [{ line: startLine, col: startCol, endLine, message: 'the statement ran past its time limit' }] };
  const { line, col, message, code } = stopped.error;
  const named = standInsNamed(stopped.statement, standIns);
  return { reason: 'failed', at: [{ line, col, endLine, message, code, ...(named.length ? { standIns: named } : {}) }] };
}

function standInsNamed(statement: Statement, standIns: string[]): string[] {
  const named = relationsIn(statement.ast);
  return standIns.filter((table) => named.has(table));
}

/** `schema.name` of every relation a parse tree names: RangeVars sit bare (`relation`) as well as wrapped. */
function relationsIn(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) relationsIn(item, into);
  } else if (node && typeof node === 'object') {
    if (typeof (node as RangeVar).relname === 'string') into.add(qualify(node as RangeVar));
    for (const value of Object.values(node)) relationsIn(value, into);
  }
  return into;
}

/**
 * How `after` differs from `before`, each thing said once: a table still there or gone carries its
 * constraints and indexes, a constraint the index behind it, and PostgreSQL 18's NOT NULL
 * constraints are the columns' nullability, which the columns already compare.
 */
function catalogDifferences(before: CatalogSnapshot, after: CatalogSnapshot): CatalogDifference[] {
  const differences: CatalogDifference[] = [
    ...diffCatalog(before, after).flatMap(withoutValidation),
    ...changedConstraints(before, after),
    ...changedIndexes(before, after),
  ];
  const wholeTables = new Set(differences.flatMap((d) => (d.kind === 'table-created' || d.kind === 'table-dropped' ? [d.table] : [])));
  const constraintIndexes = new Set(differences.flatMap((d) => {
    if (d.kind === 'constraint-added' || d.kind === 'constraint-dropped') return [backingIndex(d.name, d.constraint)];
    return d.kind === 'constraint-changed' ? [backingIndex(d.name, d.to)] : [];
  }));
  return differences.filter((d) => {
    switch (d.kind) {
      case 'constraint-added':
      case 'constraint-dropped':
        return !wholeTables.has(d.constraint.table) && d.constraint.type !== 'n';
      case 'constraint-changed':
        return d.to.type !== 'n';
      case 'index-created':
      case 'index-dropped':
        return !wholeTables.has(d.index.table) && !constraintIndexes.has(d.name);
      case 'index-changed':
        return !constraintIndexes.has(d.name);
      default:
        return true;
    }
  });
}

/** Leaves out diffCatalog's `constraint-validated`: validated since the up is no loss (changedConstraints reports the reverse). */
function withoutValidation(change: CatalogChange): CatalogDifference[] {
  if (!('constraint' in change)) return [change];
  const { kind } = change;
  return kind === 'constraint-validated' ? [] : [{ ...change, kind }];
}

/** Constraints of the same name defined otherwise, or no longer validated (validated since is no loss). */
function changedConstraints(before: CatalogSnapshot, after: CatalogSnapshot): CatalogDifference[] {
  return [...after.constraints].flatMap(([name, to]) => {
    const from = before.constraints.get(name);
    if (!from || (from.definition === to.definition && (to.validated || !from.validated))) return [];
    return [{ kind: 'constraint-changed' as const, name, from, to }];
  });
}

/** Indexes of the same name defined otherwise, or left invalid. */
function changedIndexes(before: CatalogSnapshot, after: CatalogSnapshot): CatalogDifference[] {
  return [...after.indexes].flatMap(([name, to]) => {
    const from = before.indexes.get(name);
    if (!from || (from.definition === to.definition && (to.valid || !from.valid))) return [];
    return [{ kind: 'index-changed' as const, name, from, to }];
  });
}

/** `schema.name` of the index a primary key, unique or exclusion constraint is built on: it takes the constraint's name. */
function backingIndex(key: string, constraint: ConstraintSnapshot): string {
  const schema = constraint.table.slice(0, constraint.table.indexOf('.'));
  return `${schema}.${constraintName(key, constraint)}`;
}

/** The constraint's own name, from its `schema.table.constraint` key. */
function constraintName(key: string, constraint: ConstraintSnapshot): string {
  return key.slice(constraint.table.length + 1);
}

/** The check's findings, at the down's lines: what it left different, or where it stopped. */
export function downFindings(trace: ShadowTrace): Finding[] {
  return (trace.downs ?? []).flatMap((check) => (check.stopped ? stopFindings(check, check.stopped) : differenceFindings(check)));
}

function differenceFindings(check: DownCheck): Finding[] {
  if (check.differences.length === 0) return [];
  return [{
    rule: 'irreversible-down',
    severity: 'warning',
    path: check.path,
    line: check.line,
    message: `Rolling back does not restore the schema: after up then down, ${check.differences.map(describeDifference).join('; ')}.`,
    source: 'shadow',
  }];
}

function stopFindings(check: DownCheck, stop: DownStop): Finding[] {
  const unchecked = uncheckedNote(stop.unchecked);
  return stop.at.map((at): Finding => {
    const place = { path: check.path, line: at.line, endLine: at.endLine, source: 'shadow' as const };
    if (stop.reason === 'refused') {
      return { ...place, rule: 'shadow-refused', severity: 'error', message: `Not run on the shadow database: ${at.message} The down migration was not checked.${unchecked}` };
    }
    if (stop.reason === 'failed' && at.standIns) {
      return {
        ...place,
        column: at.col,
        rule: 'irreversible-down',
        severity: 'notice',
        message: `The down migration could not be checked: PostgreSQL rejected this statement on the shadow database (${at.message}), but it uses ${at.standIns.map((t) => quoted(t)).join(', ')}, which no migration creates: the shadow made it up with only the columns the ups name.${unchecked}`,
      };
    }
    if (stop.reason === 'failed') {
      return {
        ...place,
        column: at.col,
        rule: 'irreversible-down',
        severity: 'error',
        message: `Rolling back fails here: PostgreSQL rejected this statement of the down migration, run on the shadow database after the up: ${at.message}${at.code ? ` (SQLSTATE ${at.code})` : ''}.${unchecked}`,
      };
    }
    return { ...place, rule: 'irreversible-down', severity: 'notice', message: `The down migration could not be checked: the shadow database stopped (${at.message}).${unchecked}` };
  });
}

function uncheckedNote(count: number): string {
  if (count === 0) return '';
  return count === 1 ? ' The down of the earlier migration was not checked.' : ` The downs of the ${count} earlier migrations were not checked.`;
}

/** One difference in plain words, to follow "after up then down, ". */
function describeDifference(d: CatalogDifference): string {
  const gone = 'that existed before the up is gone';
  switch (d.kind) {
    case 'table-created':
      return `table ${quoted(d.table)} is still there`;
    case 'table-dropped':
      return `table ${quoted(d.table)} ${gone}`;
    case 'column-added':
      return `column ${quoted(d.table, d.column)} is still there`;
    case 'column-dropped':
      return `column ${quoted(d.table, d.column)} ${gone}`;
    case 'column-changed':
      return `column ${quoted(d.table, d.column)} ${columnChange(d.from, d.to)}`;
    case 'constraint-added':
      return `${constraintLabel(d.name, d.constraint)} is still there`;
    case 'constraint-dropped':
      return `${constraintLabel(d.name, d.constraint)} ${gone}`;
    case 'constraint-changed':
      return `${constraintLabel(d.name, d.to)} ${d.from.definition === d.to.definition ? 'is NOT VALID where it was validated' : redefined(d.from.definition, d.to.definition)}`;
    case 'index-created':
      return `index ${quoted(d.name)} is still there`;
    case 'index-dropped':
      return `index ${quoted(d.name)} ${gone}`;
    case 'index-changed':
      return `index ${quoted(d.name)} ${d.from.definition === d.to.definition ? 'is INVALID where it was valid' : redefined(d.from.definition, d.to.definition)}`;
    case 'enum-created':
      return `enum ${quoted(d.name)} is still there`;
    case 'enum-dropped':
      return `enum ${quoted(d.name)} ${gone}`;
    case 'enum-changed':
      return `enum ${quoted(d.name)} ${labelChange(d.from, d.to)}`;
  }
}

function quoted(qualified: string, column?: string): string {
  return `\`${displayName(qualified)}${column === undefined ? '' : `.${column}`}\``;
}

function constraintLabel(key: string, constraint: ConstraintSnapshot): string {
  return `constraint \`${constraintName(key, constraint)}\` on ${quoted(constraint.table)}`;
}

function redefined(from: string, to: string): string {
  return `is \`${to}\` where it was \`${from}\``;
}

function columnChange(from: ColumnSnapshot, to: ColumnSnapshot): string {
  const parts: string[] = [];
  if (from.type !== to.type) parts.push(`is ${to.type} where it was ${from.type}`);
  if (from.notNull !== to.notNull) parts.push(to.notNull ? 'is NOT NULL where it was nullable' : 'is nullable where it was NOT NULL');
  if (from.default !== to.default) parts.push(defaultChange(from.default, to.default));
  return parts.join(' and ');
}

function defaultChange(from: string | null, to: string | null): string {
  if (to === null) return `has no default where it had \`${from}\``;
  if (from === null) return `has the default \`${to}\` where it had none`;
  return `has the default \`${to}\` where it had \`${from}\``;
}

function labelChange(from: string[], to: string[]): string {
  const kept = to.filter((label) => !from.includes(label));
  const lost = from.filter((label) => !to.includes(label));
  const parts: string[] = [];
  if (kept.length) parts.push(`keeps the label${kept.length === 1 ? '' : 's'} ${kept.map((l) => `\`${l}\``).join(', ')}`);
  if (lost.length) parts.push(`lost the label${lost.length === 1 ? '' : 's'} ${lost.map((l) => `\`${l}\``).join(', ')}`);
  return parts.length ? parts.join(' and ') : `has its labels in another order (${to.join(', ')}; before the up: ${from.join(', ')})`;
}
