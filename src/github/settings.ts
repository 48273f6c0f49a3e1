import { defaultCacheDir } from '../cache-dir.ts';

/** How the app runs, from its environment (Probot reads its own variables itself). */
export interface AppSettings {
  /** Reviews running at once; the others wait in the queue. */
  concurrency: number;
  /** SHADOW_DATABASE_URL: replay on throwaway databases of this server instead of the embedded PostgreSQL. */
  shadowUrl: string | undefined;
  cacheDir: string;
}

const DEFAULT_CONCURRENCY = 2;

/** Throws on a setting that cannot be used, so that a misconfigured app fails at start, not on the first PR. */
export function readAppSettings(env: NodeJS.ProcessEnv): AppSettings {
  return {
    concurrency: positiveInteger(env, 'DB_REVIEW_CONCURRENCY') ?? DEFAULT_CONCURRENCY,
    shadowUrl: env.SHADOW_DATABASE_URL || undefined,
    cacheDir: defaultCacheDir(env),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, got "${env[name]}"`);
  return value;
}
