import type { AlterTableStmt, Node } from '@pgsql/types';
import type { RuleContext } from '../../src/lint/rule.ts';
import { listOf, nodeOf } from '../../src/sql/ast.ts';
import { qualify } from '../../src/sql/names.ts';
import type { Statement } from '../../src/sql/statement.ts';

/** Character range, within `statement.sql`, of one ALTER TABLE subcommand (end = end of its last token). */
export interface CommandSpan {
  start: number;
  end: number;
}

/**
 * The text spans of an ALTER TABLE's subcommands, split at top-level commas, or undefined when
 * they do not line up with the `count` subcommands of the parse tree.
 */
export function alterCommandSpans(statement: Statement, count: number): CommandSpan[] | undefined {
  const tokens = statement.tokens.filter((t) => t.text !== ';');
  const spans: CommandSpan[] = [];
  let depth = 0;
  let first = tokens[0];
  let last = tokens[0];
  for (const token of tokens) {
    if (token.text === '(' || token.text === '[') depth++;
    else if (token.text === ')' || token.text === ']') depth = Math.max(0, depth - 1);
    if (token.text === ',' && depth === 0) {
      if (first && last) spans.push({ start: first.start, end: last.end });
      first = undefined;
      continue;
    }
    first ??= token;
    last = token;
  }
  if (first && last) spans.push({ start: first.start, end: last.end });
  return spans.length === count ? spans : undefined;
}

export interface ExistingTableAlter {
  table: string;
  /** The subcommands, with their text spans when they line up with the statement's tokens. */
  cmds: Node[];
  spans: CommandSpan[] | undefined;
  partitioned: boolean;
}

/** An ALTER TABLE on a table that existed before this migration (none for a table made here). */
export function alterOfExistingTable(statement: Statement, context: RuleContext): ExistingTableAlter | undefined {
  const alter = nodeOf<AlterTableStmt>(statement, 'AlterTableStmt');
  if (!alter) return undefined;
  const table = qualify(alter.relation);
  if (!context.isExisting(table)) return undefined;
  const cmds = listOf(alter.cmds);
  return {
    table,
    cmds,
    spans: alterCommandSpans(statement, cmds.length),
    partitioned: Boolean(context.schema.tables.get(table)?.partitioned),
  };
}
