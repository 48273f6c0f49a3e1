import { describeValue } from './describe.ts';

const MULTIPLIERS: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9 };

export type RowCountResult = { ok: true; value: number } | { ok: false; problem: string };

const EXPECTED = 'expected a row count: a non-negative integer or a string like "50M", "12k", "1.5B"';

/**
 * Reads a table size hint: a non-negative integer (`50000000`), digits with `_` or `,`
 * separators (`"50_000_000"`, `"50,000,000"`), or a number with a suffix
 * k = thousand, M = million, B = billion (case-insensitive; `"1.5B"`, `"12k"`, `"50M"`).
 * Fractional results are rounded to whole rows.
 */
export function parseRowCount(input: unknown): RowCountResult {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return { ok: true, value: input };
    return { ok: false, problem: `${EXPECTED}, got ${describeNumber(input)}` };
  }
  if (typeof input !== 'string') {
    return { ok: false, problem: `${EXPECTED}, got ${describeValue(input)}` };
  }
  const text = input.trim();
  const got = JSON.stringify(input);

  if (/^\d+(?:_\d+)*$/.test(text) || /^\d{1,3}(?:,\d{3})+$/.test(text)) {
    return checked(Number(text.replaceAll(/[_,]/g, '')), got);
  }
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)$/.exec(text);
  if (match) {
    const [, digits = '', suffix = ''] = match;
    const multiplier = MULTIPLIERS[suffix.toLowerCase()];
    if (multiplier === undefined) {
      return {
        ok: false,
        problem: `${EXPECTED}, got ${got}: unknown suffix ${JSON.stringify(suffix)} (use k = thousand, M = million, B = billion)`,
      };
    }
    return checked(Math.round(Number(digits) * multiplier), got);
  }
  return { ok: false, problem: `${EXPECTED}, got ${got}` };
}

function checked(value: number, got: string): RowCountResult {
  if (Number.isSafeInteger(value)) return { ok: true, value };
  return { ok: false, problem: `${EXPECTED}, got ${got}: too large` };
}

function describeNumber(n: number): string {
  if (!Number.isFinite(n)) return describeValue(n);
  if (n < 0) return `${n} (negative)`;
  if (!Number.isInteger(n)) return `${n} (not a whole number)`;
  return `${n} (too large)`;
}
