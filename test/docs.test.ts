import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../rules/index.ts';
import { rulesReference, withRulesTable } from '../src/docs/rules-doc.ts';

const root = path.resolve(import.meta.dirname, '..');

describe('generated rule documentation', () => {
  it('README.md has the current rules table (run `npm run docs` after changing a rule)', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withRulesTable(readme));
    for (const rule of allRules) expect(readme).toContain(`| [\`${rule.id}\`](docs/rules.md#${rule.id}) | ${rule.severity} |`);
  });

  it('docs/rules.md is current', () => {
    expect(readFileSync(path.join(root, 'docs/rules.md'), 'utf8')).toBe(`${rulesReference()}\n`);
  });
});
