import { describe, expect, it } from 'vitest';
import { parseRowCount } from '../../src/config/index.ts';

const EXPECTED = 'expected a row count: a non-negative integer or a string like "50M", "12k", "1.5B", got';

describe('parseRowCount', () => {
  it.each([
    [0, 0],
    [50_000_000, 50_000_000],
    ['50M', 50_000_000],
    ['50m', 50_000_000],
    ['1.5B', 1_500_000_000],
    ['1.5b', 1_500_000_000],
    ['12k', 12_000],
    ['12K', 12_000],
    ['1.1M', 1_100_000],
    ['.5k', 500],
    ['2.0005k', 2_001],
    ['7', 7],
    [' 12 k ', 12_000],
    ['50_000_000', 50_000_000],
    ['50,000,000', 50_000_000],
  ])('%j -> %d', (input, rows) => {
    expect(parseRowCount(input)).toEqual({ ok: true, value: rows });
  });

  it.each([
    ['12q', `${EXPECTED} "12q": unknown suffix "q" (use k = thousand, M = million, B = billion)`],
    ['12kb', `${EXPECTED} "12kb": unknown suffix "kb" (use k = thousand, M = million, B = billion)`],
    ['M', `${EXPECTED} "M"`],
    ['lots', `${EXPECTED} "lots"`],
    ['', `${EXPECTED} ""`],
    ['-5', `${EXPECTED} "-5"`],
    ['1,00,000', `${EXPECTED} "1,00,000"`],
    ['1.5.2k', `${EXPECTED} "1.5.2k"`],
    ['9999999999B', `${EXPECTED} "9999999999B": too large`],
    [-1, `${EXPECTED} -1 (negative)`],
    [2.5, `${EXPECTED} 2.5 (not a whole number)`],
    [2 ** 60, `${EXPECTED} ${2 ** 60} (too large)`],
    [Number.POSITIVE_INFINITY, `${EXPECTED} .inf`],
    [Number.NaN, `${EXPECTED} .nan`],
    [true, `${EXPECTED} true`],
    [null, `${EXPECTED} an empty value`],
    [{ a: 1 }, `${EXPECTED} a mapping`],
  ])('%j is rejected', (input, problem) => {
    expect(parseRowCount(input)).toEqual({ ok: false, problem });
  });
});
