import type { Review } from '../review-types.ts';
import { formatJson } from './json.ts';
import { formatMarkdown } from './markdown.ts';
import { formatSarif } from './sarif.ts';
import { formatText } from './text.ts';
import type { ReportFormat, ReportOptions } from './types.ts';

export type { ReportFormat, ReportOptions, RuleMeta } from './types.ts';
export { REPORT_FORMATS } from './types.ts';
export { formatText, shouldColor } from './text.ts';
export { formatJson, toJsonReport } from './json.ts';
export type { JsonFinding, JsonReport } from './json.ts';
export { formatMarkdown } from './markdown.ts';
export { escapeTableCell, fenceFor } from './markdown-syntax.ts';
export { formatSarif, toSarifLog } from './sarif.ts';

const REPORTERS: Record<ReportFormat, (review: Review, options: ReportOptions) => string> = {
  text: formatText,
  json: formatJson,
  markdown: formatMarkdown,
  sarif: formatSarif,
};

/** Renders `review` in `format`. Every format's output ends with a newline. */
export function formatReview(format: ReportFormat, review: Review, options: ReportOptions): string {
  const reporter = REPORTERS[format];
  if (reporter === undefined) throw new Error(`unknown report format: ${String(format)}`);
  return reporter(review, options);
}
