import { withoutControlCharacters } from '../control-characters.ts';

/**
 * Makes the model's prose safe to post on a pull request. The model read hostile content, so
 * its output may carry what that content asked for: mentions that notify people, links and
 * images that lead or track elsewhere, HTML (including db-review's own hidden markers), control
 * characters, or a flood of text. What is left is plain prose with inline code, at most
 * `maxChars` long.
 */
export function sanitizeProse(text: string, maxChars: number): string {
  let out = withoutControlCharacters(text);
  out = out.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  out = out.replace(/!\[([^\]]*)\]\([^)]*\)/g, '');
  out = out.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  out = out.replace(/^\s*\[[^\]]+\]:\s*\S+.*$/gm, '');
  out = out.replace(/<\/?[A-Za-z][^>]*>/g, '');
  out = withoutMentionsOrLinks(out);
  out = out.replace(/^#{1,6}\s+/gm, '');
  out = balanceFences(out.replace(/\n{3,}/g, '\n\n').trim());
  return cut(out, maxChars);
}

/** An odd number of ``` lines would swallow the rest of the comment into a code block. */
function balanceFences(text: string): string {
  const fences = text.match(/^\s*```/gm)?.length ?? 0;
  return fences % 2 === 0 ? text : `${text}\n\`\`\``;
}

function cut(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = text.slice(0, maxChars - 1);
  const lastSpace = head.lastIndexOf(' ');
  return balanceFences(`${lastSpace > maxChars / 2 ? head.slice(0, lastSpace) : head}…`);
}

/** A rewrite's SQL made safe the same way, before it is verified: what is suggested is exactly what was verified. */
export function sanitizeRewrite(sql: string): string {
  return withoutMentionsOrLinks(withoutControlCharacters(sql));
}

/** Removes addresses and turns `@name` into `name`. */
function withoutMentionsOrLinks(text: string): string {
  return text
    .replace(/\b(?:https?|ftp|mailto|javascript|data):\S*/gi, '')
    .replace(/\bwww\.\S+/gi, '')
    .replace(/(^|[^\w`])@+([A-Za-z0-9][\w-]*(?:\/[\w.-]+)?)/g, '$1$2');
}
