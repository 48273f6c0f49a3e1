import { allRules } from '../rules/index.ts';
import { tableRows, type Config } from './config/index.ts';
import type { Finding } from './findings.ts';
import { lintSteps, type ParsedMigration } from './lint/engine.ts';
import { ENGINE_FINDINGS } from './lint/engine-findings.ts';
import { unknownSuppressions, withoutSuppressedShadowFindings } from './lint/suppressions.ts';
import { breaksQueries } from './queries/breaking.ts';
import { collectQueries, type CollectedQuery } from './queries/collect.ts';
import { planShape } from './shadow/explain/compact-plan.ts';
import type { ProductionStats } from './shadow/explain/production-stats.ts';
import type { AssumedSize } from './shadow/explain/table-sizes.ts';
import type { PlanNode } from './shadow/explain/index-advice.ts';
import { lintQueries } from './queries/lint.ts';
import { withoutSuppressedQueryFindings } from './queries/suppressions.ts';
import { queryRules } from '../rules/queries/index.ts';
import { queryPlanFindings } from './shadow/explain/findings.ts';
import { discoverMigrations } from './migrations/discover.ts';
import type { Framework, Migration } from './migrations/types.ts';
import type { Review, ReviewedQuery, ShadowSummary } from './review-types.ts';
import { applyEvidence } from './shadow/evidence.ts';
import { refuseStatement } from './shadow/guard.ts';
import { DEFAULT_LIMITS, type ShadowLimits, type ShadowProvider } from './shadow/provider.ts';
import { runShadow } from './shadow/run.ts';
import type { ShadowTrace } from './shadow/trace-types.ts';
import { buildReview } from './review.ts';
import type { ChangedFiles, ChangeSource } from './source/source.ts';
import { loadParser } from './sql/libpg.ts';
import { parseSection } from './sql/parse.ts';
import { runInSlices, type Steps } from './time-slices.ts';
import type { Advisor } from './llm/index.ts';
import type { Statement } from './sql/statement.ts';

export interface PipelineOptions {
  /** Replays the reviewed migrations on this shadow database; without one, rules only. */
  shadow?: ShadowProvider;
  limits?: ShadowLimits;
  onProgress?: (message: string) => void;
  /** Row counts and column statistics of production (STATS_DATABASE_URL), for tables without a size hint. */
  productionStats?: ProductionStats;
  /** Claude's explanations and verified rewrites; absent without an API key. */
  advisor?: Advisor;
  /** Claude's part was asked for (`/db-review explain`, `--explain`): given even when `llm.mode` is `on-demand`. */
  explain?: boolean;
  /** Whose daily token budget Claude's part spends (the repository). */
  budgetScope?: string;
}

export interface PipelineResult {
  review: Review;
  framework: Framework;
  /** Things the user should know that are not findings: discovery oddities, deleted migrations, stand-ins. */
  notes: string[];
  /** What the shadow database observed, statement by statement. */
  trace?: ShadowTrace;
}

