import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isReadOnlyForkRun, readPullRequestEvent, type PullRequestWorkflowEvent } from './action/event.ts';
import { ActionInputError, readActionInputs, type ActionInputs } from './action/inputs.ts';
import { annotationCommand, workflowCommand } from './action/workflow-commands.ts';
import { defaultCacheDir } from './cache-dir.ts';
import { loadCheckedConfig } from './checked-config.ts';
import { ConfigError, type Config } from './config/index.ts';
import { crashEnding } from './github/check-run-endings.ts';
import { endCheckRun, startCheckRun } from './github/check-run-lifecycle.ts';
import { checkRunBody, checkRunSummary } from './github/check-run.ts';
import { tokenClient } from './github/client.ts';
import { githubErrorReason, githubStatus } from './github/errors.ts';
import { publishReview } from './github/publish.ts';
import { pullRequestRef } from './github/pull-request-ref.ts';
import { loadRepoConfig, repositoryConfigReader } from './github/repo-config.ts';
import { reviewPullRequest, type PullRequestReview } from './github/review-pull-request.ts';
import { tokenLogin } from './github/token-login.ts';
import type { GitHubClient, PullRequestRef } from './github/types.ts';
import { claudeAdvisor } from './llm/index.ts';
import { rulesMeta, toolVersion } from './report/meta.ts';
import { formatText } from './report/text.ts';
import type { ReportOptions } from './report/types.ts';
import { readProductionStatsOrNote } from './shadow/explain/production-stats.ts';
import { createShadowProvider } from './shadow/index.ts';
import { DEFAULT_LIMITS, type ShadowProvider } from './shadow/provider.ts';

export interface ActionIO {
  env: NodeJS.ProcessEnv;
  /** The step's log, where workflow commands are read. */
  stdout: NodeJS.WritableStream;
}

const ACTION_EXIT = { ok: 0, failed: 1, error: 2 } as const;

const RETRY = 'Re-run the workflow to try again.';

/**
 * The GitHub Action (action.yml): reviews the pull request of the workflow's event with the
 * token of its `github-token` input. Where the token may write, it publishes as the app does: a
 * check run, a review with inline comments and the summary comment. Where it may not (a fork's
 * pull request), the review goes to workflow annotations instead. Either way the report goes to
 * the job summary. Resolves to the step's exit code: 1 when the review fails, 2 when it could
 * not run.
 */
export async function runAction(io: ActionIO = { env: process.env, stdout: process.stdout }): Promise<number> {
  const log = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  try {
    return await reviewInWorkflow(io.env, log);
  } catch (error) {
    if (error instanceof ActionInputError || error instanceof ConfigError) {
      log(workflowCommand('error', { title: 'db-review cannot run' }, error.message));
      return ACTION_EXIT.error;
    }
    log(workflowCommand('error', { title: 'db-review failed' }, error instanceof Error ? error.message : String(error)));
    if (error instanceof Error && error.stack) log(error.stack);
    return ACTION_EXIT.error;
  }
}

