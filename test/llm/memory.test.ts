import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryOnDisk } from '../../src/llm/memory.ts';
import { temporaryTree } from '../helpers/files.ts';

const KEY = 'a'.repeat(64);
const ANSWERED = { answer: { findings: [{ id: 'F1', explanation: 'Reads wait.' }], data_model_review: '' }, input: 2412, output: 618 };

describe('memoryOnDisk', () => {
  it('gives back an answer another instance kept, and nothing for one it did not', async () => {
    const dir = temporaryTree({});
    await memoryOnDisk(dir).remember(KEY, ANSWERED);
    expect(await memoryOnDisk(dir).answer(KEY)).toEqual(ANSWERED);
    expect(await memoryOnDisk(dir).answer('b'.repeat(64))).toBeUndefined();
  });

  it('takes a file that is not an answer for none', async () => {
    const dir = temporaryTree({});
    const memory = memoryOnDisk(dir);
    await memory.remember(KEY, ANSWERED);
    const file = path.join(dir, 'answers', `${KEY}.json`);
    for (const text of ['{"answer":', JSON.stringify({ ...ANSWERED, input: -1 }), JSON.stringify({ ...ANSWERED, answer: { findings: 'all fine' } })]) {
      writeFileSync(file, text);
      expect(await memory.answer(KEY)).toBeUndefined();
    }
  });

  it('adds up the spending per scope and day, and forgets days before yesterday', async () => {
    const dir = temporaryTree({});
    const memory = memoryOnDisk(dir);
    await memory.spend('octo/a', '2026-11-21', 100);
    await memory.spend('octo/a', '2026-11-22', 200);
    await memory.spend('octo/a', '2026-11-23', 300);
    await memory.spend('octo/a', '2026-11-23', 50);
    await memoryOnDisk(dir).spend('octo/b', '2026-11-23', 7);
    expect(await memory.spent('octo/a', '2026-11-23')).toBe(350);
    expect(await memory.spent('octo/b', '2026-11-23')).toBe(7);
    expect(JSON.parse(readFileSync(path.join(dir, 'spent.json'), 'utf8'))).toEqual({
      '2026-11-22': { 'octo/a': 200 },
      '2026-11-23': { 'octo/a': 350, 'octo/b': 7 },
    });
  });

  it('keeps the newest 500 answers', async () => {
    const dir = temporaryTree({});
    const memory = memoryOnDisk(dir);
    for (let i = 0; i < 503; i++) await memory.remember(i.toString(16).padStart(64, '0'), ANSWERED);
    expect(readdirSync(path.join(dir, 'answers'))).toHaveLength(500);
  });

  it('says so, and goes on, when it cannot write', async () => {
    const notADirectory = path.join(temporaryTree({ file: 'x' }), 'file');
    const warnings: string[] = [];
    const memory = memoryOnDisk(notADirectory, (message) => warnings.push(message));
    await memory.remember(KEY, ANSWERED);
    await memory.spend('octo/a', '2026-11-23', 10);
    expect(await memory.answer(KEY)).toBeUndefined();
    expect(await memory.spent('octo/a', '2026-11-23')).toBe(0);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^db-review could not keep Claude's answers and spending in ${notADirectory}: ENOTDIR`));
  });
});
