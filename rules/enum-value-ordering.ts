import type { AlterEnumStmt } from '@pgsql/types';
import type { Rule, RuleContext } from '../src/lint/rule.ts';
import { nodeOf } from '../src/sql/ast.ts';
import { bareName, createsEnum, earlierStatements, enumTypeOf } from './support/columns.ts';

export const enumValueOrdering: Rule = {
  id: 'enum-value-ordering',
  severity: 'notice',
  summary: 'ALTER TYPE ... ADD VALUE ... BEFORE/AFTER puts the new label between existing ones in the enum\'s sort order.',
  docs: {
    why: 'Enum values sort in their declared order, not alphabetically (PostgreSQL docs, Enumerated Types: Ordering), so ORDER BY, <, >, BETWEEN and range checks on an enum column place a label added with BEFORE/AFTER between existing ones: `state < \'shipped\'` now matches the new label too. PostgreSQL docs, ALTER TYPE (Notes): "Comparisons involving an added enum value will sometimes be slower than comparisons involving only original members of the enum type. This will usually only occur if BEFORE or AFTER is used to set the new value\'s sort position somewhere other than at the end of the list."',
    safe: 'Add the value at the end (no BEFORE/AFTER) unless its position in the order is meant; if it is, check the queries that compare or sort the enum.',
    bad: ["ALTER TYPE order_state ADD VALUE 'packed' BEFORE 'shipped';", "ALTER TYPE order_state ADD VALUE 'draft' BEFORE 'pending';"],
    good: [
      "ALTER TYPE order_state ADD VALUE 'refunded';",
      "ALTER TYPE order_state ADD VALUE 'refunded' AFTER 'shipped';",
      "CREATE TYPE ticket_state AS ENUM ('open', 'closed');\nALTER TYPE ticket_state ADD VALUE 'pending' BEFORE 'closed';",
    ],
  },
  check(statement, context) {
    const alter = nodeOf<AlterEnumStmt>(statement, 'AlterEnumStmt');
    if (!alter?.newVal || alter.oldVal || !alter.newValNeighbor) return undefined;
    const type = enumTypeOf(alter);
    // A type created in this migration has no data and no queries relying on its order yet.
    if (createsEnum(earlierStatements(context), type)) return undefined;
    const labels = enumLabels(context, type);
    const neighbor = alter.newValNeighbor;
    const at = labels?.indexOf(neighbor) ?? -1;
    // AFTER the last label is the same as adding at the end.
    if (labels && alter.newValIsAfter && at === labels.length - 1) return undefined;
    let place = `${alter.newValIsAfter ? 'after' : 'before'} '${neighbor}'`;
    if (labels && at >= 0) {
      const other = labels[alter.newValIsAfter ? at + 1 : at - 1];
      if (other !== undefined) {
        const [low, high] = alter.newValIsAfter ? [neighbor, other] : [other, neighbor];
        place = `between '${low}' and '${high}'`;
      } else {
        place = `before every existing label`;
      }
    }
    const name = bareName(type);
    const high = alter.newValIsAfter ? (at >= 0 ? labels?.[at + 1] : undefined) : neighbor;
    const example = high !== undefined ? `< '${high}'` : `> '${neighbor}'`;
    return {
      message: `ALTER TYPE \`${name}\` ADD VALUE '${alter.newVal}' sorts ${place}: ORDER BY, <, > and range checks on \`${name}\` columns now place it there (\`${example}\` matches it too), and comparisons involving it may need a catalog lookup and run slower. Check the queries that compare or sort this enum.`,
      detail: [
        'Enum values compare by their declared position. A label inserted in the middle changes what existing range conditions, ORDER BY and MIN/MAX return, without any query changing.',
        '',
        'PostgreSQL compares enum values by OID when the OIDs follow the sort order; a label inserted with BEFORE/AFTER usually gets an OID that does not, so comparisons involving it look the order up in the catalog (slower; dumping and restoring, or recreating the type, restores the fast path).',
      ].join('\n'),
    };
  },
};

/**
 * The enum's labels in sort order before this statement. The schema model appends every added
 * label at the end; labels placed with BEFORE/AFTER earlier in this migration are moved to
 * their real position here.
 */
function enumLabels(context: RuleContext, type: string): string[] | undefined {
  const known = context.schema.enums.get(type);
  if (!known) return undefined;
  const labels = [...known];
  for (const statement of earlierStatements(context)) {
    const alter = nodeOf<AlterEnumStmt>(statement, 'AlterEnumStmt');
    if (!alter?.newVal || alter.oldVal || !alter.newValNeighbor || enumTypeOf(alter) !== type) continue;
    const from = labels.lastIndexOf(alter.newVal);
    if (from < 0) continue;
    labels.splice(from, 1);
    const at = labels.indexOf(alter.newValNeighbor);
    if (at < 0) return undefined;
    labels.splice(alter.newValIsAfter ? at + 1 : at, 0, alter.newVal);
  }
  return labels;
}
