const MAX_SHOWN = 60;

/** How a parsed YAML value is named in error messages: `"sixteen"`, `17.5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
      return JSON.stringify(shown);
    }
    case 'number':
      if (Number.isNaN(value)) return '.nan';
      if (value === Number.POSITIVE_INFINITY) return '.inf';
      if (value === Number.NEGATIVE_INFINITY) return '-.inf';
      return String(value);
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** Formats a key path: `postgres.version`, `migrations.paths[2]`, `tables["billing.invoices"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else {
      const key = String(segment);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
