/**
 * `text` without C0 and C1 control characters (but line feeds and tabs) and without the Unicode
 * bidirectional overrides and isolates. Reviewed content (a quoted identifier, a file name, a
 * comment that Claude quotes back) could otherwise move a terminal's cursor, recolour it, or
 * show the reader text in another order than it is (CVE-2021-42574, "Trojan Source").
 */
export function withoutControlCharacters(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}
