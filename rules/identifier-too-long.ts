import type { Rule, RuleContext, RuleReport } from '../src/lint/rule.ts';
import type { Statement, Token } from '../src/sql/statement.ts';

/** NAMEDATALEN - 1: the longest identifier PostgreSQL keeps, in bytes. */
const MAX_BYTES = 63;

export const identifierTooLong: Rule = {
  id: 'identifier-too-long',
  severity: 'warning',
  scope: 'definition',
  summary: 'An identifier longer than 63 bytes is silently truncated by PostgreSQL, so two long names can collide.',
  docs: {
    why: 'PostgreSQL docs, Lexical Structure (Identifiers and Key Words): "The system uses no more than NAMEDATALEN-1 bytes of an identifier; longer names can be written in commands, but they will be truncated. By default, NAMEDATALEN is 64 so the maximum identifier length is 63 bytes." The truncation only raises a NOTICE: two names that share their first 63 bytes become the same name (the second CREATE fails, or a later statement silently refers to the other object), and tools that compare the catalog with the full name see a difference.',
    safe: 'Keep identifiers at most 63 bytes (UTF-8: accented letters take 2 bytes, most CJK characters 3). Name long index and constraint names explicitly and shorter.',
    bad: [
      'CREATE INDEX orders_user_id_status_created_at_paid_at_amount_price_note_idx_v2 ON orders (user_id, status, created_at);',
    ],
    good: [
      'CREATE INDEX orders_user_status_created_idx ON orders (user_id, status, created_at);',
      "COMMENT ON TABLE orders IS 'a comment that is much longer than sixty-three bytes is no identifier at all';",
    ],
  },
  check(statement, context) {
    if (!holdsTruncatedName(statement.ast)) return undefined;
    const reports: RuleReport[] = [];
    for (const token of statement.tokens) {
      const name = identifierText(token);
      if (name === undefined) continue;
      const bytes = Buffer.byteLength(name, 'utf8');
      if (bytes <= MAX_BYTES) continue;
      const truncated = truncate(name);
      if (!context.once(name)) continue;
      const others = collisions(context, statement, name, truncated);
      reports.push({
        line: token.line,
        endLine: token.line,
        message:
          `\`${name}\` is ${bytes} bytes long; PostgreSQL silently truncates identifiers to ${MAX_BYTES} bytes, so it becomes \`${truncated}\`` +
          (others.length
            ? `, the same name as ${others.map((o) => `\`${o}\``).join(', ')} in this migration: they refer to one object.`
            : ': another name with the same first 63 bytes would refer to the same object, and later migrations that spell the full name silently get the truncated one.') +
          ' Use a shorter name.',
        detail: [
          'PostgreSQL keeps NAMEDATALEN - 1 = 63 bytes of every identifier (counted in UTF-8 bytes, cut at a character boundary) and only says so with a NOTICE:',
          '',
          '```',
          `NOTICE:  identifier "${name}" will be truncated to "${truncated}"`,
          '```',
          '',
          'Index and constraint names are the usual culprits; PostgreSQL shortens the names it generates itself, but not the ones written out.',
        ].join('\n'),
      });
    }
    return reports;
  },
};

/** The identifier a token spells, as PostgreSQL reads it (quoted: unescaped; unquoted: ASCII-lowercased). */
function identifierText(token: Token): string | undefined {
  if (token.kind !== 'IDENT') return undefined;
  if (token.text.startsWith('"')) return token.text.slice(1, -1).replaceAll('""', '"');
  // downcase_identifier lowers ASCII letters only (in multibyte encodings).
  return token.text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The first 63 bytes of the name, cut at a UTF-8 character boundary (pg_mbcliplen). */
function truncate(name: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of name) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > MAX_BYTES) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/** Other long identifiers of the migration that truncate to the same name. */
function collisions(context: RuleContext, statement: Statement, name: string, truncated: string): string[] {
  const seen = new Set<string>();
  for (const s of [...context.statements, statement]) {
    for (const token of s.tokens) {
      const other = identifierText(token);
      if (other === undefined || other === name) continue;
      if (other === truncated || truncate(other) === truncated) seen.add(other);
    }
  }
  return [...seen];
}

/**
 * PostgreSQL cuts a long identifier to at most 63 bytes at a character boundary (so 60 to 63
 * bytes), and the parse tree holds the cut name: only then are the raw tokens worth scanning.
 */
function holdsTruncatedName(ast: unknown): boolean {
  if (typeof ast === 'string') {
    if (ast.length < 15 || ast.length > MAX_BYTES) return false;
    const bytes = Buffer.byteLength(ast, 'utf8');
    return bytes >= MAX_BYTES - 3 && bytes <= MAX_BYTES;
  }
  if (Array.isArray(ast)) return ast.some(holdsTruncatedName);
  if (ast && typeof ast === 'object') return Object.values(ast).some(holdsTruncatedName);
  return false;
}
