import { codeMask, codeMatches } from './sql-text.ts';

/**
 * How a library writes a query's parameters: `$1` (node-postgres, pgx, asyncpg, PostgreSQL
 * itself), `?` (knex, Sequelize, sqlx, Rails), `:name` (PgTyped, knex, SQLAlchemy, sqlx),
 * `@name` and `sqlc.arg(name)` (sqlc), `%s` and `%(name)s` (psycopg).
 */
export type ParameterStyle = 'dollar' | 'question' | 'colon' | 'at' | 'sqlc' | 'percent';

export interface NormalisedSql {
  /** The SQL with every parameter as `$n`, as PostgreSQL plans a prepared statement. */
  sql: string;
  /** What each `$n` stands for in the source, in order. */
  parameters: string[];
}

const PATTERNS: Record<ParameterStyle, string> = {
  dollar: String.raw`(?<![\w$])\$(?<number>\d+)`,
  sqlc: String.raw`\bsqlc\.n?(?:arg|slice)\(\s*['"]?(?<sqlcName>[A-Za-z_]\w*)['"]?\s*\)`,
  at: String.raw`(?<![\w@])@(?<atName>[A-Za-z_]\w*)`,
  // Not `::type` (a cast) nor `a[1:n]` (a slice); PgTyped marks a required parameter with `!`.
  colon: String.raw`(?<![:\w]):(?<colonName>[A-Za-z_]\w*)!?`,
  // Not the jsonb operators `?|` and `?&`, nor knex's `??` (an identifier, not a value).
  question: String.raw`(?<![?\w])\?(?![?|&])`,
  // `%s` (also psycopg's `%b` and `%t`), or `%(name)s`; not `%%`, an escaped percent sign.
  percent: String.raw`(?<!%)%(?:\((?<percentName>[A-Za-z_]\w*)\))?[sbt](?!\w)`,
};

/**
 * Rewrites the parameters of the given styles as `$n`, only where they stand in code (not in
 * strings, quoted names or comments). The same name is the same parameter. `taken` are
 * parameters already written `$1`…`$k` (a template's interpolations): the others follow them.
 */
export function normaliseParameters(sql: string, styles: ParameterStyle[], taken: string[] = []): NormalisedSql {
  if (styles.length === 0) return { sql, parameters: taken };
  const pattern = new RegExp(styles.map((style) => PATTERNS[style]).join('|'), 'g');
  const parameters = [...taken];
  const numberOf = new Map<string, number>();
  let out = '';
  let copied = 0;
  for (const match of codeMatches(sql, codeMask(sql), pattern)) {
    const groups = match.groups ?? {};
    let number: number;
    if (groups.number !== undefined) {
      number = Number(groups.number);
      while (parameters.length < number) parameters.push(`$${parameters.length + 1}`);
    } else {
      const name = groups.sqlcName ?? groups.atName ?? groups.colonName ?? groups.percentName;
      const known = name === undefined ? undefined : numberOf.get(name);
      if (known !== undefined) {
        number = known;
      } else {
        parameters.push(name ?? '?');
        number = parameters.length;
        if (name !== undefined) numberOf.set(name, number);
      }
    }
    out += `${sql.slice(copied, match.index)}$${number}`;
    copied = match.index + match[0].length;
  }
  return { sql: out + sql.slice(copied), parameters };
}
