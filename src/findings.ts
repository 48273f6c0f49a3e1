export type Severity = 'error' | 'warning' | 'notice';

export const SEVERITY_RANK: Record<Severity, number> = { notice: 1, warning: 2, error: 3 };

/** A replacement of whole lines [startLine, endLine] of the finding's file; becomes a suggestion. */
export interface Fix {
  startLine: number;
  endLine: number;
  replacement: string;
}

/** What the shadow database observed for the finding's statement. */
export interface Evidence {
  locks?: { table: string; relation?: string; mode: string }[];
  rewrite?: boolean;
  /** Tables (not indexes) whose storage was replaced. */
  rewriteTables?: string[];
  /** Tables read in full. */
  scans?: string[];
}

export interface Finding {
  rule: string;
  severity: Severity;
  path: string;
  line: number;
  endLine?: number;
  column?: number;
  /** One sentence: what happens, and why it hurts in production. */
  message: string;
  /** Markdown: the evidence and the safe way. */
  detail?: string;
  fix?: Fix;
  evidence?: Evidence;
  /** Claude's explanation, and its rewrite once the shadow database verified it: advice, never part of the verdict. */
  advice?: FindingAdvice;
  source: 'rule' | 'shadow' | 'explain' | 'llm';
}

export interface FindingAdvice {
  explanation: string;
  /** A replacement of the finding's statement that parsed, applied and locked no worse on the shadow database. */
  rewrite?: Fix & { laterSteps?: string };
}
