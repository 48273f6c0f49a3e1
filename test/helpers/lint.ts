import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../src/findings.ts';
import { lint, type ParsedMigration } from '../../src/lint/engine.ts';
import type { Rule } from '../../src/lint/rule.ts';
import type { Framework, Migration, TransactionMode } from '../../src/migrations/types.ts';
import { loadParser } from '../../src/sql/libpg.ts';
import { parseSection } from '../../src/sql/parse.ts';
import { allRules } from '../../rules/index.ts';

export const EXAMPLES_BASE = readFileSync(path.resolve(import.meta.dirname, '../../rules/examples-base.sql'), 'utf8');

export interface LintSqlOptions {
  /** SQL of an earlier migration that creates the existing objects; defaults to the examples' base. */
  base?: string;
  pgVersion?: number;
  transaction?: TransactionMode;
  framework?: Framework;
  rules?: Rule[];
  path?: string;
  tableRows?: Record<string, number>;
}

export function migration(id: string, sql: string, options: { transaction?: TransactionMode; framework?: Framework; path?: string } = {}): Migration {
  return {
    id,
    framework: options.framework ?? 'plain',
    path: options.path ?? `migrations/${id}.sql`,
    up: { sql, startLine: 1, startColumn: 1 },
    transaction: options.transaction ?? 'per-file',
  };
}

export function parsed(m: Migration, reviewed: boolean): ParsedMigration {
  return { migration: m, reviewed, ...parseSection(m.up, m.path) };
}

/** Lints `sql` as one migration applied after `base`, the way a pull request adding it would be. */
export async function lintSql(sql: string, options: LintSqlOptions = {}): Promise<Finding[]> {
  await loadParser();
  const base = migration('000_base', options.base ?? EXAMPLES_BASE);
  const change = migration('001_change', sql, {
    transaction: options.transaction,
    framework: options.framework,
    path: options.path,
  });
  return lint([parsed(base, false), parsed(change, true)], {
    rules: options.rules ?? allRules,
    pgVersion: options.pgVersion ?? 16,
    newObjects: 'migration',
    tableRows: (table) => options.tableRows?.[table] ?? options.tableRows?.[table.replace(/^public\./, '')],
  });
}
