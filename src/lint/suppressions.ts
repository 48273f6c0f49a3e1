import type { Finding } from '../findings.ts';
import type { SqlComment, Statement } from '../sql/statement.ts';
import type { ParsedMigration } from './engine.ts';

export interface Suppression {
  rules: string[];
  line: number;
  reason: string;
  scope: 'statement' | 'file';
}

const DIRECTIVE = /db-review:(ignore-file|ignore)\s+([\w,-]+)\s*(.*)$/;

/** Reads `-- db-review:ignore <rule>[,<rule>] <reason>` and `-- db-review:ignore-file <rule>`. */
export function readSuppressions(comments: SqlComment[]): Suppression[] {
  return comments.flatMap((comment) => {
    const text = comment.text.replace(/^--\s*|^\/\*\s*|\s*\*\/$/g, '');
    const match = DIRECTIVE.exec(text);
    if (!match) return [];
    return [{
      scope: match[1] === 'ignore-file' ? 'file' : 'statement',
      rules: match[2]!.split(',').filter(Boolean),
      reason: match[3]!.trim(),
      line: comment.line,
    }];
  });
}

/**
 * The rules suppressed for a statement: by an `ignore` comment in the block of comment lines
 * directly above it (or on its own first line), or by an `ignore-file` anywhere.
 */
export function suppressedRules(statement: Statement, suppressions: Suppression[]): Set<string> {
  const commentLines = new Set(statement.comments.map((c) => c.line));
  let top = statement.range.startLine;
  while (commentLines.has(top - 1)) top--;
  const rules = new Set<string>();
  for (const s of suppressions) {
    const applies = s.scope === 'file' || (s.line >= top && s.line <= statement.range.startLine);
    if (applies) for (const rule of s.rules) rules.add(rule);
  }
  return rules;
}

/**
 * The findings less the shadow database's that a suppression silences at the statement they
 * point at. Rule findings are left as they are: the engine does not run a suppressed rule.
 */
export function withoutSuppressedShadowFindings(findings: Finding[], migrations: ParsedMigration[]): Finding[] {
  const byPath = new Map(migrations.map((m) => [m.migration.path, m]));
  return findings.filter((finding) => {
    const migration = finding.source === 'shadow' ? byPath.get(finding.path) : undefined;
    return !migration || !suppressedAt(migration, finding.line).has(finding.rule);
  });
}

/** The rules silenced for the top-level statement spanning `line`; outside any statement, the file-wide ones. */
function suppressedAt(migration: ParsedMigration, line: number): Set<string> {
  const suppressions = readSuppressions(migration.comments);
  const statement = migration.statements.find((s) => !s.embeddedIn && s.range.startLine <= line && s.range.endLine >= line);
  if (statement) return suppressedRules(statement, suppressions);
  return new Set(suppressions.filter((s) => s.scope === 'file').flatMap((s) => s.rules));
}

/** A suppression naming a rule that does not exist silences nothing, and hides the intent. */
export function unknownSuppressions(path: string, suppressions: Suppression[], known: ReadonlySet<string>): Finding[] {
  return suppressions.flatMap((s) =>
    s.rules
      .filter((rule) => !known.has(rule))
      .map(
        (rule): Finding => ({
          rule: 'unknown-suppression',
          severity: 'warning',
          path,
          line: s.line,
          message: `\`${rule}\` is not a db-review rule, so this suppression silences nothing; check the rule id.`,
          source: 'rule',
        }),
      ),
  );
}
