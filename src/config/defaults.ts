import { parseConfig } from './parse.ts';
import type { Config } from './schema.ts';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The configuration used when there is no config file. Frozen: copy it before changing anything. */
export const DEFAULT_CONFIG: Config = deepFreeze(parseConfig('', '(defaults)'));
