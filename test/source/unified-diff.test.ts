import { describe, expect, it } from 'vitest';
import { addedLines, addedLinesByFile } from '../../src/source/unified-diff.ts';

describe('added lines of a unified diff', () => {
  it("counts a GitHub patch's + lines on the head side, past context and removed lines, across hunks", () => {
    const patch = ['@@ -1,4 +1,5 @@', ' keep', '-old', '+new', '+newer', ' keep', '', '@@ -20,2 +21,3 @@ function x() {', ' a', '+b', ' c', '\\ No newline at end of file'].join('\n');
    expect([...addedLines(patch)]).toEqual([2, 3, 22]);
  });

  it('reads the sections of git diff -U0 by their head-side path, a new file whole and a deleted one not at all', () => {
    const diff = [
      'diff --git a/app/users.ts b/app/users.ts',
      'index 1111111..2222222 100644',
      '--- a/app/users.ts',
      '+++ b/app/users.ts',
      '@@ -3,0 +4,2 @@ export function a() {',
      '+  const b = 1;',
      '+  return b;',
      '@@ -10 +12 @@',
      '-old',
      '+new',
      'diff --git a/db/q.sql b/db/q.sql',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/db/q.sql',
      '@@ -0,0 +1,2 @@',
      '+SELECT 1;',
      '+SELECT 2;',
      'diff --git a/gone.ts b/gone.ts',
      'deleted file mode 100644',
      '--- a/gone.ts',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-x',
      '',
    ].join('\n');
    expect(addedLinesByFile(diff)).toEqual(
      new Map([
        ['app/users.ts', new Set([4, 5, 12])],
        ['db/q.sql', new Set([1, 2])],
      ]),
    );
  });
});
