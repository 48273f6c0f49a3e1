import { FAIL_ON_VALUES, type FailOn } from '../config/index.ts';

/** The action's inputs (action.yml), as the runner passes them: `INPUT_<NAME>` variables. */
export interface ActionInputs {
  token: string;
  /** A config file in the workspace; without one, `.github/db-review.yml` of the default branch. */
  configFile?: string;
  failOn?: FailOn;
  shadow: 'embedded' | 'off';
  shadowUrl?: string;
  /** Production's (or a replica's) database, whose statistics the queries are planned with. */
  statsUrl?: string;
  /** Claude's explanations and verified rewrites are asked for with this key (from a secret). */
  anthropicKey?: string;
  /** Ask Claude even when the config's `llm.mode` is `on-demand`. */
  explain: boolean;
}

/** An input that cannot be used; the message names it. */
export class ActionInputError extends Error {}

const SHADOW_VALUES = ['embedded', 'off'] as const;

export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const input = (name: string): string | undefined => env[`INPUT_${name.toUpperCase()}`]?.trim() || undefined;
  const token = input('github-token');
  if (!token) throw new ActionInputError('github-token is empty: leave it out to use the workflow\'s token (${{ github.token }})');
  const failOn = input('fail-on');
  if (failOn !== undefined && !(FAIL_ON_VALUES as readonly string[]).includes(failOn)) {
    throw new ActionInputError(`fail-on must be one of ${FAIL_ON_VALUES.join(', ')}, got "${failOn}"`);
  }
  const shadow = input('shadow') ?? 'embedded';
  if (!(SHADOW_VALUES as readonly string[]).includes(shadow)) throw new ActionInputError(`shadow must be one of ${SHADOW_VALUES.join(', ')}, got "${shadow}"`);
  const explain = input('explain') ?? 'false';
  if (explain !== 'true' && explain !== 'false') throw new ActionInputError(`explain must be true or false, got "${explain}"`);
  return {
    token,
    configFile: input('config'),
    failOn: failOn as FailOn | undefined,
    shadow: shadow as ActionInputs['shadow'],
    shadowUrl: input('shadow-url'),
    statsUrl: input('stats-database-url'),
    anthropicKey: input('anthropic-api-key'),
    explain: explain === 'true',
  };
}
