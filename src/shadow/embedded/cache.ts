import { createHash, randomUUID } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Data directory tarballs in memory, by key; past `capacity` the least recently used goes. */
export class MemoryTarballs {
  readonly #capacity: number;
  readonly #entries = new Map<string, Uint8Array>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: string): Uint8Array | undefined {
    const tar = this.#entries.get(key);
    if (tar) this.set(key, tar);
    return tar;
  }

  set(key: string, tar: Uint8Array): void {
    this.#entries.delete(key);
    this.#entries.set(key, tar);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#capacity) break;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * Data directory tarballs as `<dir>/<key>.tar`, kept across runs. Best effort throughout: a file
 * that cannot be read or written only means a slower start.
 */
export class DiskTarballs {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#path(key));
    } catch {
      return undefined;
    }
    if (looksLikeTar(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.remove(key);
    return undefined;
  }

  /** Writes a temporary file and renames it into place, so that no reader ever sees half a file. */
  async write(key: string, tar: Uint8Array): Promise<void> {
    const temporary = join(this.#dir, `.${fileName(key)}.${process.pid}.${randomUUID()}.tmp`);
    try {
      await mkdir(this.#dir, { recursive: true });
      await writeFile(temporary, tar);
      await rename(temporary, this.#path(key));
    } catch {
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }

  async has(key: string): Promise<boolean> {
    return access(this.#path(key)).then(
      () => true,
      () => false,
    );
  }

  async remove(key: string): Promise<void> {
    await rm(this.#path(key), { force: true }).catch(() => undefined);
  }

  #path(key: string): string {
    return join(this.#dir, fileName(key));
  }
}

/** `<key>.tar` when the key is a plain file name; otherwise named by the key's SHA-256. */
export function fileName(key: string): string {
  const plain = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(key);
  return `${plain ? key : createHash('sha256').update(key).digest('hex')}.tar`;
}

/** An uncompressed tar archive: whole 512-byte blocks, "ustar" in the first header. */
function looksLikeTar(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 1024 || bytes.byteLength % 512 !== 0) return false;
  return new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar';
}
