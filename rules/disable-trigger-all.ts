import type { AlterTableCmd, AlterTableStmt } from '@pgsql/types';
import { statementsLaterInTransaction } from '../src/lint/describe.ts';
import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import { listOf, nodeOf, unwrap } from '../src/sql/ast.ts';
import { displayName, qualify } from '../src/sql/names.ts';

type Target = { kind: 'all' } | { kind: 'user' } | { kind: 'named'; name: string };

const ENABLE_SUBTYPES = new Set(['AT_EnableTrig', 'AT_EnableAlwaysTrig', 'AT_EnableReplicaTrig', 'AT_EnableTrigAll', 'AT_EnableTrigUser']);

/** Internal foreign-key triggers are named RI_ConstraintTrigger_a_<oid> / _c_<oid>. */
const isForeignKeyTrigger = (name: string): boolean => name.startsWith('RI_ConstraintTrigger');

export const disableTriggerAll: Rule = {
  id: 'disable-trigger-all',
  severity: 'warning',
  summary: 'DISABLE TRIGGER ALL turns off foreign-key enforcement: rows written meanwhile are never checked, even after ENABLE.',
  docs: {
    why: 'ALTER TABLE ... DISABLE TRIGGER ALL also disables the internal triggers that implement foreign keys (and deferrable unique and exclusion constraints); it needs superuser, and "the integrity of the constraint cannot be guaranteed if the triggers are not executed" (PostgreSQL docs, ALTER TABLE: DISABLE/ENABLE TRIGGER). ENABLE TRIGGER does not re-check the rows written in between. DISABLE TRIGGER USER or a named trigger leaves constraints enforced but skips the trigger\'s side effects (audit rows, derived columns) for every write, by anyone, until it is re-enabled.',
    safe: 'Keep constraint triggers on. To skip a user trigger during a backfill, disable it by name and re-enable it in the same transaction (the SHARE ROW EXCLUSIVE lock keeps other writers out meanwhile), or make the trigger itself skip the backfill (a session setting it checks). To load data without per-row FK checks, drop the foreign key and add it back NOT VALID, then VALIDATE CONSTRAINT, which does check every row.',
    bad: [
      'ALTER TABLE orders DISABLE TRIGGER ALL;\nUPDATE orders SET user_id = 1 WHERE id = 7;\nALTER TABLE orders ENABLE TRIGGER ALL;',
      'ALTER TABLE orders DISABLE TRIGGER USER;',
      { sql: 'ALTER TABLE orders DISABLE TRIGGER orders_audit;\nUPDATE orders SET status = NULL WHERE id = 7;\nALTER TABLE orders ENABLE TRIGGER orders_audit;', transaction: 'per-statement' },
    ],
    good: [
      'ALTER TABLE orders ENABLE TRIGGER ALL;',
      'ALTER TABLE orders ENABLE TRIGGER orders_audit;',
      'CREATE TABLE imports (id bigint PRIMARY KEY, note text);\nALTER TABLE imports DISABLE TRIGGER USER;\nINSERT INTO imports VALUES (1, NULL);\nALTER TABLE imports ENABLE TRIGGER USER;',
    ],
  },
  check(statement, context) {
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (!alter) return undefined;
    const table = qualify(alter.relation);
    const reports: RuleReport[] = [];
    for (const item of listOf(alter.cmds)) {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      const target = disabled(cmd);
      if (!target) continue;
      const report = target.kind === 'all' || (target.kind === 'named' && isForeignKeyTrigger(target.name))
        ? constraintTriggers(context, table, target)
        : userTriggers(context, table, target);
      if (report) reports.push(report);
    }
    return reports;
  },
};

function disabled(cmd: AlterTableCmd | undefined): Target | undefined {
  switch (cmd?.subtype) {
    case 'AT_DisableTrigAll':
      return { kind: 'all' };
    case 'AT_DisableTrigUser':
      return { kind: 'user' };
    case 'AT_DisableTrig':
      return cmd.name ? { kind: 'named', name: cmd.name } : undefined;
    default:
      return undefined;
  }
}

interface ReEnable {
  /** Re-enabled by a later statement of the same transaction (no other session wrote in between). */
  sameTransaction: boolean;
  line: number;
}

/** The first later statement of the migration that turns the disabled trigger(s) back on. */
function reEnabled(context: RuleContext, table: string, target: Target): ReEnable | undefined {
  const inTransaction = context.tx.inTransaction ? statementsLaterInTransaction(context) : 0;
  const later = context.statements.slice(context.index + 1);
  for (const [offset, statement] of later.entries()) {
    const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
    if (!alter || qualify(alter.relation) !== table) continue;
    const enables = listOf(alter.cmds).some((item) => {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      if (!cmd?.subtype || !ENABLE_SUBTYPES.has(cmd.subtype)) return false;
      if (cmd.subtype === 'AT_EnableTrigAll') return true;
      if (target.kind === 'all') return false;
      if (cmd.subtype === 'AT_EnableTrigUser') return target.kind === 'user' || !isForeignKeyTrigger(target.name);
      return target.kind === 'named' && cmd.name === target.name;
    });
    if (enables) return { sameTransaction: offset < inTransaction, line: statement.range.startLine };
  }
  return undefined;
}

