import type { ClusterStmt, Node, VacuumStmt } from '@pgsql/types';
import { heldFor } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

export const vacuumFullOrCluster: Rule = {
  id: 'vacuum-full-or-cluster',
  severity: 'error',
  summary: 'VACUUM FULL and CLUSTER rewrite the whole table under ACCESS EXCLUSIVE: no reads or writes until done.',
  docs: {
    why: 'VACUUM FULL and CLUSTER write a new copy of the table and its indexes while holding an ACCESS EXCLUSIVE lock, which blocks every read and write for the whole rewrite, and they need free disk for the full copy until they finish (PostgreSQL docs, VACUUM: "FULL ... exclusively locks the table" and "requires extra disk space"; CLUSTER: "an ACCESS EXCLUSIVE lock is acquired on it. This prevents any other database operations (both reads and writes)"). Plain VACUUM takes only SHARE UPDATE EXCLUSIVE and runs alongside reads and writes.',
    safe: 'Reclaim space online with pg_repack or pg_squeeze (they copy the table while it stays in use and hold ACCESS EXCLUSIVE only for a brief swap; the table needs a primary key or a unique index on NOT NULL columns, and free disk for the copy). A plain VACUUM makes dead space reusable without an exclusive lock. Keep all of these out of schema migrations: run them as maintenance jobs.',
    bad: ['VACUUM FULL orders;', 'VACUUM (FULL, ANALYZE) orders;', 'CLUSTER orders USING orders_user_id_idx;', 'VACUUM FULL;'],
    good: [
      'VACUUM orders;',
      'VACUUM (ANALYZE) orders;',
      'ANALYZE orders;',
      'VACUUM (FULL false) orders;',
      'CREATE TABLE scratch (id bigint PRIMARY KEY);\nCLUSTER scratch USING scratch_pkey;',
    ],
  },
  check(statement, context) {
    const vacuum = nodeOf<VacuumStmt>(statement, 'VacuumStmt');
    if (vacuum?.is_vacuumcmd && isFull(vacuum.options)) {
      const tables = listOf(vacuum.rels).map((r) => qualify(unwrap<{ relation?: never }>(r, 'VacuumRelation')?.relation));
      return rewrite(context, 'VACUUM FULL', tables, 'every table in the database');
    }
    const cluster = nodeOf<ClusterStmt>(statement, 'ClusterStmt');
    if (cluster) {
      const tables = cluster.relation ? [qualify(cluster.relation)] : [];
      return rewrite(context, 'CLUSTER', tables, 'every table clustered before (CLUSTER without a table reclusters all of them)');
    }
    return undefined;
  },
};

function isFull(options: Node[] | undefined): boolean {
  return listOf(options).some((item) => {
    const option = unwrap<{ defname?: string; arg?: Node }>(item, 'DefElem');
    if (option?.defname?.toLowerCase() !== 'full') return false;
    if (!option.arg) return true;
    const text = unwrap<{ sval?: string }>(option.arg, 'String')?.sval;
    if (text !== undefined) return !['false', 'off', 'no', '0'].includes(text.toLowerCase());
    const number = unwrap<{ ival?: number }>(option.arg, 'Integer');
    if (number) return (number.ival ?? 0) !== 0;
    return true;
  });
}

function rewrite(context: RuleContext, command: 'VACUUM FULL' | 'CLUSTER', tables: string[], everything: string): RuleReport | undefined {
  const existing = tables.filter((t) => context.isExisting(t));
  if (tables.length > 0 && existing.length === 0) return undefined;
  const duration = command === 'CLUSTER' ? heldFor(context) : 'for the whole rewrite';
  const target = existing.length === 0
    ? everything
    : existing.map((t) => `\`${displayName(t)}\`${hint(context, t)}`).join(', ');
  const lock = existing.length === 1 ? 'ACCESS EXCLUSIVE lock (blocks reads and writes)' : 'ACCESS EXCLUSIVE lock on each table in turn (blocks reads and writes)';
  const repack = existing.length === 1 && existing[0] ? displayName(existing[0]) : '<table>';
  const order = command === 'CLUSTER' ? ' --order-by=<index columns>' : '';
  return {
    message: `${command} rewrites ${target} under an ${lock} ${duration}, and needs free disk for a full copy of ${existing.length === 1 ? 'the table and its indexes' : 'each table and its indexes'}. ${command === 'CLUSTER' ? 'Use pg_repack --order-by online instead.' : 'Use pg_repack or pg_squeeze online, or a plain VACUUM.'}`,
    detail: [
      `${command} copies every live row into a new file and rebuilds every index while no query can read or write the table; the old copy is freed only at the end, so the disk must hold both.`,
      '',
      'Online alternatives, run as maintenance rather than in a migration:',
      '',
      `- **pg_repack** (extension + client): \`pg_repack --table=${repack}${order} <database>\` rebuilds the table alongside while it stays in use, then swaps it in under a brief ACCESS EXCLUSIVE lock. Needs a primary key or a unique index on NOT NULL columns, and free disk for the copy.`,
      '- **pg_squeeze** (extension): the same, driven from the database, with scheduling.',
      command === 'VACUUM FULL'
        ? '- **plain `VACUUM`**: takes SHARE UPDATE EXCLUSIVE (reads and writes go on) and makes dead space reusable for new rows; it only gives space back to the operating system from the end of the file, which is usually enough.'
        : '- If the point is faster range scans, an index that matches the query (or a BRIN index on naturally ordered data) often gives most of the gain without any rewrite.',
    ].join('\n'),
  };
}

function hint(context: RuleContext, table: string): string {
  const rows = context.tableRows(table);
  return rows === undefined ? '' : ` (≈ ${rows.toLocaleString('en-US')} rows by the size hints)`;
}
