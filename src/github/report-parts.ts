import { escapeHtml } from '../report/markdown-syntax.ts';
import { shadowPhrase } from '../report/text.ts';
import type { Review, ReviewedMigration } from '../review-types.ts';

/**
 * How a migration is named to a reader: its file name, with its folder when the folder is the
 * migration (Prisma's `<id>/migration.sql`, where the file name alone tells nothing).
 */
export function migrationLabel(path: string, migrations: readonly ReviewedMigration[]): string {
  const parts = path.split('/');
  const file = parts.at(-1) ?? path;
  const folder = parts.at(-2);
  return folder !== undefined && migrations.some((m) => m.path === path && m.id === folder) ? `${folder}/${file}` : file;
}

/** The last line of a summary: which shadow database the migrations were replayed on, or that none was. */
export function shadowFooter(review: Review): string {
  if (!review.shadow) return '_No shadow database: the findings come from the rules alone._';
  const phrase = shadowPhrase(review.shadow);
  return `_${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}._`;
}

/** The pipeline's notes (discovery oddities, deleted migrations, stand-ins) as a list; nothing when there are none. */
export function notesSection(notes: readonly string[]): string[] {
  if (notes.length === 0) return [];
  return ['**Notes**', '', ...notes.map((note) => `- ${escapeHtml(note)}`)];
}
