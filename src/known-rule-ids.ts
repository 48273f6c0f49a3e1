import { allRules } from '../rules/index.ts';
import { queryRules } from '../rules/queries/index.ts';
import { ConfigError, validateRuleIds, type Config } from './config/index.ts';
import { ENGINE_FINDINGS } from './lint/engine-findings.ts';

/** Throws `ConfigError` when `rules:` names an id that is neither a rule nor a finding db-review makes itself. */
export function assertKnownRuleIds(config: Config, source: string): void {
  const problems = validateRuleIds(config, [...allRules, ...queryRules, ...ENGINE_FINDINGS].map((r) => r.id));
  if (problems.length > 0) throw new ConfigError(source, problems);
}
