import { loadConfig, type Config } from './config/index.ts';
import { assertKnownRuleIds } from './known-rule-ids.ts';

/**
 * The config from `file` (relative to `cwd`), or else `.github/db-review.yml` under `cwd`, or the
 * defaults; its rule ids checked against the rules. Throws `ConfigError`.
 */
export async function loadCheckedConfig(cwd: string, file: string | undefined): Promise<Config> {
  const { config, source } = await loadConfig({ cwd, file });
  assertKnownRuleIds(config, source ?? 'config');
  return config;
}
