/**
 * A line-by-line check of `erDiagram` text against the Mermaid erDiagram grammar
 * (packages/mermaid/src/diagrams/er/parser/erDiagram.jison), kept to what older versions accept
 * too: no mermaid package is installed to parse it for real.
 *
 * - Outside a block, keywords win over names: the lexer takes the first rule that matches and
 *   appends `\b` to literal rules, so `one`, `many`, `to`, `end`, `class`... in any case are
 *   tokens, not entity names. A quoted ENTITY_NAME may hold anything but `"`, `%`, `\` and line
 *   breaks.
 * - Inside a block, PK/FK/UK at a word boundary are ATTRIBUTE_KEY before any ATTRIBUTE_WORD is
 *   tried; an ATTRIBUTE_WORD starts with a letter or `_` and goes on with letters, digits,
 *   `_`, `-`, `(`, `)`, `[`, `]` (`,` and `.` only in recent versions); `~` starts a generic type.
 * - A relationship is `name cardinality (--|..) cardinality name : label`.
 */
const KEYWORDS = /^(erdiagram|style|classdef|class|subgraph|end|direction|acctitle|accdescr|one|only|zero|many|to|optionally)$/i;
const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUOTED = /^"[^"%\\\r\n]+"$/;
const WORD = /^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\-()[\]\u00C0-\uFFFF]*$/;
const KEY = /^(?:PK|FK|UK)$/;
const LEFT = ['|o', '}o', '||', '}|'];
const RIGHT = ['o|', '||', 'o{', '|{'];

function isEntityName(name: string): boolean {
  return (UNQUOTED.test(name) && !KEYWORDS.test(name)) || QUOTED.test(name);
}

function isAttributeWord(word: string): boolean {
  return WORD.test(word) && !/^(pk|fk|uk)\b/i.test(word);
}

/** What is wrong with the diagram, one message per line at fault; empty when it parses. */
export function mermaidProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines[0] !== 'erDiagram') problems.push(`line 1: expected erDiagram, got ${lines[0]}`);
  const declared = new Set<string>();
  let inBlock = false;
  for (const [index, line] of lines.slice(1).entries()) {
    const at = `line ${index + 2}: ${line}`;
    if (inBlock) {
      if (line === '    }') {
        inBlock = false;
        continue;
      }
      const [type = '', name = '', ...rest] = line.trim().split(' ');
      const keys = rest.join(' ').split(', ').filter(Boolean);
      if (!line.startsWith('        ') || !isAttributeWord(type) || !isAttributeWord(name) || !keys.every((k) => KEY.test(k))) problems.push(at);
      continue;
    }
    const block = /^ {4}(\S+) \{$/.exec(line) ?? /^ {4}(\S+)$/.exec(line);
    if (block) {
      if (!isEntityName(block[1]!)) problems.push(at);
      declared.add(block[1]!);
      inBlock = line.endsWith('{');
      continue;
    }
    const relation = /^ {4}(\S+) (\S\S)(--|\.\.)(\S\S) (\S+) : "([^"%\r\n]*)"$/.exec(line);
    const [, from = '', left = '', , right = '', to = ''] = relation ?? [];
    if (!relation || !LEFT.includes(left) || !RIGHT.includes(right) || !declared.has(from) || !declared.has(to)) problems.push(at);
  }
  if (inBlock) problems.push('an attribute block is not closed');
  return problems;
}
