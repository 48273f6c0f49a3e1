import { compareDigits, describeDir } from '../text.ts';

/**
 * Checks versions of one directory read by a runner that orders files by name (`entries` must come in that
 * order): warns when two files share a version, and when versions of different widths make name order
 * differ from numeric order.
 */
export function checkVersions(
  framework: string,
  dir: string,
  entries: Array<{ version: string; path: string }>,
  warnings: string[],
): void {
  const byVersion = new Map<string, string[]>();
  for (const { version, path } of entries) {
    const key = version.replace(/^0+(?=\d)/, '');
    const list = byVersion.get(key) ?? [];
    list.push(path);
    byVersion.set(key, list);
  }
  for (const paths of byVersion.values()) {
    if (paths.length > 1) warnings.push(`${framework}: duplicate version in ${paths.join(', ')}`);
  }
  const widths = new Set(entries.map((e) => e.version.length));
  if (widths.size > 1) {
    const sorted = [...entries].sort((a, b) => compareDigits(a.version, b.version));
    const byName = [...entries];
    const differs = sorted.some((e, i) => e !== byName[i]);
    if (differs) {
      warnings.push(
        `${framework}: versions in ${describeDir(dir)} have different widths, so the order of file names ` +
          `(which ${framework} uses) differs from numeric order`,
      );
    }
  }
}
