import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryTree } from '../helpers/files.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';
import { runCli } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const project = (files: Record<string, string>): string => temporaryTree(files, 'db-review-shadow-');

interface JsonFinding {
  rule: string;
  severity: string;
  line: number;
  message: string;
}

function findings(stdout: string): JsonFinding[] {
  return (JSON.parse(stdout) as { findings: JsonFinding[] }).findings;
}

describe('db-review check with the embedded shadow database (the default)', () => {
  it('shows what PostgreSQL did next to each finding, and the shadow in the footer', async () => {
    const run = await runCli(['check', 'examples/shop'], ROOT);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'Observed on the shadow database: ACCESS EXCLUSIVE on `orders` (and 2 of its indexes), held while 3 more statements ran; rewritten: `orders`, `orders_customer_id_idx`, `orders_pkey`.',
    );
    expect(run.stdout).toMatch(/\(fails on error\) \(shadow: embedded PostgreSQL 18\.\d+, \d+\.\d s\)\n$/);
    expect(run.stdout).not.toMatch(/prefer-text-over-char .*Observed/);
  });

  it('reports a statement PostgreSQL rejects, at its line, with its own message', async () => {
    const dir = project({
      'db/1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);',
      'db/2_drop.sql': 'ALTER TABLE users DROP COLUMN email;',
      'db/3_index.sql': '-- still thinks email exists\nCREATE INDEX CONCURRENTLY users_email_idx\n  ON users (email);',
    });
    const run = await runCli(['check', 'db', '--format', 'json'], dir);
    expect(findings(run.stdout)).toContainEqual(expect.objectContaining({
      rule: 'shadow-failed',
      severity: 'error',
      line: 2,
      message: 'PostgreSQL rejected this statement on the shadow database: column "email" does not exist (SQLSTATE 42703). The migration fails here and its runner stops.',
    }));
  });

  it('refuses hostile SQL instead of running it, and says so', async () => {
    const dir = project({ 'db/1_evil.sql': "CREATE TABLE t (a text);\nCOPY t TO PROGRAM 'touch /tmp/db-review-pwned';" });
    const run = await runCli(['check', 'db', '--format', 'json'], dir);
    const refused = findings(run.stdout).find((f) => f.rule === 'shadow-refused');
    expect(refused).toMatchObject({ severity: 'error', line: 2 });
    expect(refused?.message).toContain('COPY TO PROGRAM');
  });

  it('drops a rewrite claim the shadow refutes, and keeps it when the target version behaves otherwise', async () => {
    const dir = project({
      'db/1_t.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);',
      'db/2_flag.sql': 'ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false;',
    });
    const pg16 = await runCli(['check', 'db', '--format', 'json'], dir);
    expect(findings(pg16.stdout).map((f) => f.rule)).not.toContain('add-column-rewrite');
    const pg10 = await runCli(['check', 'db', '--format', 'json', '--pg-version', '10'], dir);
    expect(findings(pg10.stdout).map((f) => f.rule)).toContain('add-column-rewrite');
  });

  it('reviews a lone migration without its history by standing in for the missing tables', async () => {
    const dir = project({ 'one/add_index.sql': 'ALTER TABLE invoices ALTER COLUMN total TYPE bigint;' });
    const run = await runCli(['check', 'one', '--format', 'json'], dir);
    expect(run.stderr).toContain('stand-in tables on the shadow database (no migration creates them): public.invoices');
    expect(findings(run.stdout)).toContainEqual(expect.objectContaining({ rule: 'column-type-rewrite', line: 1 }));
    expect(findings(run.stdout).find((f) => f.rule === 'column-type-rewrite')?.message).toContain('Observed on the shadow database');
  });
});

describe('db-review check --shadow-url (a real PostgreSQL server)', async () => {
  const reachable = await serverReachable();
  it(reachable ? 'replays the migrations on a throwaway database of the server' : `has no server at ${SERVER_URL} to replay on (CI always has one)`, async () => {
    if (!reachable) return;
    const run = await runCli(['check', 'examples/shop', '--shadow-url', SERVER_URL], ROOT);
    expect(run.stdout).toContain('Observed on the shadow database: ACCESS EXCLUSIVE on `orders` (and 2 of its indexes)');
    expect(run.stdout).toMatch(/\(shadow: server PostgreSQL \d+\.\d+, \d+\.\d s\)\n$/);
  });
});

describe('db-review check with table size hints', () => {
  it('makes a rewrite of a small table a notice, and a scan of a large one an error', async () => {
    const dir = project({
      '.github/db-review.yml': 'tables:\n  lookup: 12\n  events_2025: 5M\n',
      'db/1_base.sql': [
        'CREATE TABLE lookup (id bigint PRIMARY KEY, code integer);',
        'CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);',
        'CREATE TABLE events_2025 (id bigint NOT NULL, at date NOT NULL);',
      ].join('\n'),
      'db/2_change.sql': "ALTER TABLE lookup ALTER COLUMN code TYPE bigint;\nALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
    });
    const found = findings((await runCli(['check', 'db', '--format', 'json'], dir)).stdout);
    const rewrite = found.find((f) => f.rule === 'column-type-rewrite')!;
    expect(rewrite.severity).toBe('notice');
    expect(rewrite.message).toMatch(/By the size hints the table is small \(`lookup` ≈ 12 rows\), so it is over quickly\.$/);
    const attach = found.find((f) => f.rule === 'attach-partition-without-check')!;
    expect(attach.severity).toBe('error');
    expect(attach.message).toMatch(/By the size hints this is a large table \(`events_2025` ≈ 5,000,000 rows\)\.$/);
  });
});
