import type { Evidence, Finding, FindingAdvice, Severity } from '../findings.ts';
import type { AssumedTableSize, Conclusion, Review, ReviewAdvice, ReviewedMigration, ReviewedQuery, ShadowSummary } from '../review-types.ts';
import type { SchemaChanges } from '../shadow/schema-changes.ts';
import { columnOf, endLineOf, ruleMeta, sortFindings } from './common.ts';
import type { ReportOptions } from './types.ts';

/** The shape of `db-review check --format json`. Keys appear in this order. */
export interface JsonReport {
  /** db-review's version. */
  version: string;
  postgresVersion: number;
  conclusion: Conclusion;
  failOn: Severity | 'never';
  counts: Record<Severity, number>;
  migrations: ReviewedMigration[];
  /** The queries the change writes, with their plan's shape and cost when the shadow planned them. */
  queries: ReviewedQuery[];
  /** The table sizes the queries were planned at, and where each comes from. */
  assumedSizes: AssumedTableSize[];
  /** How the shadow database run went; `null` when the review ran without one. */
  shadow: ShadowSummary | null;
  /** The net effect of the reviewed migrations on the schema; `null` without a shadow database. */
  schemaChanges: SchemaChanges | null;
  /** Claude's part of the review, `null` when it was not asked for. */
  advice: ReviewAdvice | null;
  findings: JsonFinding[];
}

/** A finding with every key present: absent optional values are `null`, positions resolved. */
export interface JsonFinding {
  rule: string;
  severity: Severity;
  path: string;
  line: number;
  /** Defaults to `line`. */
  endLine: number;
  /** 1-based; defaults to 1. */
  column: number;
  message: string;
  detail: string | null;
  fix: { startLine: number; endLine: number; replacement: string } | null;
  source: Finding['source'];
  /** What the shadow database observed for the statement, `null` when nothing. */
  evidence: Evidence | null;
  /** Claude's explanation and verified rewrite, `null` when none. */
  advice: FindingAdvice | null;
  /** From the rule registry, `null` when unknown. */
  helpUri: string | null;
}

export function toJsonReport(review: Review, options: ReportOptions): JsonReport {
  return {
    version: options.toolVersion,
    postgresVersion: review.postgresVersion,
    conclusion: review.conclusion,
    failOn: review.failOn,
    counts: {
      error: review.counts.error,
      warning: review.counts.warning,
      notice: review.counts.notice,
    },
    migrations: review.migrations.map((m) => ({
      id: m.id,
      path: m.path,
      framework: m.framework,
      statements: m.statements,
    })),
    queries: review.queries,
    assumedSizes: review.assumedSizes ?? [],
    shadow: review.shadow ?? null,
    schemaChanges: review.schemaChanges ?? null,
    advice: review.advice ?? null,
    findings: sortFindings(review.findings).map((f) => ({
      rule: f.rule,
      severity: f.severity,
      path: f.path,
      line: f.line,
      endLine: endLineOf(f),
      column: columnOf(f),
      message: f.message,
      detail: f.detail ?? null,
      fix: f.fix
        ? { startLine: f.fix.startLine, endLine: f.fix.endLine, replacement: f.fix.replacement }
        : null,
      source: f.source,
      evidence: f.evidence ?? null,
      advice: f.advice ?? null,
      helpUri: ruleMeta(options.rulesMeta, f.rule)?.helpUri ?? null,
    })),
  };
}

/** Pretty-printed (2 spaces) JSON with a stable key order; ends with a newline. */
export function formatJson(review: Review, options: ReportOptions): string {
  return JSON.stringify(toJsonReport(review, options), null, 2) + '\n';
}
