import path from 'node:path';
import { defaultCacheDir } from '../cache-dir.ts';
import { Advisor, type AdvisorOptions } from './advisor.ts';
import { claudeSender } from './claude.ts';
import { memoryOnDisk } from './memory.ts';

export { Advisor, type AdviceRequest } from './advisor.ts';

type Log = NonNullable<AdvisorOptions['log']>;

/**
 * Claude's part of the review, when the environment of the app (or the command line) holds
 * `ANTHROPIC_API_KEY`; never read from a repository or a pull request. Without it: undefined,
 * and nothing ever calls out. Answers and each day's spending are kept in the cache directory,
 * so that neither a restart nor a second run of the same review pays again.
 */
export function advisorFromEnvironment(env: NodeJS.ProcessEnv, log?: Log): Advisor | undefined {
  const memory = memoryOnDisk(path.join(defaultCacheDir(env), 'claude'), (message) => log?.(message, {}));
  return claudeAdvisor(env.ANTHROPIC_API_KEY, { memory, ...(log ? { log } : {}) });
}

/** Claude's part of the review with this API key; undefined without one. */
export function claudeAdvisor(apiKey: string | undefined, options: Omit<AdvisorOptions, 'send'> = {}): Advisor | undefined {
  const key = apiKey?.trim();
  if (!key) return undefined;
  return new Advisor({ send: claudeSender({ apiKey: key }), ...options });
}
