import { Advisor, type AdvisorOptions } from './advisor.ts';
import { claudeSender } from './claude.ts';

export { Advisor, type AdviceRequest } from './advisor.ts';

/**
 * Claude's part of the review, when the environment of the app (or the command line) holds
 * `ANTHROPIC_API_KEY`; never read from a repository or a pull request. Without it: undefined,
 * and nothing ever calls out.
 */
export function advisorFromEnvironment(env: NodeJS.ProcessEnv, log?: AdvisorOptions['log']): Advisor | undefined {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) return undefined;
  return new Advisor({ send: claudeSender({ apiKey }), ...(log ? { log } : {}) });
}
