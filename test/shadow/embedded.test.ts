import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import {
  ShadowStatementError,
  ShadowTimeoutError,
  ShadowUnavailableError,
  type BaseSchema,
  type ShadowDatabase,
  type ShadowProvider,
} from '../../src/shadow/provider.ts';
import { describeProviderContract } from './contract.ts';

describeProviderContract('embedded', async () => createEmbeddedProvider());

const scratch = mkdtempSync(join(tmpdir(), 'db-review-embedded-'));
const providers: ShadowProvider[] = [];
/** A provider sharing the file's cache directory (so only the first open in the file runs initdb). */
function provider(options: Parameters<typeof createEmbeddedProvider>[0] = {}): ShadowProvider {
  const made = createEmbeddedProvider({ cacheDir: join(scratch, 'shared'), ...options });
  providers.push(made);
  return made;
}

afterAll(async () => {
  await Promise.all(providers.map((p) => p.dispose()));
  rmSync(scratch, { recursive: true, force: true });
});

async function using<T>(db: ShadowDatabase, run: (db: ShadowDatabase) => Promise<T>): Promise<T> {
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

function countingBase(key: string, sql = 'CREATE TABLE base_t (id int); INSERT INTO base_t VALUES (1)'): BaseSchema & { builds: number } {
  const base = {
    key,
    builds: 0,
    build: async (db: ShadowDatabase) => {
      base.builds++;
      await db.query(sql);
    },
  };
  return base;
}

describe('embedded shadow provider', () => {
  it('starts warm from the cache directory: a second provider does not build the base again', async () => {
    const cacheDir = join(scratch, 'warm');
    const key = `warm-${randomUUID()}`;
    const first = countingBase(key);
    await using(await provider({ cacheDir }).open(first), async (db) => {
      expect((await db.query('SELECT count(*)::int AS n FROM base_t')).rows).toEqual([{ n: 1 }]);
    });
    expect(first.builds).toBe(1);
    // The file name adds the PGlite version and extension set the base was built with.
    expect(readdirSync(cacheDir).filter((name) => name.startsWith(`${key}-`) && name.endsWith('.tar'))).toHaveLength(1);
    expect(readdirSync(cacheDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const second = countingBase(key);
    await using(await provider({ cacheDir }).open(second), async (db) => {
      expect((await db.query('SELECT count(*)::int AS n FROM base_t')).rows).toEqual([{ n: 1 }]);
    });
    expect(second.builds).toBe(0);
  });

  it('rebuilds a base whose cached file is damaged', async () => {
    const cacheDir = join(scratch, 'damaged');
    const key = `damaged-${randomUUID()}`;
    await (await provider({ cacheDir }).open(countingBase(key))).close();
    const { writeFileSync } = await import('node:fs');
    const cached = readdirSync(cacheDir).find((name) => name.startsWith(`${key}-`) && name.endsWith('.tar'))!;
    writeFileSync(join(cacheDir, cached), 'not a tarball');
    const again = countingBase(key);
    await using(await provider({ cacheDir }).open(again), async (db) => {
      expect((await db.query('SELECT count(*)::int AS n FROM base_t')).rows).toEqual([{ n: 1 }]);
    });
    expect(again.builds).toBe(1);
  });

  it('builds a base once when reviews open it concurrently, and keeps them apart', async () => {
    const base = countingBase(`concurrent-${randomUUID()}`, 'SELECT pg_sleep(0.3); CREATE TABLE base_t (id int); INSERT INTO base_t VALUES (1)');
    const p = provider();
    const dbs = await Promise.all([p.open(base), p.open(base), p.open(base)]);
    try {
      expect(base.builds).toBe(1);
      await dbs[0]!.query('INSERT INTO base_t VALUES (2), (3)');
      await dbs[1]!.query('DROP TABLE base_t');
      expect((await dbs[0]!.query('SELECT count(*)::int AS n FROM base_t')).rows).toEqual([{ n: 3 }]);
      expect((await dbs[2]!.query('SELECT count(*)::int AS n FROM base_t')).rows).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('fails every opener when the base build fails, and builds again on the next open', async () => {
    const p = provider();
    const key = `broken-${randomUUID()}`;
    const broken = countingBase(key, 'CREATE TABLE base_t (id int REFERENCES nowhere)');
    const results = await Promise.allSettled([p.open(broken), p.open(broken)]);
    expect(broken.builds).toBe(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ShadowStatementError);
    }
    const fixed = countingBase(key);
    await (await p.open(fixed)).close();
    expect(fixed.builds).toBe(1);
  });

  it('is dead after a timeout, while the provider keeps working', async () => {
    const p = provider();
    const db = await p.open();
    const error = await db.query('SELECT pg_sleep(30)', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShadowTimeoutError);
    expect(error).toMatchObject({ limitMs: 300 });
    const after = await db.query('SELECT 1').catch((e: unknown) => e);
    expect(after).toBeInstanceOf(ShadowUnavailableError);
    expect((after as Error).message).toMatch(/stopped because a statement ran past its 300 ms limit/);
    await db.close();
    await using(await p.open(), async (next) => {
      expect((await next.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    });
  });

  it('stops the review when its SQL, all statements together, runs past reviewMs', async () => {
    const db = await provider({ limits: { reviewMs: 1_200, statementMs: 10_000 } }).open();
    await db.query('SELECT pg_sleep(0.5)');
    await db.query('SELECT pg_sleep(0.5)');
    const started = Date.now();
    const error = await db.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShadowTimeoutError);
    expect(error).toMatchObject({ limitMs: 1_200 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(db.query('SELECT 1')).rejects.toThrow(/review's SQL ran past its 1200 ms/);
    await db.close();
  });

  it('turns a worker that runs out of memory into ShadowUnavailableError, not a crash', async () => {
    const p = provider({ resources: { heapMb: 32 } });
    const db = await p.open();
    const error = await db.query("SELECT repeat('x', 1000000) FROM generate_series(1, 200)").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShadowUnavailableError);
    expect((error as Error).message).toMatch(/ran out of memory/);
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(ShadowUnavailableError);
    await db.close();
    await using(await p.open(), async (next) => {
      expect((await next.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });

  it('treats a session PostgreSQL ended (FATAL) as gone', async () => {
    await using(await provider().open(), async (db) => {
      await db.query('SET exit_on_error = on');
      const error = await db.query('SELECT 1/0').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowUnavailableError);
      expect((error as Error).message).toMatch(/PostgreSQL ended the session: FATAL/);
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(ShadowUnavailableError);
    });
  });

  it("bounds PostgreSQL's memory and files: out of memory and a full disk are statement errors", async () => {
    await using(await provider({ resources: { fileSystemMb: 16 } }).open(), async (db) => {
      await expect(db.query("SELECT repeat('x', 500000000)")).rejects.toMatchObject({ code: '53200' });
      await expect(
        db.query('SELECT count(*) FROM (SELECT g FROM generate_series(1, 10000000) g ORDER BY g DESC) s'),
      ).rejects.toMatchObject({ code: '53400' });
      const full = await db.query("CREATE TABLE big AS SELECT repeat('x', 1000) AS a FROM generate_series(1, 100000)").catch((e: unknown) => e);
      expect(full).toBeInstanceOf(ShadowStatementError);
      expect(full).toMatchObject({ code: '53100' });
      expect((full as Error).message).toMatch(/No space left on device/);
      expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    });
  });

  it('keeps COPY inside the database: nothing reaches the host file system', async () => {
    const written = join(tmpdir(), `db-review-copy-${randomUUID()}`);
    const touched = join(tmpdir(), `db-review-program-${randomUUID()}`);
    await using(await provider().open(), async (db) => {
      await db.query(`COPY (SELECT 'from the review') TO '${written}'`);
      // It was written: into the database's own in-memory file system.
      expect((await db.query(`SELECT pg_read_file('${written}') AS text`)).rows).toEqual([{ text: 'from the review\n' }]);
      await expect(db.query(`COPY (SELECT 1) TO PROGRAM 'touch ${touched}'`)).rejects.toBeInstanceOf(ShadowStatementError);
      await expect(db.query("CREATE TABLE host_lines (line text); COPY host_lines FROM '/etc/hostname'")).rejects.toMatchObject({
        code: '58P01',
      });
      // The session still answers after the refused program.
      expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    });
    expect(existsSync(written)).toBe(false);
    expect(existsSync(touched)).toBe(false);
  });

  it('refuses to load a library the review wrote, so its JavaScript never runs next to the host', async () => {
    const proof = join(tmpdir(), `db-review-side-module-${randomUUID()}`);
    // An Emscripten side module whose EM_JS body would write `proof` on the host when loaded.
    const library = sideModule(`require('node:fs').writeFileSync(${JSON.stringify(proof)}, 'from the review')`);
    await using(await provider().open(), async (db) => {
      await db.query(`SELECT lo_from_bytea(4242, '\\x${library.toString('hex')}'::bytea)`);
      await db.query("SELECT lo_export(4242, '/tmp/library.so')");
      const error = await db.query("LOAD '/tmp/library.so'").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowStatementError);
      expect((error as Error).message).toMatch(/could not load library/);
      // PGlite's own libraries still load: PL/pgSQL, the snowball stemmers.
      expect((await db.query("DO $$ BEGIN PERFORM 1; END $$; SELECT to_tsvector('english', 'running dogs')::text AS v")).rows).toEqual([
        { v: "'dog':2 'run':1" },
      ]);
    });
    expect(existsSync(proof)).toBe(false);
  });

  it('never answers with silently empty results after PGlite breaks (convert_to to SJIS)', async () => {
    await using(await provider().open(), async (db) => {
      const outcome = await db.query("SELECT convert_to('x', 'SJIS') AS s").then(
        (result) => result.rows,
        (e: unknown) => e,
      );
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(ShadowUnavailableError);
        expect(outcome.message).toMatch(/stopped answering/);
      } else {
        // A PGlite that no longer breaks here must answer properly.
        expect(outcome).toEqual([{ s: new Uint8Array([0x78]) }]);
        expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      }
    });
  });

  it('reports positions in UTF-16 code units and int8 as strings, like the server provider', async () => {
    await using(await provider().open(), async (db) => {
      const sql = "SELECT '😀é' AS x, nope";
      const error = await db.query(sql).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShadowStatementError);
      expect(sql.slice((error as ShadowStatementError).position)).toBe('nope');
      expect((await db.query('SELECT 9007199254740993::int8 AS big')).rows).toEqual([{ big: '9007199254740993' }]);
    });
  });

  it('closes the databases it opened on dispose', async () => {
    const p = createEmbeddedProvider({ cacheDir: join(scratch, 'shared') });
    const db = await p.open();
    await p.dispose();
    await expect(db.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});

/** A minimal Emscripten side module (dylink.0) carrying one EM_JS function, called by its constructor. */
function sideModule(js: string): Buffer {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    return out;
  };
  const name = (s: string): number[] => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const vector = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
  const payload = [...Buffer.from(`(void)<::>{ ${js} }`), 0];
  const memoryInfo = [...leb(payload.length), 0, 0, 0];
  return Buffer.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(0, [...name('dylink.0'), 1, ...leb(memoryInfo.length), ...memoryInfo]),
    ...section(1, vector([[0x60, 0, 0]])),
    ...section(
      2,
      vector([
        [...name('env'), ...name('memory'), 2, 0, 0],
        [...name('env'), ...name('__memory_base'), 3, 0x7f, 0],
        [...name('env'), ...name('pwn'), 0, 0],
      ]),
    ),
    ...section(3, vector([[0]])),
    ...section(6, vector([[0x7f, 0, 0x41, 0, 0x0b]])),
    ...section(7, vector([[...name('__wasm_call_ctors'), 0, 1], [...name('__em_js__pwn'), 3, 1]])),
    ...section(10, vector([[4, 0, 0x10, 0, 0x0b]])),
    ...section(11, vector([[0, 0x23, 0, 0x0b, ...leb(payload.length), ...payload]])),
  ]);
}
