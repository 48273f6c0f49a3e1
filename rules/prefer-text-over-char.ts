import type { Edit } from '../src/lint/fix.ts';
import type { Rule } from '../src/lint/rule.ts';
import { displayName, stringValues } from '../src/sql/names.ts';
import { lineFix, nameList, offendingTypeSites, sameCase, siteLines } from './support/columns.ts';

export const preferTextOverChar: Rule = {
  id: 'prefer-text-over-char',
  severity: 'notice',
  scope: 'definition',
  summary: 'A char(n) / character(n) column: blank-padded, with surprising comparison semantics and no storage advantage; prefer text or varchar(n).',
  docs: {
    why: 'PostgreSQL docs, Character Types: values of type character are "padded with spaces to the specified width n", and "trailing spaces are treated as semantically insignificant and disregarded when comparing two values of type character", while they are significant in varchar and text (so `\'ab\'::char(3) = \'ab\'` is true while `\'ab\'::char(3) LIKE \'ab\'` is false: LIKE and regular expressions see the padding). The tip on the same page: "There is no performance difference among these three types, apart from increased storage space when using the blank-padded type ... In most situations text or character varying should be used instead."',
    safe: 'Use text (with a CHECK on length(...) if the length matters) or varchar(n).',
    bad: ['CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);', 'ALTER TABLE users ADD COLUMN locale CHARACTER(5);'],
    good: [
      'CREATE TABLE countries (code varchar(2) PRIMARY KEY, name text NOT NULL);',
      'CREATE TABLE flags (id bigint PRIMARY KEY, kind "char" NOT NULL);',
      'CREATE TABLE codes (code character varying(10) PRIMARY KEY);',
    ],
  },
  check(statement, context) {
    const sites = offendingTypeSites(statement, (site) => {
      // `char(n)`, `character(n)`, `char`, `nchar(n)` and `bpchar` parse to bpchar; quoted "char" (the
      // internal one-byte type) parses to the bare name `char`.
      const names = stringValues(site.def.typeName?.names);
      return names.at(-1) === 'bpchar';
    });
    if (!sites.length) return undefined;
    const columns = sites.map((s) => s.def.colname ?? '?');
    const table = displayName(sites[0]?.table ?? '');
    const prisma = context.migration.framework === 'prisma';
    // char(n) / character(n) → varchar(n): same length limit, no padding. No fix for a bare `char`
    // (char(1)) or `bpchar`: the right replacement depends on what the column holds.
    const edits: Edit[] = sites.flatMap((s) => {
      const token = s.nameToken === undefined ? undefined : statement.tokens[s.nameToken];
      const open = s.nameToken === undefined ? undefined : statement.tokens[s.nameToken + 1];
      if (!token || open?.text !== '(' || !['CHAR', 'CHARACTER'].includes(token.text.toUpperCase())) return [];
      return [{ start: token.start, end: token.end, text: sameCase(token.text, 'varchar') }];
    });
    const one = columns.length === 1;
    return {
      ...siteLines(statement, sites),
      message: `${one ? 'Column' : 'Columns'} ${nameList(columns)} of \`${table}\` ${one ? 'is' : 'are'} blank-padded \`char(n)\`: values are padded with spaces, \`=\` ignores trailing spaces while LIKE and regular expressions see them, and it saves no space. Use \`text\` or \`varchar(n)\`${prisma ? ' (Prisma: drop `@db.Char(n)`, or use `@db.VarChar(n)`)' : ''}.`,
      detail: [
        'PostgreSQL stores char(n), varchar(n) and text the same way (char(n) even takes more space, for the padding). `varchar(n)` keeps the length limit without the padding; `text` with `CHECK (length(col) <= n)` does the same and is easier to change later.',
        '',
        'The internal `"char"` type (quoted, one byte) is a different type and is not flagged.',
      ].join('\n'),
      fix: prisma ? undefined : lineFix(statement, edits),
    };
  },
};
