import type { Config } from './config/index.ts';
import { SEVERITY_RANK, type Finding, type Severity } from './findings.ts';
import type { AssumedTableSize, Conclusion, Review, ReviewedMigration, ReviewedQuery, ShadowSummary } from './review-types.ts';
import type { SchemaChanges } from './shadow/schema-changes.ts';

/** What a review looked at, besides its findings. */
export interface ReviewedParts {
  migrations: ReviewedMigration[];
  queries: ReviewedQuery[];
  postgresVersion: number;
  shadow?: ShadowSummary;
  schemaChanges?: SchemaChanges;
  assumedSizes?: AssumedTableSize[];
}

/**
 * Applies the config's severities, merges duplicates, sorts, and decides the conclusion:
 * from the severities and `fail_on` only.
 */
export function buildReview(findings: Finding[], reviewed: ReviewedParts, config: Config): Review {
  const { migrations, queries, postgresVersion, shadow, schemaChanges, assumedSizes } = reviewed;
  const kept = dedupe(findings.flatMap((finding) => configured(finding, config))).sort(compareFindings);
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const finding of kept) counts[finding.severity]++;
  return {
    findings: kept,
    conclusion: conclude(kept, migrations.length + queries.length, config.fail_on),
    failOn: config.fail_on,
    counts,
    migrations,
    queries,
    postgresVersion,
    ...(shadow ? { shadow } : {}),
    ...(schemaChanges ? { schemaChanges } : {}),
    ...(assumedSizes?.length ? { assumedSizes } : {}),
  };
}

function configured(finding: Finding, config: Config): Finding[] {
  const setting = config.rules[finding.rule];
  if (setting === 'off') return [];
  return [setting ? { ...finding, severity: setting } : finding];
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\0${f.path}\0${f.line}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    a.path.localeCompare(b.path) ||
    a.line - b.line ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    a.rule.localeCompare(b.rule)
  );
}

/** `neutral` when nothing database-related changed: no migration, no query, no finding. */
function conclude(findings: Finding[], reviewedParts: number, failOn: Severity | 'never'): Conclusion {
  if (reviewedParts === 0 && findings.length === 0) return 'neutral';
  if (failOn === 'never') return 'success';
  const threshold = SEVERITY_RANK[failOn];
  return findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? 'failure' : 'success';
}
