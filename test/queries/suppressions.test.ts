import { describe, expect, it } from 'vitest';
import { temporaryTree } from '../helpers/files.ts';
import { DEFAULT_CONFIG } from '../../src/config/index.ts';
import { reviewSource } from '../../src/pipeline.ts';
import { directorySource } from '../../src/source/directory.ts';


const findingsOf = async (files: Record<string, string>) =>
  (await reviewSource(directorySource(temporaryTree(files), ['.']), DEFAULT_CONFIG)).review.findings.map((f) => [f.path, f.line, f.rule]);

describe('db-review:ignore comments in query code', () => {
  it('silence their rules for the next query, within three lines, in the comment syntax of each language', async () => {
    const ts = [
      "import { pool } from './db.ts';",
      '// db-review:ignore query-select-star the admin export wants every column',
      'export const everything = () =>',
      "  pool.query('SELECT * FROM users');",
      "export const again = () => pool.query('SELECT * FROM users');",
      '',
    ].join('\n');
    const python = [
      'def pick(cur):',
      '    # db-review:ignore query-order-by-random a table of ten rows',
      '    cur.execute("SELECT * FROM tips ORDER BY random() LIMIT 1")',
      '',
    ].join('\n');
    expect(await findingsOf({ 'app/users.ts': ts, 'jobs/tips.py': python })).toEqual([
      ['app/users.ts', 5, 'query-select-star'],
      ['jobs/tips.py', 3, 'query-select-star'],
    ]);
  });

  it('silence a rule for every query of the file with ignore-file, and report a rule that does not exist', async () => {
    const sql = [
      '-- db-review:ignore-file query-select-star reports read whole rows',
      '-- name: Users :many',
      'SELECT * FROM users;',
      '',
      '-- db-review:ignore query-slect-star',
      '-- name: Admins :many',
      'SELECT * FROM admins;',
      '',
    ].join('\n');
    expect(await findingsOf({ 'db/queries/users.sql': sql })).toEqual([['db/queries/users.sql', 5, 'unknown-suppression']]);
  });

  it('do not reach a query further down', async () => {
    const ts = ["import { pool } from './db.ts';", '// db-review:ignore query-select-star', '', '', '', "export const all = () => pool.query('SELECT * FROM users');", ''].join('\n');
    expect(await findingsOf({ 'app/users.ts': ts })).toEqual([['app/users.ts', 6, 'query-select-star']]);
  });
});
