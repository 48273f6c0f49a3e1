import manifest from '../../package.json' with { type: 'json' };
import { allRules } from '../../rules/index.ts';
import { queryRules } from '../../rules/queries/index.ts';
import { ENGINE_FINDINGS } from '../lint/engine-findings.ts';
import type { RuleMeta } from './types.ts';

const RULES_DOC = 'https://github.com/db-review/db-review/blob/main/docs/rules.md';

/** Every rule's and engine finding's summary and documentation link, as the reports cite them. */
export function rulesMeta(): Record<string, RuleMeta> {
  const meta: Record<string, RuleMeta> = {};
  for (const rule of [...allRules, ...queryRules, ...ENGINE_FINDINGS]) meta[rule.id] = { summary: rule.summary, helpUri: `${RULES_DOC}#${rule.id}` };
  return meta;
}

/** db-review's version. Imported rather than read at run time, so that a bundle carries it. */
export function toolVersion(): string {
  return manifest.version;
}