/** Collects the migrations a source holds, parses and lints them, and builds the review. */
export async function reviewSource(source: ChangeSource, config: Config, options: PipelineOptions = {}): Promise<PipelineResult> {
  await loadParser();
  const [files, changed] = await Promise.all([source.files(), source.changed()]);
  const discovery = await discoverMigrations(files, {
    framework: config.migrations.framework,
    globs: config.migrations.paths,
  });
  const pgVersion = config.postgres.version;
  const rules = allRules.filter((rule) => config.rules[rule.id] !== 'off');
  const ruleIds = new Set([...allRules, ...queryRules, ...ENGINE_FINDINGS].map((rule) => rule.id));
  const isReviewed = (m: Migration): boolean => !changed || changed.paths.has(m.path);
  const sizeOf = (table: string): AssumedSize | undefined => {
    const qualified = table.includes('.') ? table : `public.${table}`;
    const [schema, name] = qualified.split('.') as [string, string];
    const columns = options.productionStats?.columns.get(qualified);
    const hinted = tableRows(config, name, schema);
    if (hinted !== undefined) return { rows: hinted, source: 'size hint', columns };
    const measured = options.productionStats?.rows.get(qualified);
    return measured !== undefined ? { rows: measured, source: 'production statistics', columns } : undefined;
  };
  const rowsOf = (table: string): number | undefined => sizeOf(table)?.rows;
  // In slices: in the app, other pull requests' webhooks are answered on this thread meanwhile.
  const parsed = await runInSlices(parseSteps(discovery.migrations, isReviewed));
  const { queries, notes: queryNotes, suppressions: querySuppressions } = await collectQueries(files, {
    migrationPaths: migrationFiles(discovery.migrations),
    changed,
    globs: config.queries.paths,
    // Only the shadow can tell whether a query outside the change still plans.
    beyondChange: options.shadow !== undefined && parsed.some((p) => p.reviewed && p.statements.some(breaksQueries)),
  });
  const ruleFindings: Finding[] = [
    ...(await runInSlices(
      lintSteps(parsed, {
        rules,
        knownRuleIds: [...ruleIds],
        pgVersion,
        newObjects: changed ? 'change' : 'migration',
        tableRows: rowsOf,
      }),
    )),
    ...unreadable(discovery.migrations.filter(isReviewed)),
    ...(changed ? editedMigrations(discovery.migrations, changed) : []),
    ...lintQueries(
      queries,
      queryRules.filter((rule) => config.rules[rule.id] !== 'off'),
      { inLoop: config.rules['query-in-loop'] !== 'off' },
    ),
  ];
  const readable = parsed.filter((p) => !isBinary(p.migration.up.sql));
  const shadowRefusal = (statement: Statement): string | undefined => refuseStatement(statement, { extensions: config.shadow.extensions })?.reason;
  const trace = options.shadow && (readable.some((p) => p.reviewed) || queries.length > 0)
    ? await runShadow(readable, {
        provider: options.shadow,
        limits: options.limits ?? DEFAULT_LIMITS,
        refuse: shadowRefusal,
        onProgress: options.onProgress,
        queries,
        tableSize: sizeOf,
      })
    : undefined;
  const definitionRules = new Set(allRules.filter((rule) => rule.scope === 'definition').map((rule) => rule.id));
  const unsuppressed = trace
    ? [
        ...withoutSuppressedShadowFindings(
          applyEvidence(ruleFindings, trace, { targetVersion: pgVersion, aboutExecution: (rule) => !definitionRules.has(rule), tableRows: rowsOf }),
          parsed,
        ),
        ...queryPlanFindings(trace.queries),
      ]
    : ruleFindings;
  const findings = [
    ...withoutSuppressedQueryFindings(unsuppressed, queries, querySuppressions),
    ...querySuppressions.flatMap(({ path, suppressions }) => unknownSuppressions(path, suppressions, ruleIds)),
  ];
  const reviewed = parsed
    .filter((p) => p.reviewed)
    .map((p) => ({
      id: p.migration.id,
      path: p.migration.path,
      framework: p.migration.framework,
      statements: p.statements.filter((s) => !s.embeddedIn).length,
    }));
  const notes = [...discovery.warnings, ...deletedMigrations(changed), ...standInNotes(trace), ...queryNotes, ...tableSizeNotes(trace)];
  const built = buildReview(
    findings,
    {
      migrations: reviewed,
      queries: reviewedQueries(queries, trace),
      postgresVersion: pgVersion,
      shadow: trace && shadowSummary(trace),
      schemaChanges: trace?.schemaChanges,
      assumedSizes: trace?.tableSizes.sized.map(({ name, rows, source, columns }) => ({ table: name, rows, source, columns: columns.length })),
    },
    config,
  );
  const review = options.advisor && wantsAdvice(config.llm.mode, options.explain)
    ? await options.advisor.advise({
        review: built,
        migrations: readable,
        llm: config.llm,
        scope: options.budgetScope ?? 'local',
        verification: trace && options.shadow && {
          migrations: readable,
          trace,
          postgresVersion: pgVersion,
          newObjects: changed ? 'change' : 'migration',
          refuse: shadowRefusal,
          traceOnFreshShadow: (migrations) => runShadow(migrations, { provider: options.shadow!, limits: options.limits ?? DEFAULT_LIMITS, refuse: shadowRefusal }),
        },
      })
    : built;
  return { review, framework: discovery.framework, notes, trace };
}

function wantsAdvice(mode: Config['llm']['mode'], asked = false): boolean {
  return mode === 'auto' || (mode === 'on-demand' && asked);
}

