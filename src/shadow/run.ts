import { createHash } from 'node:crypto';
import type { ParsedMigration } from '../lint/engine.ts';
import { checkDowns, traceRememberingCatalogs, type TracedUps } from './downs.ts';
import type { BaseSchema, ShadowDatabase, ShadowLimits, ShadowProvider } from './provider.ts';
import { netSchemaChanges, type SchemaChanges } from './schema-changes.ts';
import { prepareMigrationRoles } from './migration-roles.ts';
import { createStandIns } from './stand-ins.ts';
import type { BaseReport, ShadowTrace } from './trace-types.ts';
import { traceMigrations } from './tracer.ts';
import { planAtSizes, planQueries } from './explain/plan-queries.ts';
import type { AssumedSize } from './explain/table-sizes.ts';
import type { CollectedQuery } from '../queries/collect.ts';

export interface ShadowRunOptions {
  provider: ShadowProvider;
  limits: ShadowLimits;
  /** Why a statement must not run on the shadow (hostile), or undefined. */
  refuse: (statement: ParsedMigration['statements'][number]) => string | undefined;
  onProgress?: (message: string) => void;
  /** Queries of the changed files, to plan before and after the reviewed migrations. */
  queries?: CollectedQuery[];
  /** The production size of a table (`schema.table`), which the planner is shown. */
  tableSize?: (table: string) => AssumedSize | undefined;
}

/** Where the base report is kept inside a cached base, so a warm start knows what failed. */
const REPORT_SCHEMA = 'db_review_internal';

/**
 * Applies the base migrations (those not under review) on a fresh shadow database, cached by
 * their contents, then traces the reviewed ones on it, statement by statement.
 */
export async function runShadow(migrations: ParsedMigration[], options: ShadowRunOptions): Promise<ShadowTrace> {
  const started = performance.now();
  const baseMigrations = migrations.filter((m) => !m.reviewed);
  const reviewed = migrations.filter((m) => m.reviewed);
  let built: BaseReport | undefined;
  const base: BaseSchema | undefined = baseMigrations.length
    ? {
        key: baseKey(baseMigrations),
        build: async (db) => {
          options.onProgress?.(`base schema: applying ${baseMigrations.length} migrations`);
          built = await applyBase(db, baseMigrations, options);
        },
      }
    : undefined;
  const db = await options.provider.open(base);
  try {
    const baseReport = base ? (built ?? { ...(await readBaseReport(db)), cached: true }) : { applied: 0, failures: [], cached: false };
    const standIns = await createStandIns(db, reviewed.flatMap((m) => m.statements.filter((s) => !s.embeddedIn)));
    const roles = await prepareMigrationRoles(db, { applied: baseMigrations, traced: reviewed }, options.refuse);
    const queries = options.queries ?? [];
    const planOptions = { refuse: options.refuse, timeoutMs: options.limits.statementMs };
    if (queries.length) options.onProgress?.(`planning ${queries.length} queries`);
    // Without migrations under review, the schema before them is the one after: one planning says it all.
    const plannedBefore = reviewed.length && queries.length ? await planQueries(db, queries, planOptions) : undefined;
    const ups = await traceRememberingCatalogs(db, reviewed, {
      refuse: options.refuse,
      divert: roles.divert,
      statementTimeoutMs: options.limits.statementMs,
      onProgress: (done, total, path) => options.onProgress?.(done < total ? `migration ${done + 1} of ${total}: ${path}` : `traced ${total} migrations`),
    });
    const schemaChanges = schemaChangesOf(ups, standIns);
    const upsRan = ups.catalogs.has(reviewed.length);
    const after = upsRan && queries.length ? await planAtSizes(db, queries, { ...planOptions, sizeOf: options.tableSize ?? (() => undefined) }) : undefined;
    const plannings = queries.map((query, index) => ({ query, before: plannedBefore?.[index], after: after?.outcomes[index], ...after?.heavy[index] }));
    // Last: the downs undo the schema that everything above reads.
    const downs = await checkDowns(db, reviewed, ups, {
      refuse: options.refuse,
      divert: roles.divert,
      statementTimeoutMs: options.limits.statementMs,
      standIns,
      onProgress: options.onProgress,
    });
    return {
      provider: options.provider.kind,
      serverVersion: db.serverVersion,
      base: baseReport,
      migrations: ups.traces,
      standIns,
      standInRoles: roles.standIns,
      elapsedMs: performance.now() - started,
      schemaChanges,
      queries: plannings,
      tableSizes: after?.sizing ?? { sized: [], unsized: [] },
      ...(downs.length ? { downs } : {}),
    };
  } finally {
    await db.close();
  }
}

/** The net schema changes of the traced migrations; after a time limit the shadow is gone and the end state unknown. */
function schemaChangesOf(ups: TracedUps, standIns: string[]): SchemaChanges {
  const before = ups.catalogs.get(0);
  const after = ups.catalogs.get(ups.traces.length);
  return before && after ? netSchemaChanges(before, after, standIns) : { status: 'timed-out' };
}

async function applyBase(db: ShadowDatabase, migrations: ParsedMigration[], options: ShadowRunOptions): Promise<BaseReport> {
  const roles = await prepareMigrationRoles(db, { applied: [], traced: migrations }, options.refuse);
  const traces = await traceMigrations(db, migrations, { refuse: options.refuse, statementTimeoutMs: options.limits.statementMs, observe: false, divert: roles.divert });
  const failures = traces.flatMap((trace) => {
    const failed = trace.statements.find((s) => s.error || s.timedOut || s.skipped?.reason === 'refused');
    if (!failed) return [];
    const why = failed.error?.message ?? (failed.timedOut ? 'time limit reached' : `refused: ${failed.skipped?.detail}`);
    return [{ path: trace.path, message: `line ${failed.statement.range.startLine}: ${why}` }];
  });
  const report: BaseReport = { applied: migrations.length - failures.length, failures, cached: false };
  await db.query(
    `CREATE SCHEMA ${REPORT_SCHEMA}; CREATE TABLE ${REPORT_SCHEMA}.base_report (report text); ` +
      `INSERT INTO ${REPORT_SCHEMA}.base_report VALUES ('${JSON.stringify(report).replaceAll("'", "''")}')`,
  );
  return report;
}

async function readBaseReport(db: ShadowDatabase): Promise<Omit<BaseReport, 'cached'>> {
  const { rows } = await db.query(`SELECT report FROM ${REPORT_SCHEMA}.base_report`);
  return JSON.parse(String(rows[0]?.report ?? '{"applied":0,"failures":[]}')) as Omit<BaseReport, 'cached'>;
}

function baseKey(migrations: ParsedMigration[]): string {
  const hash = createHash('sha256');
  for (const { migration } of migrations) hash.update(`${migration.path}\0${migration.transaction}\0${migration.up.sql}\0`);
  return hash.digest('hex').slice(0, 32);
}
