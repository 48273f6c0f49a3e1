import { describe, expect, it } from 'vitest';
import { transactionNesting } from '../../rules/transaction-nesting.ts';
import { lintSql } from '../helpers/lint.ts';

const rules = [transactionNesting];
const ALTER = 'ALTER TABLE orders ADD COLUMN region text;';

describe('transaction-nesting', () => {
  it('reports BEGIN and COMMIT inside the runner\'s transaction, with fixes removing them', async () => {
    const findings = await lintSql(`BEGIN;\n${ALTER}\nCOMMIT; -- done\n${ALTER.replace('region', 'tier')}`, { rules, framework: 'goose' });
    expect(findings.map((f) => [f.line, f.severity])).toEqual([[1, 'error'], [3, 'error']]);
    expect(findings[0]!.message).toBe(
      '`BEGIN` inside the transaction goose wraps this file in: PostgreSQL only warns "there is already a transaction in progress", and the `COMMIT` on line 3 then ends the runner\'s transaction early: the statements after it and the runner\'s own bookkeeping run outside it, so a failure no longer rolls back the migration as a whole. Remove `BEGIN` and the matching `COMMIT`: the runner already makes the file atomic.',
    );
    expect(findings[0]!.fix).toEqual({ startLine: 1, endLine: 1, replacement: '' });
    expect(findings[1]!.message).toContain('`COMMIT` inside the transaction goose wraps this file in (the `BEGIN` on line 1 did not open a transaction of its own) ends it early: the statement after it runs outside it, each committing on its own');
    expect(findings[1]!.fix).toEqual({ startLine: 3, endLine: 3, replacement: '' });
  });

  it('only warns about a COMMIT closing the runner\'s transaction at the very end', async () => {
    const findings = await lintSql(`${ALTER}\nEND;`, { rules, framework: 'dbmate' });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toContain('`END` inside the transaction dbmate wraps this file in ends it early: the runner\'s own bookkeeping then runs outside');
  });

  it('reports a ROLLBACK that discards the runner\'s transaction', async () => {
    const findings = await lintSql(`${ALTER}\nROLLBACK;`, { rules, framework: 'flyway' });
    expect(findings[0]!.message).toContain('discards every statement before it, yet the runner goes on and may record the migration as applied');
  });

  it('reports nested BEGIN in an explicit block, naming the COMMIT that ends the outer one', async () => {
    const findings = await lintSql(`BEGIN;\nBEGIN;\n${ALTER}\nCOMMIT;\n${ALTER}\nCOMMIT;`, { rules, transaction: 'per-statement' });
    expect(findings.map((f) => [f.line, f.severity])).toEqual([[2, 'error'], [6, 'warning']]);
    expect(findings[0]!.message).toContain('`BEGIN` inside the transaction block opened on line 1');
    expect(findings[0]!.message).toContain('the `COMMIT` on line 4 ends the outer block');
    expect(findings[1]!.message).toContain('`COMMIT` with no transaction block open: PostgreSQL only warns "there is no transaction in progress"');
  });

  it('handles the implicit transaction of a multi-statement query', async () => {
    // BEGIN turns the implicit block into a regular one: fine.
    expect(await lintSql(`BEGIN;\n${ALTER}\nCOMMIT;`, { rules, transaction: 'implicit', framework: 'prisma' })).toEqual([]);
    const split = await lintSql(`${ALTER}\nCOMMIT;\n${ALTER.replace('region', 'tier')}`, { rules, transaction: 'implicit', framework: 'prisma' });
    expect(split[0]).toMatchObject({ severity: 'warning', line: 2 });
    expect(split[0]!.message).toContain('Prisma sends this file as one multi-statement query');
    const rollback = await lintSql(`${ALTER}\nROLLBACK;`, { rules, transaction: 'implicit', framework: 'prisma' });
    expect(rollback[0]).toMatchObject({ severity: 'error' });
    expect(rollback[0]!.message).toContain('rolls back every statement before it');
    const savepoint = await lintSql(`${ALTER}\nSAVEPOINT s;`, { rules, transaction: 'implicit' });
    expect(savepoint[0]!.message).toContain('`ERROR: SAVEPOINT can only be used in transaction blocks` (implicit transaction blocks do not allow savepoints either)');
  });

  it('reports a BEGIN that nothing closes, and COMMIT AND CHAIN outside a block', async () => {
    const open = await lintSql(`BEGIN;\n${ALTER}`, { rules, transaction: 'per-statement' });
    expect(open[0]!.message).toContain('opens a transaction block that nothing in the file closes');
    const chain = await lintSql(`${ALTER}\nCOMMIT AND CHAIN;`, { rules, transaction: 'per-statement' });
    expect(chain[0]).toMatchObject({ severity: 'error' });
    expect(chain[0]!.message).toContain('`ERROR: COMMIT AND CHAIN can only be used in transaction blocks`');
  });

  it('treats statements after the file\'s own COMMIT as outside the runner\'s transaction', async () => {
    const findings = await lintSql(`${ALTER}\nCOMMIT;\nSAVEPOINT s;`, { rules, framework: 'goose' });
    expect(findings.map((f) => f.line)).toEqual([2, 3]);
    expect(findings[1]!.message).toContain('`SAVEPOINT` outside a transaction block fails');
  });

  it('stays silent for well-formed transaction control', async () => {
    expect(await lintSql(`BEGIN;\n${ALTER}\nCOMMIT;`, { rules, transaction: 'per-statement' })).toEqual([]);
    expect(await lintSql(`${ALTER}\nSAVEPOINT s;\n${ALTER}\nROLLBACK TO SAVEPOINT s;\nRELEASE SAVEPOINT s;`, { rules })).toEqual([]);
    expect(await lintSql(`${ALTER}\nCOMMIT;`, { rules, transaction: 'implicit' })).toEqual([]);
  });
});
