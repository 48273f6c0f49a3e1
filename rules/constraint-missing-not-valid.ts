import type { AlterTableCmd, Constraint } from '@pgsql/types';
import { code, heldFor, lockPhrase, sizeHint } from '../src/lint/describe.ts';
import { fixStatement, type Edit } from '../src/lint/fix.ts';
import type { Rule } from '../src/lint/rule.ts';
import { unwrap } from '../src/sql/ast.ts';
import { strongest } from '../src/sql/lock-modes.ts';
import { displayName, qualify } from '../src/sql/names.ts';
import { pgConstraintName } from '../src/lint/constraint-names.ts';
import { alterOfExistingTable } from './support/alter-commands.ts';
import { article } from './support/long-work.ts';

/** PostgreSQL 18 allows NOT VALID foreign keys on partitioned tables. */
const NOT_VALID_FK_ON_PARTITIONED_SINCE = 18;

interface Finding {
  constraint: Constraint;
  name: string;
  generated: boolean;
  foreign: boolean;
  referenced?: string;
  edit?: Edit;
}

export const constraintMissingNotValid: Rule = {
  id: 'constraint-missing-not-valid',
  severity: 'error',
  summary: 'Adding a CHECK or FOREIGN KEY constraint without NOT VALID scans the whole table while holding a lock that blocks writes (CHECK: reads too).',
  docs: {
    why: 'ALTER TABLE ... ADD CONSTRAINT scans the table to check every existing row, holding its lock throughout: ACCESS EXCLUSIVE for CHECK (reads and writes wait), SHARE ROW EXCLUSIVE on both tables for FOREIGN KEY (writes to both wait). PostgreSQL docs, ALTER TABLE, Notes: "Scanning a large table to verify a new foreign key or check constraint can take a long time, and other updates to the table are locked out until the ALTER TABLE ADD CONSTRAINT command is committed. The main purpose of the NOT VALID constraint option is to reduce the impact of adding a constraint on concurrent updates."',
    safe: 'Add the constraint NOT VALID (no scan; new rows are checked from then on), then run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration: validation takes only SHARE UPDATE EXCLUSIVE (ROW SHARE on the referenced table), so reads and writes go on while it scans.',
    bad: [
      'ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      'ALTER TABLE orders ADD CHECK (amount > 0);',
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT ENFORCED;', pgVersion: 18 },
      'CREATE TABLE invoices (id bigint PRIMARY KEY, user_id bigint, amount int);\nALTER TABLE invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount > 0);\nALTER TABLE invoices ADD FOREIGN KEY (user_id) REFERENCES users (id);',
      'ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE USING INDEX orders_note_idx;',
    ],
  },
  check(statement, context) {
    const alter = alterOfExistingTable(statement, context);
    if (!alter) return undefined;
    const { table, cmds, spans, partitioned } = alter;
    const findings: Finding[] = [];
    cmds.forEach((item, i) => {
      const cmd = unwrap<AlterTableCmd>(item, 'AlterTableCmd');
      const constraint = unwrap<Constraint>(cmd?.def, 'Constraint');
      if (cmd?.subtype !== 'AT_AddConstraint' || !constraint || constraint.skip_validation) return;
      if (constraint.contype !== 'CONSTR_CHECK' && constraint.contype !== 'CONSTR_FOREIGN') return;
      const foreign = constraint.contype === 'CONSTR_FOREIGN';
      const naming = pgConstraintName(table, constraint, context.schema);
      const noNotValid = foreign && partitioned && context.pgVersion < NOT_VALID_FK_ON_PARTITIONED_SINCE;
      const span = spans?.[i];
      findings.push({
        constraint,
        name: naming.name,
        generated: naming.generated,
        foreign,
        referenced: foreign ? qualify(constraint.pktable) : undefined,
        edit: span && !noNotValid ? { start: span.end, end: span.end, text: ' NOT VALID' } : undefined,
      });
    });
    if (findings.length === 0) return undefined;

    const edits = findings.flatMap((f) => (f.edit ? [f.edit] : []));
    const fixed = edits.length > 0 ? fixStatement(statement, edits) : undefined;
    const fixedSql = applyEdits(statement.sql, edits);
    const tbl = `\`${displayName(table)}\``;
    const size = sizeHint(context, table);
    const referenced = [...new Set(findings.flatMap((f) => (f.referenced && f.referenced !== table ? [f.referenced] : [])))];
    const hasCheck = findings.some((f) => !f.foreign);
    const names = findings.map((f) => `\`${f.name}\``).join(', ');
    const kinds = [hasCheck ? 'CHECK' : '', findings.some((f) => f.foreign) ? 'FOREIGN KEY' : ''].filter(Boolean).join(' and ');

    // The statement holds the strongest lock any of its subcommands needs (ADD COLUMN alongside makes it ACCESS EXCLUSIVE).
    const mode = strongest(context.locks.filter((l) => l.table === table).map((l) => l.mode)) ?? (hasCheck ? 'ACCESS EXCLUSIVE' : 'SHARE ROW EXCLUSIVE');
    const others = referenced.map((r) => `\`${displayName(r)}\``).join(', ');
    let lock: string;
    if (mode === 'SHARE ROW EXCLUSIVE' && referenced.length > 0) lock = `SHARE ROW EXCLUSIVE locks on ${tbl} and ${others} (blocks writes to both)`;
    else lock = `${article(mode)} ${lockPhrase(mode, table)}${referenced.length > 0 ? ` and SHARE ROW EXCLUSIVE on ${others} (blocks writes)` : ''}`;
    const scan = findings.some((f) => f.foreign)
      ? `it checks every existing row of ${tbl}${referenced.length ? ` against ${referenced.map((r) => `\`${displayName(r)}\``).join(', ')}` : ''}`
      : `it scans every existing row of ${tbl}`;

    const blockedFk = findings.filter((f) => f.foreign && !f.edit && partitioned && context.pgVersion < NOT_VALID_FK_ON_PARTITIONED_SINCE);
    const advice = blockedFk.length > 0
      ? `PostgreSQL ${context.pgVersion} cannot add a NOT VALID foreign key to the partitioned table ${tbl} (that needs 18): add it NOT VALID to each partition and VALIDATE it there first`
      : `Add ${findings.length === 1 ? 'it' : 'them'} NOT VALID, then VALIDATE CONSTRAINT in a later migration`;

    return {
      message: `ADD CONSTRAINT ${names} (${kinds}) takes ${lock} ${heldFor(context)} while ${scan}${size}. ${advice}.`,
      detail: detail(table, findings, fixedSql, blockedFk.length > 0),
      fix: fixed,
    };
  },
};

