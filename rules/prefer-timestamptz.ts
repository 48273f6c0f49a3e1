import type { Edit } from '../src/lint/fix.ts';
import type { Rule } from '../src/lint/rule.ts';
import { displayName } from '../src/sql/names.ts';
import type { Statement } from '../src/sql/statement.ts';
import { lineFix, nameList, offendingTypeSites, sameCase, siteLines, typeOf, type TypeSite } from './support/columns.ts';

export const preferTimestamptz: Rule = {
  id: 'prefer-timestamptz',
  severity: 'notice',
  scope: 'definition',
  summary: 'A timestamp (without time zone) column: prefer timestamptz, which records an absolute point in time.',
  docs: {
    why: 'PostgreSQL docs, Date/Time Types: "In a literal that has been determined to be timestamp without time zone, PostgreSQL will silently ignore any time zone indication"; timestamp with time zone values are stored as UTC and converted from and to the session TimeZone. A timestamp column records wall-clock readings whose zone is lost, and comparing it with now() or a timestamptz value converts it through whatever TimeZone the session has, so the same query gives different answers on differently configured clients (the PostgreSQL wiki "Don\'t Do This" page: "Don\'t use timestamp (without time zone)").',
    safe: 'Declare the column timestamptz (same size, 8 bytes). Prisma: `DateTime @db.Timestamptz(3)`.',
    bad: [
      'CREATE TABLE audits (id bigint PRIMARY KEY, created_at timestamp NOT NULL DEFAULT now());',
      'ALTER TABLE orders ADD COLUMN shipped_at TIMESTAMP(3) WITHOUT TIME ZONE;',
    ],
    good: [
      'CREATE TABLE audits (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());',
      'CREATE TABLE holidays (day date PRIMARY KEY, opens_at time);',
      'ALTER TABLE orders ADD COLUMN shipped_at timestamp with time zone;',
    ],
  },
  check(statement, context) {
    const sites = offendingTypeSites(statement, (site) => typeOf(site.def.typeName).name === 'timestamp');
    if (!sites.length) return undefined;
    const columns = sites.map((s) => s.def.colname ?? '?');
    const table = displayName(sites[0]?.table ?? '');
    const edits = sites.flatMap((s) => editsFor(statement, s));
    const prisma = context.migration.framework === 'prisma';
    const one = columns.length === 1;
    const fixable = !prisma && sites.every((s) => s.nameToken !== undefined);
    return {
      ...siteLines(statement, sites),
      message: `${one ? 'Column' : 'Columns'} ${nameList(columns)} of \`${table}\` ${one ? 'is' : 'are'} \`timestamp\` without time zone: the values lose their time zone, and comparisons with now() or timestamptz values depend on the session TimeZone. Use \`timestamptz\`${prisma ? ' (Prisma: `DateTime @db.Timestamptz(3)` in schema.prisma)' : ''}.`,
      detail: [
        '`timestamptz` does not store a zone either: it stores an absolute instant (UTC) and shows it in the session TimeZone, which is what "when did this happen" needs. `timestamp` stores a wall-clock reading; `now()` is converted to it through the session TimeZone, so `created_at > now() - interval \'1 hour\'` gives different rows on a server in UTC and a client in Europe/Paris.',
        '',
        'Keep `timestamp` for values that are wall-clock times by nature (a shop\'s local opening time, a recurring local schedule).',
        ...(prisma ? ['', 'Prisma maps `DateTime` to `timestamp(3)`; add `@db.Timestamptz(3)` to the field and let Prisma generate the migration, rather than editing the SQL.'] : []),
      ].join('\n'),
      fix: fixable && edits.length ? lineFix(statement, edits) : undefined,
    };
  },
};

/** `timestamp` → `timestamptz`, `timestamp(3) without time zone` → `timestamptz(3)`. */
function editsFor(statement: Statement, site: TypeSite): Edit[] {
  const tokens = statement.tokens;
  const n = site.nameToken;
  const name = n === undefined ? undefined : tokens[n];
  if (n === undefined || !name) return [];
  const edits: Edit[] = [{ start: name.start, end: name.end, text: sameCase(name.text, 'timestamptz') }];
  let last = n;
  if (tokens[n + 1]?.text === '(') {
    const close = tokens.findIndex((t, i) => i > n && t.text === ')');
    if (close > n) last = close;
  }
  const words = [tokens[last + 1], tokens[last + 2], tokens[last + 3]].map((t) => t?.text.toUpperCase());
  if (words[0] === 'WITHOUT' && words[1] === 'TIME' && words[2] === 'ZONE') {
    const from = tokens[last];
    const to = tokens[last + 3];
    if (from && to) edits.push({ start: from.end, end: to.end, text: '' });
  }
  return edits;
}
