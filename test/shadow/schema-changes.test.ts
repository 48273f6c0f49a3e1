import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../src/config/index.ts';
import { reviewSource, type PipelineResult } from '../../src/pipeline.ts';
import { formatMarkdown, formatText } from '../../src/report/index.ts';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { DEFAULT_LIMITS } from '../../src/shadow/provider.ts';
import type { ChangeSource } from '../../src/source/source.ts';
import { mermaidProblems } from '../report/mermaid-grammar.ts';

const provider = createEmbeddedProvider();
afterAll(() => provider.dispose());

const PLAIN: Config = { ...DEFAULT_CONFIG, migrations: { ...DEFAULT_CONFIG.migrations, framework: 'plain' } };
const OPTIONS = { color: false, toolVersion: '0.1.0', rulesMeta: {} };

/** A pull request adding `reviewed` to a repository holding `files`, reviewed on the embedded shadow. */
function review(files: Record<string, string>, reviewed: string[], config = PLAIN, statementMs = DEFAULT_LIMITS.statementMs): Promise<PipelineResult> {
  const source: ChangeSource = {
    describe: () => 'a pull request',
    files: async () => Object.entries(files).map(([path, sql]) => ({ path, read: async () => sql })),
    changed: async () => ({ paths: new Set(reviewed), modified: new Set(), deleted: [] }),
  };
  return reviewSource(source, config, { shadow: provider, limits: { ...DEFAULT_LIMITS, statementMs } });
}

function schemaSection(result: PipelineResult): string {
  const markdown = formatMarkdown(result.review, OPTIONS);
  return markdown.slice(markdown.indexOf('### Schema changes'));
}

const fkFindings = (result: PipelineResult) =>
  result.review.findings.filter((f) => f.rule === 'foreign-key-without-index').map(({ line, endLine, source }) => ({ line, endLine, source }));

describe('schema changes seen on the shadow database', () => {
  const shop = {
    'migrations/001_base.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, legacy integer);\nCREATE TABLE shops (id bigint PRIMARY KEY, name text);',
    'migrations/002_orders.sql': [
      'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), shop_id bigint REFERENCES shops (id), note text);',
      'CREATE INDEX orders_user_id_idx ON orders (user_id);',
      'ALTER TABLE users ADD COLUMN nickname text;',
    ].join('\n'),
    'migrations/003_more.sql': [
      'ALTER TABLE users DROP COLUMN nickname;',
      'ALTER TABLE users DROP COLUMN legacy;',
      'ALTER TABLE orders ADD COLUMN total numeric(10,2) NOT NULL DEFAULT 0;',
      'CREATE UNIQUE INDEX users_email_key ON users (email);',
    ].join('\n'),
  };

  it('shows the net effect of several migrations, grouped by table, with an ER diagram', async () => {
    const result = await review(shop, ['migrations/002_orders.sql', 'migrations/003_more.sql']);
    expect(schemaSection(result)).toBe(
      [
        '### Schema changes',
        '',
        '**`orders`** (new)',
        '- columns: `id` bigint NOT NULL, `user_id` bigint NOT NULL, `shop_id` bigint, `note` text, `total` numeric(10,2) NOT NULL DEFAULT `0`',
        '- primary key `orders_pkey`: `PRIMARY KEY (id)`',
        '- foreign key `orders_user_id_fkey`: `FOREIGN KEY (user_id) REFERENCES users(id)`',
        '- foreign key `orders_shop_id_fkey`: `FOREIGN KEY (shop_id) REFERENCES shops(id)`',
        '- index `orders_user_id_idx` on `(user_id)`',
        '',
        '**`users`**',
        '- dropped column `legacy` integer',
        '- created unique index `users_email_key` on `(email)`',
        '',
        'The tables changed, and the tables they reference (key columns only):',
        '',
        '```mermaid',
        'erDiagram',
        '    orders {',
        '        bigint id PK',
        '        bigint user_id FK',
        '        bigint shop_id FK',
        '        text note',
        '        numeric(10_2) total',
        '    }',
        '    users {',
        '        bigint id PK',
        '        text email UK',
        '    }',
        '    shops {',
        '        bigint id PK',
        '    }',
        '    orders }o--|| users : "user_id"',
        '    orders }o--o| shops : "shop_id"',
        '```',
        '',
      ].join('\n'),
    );
    const diagram = schemaSection(result).split('```mermaid\n')[1]!.split('\n```')[0]!;
    expect(mermaidProblems(diagram)).toEqual([]);
    expect(formatText(result.review, OPTIONS).split('\n').at(-3)).toBe('schema: +1 table, -1 column, +2 indexes');
    // The rule saw the unindexed shop_id; the shadow confirms it without a second finding.
    expect(fkFindings(result)).toEqual([{ line: 1, endLine: 1, source: 'rule' }]);
  });

  it('does not count stand-ins as added tables', async () => {
    const result = await review(
      { 'migrations/001_lone.sql': 'ALTER TABLE accounts ADD COLUMN plan text;\nCREATE TABLE notes (id bigint PRIMARY KEY, body text);' },
      ['migrations/001_lone.sql'],
    );
    expect(result.trace?.standIns).toEqual(['public.accounts']);
    const changes = result.review.schemaChanges;
    expect(changes?.status === 'complete' && changes.tables.map((t) => [t.table, t.change, t.standIn])).toEqual([
      ['public.notes', 'created', false],
      ['public.accounts', 'altered', true],
    ]);
    expect(schemaSection(result)).toContain(
      '**`accounts`** (a stand-in: no migration creates it, so what it held before is made up)\n- added column `plan` text\n',
    );
  });

  it('says the end state is unknown when the shadow stopped at a time limit', async () => {
    const result = await review(
      { 'migrations/001_base.sql': 'CREATE TABLE t (id bigint);', 'migrations/002_slow.sql': 'ALTER TABLE t ADD COLUMN a int;\nSELECT pg_sleep(30);' },
      ['migrations/002_slow.sql'],
      PLAIN,
      1_000,
    );
    expect(result.review.schemaChanges).toEqual({ status: 'timed-out' });
    expect(schemaSection(result)).toBe(
      '### Schema changes\n\nNot known: the shadow database stopped at a time limit before the reviewed migrations ended, so their end state could not be read.\n',
    );
  }, 60_000);
});

