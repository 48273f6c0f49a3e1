import { describe, expect, it } from 'vitest';
import { sanitizeProse } from '../../src/llm/sanitize.ts';

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
  ])('%j → %j', (input, output) => {
    expect(sanitizeProse(input, 1000)).toBe(output);
  });

  it('cuts at a word, marking the cut', () => {
    expect(sanitizeProse('one two three four five', 12)).toBe('one two…');
  });
});
