import type { Edit } from '../src/lint/fix.ts';
import type { Rule } from '../src/lint/rule.ts';
import { displayName } from '../src/sql/names.ts';
import { lineFix, nameList, offendingTypeSites, sameCase, siteLines, typeOf } from './support/columns.ts';

export const preferJsonb: Rule = {
  id: 'prefer-jsonb',
  severity: 'notice',
  scope: 'definition',
  summary: 'A json column: prefer jsonb, which has equality, GIN indexing and does not re-parse on every access.',
  docs: {
    why: 'PostgreSQL docs, JSON Types: "The json data type stores an exact copy of the input text, which processing functions must reparse on each execution; while jsonb data is stored in a decomposed binary format that makes it slightly slower to input due to added conversion overhead, but significantly faster to process ... jsonb also supports indexing." json has no equality operator, so SELECT DISTINCT, GROUP BY, UNION and = on a json column fail (`could not identify an equality operator for type json`), and it has no GIN operator class.',
    safe: 'Declare the column jsonb. Keep json only when the exact input text matters (key order, duplicate keys, whitespace), e.g. a raw webhook body whose signature must be verified.',
    bad: ['CREATE TABLE webhooks (id bigint PRIMARY KEY, payload json NOT NULL);', 'ALTER TABLE orders ADD COLUMN meta json;'],
    good: [
      'CREATE TABLE webhooks (id bigint PRIMARY KEY, payload jsonb NOT NULL);',
      "SELECT '{\"a\": 1}'::json ->> 'a';",
    ],
  },
  check(statement, context) {
    const sites = offendingTypeSites(statement, (site) => typeOf(site.def.typeName).name === 'json');
    if (!sites.length) return undefined;
    const columns = sites.map((s) => s.def.colname ?? '?');
    const table = displayName(sites[0]?.table ?? '');
    const edits: Edit[] = sites.flatMap((s) => {
      const token = s.nameToken === undefined ? undefined : statement.tokens[s.nameToken];
      return token ? [{ start: token.start, end: token.end, text: sameCase(token.text, 'jsonb') }] : [];
    });
    const prisma = context.migration.framework === 'prisma';
    const one = columns.length === 1;
    return {
      ...siteLines(statement, sites),
      message: `${one ? 'Column' : 'Columns'} ${nameList(columns)} of \`${table}\` ${one ? 'is' : 'are'} declared \`json\`, which has no equality operator (DISTINCT, GROUP BY, UNION and = fail on it), no GIN indexing, and is re-parsed on every access. Use \`jsonb\`${prisma ? ' (in schema.prisma, drop the `@db.Json` attribute: Prisma maps `Json` to jsonb)' : ''}.`,
      detail: [
        '`jsonb` stores the parsed value: equality and containment (`@>`) work, `CREATE INDEX ... USING gin (col)` indexes it, and reading a key does not parse the whole document again.',
        '',
        'Keep `json` only if the exact input text must survive (key order, duplicate keys, whitespace), e.g. a raw request body whose signature is checked later.',
      ].join('\n'),
      fix: prisma || edits.length !== sites.length ? undefined : lineFix(statement, edits),
    };
  },
};
