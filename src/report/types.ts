/** What a reporter knows about a rule; comes from the rule registry. */
export interface RuleMeta {
  /** One line: what the rule looks for. */
  summary: string;
  /** Where the rule is documented. */
  helpUri?: string;
}

export interface ReportOptions {
  /** Emit ANSI colour codes (text format only). */
  color: boolean;
  /** db-review's own version, e.g. "0.1.0". */
  toolVersion: string;
  /** Rule id → metadata. A rule missing here is still reported, with its id as its summary. */
  rulesMeta: Record<string, RuleMeta>;
}

export type ReportFormat = 'text' | 'json' | 'markdown' | 'sarif';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown', 'sarif'];
