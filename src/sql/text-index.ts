const CHECKPOINT_BYTES = 4096;

/**
 * Maps UTF-8 byte offsets (what libpg-query reports) to character offsets, lines and columns
 * of a JavaScript string. Lines end at "\n"; a "\r" before it is not part of the line's text.
 */
export class TextIndex {
  readonly bytes: Buffer;
  private readonly ascii: boolean;
  /** Byte offset where each line starts; lineStarts[0] = 0. */
  private readonly lineStarts: number[] = [0];
  /** Character offset where each line starts. */
  private readonly lineCharStarts: number[] = [0];
  /** Byte and character offsets of character boundaries about every 4 KiB, for non-ASCII text. */
  private readonly checkpointBytes: number[] = [0];
  private readonly checkpointChars: number[] = [0];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.ascii = this.bytes.length === text.length;
    for (let i = 0; i < this.bytes.length; i++) {
      if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
    }
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 0x0a) this.lineCharStarts.push(i + 1);
    }
    if (!this.ascii) this.buildCheckpoints();
  }

  private buildCheckpoints(): void {
    let byte = 0;
    let next = CHECKPOINT_BYTES;
    for (let i = 0; i < this.text.length; i++) {
      const code = this.text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < this.text.length) {
        byte += 4;
        i++;
      } else {
        byte += code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
      }
      if (byte >= next) {
        this.checkpointBytes.push(byte);
        this.checkpointChars.push(i + 1);
        next = byte + CHECKPOINT_BYTES;
      }
    }
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line index containing the byte offset. */
  private lineOfByte(byteOffset: number): number {
    return lastAtOrBefore(this.lineStarts, byteOffset);
  }

  charOffset(byteOffset: number): number {
    if (this.ascii) return byteOffset;
    const k = lastAtOrBefore(this.checkpointBytes, byteOffset);
    return this.checkpointChars[k]! + this.bytes.toString('utf8', this.checkpointBytes[k]!, byteOffset).length;
  }

  /** 1-based line and column (in UTF-16 code units) of a byte offset. */
  position(byteOffset: number): { line: number; col: number } {
    const line = this.lineOfByte(byteOffset);
    return { line: line + 1, col: this.charOffset(byteOffset) - this.lineCharStarts[line]! + 1 };
  }

  slice(startByte: number, endByte: number): string {
    return this.ascii ? this.text.slice(startByte, endByte) : this.bytes.toString('utf8', startByte, endByte);
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

/** Index of the last element <= value in an ascending array whose first element is <= value. */
export function lastAtOrBefore(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
