import type { Log, ReportingDescriptor, Result, Fix as SarifFix } from 'sarif';
import { SEVERITY_RANK } from '../findings.ts';
import type { Finding, Severity } from '../findings.ts';
import type { Review } from '../review-types.ts';
import {
  columnOf,
  compareStrings,
  endLineOf,
  ruleMeta,
  sortFindings,
  withoutFinalNewline,
} from './common.ts';
import type { ReportOptions } from './types.ts';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'db-review';
export const TOOL_INFORMATION_URI = 'https://github.com/db-review/db-review';

type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', notice: 'note' };

/**
 * A repository-relative path as a SARIF relative URI reference (to be resolved against
 * %SRCROOT%): forward slashes, no leading "./", each segment percent-encoded.
 */
export function toArtifactUri(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/**
 * The review as a SARIF 2.1.0 log with one run. Rules list every rule id that has a finding,
 * sorted by id; a rule's default level is its most severe finding's. A finding's fix becomes a
 * SARIF fix replacing whole lines startLine..endLine.
 */
export function toSarifLog(review: Review, options: ReportOptions): Log {
  const findings = sortFindings(review.findings);

  const worstByRule = new Map<string, Severity>();
  for (const f of findings) {
    const seen = worstByRule.get(f.rule);
    if (seen === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[seen]) {
      worstByRule.set(f.rule, f.severity);
    }
  }
  const ruleIds = [...worstByRule.keys()].sort(compareStrings);
  const ruleIndex = new Map(ruleIds.map((id, index) => [id, index]));

  const rules: ReportingDescriptor[] = ruleIds.map((id) => {
    const meta = ruleMeta(options.rulesMeta, id);
    const rule: ReportingDescriptor = {
      id,
      shortDescription: { text: meta?.summary || id },
    };
    if (meta?.helpUri) rule.helpUri = meta.helpUri;
    rule.defaultConfiguration = { level: LEVEL[worstByRule.get(id) ?? 'warning'] };
    return rule;
  });

  const results: Result[] = findings.map((f) => toResult(f, ruleIndex.get(f.rule) ?? 0));

  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: options.toolVersion,
            informationUri: TOOL_INFORMATION_URI,
            rules,
          },
        },
        results,
      },
    ],
  };
}

function toResult(f: Finding, ruleIndex: number): Result {
  const uri = toArtifactUri(f.path);
  const result: Result = {
    ruleId: f.rule,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: columnOf(f), endLine: endLineOf(f) },
        },
      },
    ],
  };
  if (f.fix) {
    const fix: SarifFix = {
      description: { text: `Replace ${linesPhrase(f.fix.startLine, f.fix.endLine)}` },
      artifactChanges: [
        {
          artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
          replacements: [
            {
              deletedRegion: {
                startLine: f.fix.startLine,
                endLine: Math.max(f.fix.endLine, f.fix.startLine),
              },
              // A line region ends before the last line's line break, which stays.
              insertedContent: { text: withoutFinalNewline(f.fix.replacement) },
            },
          ],
        },
      ],
    };
    result.fixes = [fix];
  }
  return result;
}

function linesPhrase(start: number, end: number): string {
  return end > start ? `lines ${start}-${end}` : `line ${start}`;
}

/** SARIF 2.1.0 JSON, pretty-printed; ends with a newline. */
export function formatSarif(review: Review, options: ReportOptions): string {
  return JSON.stringify(toSarifLog(review, options), null, 2) + '\n';
}
