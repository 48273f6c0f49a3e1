import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listDirectory } from '../../src/migrations/files.ts';

describe('listDirectory', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'db-review-files-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('b.sql', 'SELECT 2;');
  write('a dir/with space.sql', 'SELECT 1;');
  write('db/migrations/1_a.sql', 'SELECT 3;');
  write('node_modules/x/1.sql', 'SELECT 4;');
  write('.git/HEAD', 'ref');
  write('sub/node_modules/y.sql', 'SELECT 5;');
  write('.hidden/z.sql', 'SELECT 6;');
  symlinkSync(path.join(root, 'b.sql'), path.join(root, 'link.sql'));
  symlinkSync(path.join(root, 'db'), path.join(root, 'db-link'));

  it('lists files with forward-slash relative paths, skipping node_modules, .git and symlinks', async () => {
    const files = await listDirectory(root);
    expect(files.map((f) => f.path)).toEqual(['.hidden/z.sql', 'a dir/with space.sql', 'b.sql', 'db/migrations/1_a.sql']);
    expect(await files[1]?.read()).toBe('SELECT 1;');
  });
});
