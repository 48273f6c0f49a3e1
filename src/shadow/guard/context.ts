/** What every check needs to know about where it is, and how it hands SQL text back to the guard. */
export interface GuardContext {
  /** The extension allowlist, lower-cased. */
  extensions: ReadonlySet<string>;
  /** Where the SQL being checked was found, e.g. " in the DO block"; empty for the statement itself. */
  where: string;
  /** How many strings deep that SQL sits (a DO block's EXECUTE of a string that holds a DO block...). */
  depth: number;
}

/** SQL nested in strings deeper than this is refused rather than checked. */
export const MAX_DEPTH = 8;

/** The guard's own entry points, handed to the checks that find SQL inside text. */
export interface Checker {
  /** Checks a parse tree; `source` is the SQL text of a statement node at its root, when known. */
  tree(root: unknown, source: string | undefined, ctx: GuardContext): string | undefined;
  /** Parses SQL text and checks each statement in it; `parsed` is false when the text does not parse. */
  sql(text: string, ctx: GuardContext): { reason?: string; parsed: boolean };
  /**
   * Best-effort check of pieces of SQL text that do not parse on their own (the constant parts
   * of dynamic SQL): dangerous function names followed by `(`, COPY ... PROGRAM anywhere, and
   * SET ROLE, ALTER SYSTEM or LOAD where the text starts (`head`).
   */
  fragments(texts: string[], head: string | undefined, ctx: GuardContext): string | undefined;
}

/** The sentence a user reads: what was refused, where it was found, and why. */
export function refused(subject: string, why: string, ctx: GuardContext): string {
  return `${subject}${ctx.where} is refused: ${why}.`;
}

/** The context for SQL found one string deeper. */
export function nested(ctx: GuardContext, where: string): GuardContext {
  return { ...ctx, where: `${where}${ctx.where}`, depth: ctx.depth + 1 };
}

export function tooDeep(ctx: GuardContext): string | undefined {
  return ctx.depth > MAX_DEPTH
    ? refused(`SQL nested in strings more than ${MAX_DEPTH} levels deep`, 'it is too deep to check before it runs', { ...ctx, where: '' })
    : undefined;
}
