import { describe, expect, it } from 'vitest';
import { sanitizeProse, sanitizeRewrite } from '../../src/llm/sanitize.ts';

describe('sanitizeProse', () => {
  it.each([
    ['cc @octocat and @octo-org/admins', 'cc octocat and octo-org/admins'],
    ['write to ops@example.com', 'write to ops@example.com'],
    ['see [the docs](https://evil.example/x) now', 'see the docs now'],
    ['a ![pixel](https://evil.example/p.png) b', 'a  b'],
    ['go to https://evil.example/raw or www.evil.example', 'go to  or'],
    ['x <img src="https://e/i"> <!-- db-review:summary --> y', 'x   y'],
    ['## Heading\ntext', 'Heading\ntext'],
    ['```sql\nSELECT 1;', '```sql\nSELECT 1;\n```'],
    ['use `lock_timeout`', 'use `lock_timeout`'],
    ['red \u001b[31mtext\u001b[0m, bell\u0007, CR\r\nLF', 'red [31mtext[0m, bell, CR\nLF'],
    ['access \u202eresu\u202c level', 'access resu level'],
  ])('%j → %j', (input, output) => {
    expect(sanitizeProse(input, 1000)).toBe(output);
  });

  it('cuts at a word, marking the cut', () => {
    expect(sanitizeProse('one two three four five', 12)).toBe('one two…');
  });
});

describe('sanitizeRewrite', () => {
  it('leaves SQL alone but for mentions, addresses and control characters', () => {
    expect(sanitizeRewrite("-- ask @dba, see https://evil.example\u001b[2J\nALTER TABLE t ADD COLUMN \"\u202enote\" text DEFAULT 'a@b';\n")).toBe(
      "-- ask dba, see \nALTER TABLE t ADD COLUMN \"note\" text DEFAULT 'a@b';\n",
    );
  });
});