function* parseSteps(migrations: Migration[], isReviewed: (m: Migration) => boolean): Steps<ParsedMigration[]> {
  const parsed: ParsedMigration[] = [];
  for (const migration of migrations) {
    parsed.push({ migration, reviewed: isReviewed(migration), ...parseUp(migration) });
    yield;
  }
  return parsed;
}

/** The queries the change writes, with the shape and cost of their plan after the migrations. */
function reviewedQueries(queries: CollectedQuery[], trace: ShadowTrace | undefined): ReviewedQuery[] {
  const plans = new Map(trace?.queries.map((planning) => [planning.query, planning.after]));
  return queries
    .filter((query) => query.changed)
    .map((query) => {
      const after = plans.get(query);
      const plan = after?.kind === 'planned' ? (after.plan as unknown as PlanNode) : undefined;
      return {
        path: query.path,
        line: query.line,
        endLine: query.endLine,
        ...(plan ? { plan: { shape: planShape(plan), cost: plan['Total Cost'], rows: plan['Plan Rows'] } } : {}),
      };
    });
}

/** The files the migrations are read from: SQL that is not a file of queries. */
function migrationFiles(migrations: Migration[]): Set<string> {
  return new Set(migrations.flatMap((m) => (m.down ? [m.path, m.down.path] : [m.path])));
}

function parseUp(migration: Migration): Omit<ParsedMigration, 'migration' | 'reviewed'> {
  if (isBinary(migration.up.sql)) return { statements: [], comments: [], problems: [] };
  return parseSection(migration.up, migration.path);
}

function isBinary(text: string): boolean {
  return text.includes('\0');
}

function unreadable(migrations: Migration[]): Finding[] {
  return migrations.filter((m) => isBinary(m.up.sql)).map((m) => ({
    rule: 'file-not-analysed',
    severity: 'warning',
    path: m.path,
    line: 1,
    message: 'This migration holds binary data (NUL bytes), not SQL text: it was not analysed.',
    source: 'rule',
  }));
}

function editedMigrations(migrations: Migration[], changed: ChangedFiles): Finding[] {
  return migrations.filter((m) => changed.modified.has(m.path)).map((m) => ({
    rule: 'modified-applied-migration',
    severity: 'warning',
    path: m.path,
    line: 1,
    message: `\`${m.id}\` already exists on the base branch: databases that applied it never run this edit (${editEffect(m.framework)}). Put the change in a new migration.`,
    source: 'rule',
  }));
}

function editEffect(framework: Framework): string {
  if (framework === 'prisma') return 'Prisma reports a checksum mismatch and `migrate deploy` stops';
  if (framework === 'flyway') return 'Flyway validation fails on the changed checksum';
  return `${framework === 'plain' ? 'the runner' : framework} skips migrations it has recorded as applied`;
}

function deletedMigrations(changed: ChangedFiles | undefined): string[] {
  return (changed?.deleted ?? [])
    .filter((path) => path.endsWith('.sql'))
    .map((path) => `${path} was deleted: databases that applied it keep its changes, and a fresh database no longer gets them`);
}

function shadowSummary(trace: ShadowTrace): ShadowSummary {
  return {
    provider: trace.provider,
    serverVersion: trace.serverVersion,
    baseMigrations: trace.base.applied + trace.base.failures.length,
    baseCached: trace.base.cached,
    standIns: trace.standIns,
    elapsedMs: trace.elapsedMs,
  };
}

function tableSizeNotes(trace: ShadowTrace | undefined): string[] {
  return (trace?.tableSizes.unsized ?? []).map(
    ({ name, reason }) =>
      `${name}: the queries were planned at the size the migrations leave, not its size hint, which the shadow database refused (${reason}); showing the planner a size writes the catalog, which the embedded shadow may and a server shadow's review role may not`,
  );
}

function standInNotes(trace: ShadowTrace | undefined): string[] {
  const notes: string[] = [];
  if (trace?.standIns.length) {
    notes.push(`stand-in tables on the shadow database (no migration creates them): ${trace.standIns.join(', ')}; their columns and rows are made up, so what they show is indicative`);
  }
  if (trace?.standInRoles.length) {
    notes.push(`stand-in roles on the shadow database (no migration creates them): ${trace.standInRoles.join(', ')}; made as NOLOGIN roles so that grants, policies and ownership changes naming them run`);
  }
  return notes;
}
