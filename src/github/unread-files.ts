import type { Config } from '../config/index.ts';
import type { Finding } from '../findings.ts';
import type { PipelineResult } from '../pipeline.ts';
import { buildReview } from '../review.ts';
import type { GitHubChangeSource } from '../source/github.ts';

/**
 * Adds what GitHub did not give the review: its notes (a capped file list, a truncated tree),
 * and the files it could not read (each was reviewed as empty). An unread file that the pull
 * request changes is a `file-not-analysed` finding, so it never passes silently; an unchanged
 * one is a note, as the shadow's base schema lacks it.
 */
export async function withUnreadFiles(result: PipelineResult, source: GitHubChangeSource, config: Config): Promise<PipelineResult> {
  const unread = source.unreadable();
  const notes = [...result.notes, ...source.notes()];
  if (unread.length === 0) return { ...result, notes };
  const changed = (await source.changed())?.paths ?? new Set<string>();
  const findings: Finding[] = unread
    .filter((file) => changed.has(file.path))
    .map((file) => ({
      rule: 'file-not-analysed',
      severity: 'warning',
      path: file.path,
      line: 1,
      message: `GitHub did not give db-review this file (${file.reason}): it was not analysed.`,
      source: 'rule',
    }));
  for (const file of unread.filter((f) => !changed.has(f.path))) notes.push(`${file.path} could not be read (${file.reason}), so the shadow database's base schema lacks it`);
  if (findings.length === 0) return { ...result, notes };
  const { review } = result;
  return {
    ...result,
    notes,
    review: buildReview([...review.findings, ...findings], review, config),
  };
}