function applyEdits(sql: string, edits: Edit[]): string {
  let out = sql;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

function detail(table: string, findings: Finding[], fixedSql: string, partitionedFk: boolean): string {
  const tbl = displayName(table);
  const lines: string[] = [];
  if (partitionedFk) {
    const fk = findings.find((f) => f.foreign);
    lines.push(
      `Before PostgreSQL 18 a foreign key on a partitioned table cannot be added NOT VALID. To avoid checking every partition under the lock:`,
      '',
      `1. For each partition of \`${tbl}\`, in its own migration: \`ALTER TABLE <partition> ADD CONSTRAINT <partition>_fk FOREIGN KEY (...) REFERENCES ... NOT VALID;\` then, later, \`ALTER TABLE <partition> VALIDATE CONSTRAINT <partition>_fk;\` (SHARE UPDATE EXCLUSIVE: traffic goes on).`,
      `2. Then add the foreign key to \`${tbl}\` itself: PostgreSQL attaches each partition's matching, validated constraint instead of checking the rows again, so the locks are held only briefly.`,
      '',
      `Name the constraint on \`${tbl}\` explicitly${fk ? ` (otherwise PostgreSQL names it \`${fk.name}\`)` : ''}.`,
    );
    if (findings.every((f) => f.foreign)) return lines.join('\n');
    lines.push('', 'For the CHECK constraints of this statement, NOT VALID works as usual:', '');
  }
  lines.push(
    '1. Add the constraint without checking existing rows; this needs its lock only for an instant, and every row inserted or updated from now on is checked:',
    '',
    '```sql',
    `${fixedSql};`,
    '```',
    '',
    '2. In a later migration (a separate transaction: validating in the one that added the constraint keeps the lock above for the whole scan), check the existing rows:',
    '',
    '```sql',
    ...findings.filter((f) => f.edit).map((f) => `ALTER TABLE ${tbl} VALIDATE CONSTRAINT ${f.name};`),
    '```',
    '',
    `VALIDATE CONSTRAINT takes only a SHARE UPDATE EXCLUSIVE lock on \`${tbl}\`${findings.some((f) => f.foreign) ? ' (and ROW SHARE on the referenced table)' : ''}: reads and writes go on during the scan. If it finds a violating row it fails and the constraint stays NOT VALID: fix the data and run it again.`,
  );
  const generated = findings.filter((f) => f.generated && f.edit);
  if (generated.length > 0) {
    lines.push(
      '',
      `${generated.length === 1 ? 'The constraint has' : 'These constraints have'} no name in the statement: PostgreSQL names ${generated.length === 1 ? 'it' : 'them'} ${generated.map((f) => code(f.name)).join(', ')} (the name VALIDATE CONSTRAINT needs; PostgreSQL appends a number if the name is already taken). Better to name ${generated.length === 1 ? 'it' : 'them'} explicitly with \`ADD CONSTRAINT <name>\`.`,
    );
  }
  return lines.join('\n');
}
