import { lastAtOrBefore } from '../sql/text-index.ts';

/**
 * The parts of SQL text that are code, as opposed to string literals, quoted identifiers and
 * comments, found without parsing: query text in application code is often not valid SQL until
 * its parameters are rewritten, so PostgreSQL's parser cannot be asked yet.
 */
export function codeMask(sql: string): Uint8Array {
  const code = new Uint8Array(sql.length);
  let i = 0;
  while (i < sql.length) {
    const end = literalEnd(sql, i);
    if (end === undefined) {
      code[i] = 1;
      i++;
    } else {
      i = end;
    }
  }
  return code;
}

/** Where the literal, quoted identifier or comment starting at `i` ends, or undefined when none starts there. */
function literalEnd(sql: string, i: number): number | undefined {
  const c = sql[i]!;
  const next = sql[i + 1];
  if (c === '-' && next === '-') {
    const newline = sql.indexOf('\n', i);
    return newline < 0 ? sql.length : newline;
  }
  if (c === '/' && next === '*') return blockCommentEnd(sql, i);
  if (c === "'") return quotedEnd(sql, i, "'", isEscapeString(sql, i));
  if (c === '"') return quotedEnd(sql, i, '"', false);
  if (c === '$') return dollarQuotedEnd(sql, i);
  return undefined;
}

/** E'…' strings take backslash escapes; the E must start a word (not end an identifier such as `name'`). */
function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === 'E' || prefix === 'e') && !/[\w$]/.test(sql[quote - 2] ?? '');
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Block comments nest in PostgreSQL. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** `$tag$ … $tag$` (or `$$ … $$`); `$1` is a parameter and `a$b` part of an identifier. */
function dollarQuotedEnd(sql: string, start: number): number | undefined {
  if (/[\w$]/.test(sql[start - 1] ?? '')) return undefined;
  const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(start, start + 64))?.[0];
  if (!tag) return undefined;
  const close = sql.indexOf(tag, start + tag.length);
  return close < 0 ? sql.length : close + tag.length;
}

/** Finds `pattern` only where its match starts in code. */
export function* codeMatches(sql: string, mask: Uint8Array, pattern: RegExp): Generator<RegExpExecArray> {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let match = global.exec(sql); match; match = global.exec(sql)) {
    if (mask[match.index]) yield match;
  }
}

/** 1-based line and column of each offset, for one text. */
export function positionsIn(text: string): (offset: number) => { line: number; column: number } {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (offset) => {
    const line = lastAtOrBefore(lineStarts, offset);
    return { line: line + 1, column: offset - lineStarts[line]! + 1 };
  };
}
