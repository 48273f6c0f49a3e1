import type { Finding, Fix } from '../findings.ts';
import type { Review, ReviewAdvice } from '../review-types.ts';
import { plural } from './common.ts';
import { fencedBlock } from './markdown-syntax.ts';

export const VERIFIED_REWRITE =
  'Rewrite proposed by Claude and **verified on the shadow database**: it parses, applies on the same base schema, still changes the tables the original changes, and takes no lock or rewrite worse than the original on any existing table.';

/** The replacement a comment suggests: the rule's own fix, else Claude's verified rewrite. */
export function suggestedFix(finding: Finding): Fix | undefined {
  return finding.fix ?? finding.advice?.rewrite;
}

/** Claude's explanation of a finding, and its verified rewrite when the finding has no fix of its own (`asSuggestion`: in a suggestion block). */
export function findingAdviceParts(finding: Finding, asSuggestion: boolean): string[] {
  const { advice } = finding;
  if (!advice) return [];
  const parts = [`**Claude's explanation** (advice; the verdict comes from db-review's rules alone)\n\n${advice.explanation}`];
  if (advice.rewrite && !finding.fix) {
    const { startLine, endLine, replacement } = advice.rewrite;
    const lines = startLine === endLine ? `line ${startLine}` : `lines ${startLine}–${endLine}`;
    parts.push(asSuggestion ? fencedBlock(replacement, 'suggestion') : `Replacement for ${lines}:\n\n${fencedBlock(replacement, 'sql')}`, VERIFIED_REWRITE);
    if (advice.rewrite.laterSteps) parts.push(`Later steps: ${advice.rewrite.laterSteps}`);
  }
  return parts;
}

/**
 * Claude's review of the data model change, or the one line saying why Claude's part is missing.
 * `explainedWhere` says where the findings' explanations are: "in the inline comments".
 */
export function adviceSection(review: Review, explainedWhere: string): string[] {
  const { advice } = review;
  if (!advice) return [];
  if (advice.missing) return [`_${missingAdviceLine(advice.missing)}_`];
  const head = `**Data model review** by Claude (${advice.model}), advice only: the verdict comes from db-review's rules. ${adviceTally(advice, explainedWhere)}`;
  return advice.dataModel ? [head, '', advice.dataModel] : [head];
}

export function missingAdviceLine(why: string): string {
  return `Claude's explanations are missing from this review: ${why}.`;
}

/** "2 findings explained <where>. 1 rewrite verified on the shadow database and suggested, 1 dropped …." */
export function adviceTally(advice: ReviewAdvice, where: string): string {
  const { verified, dropped } = advice.rewrites;
  const rewrites = verified + dropped > 0
    ? ` ${plural(verified, 'rewrite')} verified on the shadow database and suggested${dropped ? `, ${dropped} dropped because the shadow database did not confirm them` : ''}.`
    : '';
  return `${plural(advice.explained, 'finding')} explained ${where}.${rewrites}`;
}
