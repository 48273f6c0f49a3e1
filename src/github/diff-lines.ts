/** A head-side (RIGHT) line of a pull request's diff, where a review comment may go. */
export interface DiffLine {
  /** Index of its hunk in the patch: a multi-line comment must start and end in the same hunk. */
  hunk: number;
  /** The line's text, without the diff marker and line break. */
  text: string;
}

/** Head-side line number → the diff line there. */
export type CommentableLines = ReadonlyMap<number, DiffLine>;

const HUNK_HEADER = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * The head-side lines of a file's unified diff (the `patch` of pulls.listFiles) that a review
 * comment may target: the added and context lines of every hunk. Nothing for a missing patch
 * (binary or too large a file). The hunk headers' line counts say where each hunk ends, so an
 * empty context line whose leading space was stripped still counts.
 */
export function commentableLines(patch: string | undefined): CommentableLines {
  const lines = new Map<number, DiffLine>();
  if (!patch) return lines;
  let hunk = -1;
  let oldLeft = 0;
  let newLeft = 0;
  let next = 0;
  for (const raw of patch.split(/\r?\n/)) {
    const header = HUNK_HEADER.exec(raw);
    if (header) {
      hunk++;
      oldLeft = Number(header[1] ?? 1);
      next = Number(header[2]);
      newLeft = Number(header[3] ?? 1);
      continue;
    }
    if (oldLeft + newLeft === 0 || raw.startsWith('\\')) continue;
    const marker = raw[0];
    if (marker === '-') {
      oldLeft--;
      continue;
    }
    if (newLeft === 0) continue;
    if (marker !== '+') oldLeft--;
    newLeft--;
    lines.set(next++, { hunk, text: raw.slice(1) });
  }
  return lines;
}
