import type { ConfigError } from '../config/index.ts';
import { fencedBlock } from '../report/markdown-syntax.ts';
import type { CheckRunEnding } from './check-run-lifecycle.ts';
import type { CancelReason } from './review-queue.ts';

export function invalidConfigEnding(error: ConfigError): CheckRunEnding {
  return {
    conclusion: 'failure',
    title: `Invalid config: ${error.source}`,
    summary: [
      'The db-review config on the default branch cannot be used, so nothing was reviewed:',
      '',
      fencedBlock(error.message),
      '',
      'The config is read from the default branch, so that a pull request cannot loosen its own review: fix it there, then comment `/db-review` to run the review again.',
    ].join('\n'),
  };
}

/** How to run the review again, as the app offers it. */
const RETRY_BY_COMMAND = 'Comment `/db-review` to try again.';

/** The stage names read as "while <stage>"; `retry` says how to run the review again. */
export function crashEnding(stage: string, error: unknown, retry = RETRY_BY_COMMAND): CheckRunEnding {
  const message = error instanceof Error ? error.message : String(error);
  return {
    conclusion: 'failure',
    title: 'db-review could not finish the review',
    summary: [
      `db-review failed while ${stage}:`,
      '',
      fencedBlock(message || '(no message)'),
      '',
      `This is a failure of db-review or of GitHub, not a finding about the pull request. ${retry}`,
    ].join('\n'),
  };
}

/**
 * A superseded run that never started is `skipped`; one that started is `cancelled`. A run
 * stopped by a shutdown is always `cancelled`, never `skipped`: a required check counts
 * `skipped` as passing, and that run's commit may be the pull request's newest.
 */
export function cancelledEnding(reason: CancelReason, started: boolean): CheckRunEnding {
  if (reason === 'superseded') {
    return {
      conclusion: started ? 'cancelled' : 'skipped',
      title: 'Superseded by a newer review',
      summary: 'A newer push to this pull request, or a re-run, started a newer db-review run: its check run has the review.',
    };
  }
  return {
    conclusion: 'cancelled',
    title: 'db-review stopped before the review finished',
    summary: 'The db-review app shut down before this review could finish. Push again, or comment `/db-review`, to run it.',
  };
}
