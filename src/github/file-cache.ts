/**
 * File contents by repository and git blob SHA, shared by the reviews an app runs. A blob's SHA
 * names its content, so a migration that did not change since the last review of the repository
 * is not read from GitHub again: a review then reads about as many files as the pull request
 * changes, instead of every migration of the history. Least recently used entries go first once
 * the texts held pass `maxChars`.
 */
export class FileCache {
  private readonly texts = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxChars = 64 * 1024 * 1024) {}

  get(key: string): string | undefined {
    const text = this.texts.get(key);
    if (text !== undefined) {
      this.texts.delete(key);
      this.texts.set(key, text);
    }
    return text;
  }

  set(key: string, text: string): void {
    if (text.length > this.maxChars) return;
    this.delete(key);
    this.texts.set(key, text);
    this.chars += text.length;
    for (const [oldest] of this.texts) {
      if (this.chars <= this.maxChars) break;
      this.delete(oldest);
    }
  }

  private delete(key: string): void {
    const text = this.texts.get(key);
    if (text === undefined) return;
    this.texts.delete(key);
    this.chars -= text.length;
  }
}

/** The cache key of a file: its repository and blob SHA (the same content in another repository is another entry). */
export function fileKey(repo: { owner: string; repo: string }, sha: string): string {
  return `${repo.owner}/${repo.repo}@${sha}`;
}
