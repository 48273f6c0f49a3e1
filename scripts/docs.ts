import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rulesReference, withRulesTable } from '../src/docs/rules-doc.ts';

const root = path.resolve(import.meta.dirname, '..');
const readme = path.join(root, 'README.md');
writeFileSync(readme, withRulesTable(readFileSync(readme, 'utf8')));
writeFileSync(path.join(root, 'docs/rules.md'), `${rulesReference()}\n`);
console.log('README.md and docs/rules.md updated');
