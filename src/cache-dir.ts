import { homedir } from 'node:os';
import path from 'node:path';

/** Where db-review keeps what outlives a run: $DB_REVIEW_CACHE_DIR, else $XDG_CACHE_HOME/db-review, else ~/.cache/db-review. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.DB_REVIEW_CACHE_DIR) return env.DB_REVIEW_CACHE_DIR;
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'db-review');
}
