import { describe, expect, it } from 'vitest';
import { clipBytes, fitMarkdown } from '../../src/github/limits.ts';

const NOTE = '_cut_';

describe('fitMarkdown', () => {
  it('leaves markdown that fits alone', () => {
    expect(fitMarkdown('# a\n\ntext\n', 11, NOTE)).toBe('# a\n\ntext\n');
  });

  it('cuts before a code fence it cannot keep whole, however long the fence', () => {
    const markdown = ['intro', '', '````sql', 'SELECT 1;', '```', 'still inside', '````', '', 'after '.repeat(10)].join('\n');
    expect(fitMarkdown(markdown, 50, NOTE)).toBe('intro\n\n_cut_\n');
    expect(fitMarkdown(markdown, markdown.length - 1, NOTE)).toBe('intro\n\n````sql\nSELECT 1;\n```\nstill inside\n````\n\n_cut_\n');
  });

  it('cuts between table rows, never inside one', () => {
    const markdown = ['| a | b |', '| --- | --- |', '| 1 | one |', '| 2 | two |', '| 3 | three |'].join('\n');
    expect(fitMarkdown(markdown, 50, NOTE)).toBe('| a | b |\n| --- | --- |\n| 1 | one |\n\n_cut_\n');
  });

  it('keeps a <details> fold whole or leaves it out', () => {
    const markdown = ['before', '', '<details>', '<summary>s</summary>', '', 'body', '', '</details>', '', 'after '.repeat(10)].join('\n');
    expect(fitMarkdown(markdown, 60, NOTE)).toBe('before\n\n_cut_\n');
    expect(fitMarkdown(markdown, markdown.length - 1, NOTE)).toBe('before\n\n<details>\n<summary>s</summary>\n\nbody\n\n</details>\n\n_cut_\n');
  });
});

describe('clipBytes', () => {
  it('cuts to a number of UTF-8 bytes without splitting a character', () => {
    expect(clipBytes('abc', 3)).toBe('abc');
    expect(clipBytes('ééé', 5)).toBe('é…');
    expect(Buffer.byteLength(clipBytes('x'.repeat(70_000), 65_536))).toBe(65_536);
  });
});
