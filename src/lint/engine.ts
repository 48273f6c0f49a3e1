import type { AlterEnumStmt, AlterTableCmd, AlterTableStmt, Constraint } from '@pgsql/types';
import type { Finding } from '../findings.ts';
import type { Migration } from '../migrations/types.ts';
import { listOf, nodeOf, unwrap } from '../sql/ast.ts';
import { locksTaken, type LockRequest } from '../sql/locks.ts';
import { qualify } from '../sql/names.ts';
import type { ParsedSection } from '../sql/parse.ts';
import type { Statement } from '../sql/statement.ts';
import { ENGINE_FINDINGS } from './engine-findings.ts';
import type { Rule, RuleContext, RuleReport } from './rule.ts';
import { pgConstraintName } from './constraint-names.ts';
import { SchemaModel } from './schema.ts';
import { readSuppressions, suppressedRules, unknownSuppressions, type Suppression } from './suppressions.ts';
import { runAtOnce, type Steps } from '../time-slices.ts';
import { TransactionTracker } from './transaction.ts';
import { effectiveTransactionMode } from './transaction-mode.ts';

export interface ParsedMigration extends ParsedSection {
  migration: Migration;
  /** False for migrations that only build the base schema (earlier history, not under review). */
  reviewed: boolean;
}

export interface LintOptions {
  rules: Rule[];
  pgVersion: number;
  /**
   * `migration`: only objects created earlier in the same migration count as new (each file is
   * its own deployment). `change`: objects created by any reviewed migration count as new too
   * (a pull request's migrations deploy together, before anything fills their tables).
   */
  newObjects: 'migration' | 'change';
  tableRows?: (table: string) => number | undefined;
  /** Rule ids a suppression may name (rules turned off included); defaults to the rules run. */
  knownRuleIds?: string[];
}

export function lint(migrations: ParsedMigration[], options: LintOptions): Finding[] {
  return runAtOnce(lintSteps(migrations, options));
}

/** `lint` in steps of one migration's schema or one statement's rules, so that a server can run it in slices. */
export function* lintSteps(migrations: ParsedMigration[], options: LintOptions): Steps<Finding[]> {
  const finalSchema = new SchemaModel();
  for (const parsed of migrations) {
    for (const statement of executed(parsed.statements)) finalSchema.apply(statement, parsed.migration.id);
    yield;
  }
  const reviewedIds = new Set(migrations.filter((m) => m.reviewed).map((m) => m.migration.id));
  const knownIds = new Set<string>([
    ...(options.knownRuleIds ?? options.rules.map((r) => r.id)),
    ...ENGINE_FINDINGS.map((f) => f.id),
  ]);
  const schema = new SchemaModel();
  const findings: Finding[] = [];
  for (const parsed of migrations) {
    const migrationFindings = yield* lintMigration(parsed, schema, finalSchema, reviewedIds, options);
    if (!parsed.reviewed) continue;
    const suppressions = readSuppressions(parsed.comments);
    findings.push(...parseErrors(parsed), ...unknownSuppressions(parsed.migration.path, suppressions, knownIds), ...migrationFindings);
  }
  return findings;
}

function* lintMigration(
  parsed: ParsedMigration,
  schema: SchemaModel,
  finalSchema: SchemaModel,
  reviewedIds: Set<string>,
  options: LintOptions,
): Steps<Finding[]> {
  const { migration } = parsed;
  const topLevel = parsed.statements.filter((s) => !s.embeddedIn);
  const tracker = new TransactionTracker(effectiveTransactionMode(migration, topLevel), topLevel.length);
  const suppressions = readSuppressions(parsed.comments);
  const findings: Finding[] = [];
  const isExisting = (table: string): boolean => {
    const createdIn = schema.tables.get(table)?.createdIn;
    if (createdIn === undefined) return true;
    if (createdIn === migration.id) return false;
    return !(options.newObjects === 'change' && reviewedIds.has(createdIn));
  };
  const seen = new Set<string>();
  let topIndex = -1;
  for (const statement of parsed.statements) {
    if (!statement.embeddedIn) topIndex++;
    const inFunctionBody = statement.embeddedIn?.kind === 'function';
    const locks = inFunctionBody ? [] : locksTaken(statement, schema.indexOwner, options.pgVersion);
    if (parsed.reviewed) {
      const context: RuleContext = {
        pgVersion: options.pgVersion,
        migration,
        statements: topLevel,
        index: Math.max(topIndex, 0),
        schema,
        finalSchema,
        tx: tracker.view(Math.max(topIndex, 0)),
        locks,
        isExisting,
        tableRows: options.tableRows ?? (() => undefined),
        once: () => false,
      };
      const rules = options.rules.filter((r) => !inFunctionBody || r.scope === 'definition');
      findings.push(...runRules(rules, statement, context, migration, suppressions, seen));
    }
    if (inFunctionBody) continue;
    if (!statement.embeddedIn) {
      tracker.after(statement, locks.filter((l) => isExisting(l.table)), transactionExtras(statement, schema));
    }
    schema.apply(statement, migration.id);
    yield;
  }
  return findings;
}

function runRules(
  rules: Rule[],
  statement: Statement,
  context: RuleContext,
  migration: Migration,
  suppressions: Suppression[],
  seen: Set<string>,
): Finding[] {
  const suppressed = suppressedRules(statement, suppressions);
  const findings: Finding[] = [];
  for (const rule of rules) {
    if (suppressed.has(rule.id)) continue;
    const once = (key: string): boolean => {
      const scoped = `${rule.id}:${key}`;
      if (seen.has(scoped)) return false;
      seen.add(scoped);
      return true;
    };
    const result = rule.check(statement, { ...context, once });
    const reports: RuleReport[] = result === undefined ? [] : Array.isArray(result) ? result : [result];
    for (const report of reports) {
      findings.push({
        rule: rule.id,
        severity: report.severity ?? rule.severity,
        path: migration.path,
        line: report.line ?? statement.range.startLine,
        endLine: report.endLine ?? statement.range.endLine,
        column: report.line === undefined ? statement.range.startCol : undefined,
        message: report.message,
        detail: report.detail,
        // A fix inside a function body would have to rewrite the body's quoting: left to the reader.
        fix: statement.embeddedIn ? undefined : report.fix,
        source: 'rule',
      });
    }
  }
  return findings;
}

function transactionExtras(statement: Statement, schema: SchemaModel): { notValid?: string[]; enumValues?: string[] } {
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  if (alter) {
    const table = qualify(alter.relation);
    const notValid = listOf(alter.cmds).flatMap((item) => {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      const constraint = unwrap<Constraint>(cmd?.def, 'Constraint');
      return cmd?.subtype === 'AT_AddConstraint' && constraint?.skip_validation
        ? [`${table}.${pgConstraintName(table, constraint, schema).name}`]
        : [];
    });
    return { notValid };
  }
  const alterEnum = nodeOf<AlterEnumStmt>(statement, 'AlterEnumStmt');
  if (alterEnum?.newVal && !alterEnum.oldVal) return { enumValues: [alterEnum.newVal] };
  return {};
}

function executed(statements: Statement[]): Statement[] {
  return statements.filter((s) => s.embeddedIn?.kind !== 'function');
}

function parseErrors(parsed: ParsedMigration): Finding[] {
  return parsed.problems.map((problem) => ({
    rule: 'parse-error',
    severity: 'error',
    path: parsed.migration.path,
    line: problem.line,
    column: problem.col,
    message: `PostgreSQL cannot parse this statement: ${problem.message}. The migration would fail here; statements that parse are still reviewed.`,
    source: 'rule',
  }));
}


export type { LockRequest };
