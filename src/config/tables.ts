import type { Config } from './schema.ts';

/**
 * The estimated row count for a table from `tables:`, or undefined when there is no hint.
 * Tries, in order: `schema.name`, then the bare `name` (a bare key applies in any schema);
 * each first exactly, then ignoring case. `name` may itself be qualified (`"billing.invoices"`),
 * in which case its schema wins over `schema`.
 */
export function tableRows(config: Config, name: string, schema = 'public'): number | undefined {
  let table = name;
  let namespace = schema;
  const dot = name.indexOf('.');
  if (dot > 0 && dot < name.length - 1) {
    namespace = name.slice(0, dot);
    table = name.slice(dot + 1);
  }
  const tables = config.tables;
  const has = (key: string): boolean => Object.hasOwn(tables, key);
  for (const key of [`${namespace}.${table}`, table]) {
    if (has(key)) return tables[key];
    const lower = key.toLowerCase();
    const match = Object.keys(tables).find((candidate) => candidate.toLowerCase() === lower);
    if (match !== undefined) return tables[match];
  }
  return undefined;
}