async function reviewInWorkflow(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number> {
  const inputs = readActionInputs(env);
  const event = readPullRequestEvent(env);
  const client = tokenClient(inputs.token, env);
  const { repository, pull_request: pull } = event.payload;
  const pr = pullRequestRef({ owner: repository.owner.login, repo: repository.name }, pull);
  const config = await loadActionConfig(client, pr, inputs, env);
  const report: ReportOptions = { color: false, toolVersion: toolVersion(), rulesMeta: rulesMeta() };
  log(`db-review: reviewing ${pr.owner}/${pr.repo}#${pr.number} at ${pr.headSha.slice(0, 7)}`);

  const target = await checkRunOrReason(client, pr, event);
  const shadow = shadowFor(inputs, config, env);
  const warn = (message: string): void => log(workflowCommand('warning', { title: 'db-review' }, message));
  const productionStats = shadow && inputs.statsUrl ? await readProductionStatsOrNote(inputs.statsUrl, 'stats-database-url', warn) : undefined;
  const advisor = claudeAdvisor(inputs.anthropicKey ?? env.ANTHROPIC_API_KEY, { log: (message, fields) => log(`${message} ${JSON.stringify(fields)}`) });
  if (inputs.explain && !advisor) warn("explain is true, but anthropic-api-key is empty (a fork's pull request gets no secrets): the review has no explanations by Claude.");
  let reviewed: PullRequestReview;
  try {
    reviewed = await reviewPullRequest(client, pr, config, {
      shadow,
      changedFiles: pull.changed_files,
      productionStats,
      ...(advisor ? { advisor, explain: inputs.explain, budgetScope: `${pr.owner}/${pr.repo}`.toLowerCase() } : {}),
    });
  } catch (error) {
    if (target.checkRunId !== undefined) await endCheckRun(client, pr, target.checkRunId, crashEnding('reviewing the migrations', error, RETRY));
    throw error;
  } finally {
    await shadow?.dispose();
  }
  const { result, patches } = reviewed;
  log(formatText(result.review, report).trimEnd());

  let problems: string[];
  if (target.checkRunId === undefined) {
    for (const annotation of checkRunBody(result, report).annotations) log(annotationCommand(annotation));
    log(workflowCommand('notice', { title: 'db-review' }, target.readOnly));
    problems = [target.readOnly];
  } else {
    ({ problems } = await publishReview(client, pr, target.checkRunId, result, { botLogin: await tokenLogin(client), report, patches }));
    for (const problem of problems) warn(problem);
  }
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, checkRunSummary(result, report, problems));
  return result.review.conclusion === 'failure' ? ACTION_EXIT.failed : ACTION_EXIT.ok;
}

/**
 * The check run, in progress, where the token may create one; else why not, as the job summary
 * says it. A token that cannot create a check run (a fork's, Dependabot's, or one whose
 * `permissions:` leave out `checks: write`) writes nothing to the pull request.
 */
async function checkRunOrReason(
  client: GitHubClient,
  pr: PullRequestRef,
  event: PullRequestWorkflowEvent,
): Promise<{ checkRunId: number; readOnly?: never } | { checkRunId?: never; readOnly: string }> {
  if (isReadOnlyForkRun(event)) {
    return { readOnly: "This pull request comes from a fork, and the workflow's token cannot write to it: the review is in the job summary and the annotations." };
  }
  try {
    return { checkRunId: await startCheckRun(client, pr) };
  } catch (error) {
    if (githubStatus(error) !== 403) throw error;
    return {
      readOnly: `The token may not create check runs (${githubErrorReason(error)}; the workflow needs \`permissions: checks: write\`), so db-review wrote nothing to the pull request: the review is in the job summary and the annotations.`,
    };
  }
}

/** The `config` input's file in the workspace, else the repository's config on its default branch; `fail-on` over either. */
async function loadActionConfig(client: GitHubClient, pr: PullRequestRef, inputs: ActionInputs, env: NodeJS.ProcessEnv): Promise<Config> {
  const config =
    inputs.configFile === undefined
      ? await loadRepoConfig(repositoryConfigReader(client, { owner: pr.owner, repo: pr.repo }))
      : await loadCheckedConfig(env.GITHUB_WORKSPACE ?? process.cwd(), inputs.configFile);
  return inputs.failOn === undefined ? config : { ...config, fail_on: inputs.failOn };
}

function shadowFor(inputs: ActionInputs, config: Config, env: NodeJS.ProcessEnv): ShadowProvider | undefined {
  if (inputs.shadow === 'off') return undefined;
  return createShadowProvider({
    url: inputs.shadowUrl,
    limits: DEFAULT_LIMITS,
    extensions: config.shadow.extensions,
    // The job's own temporary directory: a self-hosted runner keeps ~/.cache between jobs, and a
    // bundled action cannot tell which PGlite version a cached database came from.
    cacheDir: env.DB_REVIEW_CACHE_DIR || (env.RUNNER_TEMP ? path.join(env.RUNNER_TEMP, 'db-review') : defaultCacheDir(env)),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAction();
}
