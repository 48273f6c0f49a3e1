/** PostgreSQL's table-level lock modes, weakest first (see "Explicit Locking", Table 13.2). */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  EXCLUSIVE: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};

export function conflicts(a: LockMode, b: LockMode): boolean {
  return CONFLICTS[a].includes(b);
}

export function strongest(modes: Iterable<LockMode>): LockMode | undefined {
  let best: LockMode | undefined;
  for (const mode of modes) {
    if (!best || LOCK_MODES.indexOf(mode) > LOCK_MODES.indexOf(best)) best = mode;
  }
  return best;
}

/** What application traffic a lock held by a migration makes wait. */
export interface Blocked {
  /** SELECT (ACCESS SHARE). */
  reads: boolean;
  /** INSERT, UPDATE, DELETE (ROW EXCLUSIVE). */
  writes: boolean;
  /** VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY and other DDL (SHARE UPDATE EXCLUSIVE). */
  ddl: boolean;
}

export function blockedBy(mode: LockMode): Blocked {
  return {
    reads: conflicts(mode, 'ACCESS SHARE'),
    writes: conflicts(mode, 'ROW EXCLUSIVE'),
    ddl: conflicts(mode, 'SHARE UPDATE EXCLUSIVE'),
  };
}

/** "reads and writes", "writes", "schema changes and VACUUM", or "nothing". */
export function describeBlocked(mode: LockMode): string {
  const blocked = blockedBy(mode);
  if (blocked.reads) return 'reads and writes';
  if (blocked.writes) return 'writes';
  if (blocked.ddl) return 'VACUUM and other schema changes';
  return 'nothing but ACCESS EXCLUSIVE';
}

/** Whether holding the lock makes ordinary application queries (reads or writes) wait. */
export function blocksTraffic(mode: LockMode): boolean {
  return blockedBy(mode).writes;
}

/** PostgreSQL's pg_locks spelling ("AccessExclusiveLock") to ours. */
export function fromPgLocksMode(mode: string): LockMode | undefined {
  const words = mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : undefined;
}
