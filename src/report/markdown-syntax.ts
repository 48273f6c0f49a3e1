import { withoutFinalNewline } from './common.ts';

/**
 * A backtick fence for a fenced code block holding `code`: one backtick longer than the longest
 * run of backticks inside it, and never shorter than three.
 */
export function fenceFor(code: string): string {
  let longest = 0;
  for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** `code` as a fenced block with an info string, e.g. ```sql … ```. */
export function fencedBlock(code: string, info = ''): string {
  const fence = fenceFor(code);
  return `${fence}${info}\n${withoutFinalNewline(code)}\n${fence}`;
}

/**
 * Text made safe for one GFM table cell: `|` escaped, line breaks turned into `<br>`, HTML
 * special characters escaped so a message can't open a tag and swallow the rest of the comment.
 */
export function escapeTableCell(text: string): string {
  return escapeHtml(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>')
    .trim();
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Code span around `text`, with a backtick run longer than any inside it. */
export function codeSpan(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const ticks = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}