function constraintTriggers(context: RuleContext, table: string, target: Target): RuleReport {
  const name = `\`${displayName(table)}\``;
  const what = target.kind === 'named' ? `the foreign-key trigger \`${target.name}\`` : `all triggers on ${name}, including the internal ones that enforce its foreign keys`;
  const back = reEnabled(context, table, target);
  const meanwhile = back
    ? `rows written before it is re-enabled on line ${back.line} are never checked: ENABLE does not re-check them`
    : `nothing in this migration re-enables them, so from now on no write to ${name}, by anyone, is checked against its foreign keys`;
  return {
    message: `DISABLE TRIGGER ${target.kind === 'named' ? target.name : 'ALL'} turns off ${what} (superuser only): ${meanwhile}.`,
    detail: [
      `Disabling internally generated constraint triggers needs superuser (managed services usually refuse it with \`permission denied: ... is a system trigger\`), and while they are off PostgreSQL does not enforce the foreign keys of ${name}, nor those of other tables that reference it (ON DELETE actions and the checks that keep referenced rows from disappearing), nor deferrable unique and exclusion constraints.`,
      '',
      'Rows that break a constraint stay in the table after `ENABLE TRIGGER ALL`, and surface later as broken joins or failing dumps and restores. Instead:',
      '',
      '- To skip user triggers only, use `DISABLE TRIGGER USER` (constraints stay enforced) and re-enable in the same transaction.',
      '- To load without per-row FK checks, drop the foreign key, load, add it back `NOT VALID`, then `VALIDATE CONSTRAINT` (which checks every row, under SHARE UPDATE EXCLUSIVE).',
      '',
      `To find rows a past disable let through, for each foreign key \`${displayName(table)}.<fk> -> <parent>.<key>\`:`,
      '',
      '```sql',
      `SELECT c.* FROM ${displayName(table)} c LEFT JOIN <parent> p ON p.<key> = c.<fk>`,
      'WHERE c.<fk> IS NOT NULL AND p.<key> IS NULL;',
      '```',
    ].join('\n'),
  };
}

function userTriggers(context: RuleContext, table: string, target: Target): RuleReport | undefined {
  const name = `\`${displayName(table)}\``;
  const what = target.kind === 'named' ? `trigger \`${target.name}\`` : `every user trigger on ${name}`;
  const back = reEnabled(context, table, target);
  if (back?.sameTransaction || (back && !context.isExisting(table))) {
    // Only this migration's own writes skip the trigger: the SHARE ROW EXCLUSIVE lock of DISABLE
    // keeps every other writer out until commit. That is what the author asked for; on an existing
    // table the rows it wrote still miss the trigger's side effects for good, worth a notice.
    if (!context.isExisting(table)) return undefined;
    return {
      severity: 'notice',
      message: `DISABLE TRIGGER ${target.kind === 'named' ? target.name : 'USER'} skips ${what} for the rows this migration writes before line ${back.line}; re-enabling does not replay it, so whatever it maintains (audit rows, derived columns, queues) is missing for them.`,
      detail: 'Other sessions are not affected: `DISABLE TRIGGER` holds a SHARE ROW EXCLUSIVE lock on the table (blocking their writes) until the transaction commits, by which time the trigger is on again. If the trigger maintains data that must stay right, apply its effect to the backfilled rows yourself.',
    };
  }
  const them = target.kind === 'named' ? 'it' : 'them';
  const window = back
    ? `until line ${back.line}, which runs in a separate transaction: writes by other sessions in between skip ${them}`
    : `and nothing in this migration re-enables ${them}: every later write to ${name}, by anyone, skips ${them}`;
  return {
    message: `DISABLE TRIGGER ${target.kind === 'named' ? target.name : 'USER'} turns off ${what} ${window}, and re-enabling does not replay what was skipped.`,
    detail: [
      'A disabled trigger stays disabled for every session until `ENABLE TRIGGER` runs, so audit rows, derived columns or outbox events it maintains are silently missing for everything written meanwhile.',
      '',
      'Disable and re-enable in one transaction, so the SHARE ROW EXCLUSIVE lock keeps other writers out while it is off:',
      '',
      '```sql',
      'BEGIN;',
      `ALTER TABLE ${displayName(table)} DISABLE TRIGGER ${target.kind === 'named' ? target.name : 'USER'};`,
      '-- the writes that must skip it',
      `ALTER TABLE ${displayName(table)} ENABLE TRIGGER ${target.kind === 'named' ? target.name : 'USER'};`,
      'COMMIT;',
      '```',
      '',
      'Or let the trigger skip the backfill itself (`IF current_setting(\'app.backfill\', true) = \'on\' THEN RETURN NEW; END IF;` with `SET LOCAL app.backfill = \'on\'` in the migration), which leaves other sessions untouched.',
    ].join('\n'),
  };
}
