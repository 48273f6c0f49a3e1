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
