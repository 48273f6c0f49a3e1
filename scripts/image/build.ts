import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { copyArguments, DockerfileError, envAssignments, execForm, type Instruction, type Stage } from './dockerfile.ts';

/** The final stage of a Dockerfile, built into a directory of this machine. */
export interface BuiltImage {
  /** The stage's base image. */
  image: string;
  /** The image's `/`, on this machine. */
  root: string;
  /** WORKDIR, inside the image. */
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  exposed: string[];
  cmd: string[];
  healthcheck: string[] | undefined;
  /** The final stage's RUN instructions, which were not run. */
  notRun: string[];
}

interface StageState extends BuiltImage {
  name: string | undefined;
}

/**
 * Runs the Dockerfile's stages in directories under `workDir` instead of containers: COPY copies
 * from `context` or from an earlier stage's directory, RUN runs in the stage's WORKDIR with its
 * ENV. The final stage's RUN instructions are not run (they work on the image's own system
 * directories, as root), and the base images are not fetched: the stages run on this machine's
 * Node.js and npm.
 */
export async function buildWithoutDocker(stages: Stage[], context: string, workDir: string): Promise<BuiltImage> {
  const built: StageState[] = [];
  for (const [index, stage] of stages.entries()) {
    const state: StageState = {
      name: stage.name,
      image: stage.image,
      root: path.join(workDir, `stage-${index}${stage.name ? `-${stage.name}` : ''}`),
      workdir: '/',
      env: {},
      user: undefined,
      exposed: [],
      cmd: [],
      healthcheck: undefined,
      notRun: [],
    };
    await mkdir(state.root, { recursive: true });
    const final = index === stages.length - 1;
    for (const instruction of stage.instructions) await apply(instruction, state, { final, context, built });
    built.push(state);
  }
  const image = built.at(-1);
  if (!image) throw new Error('the Dockerfile has no FROM');
  return image;
}

async function apply(instruction: Instruction, state: StageState, build: { final: boolean; context: string; built: StageState[] }): Promise<void> {
  const inImage = (root: string, workdir: string, file: string): string => path.join(root, path.posix.resolve(workdir, file));
  switch (instruction.keyword) {
    case 'WORKDIR':
      state.workdir = path.posix.resolve(state.workdir, instruction.args);
      await mkdir(inImage(state.root, state.workdir, '.'), { recursive: true });
      return;
    case 'ENV':
      Object.assign(state.env, envAssignments(instruction));
      return;
    case 'COPY': {
      const { from, sources, destination } = copyArguments(instruction);
      const stage = from === undefined ? undefined : build.built.find((s, i) => s.name === from || String(i) === from);
      if (from !== undefined && !stage) throw new DockerfileError(instruction, `no earlier stage ${from}`);
      const target = inImage(state.root, state.workdir, destination);
      const intoDirectory = sources.length > 1 || destination.endsWith('/') || destination === '.';
      for (const source of sources) {
        // Sources are relative to the context, or to the root of the stage copied from.
        const file = stage ? inImage(stage.root, '/', source) : path.join(build.context, source);
        const isFile = statSync(file).isFile();
        await cp(file, isFile && intoDirectory ? path.join(target, path.basename(file)) : target, { recursive: true, verbatimSymlinks: true });
      }
      return;
    }
    case 'RUN': {
      if (build.final) {
        state.notRun.push(instruction.args);
        return;
      }
      console.log(`check-image: [${state.name ?? 'stage'}] RUN ${instruction.args}`);
      const cwd = inImage(state.root, state.workdir, '.');
      const run = spawnSync('sh', ['-c', instruction.args], { cwd, env: { ...process.env, ...state.env }, stdio: 'inherit' });
      if (run.status !== 0) throw new DockerfileError(instruction, `exited with ${run.status ?? run.signal}`);
      return;
    }
    case 'USER':
      state.user = instruction.args;
      return;
    case 'EXPOSE':
      state.exposed.push(...instruction.args.split(/\s+/));
      return;
    case 'CMD':
      state.cmd = execForm(instruction);
      return;
    case 'HEALTHCHECK':
      state.healthcheck = execForm(instruction);
      return;
    default:
      throw new DockerfileError(instruction, 'not supported by this check');
  }
}
