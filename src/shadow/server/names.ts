import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Everything the server provider creates on the shared server is named here, so that a later run
 * (or another process) can tell its leftovers apart from anything else on the server:
 *
 * - `dbreview_r_<created, base 36 ms>_<random>`: a review's database and its login role (same name);
 * - `dbreview_b_<created>_<random>`: the login role that builds one template (it never owns a database
 *   once the build is over);
 * - `dbreview_t_<16 hex of sha256(base key)>`: a cached base-schema template database;
 * - `dbreview_base`: the NOLOGIN role that owns every object inside the templates, so their clones
 *   can hand them to the review role by membership.
 */
export const BASE_ROLE = 'dbreview_base';
const THROWAWAY = /^dbreview_([rb])_([0-9a-z]{1,11})_([0-9a-f]{10})$/;
const TEMPLATE = /^dbreview_t_[0-9a-f]{16}$/;

export function throwawayName(kind: 'r' | 'b', now: number = Date.now()): string {
  return `dbreview_${kind}_${now.toString(36)}_${randomBytes(5).toString('hex')}`;
}

/** The kind and creation time of a name made by `throwawayName`, or undefined for any other name. */
export function parseThrowaway(name: string): { kind: 'r' | 'b'; createdAt: number } | undefined {
  const match = THROWAWAY.exec(name);
  if (!match) return undefined;
  const createdAt = parseInt(match[2] ?? '', 36);
  return Number.isSafeInteger(createdAt) ? { kind: match[1] === 'r' ? 'r' : 'b', createdAt } : undefined;
}

export function templateName(key: string): string {
  return `dbreview_t_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export function isTemplateName(name: string): boolean {
  return TEMPLATE.test(name);
}

/** The two-key advisory lock that serializes building (and sweeping) one template across processes. */
export function advisoryKey(name: string): [number, number] {
  return [0x64627276 /* 'dbrv' */, createHash('sha256').update(name).digest().readInt32BE(0)];
}

/** What COMMENT ON DATABASE says about a template: its base key and when a review last cloned it. */
export interface TemplateNote {
  dbreview: 'template';
  key: string;
  usedAt: number;
}

export function templateNote(key: string, usedAt: number): string {
  const note: TemplateNote = { dbreview: 'template', key: key.slice(0, 200), usedAt };
  return JSON.stringify(note);
}

export function parseTemplateNote(comment: string | null | undefined): TemplateNote | undefined {
  if (!comment) return undefined;
  try {
    const note = JSON.parse(comment) as Partial<TemplateNote> | null;
    if (note?.dbreview === 'template' && typeof note.usedAt === 'number' && typeof note.key === 'string') {
      return { dbreview: 'template', key: note.key, usedAt: note.usedAt };
    }
  } catch {
    // not ours, or damaged: treated as never used
  }
  return undefined;
}

export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

const pbkdf2Async = promisify(pbkdf2);

/**
 * The SCRAM-SHA-256 verifier of `password`, so that CREATE ROLE ... PASSWORD never sends the
 * password itself (it would show up in a server log with log_statement = ddl). PostgreSQL stores a
 * verifier as it is; `md5` lines of pg_hba.conf then use SCRAM too, `password` lines work as well.
 */
export async function scramVerifier(password: string, iterations = 4096): Promise<string> {
  const salt = randomBytes(16);
  const salted = await pbkdf2Async(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** An extension name the provider will put into SQL: lower-case letters, digits, `_`, and `-` (uuid-ossp). */
export function isExtensionName(name: string): boolean {
  return /^[a-z_][a-z0-9_-]{0,62}$/.test(name);
}

/** A plain lower-case identifier (a schema name). */
export function isPlainIdentifier(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name);
}
