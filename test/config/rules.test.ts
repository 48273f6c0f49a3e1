import { describe, expect, it } from 'vitest';
import { parseConfig, validateRuleIds } from '../../src/config/index.ts';
import { closestMatch, editDistance } from '../../src/config/suggest.ts';

const KNOWN = ['require-concurrent-index', 'ban-char-type', 'prefer-bigint', 'require-lock-timeout'];

function withRules(rules: Record<string, string>): ReturnType<typeof parseConfig> {
  const body = Object.entries(rules)
    .map(([id, value]) => `  ${id}: ${value}\n`)
    .join('');
  return parseConfig(`rules:\n${body}`, '.github/db-review.yml');
}

describe('validateRuleIds', () => {
  it('returns no problems when every rule id is known', () => {
    expect(validateRuleIds(withRules({ 'ban-char-type': 'off', 'prefer-bigint': 'error' }), KNOWN)).toEqual([]);
  });

  it('returns no problems without a rules section', () => {
    expect(validateRuleIds(parseConfig('', 'x.yml'), KNOWN)).toEqual([]);
  });

  it('suggests the closest known id for a typo', () => {
    expect(validateRuleIds(withRules({ 'require-concurent-index': 'off' }), KNOWN)).toEqual([
      'rules.require-concurent-index: unknown rule "require-concurent-index" (did you mean "require-concurrent-index"?)',
    ]);
  });

  it('suggests for underscores in place of dashes and for a cut-short id', () => {
    expect(validateRuleIds(withRules({ ban_char_type: 'off', 'prefer-big': 'off' }), KNOWN)).toEqual([
      'rules.ban_char_type: unknown rule "ban_char_type" (did you mean "ban-char-type"?)',
      'rules.prefer-big: unknown rule "prefer-big" (did you mean "prefer-bigint"?)',
    ]);
  });

  it('lists the known rules, sorted, when nothing is close', () => {
    expect(validateRuleIds(withRules({ 'no-such-thing': 'off' }), KNOWN)).toEqual([
      'rules.no-such-thing: unknown rule "no-such-thing" (known rules: ban-char-type, prefer-bigint, require-concurrent-index, require-lock-timeout)',
    ]);
  });

  it('reports each unknown id and leaves known ones alone', () => {
    const problems = validateRuleIds(
      withRules({ 'ban-char-type': 'off', 'prefer-bigin': 'off', 'require-lock-timout': 'error' }),
      KNOWN,
    );
    expect(problems).toEqual([
      'rules.prefer-bigin: unknown rule "prefer-bigin" (did you mean "prefer-bigint"?)',
      'rules.require-lock-timout: unknown rule "require-lock-timout" (did you mean "require-lock-timeout"?)',
    ]);
  });
});

describe('suggestions', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['fial_on', 'fail_on', 1],
    ['fail_onn', 'fail_on', 1],
  ])('editDistance(%j, %j) = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('picks the closest candidate and refuses far ones', () => {
    expect(closestMatch('versoin', ['version', 'paths'])).toBe('version');
    expect(closestMatch('FAIL_ON', ['fail_on'])).toBe('fail_on');
    expect(closestMatch('x', ['rules', 'tables'])).toBeUndefined();
    expect(closestMatch('colour', ['migrations', 'queries', 'postgres', 'rules', 'fail_on', 'tables', 'shadow'])).toBeUndefined();
  });
});