describe('foreign keys without an index, seen on the shadow database', () => {
  const dynamic = {
    'migrations/001_base.sql': [
      'CREATE TABLE users (id bigint PRIMARY KEY);',
      'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, approver_id bigint, reviewer_id bigint);',
      'CREATE INDEX orders_approver_id_idx ON orders (approver_id);',
    ].join('\n'),
    'migrations/002_keys.sql': [
      'ALTER TABLE orders ADD CONSTRAINT orders_approver_fkey FOREIGN KEY (approver_id) REFERENCES users (id) NOT VALID;',
      'DO $$',
      'BEGIN',
      "  EXECUTE 'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID';",
      "  EXECUTE 'DROP INDEX orders_approver_id_idx';",
      'END',
      '$$;',
      '-- db-review:ignore foreign-key-without-index indexed in the next release',
      "DO $$ BEGIN EXECUTE 'ALTER TABLE orders ADD CONSTRAINT orders_reviewer_fkey FOREIGN KEY (reviewer_id) REFERENCES users (id) NOT VALID'; END $$;",
      "DO $$ BEGIN EXECUTE 'ALTER TABLE orders ADD CONSTRAINT orders_reviewer_loose FOREIGN KEY (reviewer_id) REFERENCES users (id) NOT ENFORCED'; END $$;",
    ].join('\n'),
  };

  it('reports keys the rule could not see in dynamic SQL, at the statement that added them', async () => {
    const result = await review(dynamic, ['migrations/002_keys.sql']);
    // Line 1: its index existed when the key was added, then dynamic SQL dropped it. Lines 2-7: added by dynamic SQL.
    // Line 9 is suppressed, line 10 NOT ENFORCED.
    expect(fkFindings(result)).toEqual([
      { line: 1, endLine: 1, source: 'shadow' },
      { line: 2, endLine: 7, source: 'shadow' },
    ]);
    const added = result.review.findings.find((f) => f.rule === 'foreign-key-without-index' && f.line === 2);
    expect(added).toMatchObject({
      severity: 'warning',
      message:
        'After the reviewed migrations, no valid index on `orders` starts with the foreign key column `user_id` (seen on the shadow database): every DELETE from `users`, or UPDATE of its key, scans all of `orders` to find referencing rows. Add an index on `orders` (`user_id`) with CREATE INDEX CONCURRENTLY, in a migration of its own.',
      detail:
        'The rules did not see this in the SQL: the key, or the loss of the index that covered it, comes from SQL they do not follow (dynamic SQL run by EXECUTE, a function). Indexes on `orders` once the reviewed migrations have run: `orders_pkey` (id).',
    });
  });

  it('is turned off with the rule', async () => {
    const config: Config = { ...PLAIN, rules: { ...PLAIN.rules, 'foreign-key-without-index': 'off' } };
    expect(fkFindings(await review(dynamic, ['migrations/002_keys.sql'], config))).toEqual([]);
  });
});
