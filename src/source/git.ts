import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listPaths, SourceError } from './directory.ts';
import type { ChangedFiles, ChangeSource } from './source.ts';
import { addedLinesByFile } from './unified-diff.ts';

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new SourceError(`git ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

/**
 * The working tree under `root`, with what changed since `base` (a branch, tag or commit):
 * committed, staged, unstaged and untracked changes alike.
 */
export function gitSource(root: string, paths: string[], base: string): ChangeSource {
  return {
    describe: () => `changes since ${base}`,
    files: () => listPaths(root, paths),
    changed: () => changedSince(root, base),
  };
}

async function changedSince(root: string, base: string): Promise<ChangedFiles> {
  await git(root, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]).catch(() => {
    throw new SourceError(`--base ${base}: not a commit, branch or tag in this repository`);
  });
  const diff = await git(root, ['diff', '--name-status', '-z', '--relative', '--find-renames', base, '--']);
  const untracked = await git(root, ['ls-files', '--others', '--exclude-standard', '-z']);
  const changed: ChangedFiles = { paths: new Set(), modified: new Set(), deleted: [] };
  const fields = diff.split('\0').filter((f) => f !== '');
  for (let i = 0; i < fields.length; ) {
    const status = fields[i++]!;
    if (status.startsWith('R') || status.startsWith('C')) {
      i++; // the old name
      changed.paths.add(fields[i++]!);
    } else if (status === 'D') {
      changed.deleted.push(fields[i++]!);
    } else {
      const file = fields[i++]!;
      changed.paths.add(file);
      if (status === 'M') changed.modified.add(file);
    }
  }
  for (const file of untracked.split('\0').filter((f) => f !== '')) changed.paths.add(file);
  const lines = await git(root, ['-c', 'core.quotePath=false', 'diff', '-U0', '--no-color', '--no-ext-diff', '--relative', '--find-renames', base, '--']);
  return { ...changed, addedLines: addedLinesByFile(lines) };
}
