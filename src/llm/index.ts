import { Advisor, type AdvisorOptions } from './advisor.ts';
import { claudeSender } from './claude.ts';

export { Advisor, type AdviceRequest } from './advisor.ts';

/**
 * Claude's part of the review, when the environment of the app (or the command line) holds
 * `ANTHROPIC_API_KEY`; never read from a repository or a pull request. Without it: undefined,
 * and nothing ever calls out.
 */
export function advisorFromEnvironment(env: NodeJS.ProcessEnv, log?: AdvisorOptions['log']): Advisor | undefined {
  return claudeAdvisor(env.ANTHROPIC_API_KEY, log);
}

/** Claude's part of the review with this API key; undefined without one. */
export function claudeAdvisor(apiKey: string | undefined, log?: AdvisorOptions['log']): Advisor | undefined {
  const key = apiKey?.trim();
  if (!key) return undefined;
  return new Advisor({ send: claudeSender({ apiKey: key }), ...(log ? { log } : {}) });
}
