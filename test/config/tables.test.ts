import { describe, expect, it } from 'vitest';
import { parseConfig, tableRows } from '../../src/config/index.ts';

const config = parseConfig(
  [
    'tables:',
    '  orders: 50M',
    '  billing.invoices: 1.5B',
    '  billing.orders: 10k',
    '  Accounts: 3M',
    '  public.users: 12k',
    '',
  ].join('\n'),
  '.github/db-review.yml',
);

describe('tableRows', () => {
  it('finds a bare key for a table in public', () => {
    expect(tableRows(config, 'orders')).toBe(50_000_000);
  });

  it('prefers the schema-qualified key over the bare one', () => {
    expect(tableRows(config, 'orders', 'billing')).toBe(10_000);
  });

  it('finds a schema-qualified key', () => {
    expect(tableRows(config, 'invoices', 'billing')).toBe(1_500_000_000);
  });

  it('finds public.name for a bare name in the default schema', () => {
    expect(tableRows(config, 'users')).toBe(12_000);
    expect(tableRows(config, 'users', 'public')).toBe(12_000);
  });

  it('does not apply a qualified key to another schema', () => {
    expect(tableRows(config, 'users', 'auth')).toBeUndefined();
    expect(tableRows(config, 'invoices')).toBeUndefined();
  });

  it('applies a bare key in any schema', () => {
    expect(tableRows(config, 'accounts', 'tenant_1')).toBe(3_000_000);
  });

  it('accepts a qualified name', () => {
    expect(tableRows(config, 'billing.invoices')).toBe(1_500_000_000);
  });

  it('falls back to a case-insensitive match', () => {
    expect(tableRows(config, 'accounts')).toBe(3_000_000);
    expect(tableRows(config, 'INVOICES', 'Billing')).toBe(1_500_000_000);
  });

  it('returns undefined for an unknown table and without hints', () => {
    expect(tableRows(config, 'line_items')).toBeUndefined();
    expect(tableRows(parseConfig('', 'x.yml'), 'orders')).toBeUndefined();
  });

  it('does not find inherited object properties', () => {
    expect(tableRows(config, 'toString')).toBeUndefined();
    expect(tableRows(config, 'constructor')).toBeUndefined();
  });
});
