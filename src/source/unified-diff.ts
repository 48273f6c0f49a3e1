const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/**
 * The head-side line numbers a file's unified diff adds (its `+` lines), from a patch with or
 * without context lines (GitHub's `patch`, or `git diff -U0`).
 */
export function addedLines(patch: string): Set<number> {
  const added = new Set<number>();
  let next = 0;
  let newLeft = 0;
  for (const raw of patch.split(/\r?\n/)) {
    const header = HUNK_HEADER.exec(raw);
    if (header) {
      next = Number(header[1]);
      newLeft = Number(header[2] ?? 1);
      continue;
    }
    if (newLeft === 0 || raw.startsWith('\\') || raw.startsWith('-')) continue;
    if (raw.startsWith('+')) added.add(next);
    next++;
    newLeft--;
  }
  return added;
}

/**
 * Each file's added lines in the output of `git diff` (one `diff --git` section per file), by
 * the head-side path of its `+++ b/…` line. A deleted file has none; a path git had to quote is
 * left out, so its file counts as changed throughout.
 */
export function addedLinesByFile(diff: string): Map<string, Set<number>> {
  const byFile = new Map<string, Set<number>>();
  for (const section of diff.split(/^(?=diff --git )/m)) {
    const target = /^\+\+\+ b\/(.+)$/m.exec(section)?.[1];
    if (target === undefined || target.startsWith('"')) continue;
    byFile.set(target, addedLines(section.slice(section.indexOf('\n@@') + 1)));
  }
  return byFile;
}
