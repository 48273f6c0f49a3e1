/** The subset of the Dockerfile syntax this project's Dockerfile uses, read into stages. */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const defaults = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructionsOf(text)) {
    const stage = stages.at(-1);
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.replace(/\$\{(\w+)\}/g, (_, arg: string) => defaults.get(arg) ?? '').split(/\s+/);
      if (!image || (as !== undefined && as.toUpperCase() !== 'AS')) throw new DockerfileError(instruction, 'expected FROM <image> [AS <name>]');
      stages.push({ name, image, instructions: [] });
    } else if (stage) {
      stage.instructions.push(instruction);
    } else if (instruction.keyword === 'ARG') {
      const [name, value = ''] = instruction.args.split('=', 2);
      defaults.set(name!, value);
    } else {
      throw new DockerfileError(instruction, 'only ARG may come before the first FROM');
    }
  }
  return stages;
}

/** Instructions with their continuation lines joined; comments (and the `# syntax` directive) left out. */
function instructionsOf(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    const continued = line.endsWith('\\');
    const part = continued ? line.slice(0, -1).trim() : line;
    pending = pending ? { ...pending, text: `${pending.text} ${part}` } : { text: part, line: index + 1 };
    if (continued) return;
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  return instructions;
}

/** `KEY=value KEY2=value2` (values without quotes or spaces). */
export function envAssignments(instruction: Instruction): Record<string, string> {
  return Object.fromEntries(
    instruction.args.split(/\s+/).map((assignment) => {
      const match = /^(\w+)=([^"'\s]*)$/.exec(assignment);
      if (!match) throw new DockerfileError(instruction, `expected KEY=value, got ${assignment}`);
      return [match[1], match[2]];
    }),
  );
}

/** The exec form `["executable", "arg", ...]` of CMD, and of HEALTHCHECK after its options. */
export function execForm(instruction: Instruction): string[] {
  const json = instruction.keyword === 'HEALTHCHECK' ? instruction.args.replace(/^(--\S+\s+)*CMD\s+/, '') : instruction.args;
  const command: unknown = JSON.parse(json);
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) {
    throw new DockerfileError(instruction, 'expected the exec form ["executable", "arg", ...]');
  }
  return command;
}

/** COPY [--from=<stage>] <source>... <destination> */
export function copyArguments(instruction: Instruction): { from: string | undefined; sources: string[]; destination: string } {
  const words = instruction.args.split(/\s+/);
  const from = words[0]?.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
  const destination = words.pop();
  if (destination === undefined || words.length === 0 || words.some((word) => word.startsWith('-') || word.startsWith('['))) {
    throw new DockerfileError(instruction, 'expected COPY [--from=<stage>] <source>... <destination>');
  }
  return { from, sources: words, destination };
}

export class DockerfileError extends Error {
  constructor(instruction: Instruction, problem: string) {
    super(`Dockerfile line ${instruction.line} (${instruction.keyword}): ${problem}`);
  }
}
