/**
 * Maps UTF-8 byte offsets (what libpg-query reports) to character offsets, lines and columns
 * of a JavaScript string. Lines end at "\n"; a "\r" before it belongs to no column that matters.
 */
export class TextIndex {
  readonly bytes: Buffer;
  /** Byte offset where each line starts; lineStarts[0] = 0. */
  private readonly lineStarts: number[] = [0];
  /** Character offset where each line starts. */
  private readonly lineCharStarts: number[] = [0];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < this.bytes.length; i++) {
      if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
    }
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 0x0a) this.lineCharStarts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line index containing the byte offset. */
  private lineOfByte(byteOffset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= byteOffset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 1-based line and column (in UTF-16 code units) of a byte offset. */
  position(byteOffset: number): { line: number; col: number } {
    const line = this.lineOfByte(byteOffset);
    const start = this.lineStarts[line]!;
    const col = this.bytes.toString('utf8', start, byteOffset).length + 1;
    return { line: line + 1, col };
  }

  charOffset(byteOffset: number): number {
    const line = this.lineOfByte(byteOffset);
    const start = this.lineStarts[line]!;
    return this.lineCharStarts[line]! + this.bytes.toString('utf8', start, byteOffset).length;
  }

  slice(startByte: number, endByte: number): string {
    return this.bytes.toString('utf8', startByte, endByte);
  }

  /** Text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineCharStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineCharStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  /** Character offset where a 1-based line starts. */
  lineStartChar(line: number): number {
    return this.lineCharStarts[line - 1] ?? this.text.length;
  }
}
