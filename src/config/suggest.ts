/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), so that
 * "fial_on" is one edit away from "fail_on".
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i]!;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** Case, `-` versus `_` and surrounding blanks are not worth an edit. */
function normalise(s: string): string {
  return s.trim().toLowerCase().replaceAll('-', '_');
}

/**
 * The candidate closest to `input`, if it is close enough to be a plausible typo: at most a
 * third of the candidate's length in edits (and at least one edit allowed), or an abbreviation
 * of at least three characters.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const needle = normalise(input);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const target = normalise(candidate);
    const distance = editDistance(needle, target);
    const limit = Math.max(1, Math.floor(candidate.length / 3));
    // An abbreviation ("warn" for "warning") is a plausible typo too.
    const abbreviation = needle.length >= 3 && target.startsWith(needle);
    if ((distance <= limit || abbreviation) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "x"?)`, or an empty string when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? '' : ` (did you mean ${JSON.stringify(match)}?)`;
}
