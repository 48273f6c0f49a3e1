import type { Finding } from '../findings.ts';
import type { PipelineResult } from '../pipeline.ts';
import { adviceSection } from '../report/advice.ts';
import { plural } from '../report/common.ts';
import { findingLines, formatMarkdown } from '../report/markdown.ts';
import { schemaChangesSection } from '../report/schema-summary.ts';
import type { ReportOptions } from '../report/types.ts';
import { COMMENT_BODY_LIMIT, fitMarkdown } from './limits.ts';
import { lockTimeline } from './lock-timeline.ts';
import { notesSection, shadowFooter } from './report-parts.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';

/** Identifies the summary comment, so that the next run edits it rather than adding one. */
export const SUMMARY_MARKER = '<!-- db-review:summary -->';

const CUT_NOTE = `_The rest is cut to fit GitHub's limit of ${COMMENT_BODY_LIMIT.toLocaleString('en-US')} characters for a comment; the check run annotates every finding at its line._`;

/**
 * The sticky summary: the verdict and counts, a table of the errors and warnings, the locks the shadow
 * database saw, the schema changes with their diagram, every notice folded away, the notes and
 * the shadow footer. Too long for a comment, it sheds the notices first, then the diagram, then
 * cuts what is left, and says so.
 */
export function stickySummaryBody(result: PipelineResult, options: ReportOptions): string {
  const { review } = result;
  // Tables only: the details and fixes are in the inline comments and the check run.
  const findings = review.findings.map(({ detail: _detail, fix: _fix, advice: _advice, ...finding }): Finding => finding);
  const notices = findings.filter((f) => f.severity === 'notice');
  const prominent = formatMarkdown({ ...review, findings: findings.filter((f) => f.severity !== 'notice'), schemaChanges: undefined, advice: undefined }, options).trimEnd();
  const locks = result.trace ? [lockTimeline(result.trace, review.migrations).join('\n')] : [];
  const changes = review.schemaChanges;
  const schema = changes ? [schemaChangesSection(changes).join('\n')] : [];
  const hasDiagram = changes?.status === 'complete' && changes.shapes.length > 0;
  const undrawn = changes?.status === 'complete' ? [schemaChangesSection({ ...changes, shapes: [] }).join('\n')] : schema;
  const folded = notices.length
    ? [['<details>', `<summary>ℹ️ ${plural(notices.length, 'notice')}</summary>`, ...findingLines(notices, options), '', '</details>'].join('\n')]
    : [];
  const notes = result.notes.length ? [notesSection(result.notes).join('\n')] : [];
  const advice = review.advice ? [adviceSection(review, 'in the inline comments').join('\n')] : [];
  const noticesItem = notices.length ? [{ what: plural(notices.length, 'notice'), many: notices.length > 1 }] : [];

  const variants = [
    { sections: [prominent, ...locks, ...schema, ...advice, ...folded, ...notes], leftOut: [] },
    { sections: [prominent, ...locks, ...schema, ...advice, ...notes], leftOut: noticesItem },
    { sections: [prominent, ...locks, ...undrawn, ...advice, ...notes], leftOut: [...noticesItem, ...(hasDiagram ? [{ what: 'the schema diagram', many: false }] : [])] },
  ];
  const bodyOf = ({ sections, leftOut }: { sections: string[]; leftOut: LeftOut[] }, fit: boolean): string => {
    const tail = `${leftOut.length ? `\n\n${leftOutNote(leftOut)}` : ''}\n\n${shadowFooter(review)}\n`;
    const main = `${SUMMARY_MARKER}\n${sections.join('\n\n')}`;
    return (fit ? fitMarkdown(main, COMMENT_BODY_LIMIT - tail.length, CUT_NOTE).trimEnd() : main) + tail;
  };
  for (const variant of variants) {
    const body = bodyOf(variant, false);
    if (body.length <= COMMENT_BODY_LIMIT) return body;
  }
  return bodyOf(variants.at(-1)!, true);
}

/** A part of the summary shed for size; `many` when its name is plural. */
interface LeftOut {
  what: string;
  many: boolean;
}

/** "_12 notices and the schema diagram are left out to fit …_". */
function leftOutNote(items: LeftOut[]): string {
  const names = items.map((item) => item.what);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const verb = items.length > 1 || items[0]!.many ? 'are' : 'is';
  return `_${list.charAt(0).toUpperCase()}${list.slice(1)} ${verb} left out to fit GitHub's limit of ${COMMENT_BODY_LIMIT.toLocaleString('en-US')} characters for a comment; the check run annotates every finding at its line._`;
}

export type StickySummaryUpdate = 'created' | 'updated' | 'unchanged';

/**
 * Puts `body` in the pull request's one summary comment: edits the comment of `botLogin` that
 * holds the marker when there is one (the first, should there be several), creates it when not.
 */
export async function upsertStickySummary(client: GitHubClient, pr: PullRequestRef, body: string, botLogin: string): Promise<StickySummaryUpdate> {
  const issue = { owner: pr.owner, repo: pr.repo };
  const pages = client.paginate.iterator(client.rest.issues.listComments, { ...issue, issue_number: pr.number, per_page: 100 });
  for await (const { data } of pages) {
    const ours = data.find((comment) => comment.user?.login === botLogin && comment.body?.includes(SUMMARY_MARKER));
    if (!ours) continue;
    if (ours.body === body) return 'unchanged';
    await client.rest.issues.updateComment({ ...issue, comment_id: ours.id, body });
    return 'updated';
  }
  await client.rest.issues.createComment({ ...issue, issue_number: pr.number, body });
  return 'created';
}
