import type { Config } from '../config/index.ts';
import { reviewSource, type PipelineOptions, type PipelineResult } from '../pipeline.ts';
import { githubSource } from '../source/github.ts';
import type { FileCache } from './file-cache.ts';
import type { GitHubClient, PullRequestRef } from './types.ts';
import { withUnreadFiles } from './unread-files.ts';

export interface PullRequestReview {
  result: PipelineResult;
  /** Path → the unified diff GitHub gave for it (undefined: none, binary or too large): where inline comments may go. */
  patches: ReadonlyMap<string, string | undefined>;
}

export interface PullRequestReviewOptions extends PipelineOptions {
  /** The pull request's `changed_files`, when known. */
  changedFiles?: number;
  /** File contents earlier reviews read, by blob SHA. */
  cache?: FileCache;
}

/**
 * Reviews a pull request as GitHub holds it: the migrations of its head commit, those it changes
 * under review, and what GitHub did not give (files it could not read, capped lists) reported.
 */
export async function reviewPullRequest(
  client: GitHubClient,
  pr: PullRequestRef,
  config: Config,
  options: PullRequestReviewOptions = {},
): Promise<PullRequestReview> {
  const { changedFiles, cache, ...pipeline } = options;
  const source = githubSource(client, pr, { paths: listedPaths(config), changedFiles, cache });
  const reviewed = await reviewSource(source, config, pipeline);
  return { result: await withUnreadFiles(reviewed, source, config), patches: source.patches() };
}

/** The globs of the files a review reads: the migrations' and the queries'; either one empty means every file. */
function listedPaths(config: Config): string[] {
  const { migrations, queries } = config;
  return migrations.paths.length > 0 && queries.paths.length > 0 ? [...migrations.paths, ...queries.paths] : [];
}
