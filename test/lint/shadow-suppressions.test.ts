import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.ts';
import { withoutSuppressedShadowFindings } from '../../src/lint/suppressions.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { migration, parsed } from '../helpers/lint.ts';

beforeAll(() => loadParser());

function finding(rule: string, line: number, source: Finding['source'] = 'shadow'): Finding {
  return { rule, severity: 'error', path: 'migrations/001.sql', line, message: 'm', source };
}

const kept = (findings: Finding[], sql: string) =>
  withoutSuppressedShadowFindings(findings, [parsed(migration('001', sql), true)]).map((f) => `${f.line} ${f.rule} ${f.source}`);

describe('suppressions of shadow findings', () => {
  it('silence the rules named above the statement a finding points into, and only there', () => {
    const sql = [
      'CREATE TABLE t (id bigint);',
      '-- db-review:ignore shadow-rewrite,shadow-failed tiny table',
      'ALTER TABLE t',
      '  ALTER COLUMN id TYPE text;',
      'ALTER TABLE t ADD COLUMN a int;',
    ].join('\n');
    const findings = [finding('shadow-rewrite', 3), finding('shadow-failed', 4), finding('shadow-scan', 3), finding('shadow-rewrite', 5)];
    expect(kept(findings, sql)).toEqual(['3 shadow-scan shadow', '5 shadow-rewrite shadow']);
  });

  it('apply file-wide, and leave the rules’ own findings to the engine', () => {
    const sql = 'ALTER TABLE t ADD COLUMN a int;\n-- db-review:ignore-file foreign-key-without-index lookup tables only';
    const findings = [finding('foreign-key-without-index', 1), finding('foreign-key-without-index', 1, 'rule'), finding('invalid-index', 9)];
    expect(kept(findings, sql)).toEqual(['1 foreign-key-without-index rule', '9 invalid-index shadow']);
  });
});
