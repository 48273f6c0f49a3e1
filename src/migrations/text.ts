import type { MigrationSection } from './types.ts';

/** A migration-candidate `.sql` file, read and decoded. */
export interface SqlFile {
  /** Path relative to the repository root, forward slashes. */
  path: string;
  /** File text with a leading UTF-8 BOM removed (the BOM is not a column: line 1 still starts at column 1). */
  text: string;
  /** Whether the file started with a UTF-8 BOM. */
  hadBom: boolean;
}

const BOM = '\uFEFF';

export function decodeSql(path: string, raw: string): SqlFile {
  const hadBom = raw.startsWith(BOM);
  return { path, text: hadBom ? raw.slice(1) : raw, hadBom };
}

/**
 * 1-based line and column of `offset` in `text`. Lines end at `\n` (so CRLF counts once; the `\r` is the
 * last character of its line); columns count UTF-16 code units from the start of the line.
 */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** The section `text.slice(start, end)`, with where it starts in the file. */
export function sectionOf(text: string, start = 0, end = text.length): MigrationSection {
  const { line, column } = positionAt(text, start);
  return { sql: text.slice(start, end), startLine: line, startColumn: column };
}

export interface TextLine {
  /** 1-based line number. */
  number: number;
  /** Line content without its terminator (`\n` or `\r\n`). */
  content: string;
  /** Offset of the first character of the line. */
  start: number;
  /** Offset just past the line terminator (the start of the next line), or the text length for the last line. */
  next: number;
}

export function splitLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  let number = 1;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      if (start < text.length || lines.length === 0) {
        lines.push({ number, content: text.slice(start), start, next: text.length });
      }
      break;
    }
    const end = nl > start && text[nl - 1] === '\r' ? nl - 1 : nl;
    lines.push({ number, content: text.slice(start, end), start, next: nl + 1 });
    start = nl + 1;
    number++;
  }
  return lines;
}

/** Directory part of a repo-relative path ('' for the root). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

/** File name part of a repo-relative path. */
export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Byte-wise comparison of the UTF-8 encodings, as Go and Rust compare strings. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Compares two strings of decimal digits by numeric value, without size limits. */
export function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** UTF-16 code unit comparison (JavaScript's and Java's default string order). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Natural order: runs of digits compare by numeric value, other runs by code units
 * (`2_x.sql` before `10_x.sql`). Names that tie (`01_a` vs `1_a`) fall back to code-unit order.
 */
export function compareNatural(a: string, b: string): number {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i] as string;
    const y = cb[i] as string;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    const c = xd && yd ? compareDigits(x, y) : compareCodeUnits(x, y);
    if (c !== 0) return c;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return compareCodeUnits(a, b);
}

/** Groups items by the directory of their path; groups come in code-unit order of the directory. */
export function groupByDir<T extends { path: string }>(items: T[]): Array<[string, T[]]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const dir = dirOf(item.path);
    let list = groups.get(dir);
    if (!list) groups.set(dir, (list = []));
    list.push(item);
  }
  return [...groups.entries()].sort(([a], [b]) => compareCodeUnits(a, b));
}

export function describeDir(dir: string): string {
  return dir === '' ? '(repository root)' : dir;
}

/** Warning for migrations spread over several directories that a runner would read one at a time. */
export function multipleDirsWarning(framework: string, dirs: string[]): string | undefined {
  if (dirs.length < 2) return undefined;
  return (
    `${framework} migrations found in ${dirs.length} directories (${dirs.map(describeDir).join(', ')}); ` +
    'each directory is ordered on its own and the directories are listed in path order'
  );
}
