/**
 * A configuration file that cannot be used. `problems` holds one line per problem, each
 * starting with the key path it concerns (`postgres.version: expected ...`); `message` holds
 * the same lines, each prefixed with the file: `.github/db-review.yml: postgres.version: ...`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly source: string;
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(problems.map((problem) => `${source}: ${problem}`).join('\n'));
    this.source = source;
    this.problems = problems;
  }
}
