import type { AlterTableCmd, AlterTableStmt, Constraint, Node } from '@pgsql/types';
import type { LockMode } from './lock-modes.ts';
import { isOptionOn } from './non-transactional.ts';
import { qualify, qualifyParts, stringValues } from './names.ts';
import type { Statement } from './statement.ts';

export interface LockRequest {
  /** Qualified table name (`public.orders`). */
  table: string;
  mode: LockMode;
}

/** Finds the table an index belongs to, when the schema knows it. */
export type IndexOwner = (qualifiedIndex: string) => string | undefined;

/**
 * The table-level locks a statement takes, as PostgreSQL's documentation states them
 * (ALTER TABLE: the strongest lock any of its subcommands needs). The shadow database
 * observes the real ones; this is what the rules assume when it has not run.
 */
export function locksTaken(statement: Statement, indexOwner: IndexOwner, pgVersion: number): LockRequest[] {
  const ast = statement.ast as unknown as Record<string, Record<string, unknown>>;
  const [kind, node] = Object.entries(ast)[0] ?? [];
  if (!kind || !node) return [];
  switch (kind) {
    case 'IndexStmt':
      return [{ table: qualify(node.relation as never), mode: node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE' }];
    case 'AlterTableStmt':
      return alterTableLocks(node as AlterTableStmt, pgVersion);
    case 'DropStmt':
      return dropLocks(node, indexOwner);
    case 'TruncateStmt':
      return relations(node.relations).map((table) => ({ table, mode: 'ACCESS EXCLUSIVE' }));
    case 'RenameStmt':
      return renameLocks(node, indexOwner);
    case 'ReindexStmt':
      return reindexLocks(node, indexOwner);
    case 'VacuumStmt': {
      const full = Boolean(node.is_vacuumcmd) && optionNames(node.options).includes('full');
      return relationsOfVacuum(node).map((table) => ({ table, mode: full ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE' }));
    }
    case 'ClusterStmt':
      return node.relation ? [{ table: qualify(node.relation as never), mode: 'ACCESS EXCLUSIVE' }] : [];
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'InsertStmt':
    case 'MergeStmt':
      return [{ table: qualify(node.relation as never), mode: 'ROW EXCLUSIVE' }];
    case 'LockStmt':
      return relations(node.relations).map((table) => ({ table, mode: lockStmtMode(node.mode as number | undefined) }));
    case 'RefreshMatViewStmt':
      return [{ table: qualify(node.relation as never), mode: node.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE' }];
    case 'CreateTrigStmt':
      return [{ table: qualify(node.relation as never), mode: 'SHARE ROW EXCLUSIVE' }];
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      return [{ table: qualify(node.table as never), mode: 'ACCESS EXCLUSIVE' }];
    case 'CreateStmt':
      return createTableLocks(node);
    default:
      return [];
  }
}

function relations(nodes: unknown): string[] {
  return ((nodes as Node[] | undefined) ?? []).map((n) => qualify((n as { RangeVar?: never }).RangeVar));
}

function relationsOfVacuum(node: Record<string, unknown>): string[] {
  return ((node.rels as Node[] | undefined) ?? []).map((n) =>
    qualify((n as { VacuumRelation?: { relation?: never } }).VacuumRelation?.relation),
  );
}

function optionNames(options: unknown): string[] {
  return ((options as Node[] | undefined) ?? []).map((o) => ((o as { DefElem?: { defname?: string } }).DefElem?.defname ?? '').toLowerCase());
}

function lockStmtMode(mode: number | undefined): LockMode {
  const modes: Record<number, LockMode> = {
    1: 'ACCESS SHARE', 2: 'ROW SHARE', 3: 'ROW EXCLUSIVE', 4: 'SHARE UPDATE EXCLUSIVE',
    5: 'SHARE', 6: 'SHARE ROW EXCLUSIVE', 7: 'EXCLUSIVE', 8: 'ACCESS EXCLUSIVE',
  };
  return modes[mode ?? 8] ?? 'ACCESS EXCLUSIVE';
}

function createTableLocks(node: Record<string, unknown>): LockRequest[] {
  const locks: LockRequest[] = [];
  const parents = (node.inhRelations as Node[] | undefined) ?? [];
  if (node.partbound) {
    for (const parent of parents) locks.push({ table: qualify((parent as { RangeVar?: never }).RangeVar), mode: 'ACCESS EXCLUSIVE' });
  }
  for (const element of (node.tableElts as Node[] | undefined) ?? []) {
    const constraints = [
      ...(((element as { ColumnDef?: { constraints?: Node[] } }).ColumnDef?.constraints) ?? []),
      ...('Constraint' in (element as object) ? [element] : []),
    ];
    for (const c of constraints) {
      const constraint = (c as { Constraint?: Constraint }).Constraint;
      if (constraint?.contype === 'CONSTR_FOREIGN' && constraint.pktable) {
        locks.push({ table: qualify(constraint.pktable), mode: 'SHARE ROW EXCLUSIVE' });
      }
    }
  }
  return locks;
}

function alterTableLocks(node: AlterTableStmt, pgVersion: number): LockRequest[] {
  const table = qualify(node.relation);
  const locks: LockRequest[] = [];
  for (const item of node.cmds ?? []) {
    const cmd = (item as { AlterTableCmd?: AlterTableCmd }).AlterTableCmd;
    if (!cmd) continue;
    locks.push(...alterTableCmdLocks(table, cmd, pgVersion));
  }
  return locks;
}

export function alterTableCmdLocks(table: string, cmd: AlterTableCmd, pgVersion: number): LockRequest[] {
  switch (cmd.subtype) {
    case 'AT_AddConstraint': {
      const constraint = (cmd.def as { Constraint?: Constraint } | undefined)?.Constraint;
      if (constraint?.contype === 'CONSTR_FOREIGN') {
        return [
          { table, mode: 'SHARE ROW EXCLUSIVE' },
          ...(constraint.pktable ? [{ table: qualify(constraint.pktable), mode: 'SHARE ROW EXCLUSIVE' as const }] : []),
        ];
      }
      return [{ table, mode: 'ACCESS EXCLUSIVE' }];
    }
    case 'AT_ValidateConstraint':
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
      return [{ table, mode: 'SHARE UPDATE EXCLUSIVE' }];
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      return [{ table, mode: 'SHARE ROW EXCLUSIVE' }];
    case 'AT_AttachPartition': {
      const partition = qualify((cmd.def as { PartitionCmd?: { name?: never } } | undefined)?.PartitionCmd?.name);
      return [
        { table, mode: pgVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE' },
        { table: partition, mode: 'ACCESS EXCLUSIVE' },
      ];
    }
    case 'AT_DetachPartition': {
      const partitionCmd = (cmd.def as { PartitionCmd?: { name?: never; concurrent?: boolean } } | undefined)?.PartitionCmd;
      const mode: LockMode = partitionCmd?.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
      return [{ table, mode }, { table: qualify(partitionCmd?.name), mode }];
    }
    default:
      return [{ table, mode: 'ACCESS EXCLUSIVE' }];
  }
}

function dropLocks(node: Record<string, unknown>, indexOwner: IndexOwner): LockRequest[] {
  const names = ((node.objects as Node[] | undefined) ?? []).map((o) => qualifyParts(stringValues((o as { List?: { items?: Node[] } }).List?.items)));
  switch (node.removeType) {
    case 'OBJECT_INDEX':
      return names.flatMap((index) => {
        const table = indexOwner(index);
        return table ? [{ table, mode: node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE' } as LockRequest] : [];
      });
    case 'OBJECT_TABLE':
    case 'OBJECT_MATVIEW':
      return names.map((table) => ({ table, mode: 'ACCESS EXCLUSIVE' }));
    case 'OBJECT_TRIGGER':
    case 'OBJECT_POLICY':
    case 'OBJECT_RULE': {
      const items = ((node.objects as Node[] | undefined) ?? []).map((o) => stringValues((o as { List?: { items?: Node[] } }).List?.items));
      return items.map((parts) => ({ table: qualifyParts(parts.slice(0, -1)), mode: 'ACCESS EXCLUSIVE' }));
    }
    default:
      return [];
  }
}

function renameLocks(node: Record<string, unknown>, indexOwner: IndexOwner): LockRequest[] {
  const relation = qualify(node.relation as never);
  if (node.renameType === 'OBJECT_INDEX') {
    const table = indexOwner(relation);
    return table ? [{ table, mode: 'SHARE UPDATE EXCLUSIVE' }] : [];
  }
  if (['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_MATVIEW', 'OBJECT_VIEW'].includes(node.renameType as string)) {
    return relation === 'public.' ? [] : [{ table: relation, mode: 'ACCESS EXCLUSIVE' }];
  }
  return [];
}

function reindexLocks(node: Record<string, unknown>, indexOwner: IndexOwner): LockRequest[] {
  const concurrent = isOptionOn(node.params as Node[] | undefined, 'concurrently');
  const mode: LockMode = concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE';
  const relation = qualify(node.relation as never);
  if (node.kind === 'REINDEX_OBJECT_INDEX') {
    const table = indexOwner(relation);
    return table ? [{ table, mode }] : [];
  }
  if (node.kind === 'REINDEX_OBJECT_TABLE') return [{ table: relation, mode }];
  return [];
}
