export { ConfigError } from './errors.ts';
export { CONFIG_FILES, loadConfig, type LoadConfigOptions, type LoadedConfig } from './load.ts';
export { parseConfig, validateConfig, validateRuleIds } from './parse.ts';
export {
  type Config,
  configSchema,
  DEFAULT_POSTGRES_VERSION,
  DEFAULT_LLM_MODEL,
  DEFAULT_SHADOW_EXTENSIONS,
  LLM_MODES,
  type LlmMode,
  FAIL_ON_VALUES,
  type FailOn,
  FRAMEWORK_SETTINGS,
  type FrameworkSetting,
  MAX_POSTGRES_VERSION,
  MIN_POSTGRES_VERSION,
  RULE_SETTINGS,
  type RuleSetting,
  SEVERITIES,
  type Severity,
} from './schema.ts';
export { parseRowCount, type RowCountResult } from './size.ts';
export { tableRows } from './tables.ts';
export { DEFAULT_CONFIG } from './defaults.ts';
