/** Characters in a check run's `output.summary`. */
export const CHECK_SUMMARY_LIMIT = 65_535;
/** Characters in the body of an issue comment, a review and a review comment. */
export const COMMENT_BODY_LIMIT = 65_536;
/** Annotations in one checks.create or checks.update request; further ones go in more updates. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Bytes in an annotation's `message` and `raw_details`. */
export const ANNOTATION_TEXT_LIMIT = 64 * 1024;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * `markdown` cut to at most `limit` characters, `note` in its own paragraph after the cut. The cut
 * falls at the end of a line outside any code fence and `<details>` fold, so no fence or fold is
 * left open and no table row is split; unchanged when it fits.
 */
export function fitMarkdown(markdown: string, limit: number, note: string): string {
  if (markdown.length <= limit) return markdown;
  const ending = `\n\n${note}\n`;
  const room = limit - ending.length;
  let fence: string | undefined;
  let folds = 0;
  let safeEnd = 0;
  let offset = 0;
  for (const line of markdown.split('\n')) {
    const end = offset + line.length;
    if (end > room) break;
    const fenceMark = FENCE.exec(line)?.[1];
    if (fence) {
      if (fenceMark && fenceMark[0] === fence[0] && fenceMark.length >= fence.length && line.trim() === fenceMark) fence = undefined;
    } else if (fenceMark) {
      fence = fenceMark;
    } else {
      folds += count(line, /<details[\s>]/gi) - count(line, /<\/details\s*>/gi);
    }
    if (!fence && folds <= 0) safeEnd = end;
    offset = end + 1;
  }
  return markdown.slice(0, safeEnd).trimEnd() + ending;
}

/** `text` cut to at most `maxBytes` bytes of UTF-8, ending in "…" when cut. */
export function clipBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  const head = Buffer.from(text).subarray(0, maxBytes - Buffer.byteLength(ellipsis)).toString('utf8');
  // A multibyte character cut in half decodes as U+FFFD.
  return head.replace(/\uFFFD$/, '') + ellipsis;
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
