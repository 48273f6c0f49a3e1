import { describe, expect, it } from 'vitest';
import { allRules } from '../../rules/index.ts';
import type { RuleExample } from '../../src/lint/rule.ts';
import { lintSql } from '../helpers/lint.ts';

function asExample(example: string | RuleExample): RuleExample {
  return typeof example === 'string' ? { sql: example } : example;
}

describe.each(allRules.map((rule) => [rule.id, rule] as const))('rule %s', (id, rule) => {
  it('documents itself', () => {
    expect(rule.summary.length).toBeGreaterThan(20);
    expect(rule.docs.why.length).toBeGreaterThan(40);
    expect(rule.docs.safe.length).toBeGreaterThan(20);
    expect(rule.docs.bad.length).toBeGreaterThan(0);
    expect(rule.docs.good.length).toBeGreaterThan(0);
  });

  it.each(rule.docs.bad.map((e) => [asExample(e).sql, asExample(e)] as const))('fires on bad example %s', async (_sql, example) => {
    const findings = await lintSql(example.sql, { ...example, rules: [rule] });
    expect(findings.filter((f) => f.rule === id).length, JSON.stringify(findings)).toBeGreaterThan(0);
  });

  it.each(rule.docs.good.map((e) => [asExample(e).sql, asExample(e)] as const))('stays silent on good example %s', async (_sql, example) => {
    const findings = await lintSql(example.sql, { ...example, rules: [rule] });
    expect(findings.filter((f) => f.rule === id)).toEqual([]);
  });
});

describe('rule registry', () => {
  it('has unique, kebab-case ids', () => {
    const ids = allRules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
