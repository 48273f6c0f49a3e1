import type { CatalogSnapshot, ColumnSnapshot, ConstraintSnapshot, IndexSnapshot } from './catalog.ts';

export type CatalogChange =
  | { kind: 'table-created' | 'table-dropped'; table: string }
  | { kind: 'column-added' | 'column-dropped'; table: string; column: string; type: string }
  | { kind: 'column-changed'; table: string; column: string; from: ColumnSnapshot; to: ColumnSnapshot }
  | { kind: 'constraint-added' | 'constraint-dropped' | 'constraint-validated'; name: string; constraint: ConstraintSnapshot }
  | { kind: 'index-created' | 'index-dropped'; name: string; index: IndexSnapshot }
  | { kind: 'enum-created' | 'enum-dropped'; name: string; labels: string[] }
  | { kind: 'enum-changed'; name: string; from: string[]; to: string[] };

/** What changed between two snapshots of the catalog, in a stable order. */
export function diffCatalog(before: CatalogSnapshot, after: CatalogSnapshot): CatalogChange[] {
  const changes: CatalogChange[] = [];
  for (const [table, columns] of after.tables) {
    const old = before.tables.get(table);
    if (!old) {
      changes.push({ kind: 'table-created', table });
      continue;
    }
    for (const [column, now] of columns) {
      const was = old.get(column);
      if (!was) changes.push({ kind: 'column-added', table, column, type: now.type });
      else if (was.type !== now.type || was.notNull !== now.notNull || was.default !== now.default) {
        changes.push({ kind: 'column-changed', table, column, from: was, to: now });
      }
    }
    for (const [column, was] of old) if (!columns.has(column)) changes.push({ kind: 'column-dropped', table, column, type: was.type });
  }
  for (const table of before.tables.keys()) if (!after.tables.has(table)) changes.push({ kind: 'table-dropped', table });

  for (const [name, constraint] of after.constraints) {
    const was = before.constraints.get(name);
    if (!was) changes.push({ kind: 'constraint-added', name, constraint });
    else if (!was.validated && constraint.validated) changes.push({ kind: 'constraint-validated', name, constraint });
  }
  for (const [name, constraint] of before.constraints) if (!after.constraints.has(name)) changes.push({ kind: 'constraint-dropped', name, constraint });

  for (const [name, index] of after.indexes) if (!before.indexes.has(name)) changes.push({ kind: 'index-created', name, index });
  for (const [name, index] of before.indexes) if (!after.indexes.has(name)) changes.push({ kind: 'index-dropped', name, index });

  for (const [name, labels] of after.enums) {
    const was = before.enums.get(name);
    if (!was) changes.push({ kind: 'enum-created', name, labels });
    else if (was.join('\0') !== labels.join('\0')) changes.push({ kind: 'enum-changed', name, from: was, to: labels });
  }
  for (const [name, labels] of before.enums) if (!after.enums.has(name)) changes.push({ kind: 'enum-dropped', name, labels });
  return changes;
}
