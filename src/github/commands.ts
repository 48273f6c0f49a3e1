/** What a `/db-review` comment asks for; undefined when the comment is not a command. */
export type Command = { kind: 'review' } | { kind: 'explain' } | { kind: 'help' } | { kind: 'unknown'; argument: string };

const COMMAND = '/db-review';
const COMMAND_LINE = /^\/db-review(?:\s+(.*))?$/;

/** Reads the command on the first line of a comment: `/db-review`, `/db-review help`, or another argument. */
export function parseCommand(body: string): Command | undefined {
  const firstLine = body.trimStart().split(/\r?\n/, 1)[0]?.trim() ?? '';
  const match = COMMAND_LINE.exec(firstLine);
  if (match === null) return undefined;
  const argument = match[1]?.trim() ?? '';
  if (argument === '') return { kind: 'review' };
  if (argument === 'help') return { kind: 'help' };
  if (argument === 'explain') return { kind: 'explain' };
  return { kind: 'unknown', argument };
}

/**
 * Who may run commands: people with write access or org membership. Anyone else could
 * otherwise spend the app's shadow database time, or make it post comments, at will.
 */
const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

export function mayRunCommands(authorAssociation: string, isBot: boolean): boolean {
  return !isBot && TRUSTED_ASSOCIATIONS.has(authorAssociation);
}

const COMMANDS_TABLE = [
  '| command | what it does |',
  '|---|---|',
  `| \`${COMMAND}\` | reviews the pull request's database changes again, at its current head commit |`,
  `| \`${COMMAND} explain\` | reviews it again with Claude's explanations and verified rewrites, when the app has an Anthropic API key and \`llm.mode\` is not \`off\` |`,
  `| \`${COMMAND} help\` | shows this list |`,
].join('\n');

export const HELP_REPLY = [
  '**db-review** reviews the database migrations this pull request changes, and replays them on a throwaway PostgreSQL.',
  '',
  COMMANDS_TABLE,
  '',
  'Repository owners, members and collaborators can run them. The review also runs on every push, and from the **Re-run** button of the `db-review` check.',
].join('\n');

export function unknownCommandReply(argument: string): string {
  return [`\`${COMMAND} ${sanitise(argument)}\` is not a db-review command. The commands are:`, '', COMMANDS_TABLE].join('\n');
}

/** The argument is echoed back: keep it to one short line of inline code. */
function sanitise(argument: string): string {
  const text = argument.replaceAll('`', "'");
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
