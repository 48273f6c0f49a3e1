import { Context } from 'probot';
import { ConfigError, DEFAULT_CONFIG, validateConfig, type Config } from '../config/index.ts';
import { assertKnownRuleIds } from '../known-rule-ids.ts';
import type { RepositoryName } from './pull-request-ref.ts';
import type { GitHubClient } from './types.ts';

/** Under `.github/` of the default branch; Probot's config loader also looks in the owner's `.github` repository. */
const CONFIG_FILE = 'db-review.yml';
const CONFIG_PATH = `.github/${CONFIG_FILE}`;
const LOADER_PREFIX = '[@probot/octokit-plugin-config] ';

/**
 * The repository's config from its default branch, so that a pull request cannot loosen its own
 * review. `_extends: other-repo` (or `owner/repo:path.yml`) merges a shared config under it; a
 * list in the extending file replaces the inherited list instead of adding to it. Throws
 * `ConfigError` when the file cannot be read as YAML or does not validate.
 */
export async function loadRepoConfig(context: Pick<Context, 'config'>): Promise<Config> {
  let value: unknown;
  try {
    value = await context.config<unknown>(CONFIG_FILE, undefined, { arrayMerge: (_inherited, own: unknown[]) => own });
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(LOADER_PREFIX)) throw new ConfigError(CONFIG_PATH, [loaderProblem(error)]);
    throw error;
  }
  if (value === null) return DEFAULT_CONFIG;
  const config = validateConfig(value, CONFIG_PATH);
  assertKnownRuleIds(config, CONFIG_PATH);
  return config;
}

/**
 * `context.config` outside a webhook (the command line, the Action): Probot's own reader, the
 * same requests and merging as the app's, which needs nothing of a context but its client and
 * repository.
 */
export function repositoryConfigReader(client: GitHubClient, repository: RepositoryName): Pick<Context, 'config'> {
  const context = { octokit: client, repo: (object?: object) => ({ ...repository, ...object }) };
  return { config: ((...args: Parameters<Context['config']>) => Context.prototype.config.apply(context as unknown as Context, args)) as Context['config'] };
}

/** The loader's message, with the YAML parser's own (which says where) when that is the cause. */
function loaderProblem(error: Error): string {
  const message = error.message.slice(LOADER_PREFIX.length);
  return error.cause instanceof Error ? `${message}: ${error.cause.message}` : message;
}
