import { allRules } from '../rules/index.ts';
import { ConfigError, validateRuleIds, type Config } from './config/index.ts';
import { ENGINE_FINDINGS } from './lint/engine-findings.ts';

/** Throws `ConfigError` when `rules:` names an id that is neither a rule nor a finding db-review makes itself. */
export function assertKnownRuleIds(config: Config, source: string): void {
  const problems = validateRuleIds(config, [...allRules.map((r) => r.id), ...ENGINE_FINDINGS.map((f) => f.id)]);
  if (problems.length > 0) throw new ConfigError(source, problems);
}
