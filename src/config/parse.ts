import { isScalar, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { formatPath } from './describe.ts';
import { ConfigError } from './errors.ts';
import { type Config, configSchema, KNOWN_KEYS } from './schema.ts';
import { closestMatch, didYouMean } from './suggest.ts';

/**
 * Parses and validates the text of a config file. An empty file, or one holding only comments,
 * gives the defaults. Throws `ConfigError` listing every problem found; `source` names the file
 * in its message.
 */
export function parseConfig(text: string, source: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Warnings (such as an unknown !tag) would otherwise be silently ignored, so they count too.
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    const problems = yamlProblems.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `line ${line}, column ${col}: invalid YAML: ${yamlMessage(error.code, error.message, text, error.pos[0])}`;
    });
    throw new ConfigError(source, unique(problems));
  }
  // No content at all (empty file, only comments, a bare "---") means defaults; an explicit
  // `~` or `null` is a scalar at the top level and an error like any other.
  const contents = doc.contents;
  const empty =
    contents === null || (isScalar(contents) && contents.value === null && contents.range?.[0] === contents.range?.[1]);
  let value: unknown = {};
  if (!empty) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Aliases to missing anchors, or too many aliases.
      throw new ConfigError(source, [`invalid YAML: ${(error as Error).message}`]);
    }
  }
  return validateConfig(value, source);
}

/**
 * Validates a config that is already parsed from YAML (such as the object Probot's
 * `context.config` returns) and fills in the defaults. Throws `ConfigError` like `parseConfig`.
 */
export function validateConfig(value: unknown, source: string): Config {
  const result = configSchema.safeParse(value);
  if (!result.success) throw new ConfigError(source, unique(result.error.issues.flatMap(formatIssue)));
  return result.data;
}

function yamlMessage(code: string, message: string, text: string, offset: number): string {
  switch (code) {
    case 'DUPLICATE_KEY': {
      const key = /^\s*("[^"\n]*"|'[^'\n]*'|[^:#\n]+?)\s*:(?:\s|$)/.exec(text.slice(offset))?.[1];
      return key === undefined
        ? 'duplicate key (each key may appear only once in a mapping)'
        : `duplicate key ${JSON.stringify(key.replace(/^["']|["']$/g, ''))} (each key may appear only once in a mapping)`;
    }
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document; remove the "---" separator and merge them';
    default:
      return message;
  }
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[], message: string): string => {
    const where = formatPath(path);
    return where === '' ? message : `${where}: ${message}`;
  };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = KNOWN_KEYS[formatPath(issue.path)] ?? [];
      return issue.keys.map((key) => {
        const hint =
          closestMatch(key, known) !== undefined
            ? didYouMean(key, known)
            : known.length > 0
              ? ` (valid keys: ${known.join(', ')})`
              : '';
        return at(issue.path, `unknown key ${JSON.stringify(key)}${hint}`);
      });
    }
    case 'invalid_key':
      // A record key that fails its own schema: report the key's problem at the key's path.
      return issue.issues.map((inner) => at(issue.path, inner.message));
    case 'invalid_union':
      return issue.errors.flat().map((inner) => at([...issue.path, ...inner.path], inner.message));
    default:
      return [at(issue.path, issue.message)];
  }
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}

/**
 * Problems with the rule ids used as keys of `rules:`, given the ids the rule registry knows;
 * empty when all are known. Throw `new ConfigError(source, problems)` to report them.
 */
export function validateRuleIds(config: Config, knownRuleIds: readonly string[]): string[] {
  const known = new Set(knownRuleIds);
  const problems: string[] = [];
  for (const id of Object.keys(config.rules)) {
    if (known.has(id)) continue;
    const hint =
      closestMatch(id, knownRuleIds) !== undefined
        ? didYouMean(id, knownRuleIds)
        : knownRuleIds.length > 0
          ? ` (known rules: ${[...knownRuleIds].sort().join(', ')})`
          : '';
    problems.push(`${formatPath(['rules', id])}: unknown rule ${JSON.stringify(id)}${hint}`);
  }
  return problems;
}
