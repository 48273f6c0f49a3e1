import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { asAnswer, type Answer } from './answer.ts';

/** An answer Claude gave, and the tokens it cost. */
export interface CachedAnswer {
  answer: Answer;
  input: number;
  output: number;
}

/**
 * What the advisor remembers between reviews: Claude's answers by the hash of their request (a
 * re-run on the same commit costs nothing), and the tokens each budget scope spent each day.
 */
export interface AdviceMemory {
  answer(key: string): Promise<CachedAnswer | undefined>;
  remember(key: string, answer: CachedAnswer): Promise<void>;
  spent(scope: string, day: string): Promise<number>;
  spend(scope: string, day: string, tokens: number): Promise<void>;
}

const MAX_ANSWERS = 500;

/** Remembered by this process only: for the Action, whose runner is thrown away after the job. */
export function memoryInProcess(): AdviceMemory {
  const answers = new Map<string, CachedAnswer>();
  const spent = new Map<string, number>();
  return {
    answer: async (key) => answers.get(key),
    async remember(key, answer) {
      answers.set(key, answer);
      if (answers.size > MAX_ANSWERS) answers.delete(answers.keys().next().value!);
    },
    spent: async (scope, day) => spent.get(`${scope}\0${day}`) ?? 0,
    async spend(scope, day, tokens) {
      const key = `${scope}\0${day}`;
      spent.set(key, (spent.get(key) ?? 0) + tokens);
    },
  };
}

type Ledger = Record<string, Record<string, number>>;

/**
 * Remembered in `dir`, so that a restart of the App neither pays again for the answers it had
 * nor resets the day's budgets: an answer a file (`answers/<key>.json`, the oldest removed past
 * 500), the day's spending one small JSON file of the days still in use. Files are replaced by a
 * rename, so a reader never sees half of one; two processes sharing `dir` may miss each other's
 * spending of the same moment. A file that cannot be read or does not hold an answer counts as
 * absent, and a failed write is told to `warn`: the review goes on either way.
 */
export function memoryOnDisk(dir: string, warn: (message: string) => void = () => {}): AdviceMemory {
  const answersDir = path.join(dir, 'answers');
  const ledgerFile = path.join(dir, 'spent.json');
  const write = async (file: string, data: unknown): Promise<void> => {
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, JSON.stringify(data));
      await rename(partial, file);
    } catch (error) {
      warn(`db-review could not keep Claude's answers and spending in ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const readLedger = async (): Promise<Ledger> => {
    const ledger = await readJson(ledgerFile);
    return ledger !== null && typeof ledger === 'object' && !Array.isArray(ledger) ? (ledger as Ledger) : {};
  };
  return {
    async answer(key) {
      const stored = (await readJson(answerFile(answersDir, key))) as Partial<CachedAnswer> | undefined;
      const answer = asAnswer(stored?.answer);
      if (!answer || !isTokenCount(stored?.input) || !isTokenCount(stored?.output)) return undefined;
      return { answer, input: stored.input, output: stored.output };
    },
    async remember(key, answer) {
      await write(answerFile(answersDir, key), answer);
      await removeOldest(answersDir, MAX_ANSWERS);
    },
    async spent(scope, day) {
      const tokens = (await readLedger())[day]?.[scope];
      return isTokenCount(tokens) ? tokens : 0;
    },
    async spend(scope, day, tokens) {
      const ledger = await readLedger();
      const kept: Ledger = Object.fromEntries(Object.entries(ledger).filter(([other]) => other >= previousDay(day)));
      const today = { ...kept[day] };
      today[scope] = (isTokenCount(today[scope]) ? today[scope] : 0) + tokens;
      await write(ledgerFile, { ...kept, [day]: today });
    },
  };
}

/** Keys are hex digests; anything else never becomes a path. */
function answerFile(dir: string, key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not an answer key: ${key}`);
  return path.join(dir, `${key}.json`);
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The day before `day` (YYYY-MM-DD): a review that started before midnight may still spend on it. */
function previousDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

async function removeOldest(dir: string, keep: number): Promise<void> {
  try {
    const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
    if (files.length <= keep) return;
    const byAge = await Promise.all(files.map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })));
    byAge.sort((a, b) => a.mtime - b.mtime);
    for (const { name } of byAge.slice(0, files.length - keep)) await rm(path.join(dir, name), { force: true });
  } catch {
    // Another process removed them first.
  }
}
