import type { Rule } from '../src/lint/rule.ts';
import { requireConcurrentIndex } from './require-concurrent-index.ts';

/** Every rule, in the order they are documented. */
export const allRules: Rule[] = [
  requireConcurrentIndex,
];

export function ruleById(id: string): Rule | undefined {
  return allRules.find((rule) => rule.id === id);
}
