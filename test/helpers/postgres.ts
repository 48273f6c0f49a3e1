import pg from 'pg';

/** The PostgreSQL server tests use: $SHADOW_DATABASE_URL, else the machine's own server. */
export const SERVER_URL = process.env.SHADOW_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether the server answers within a second (CI always has it up). */
export async function serverReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
