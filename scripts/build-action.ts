/**
 * `npm run build:action`: bundles the GitHub Action (src/action.ts) into dist/action/, which runs
 * with no node_modules: `index.mjs`, the embedded shadow's worker thread `worker.mjs`, and the
 * files the bundled packages read at run time, which a bundle cannot inline.
 *
 * - PGlite finds its files with `new URL('<relative path>', import.meta.url)`: pglite.wasm,
 *   pglite.data and initdb.wasm next to its script, each contrib extension's tarball one directory
 *   up. Those references are rewritten to the bundle's own directory, and the files copied there.
 * - libpg-query (Emscripten, CommonJS) reads libpg-query.wasm from `__dirname`, and `require`s
 *   Node's modules, like other CommonJS packages bundled here: the banner defines both for an ES
 *   module bundle, so the file is copied next to it. tree-sitter's and its grammars' files are
 *   looked for there too.
 */
import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');

export const ACTION_DIST = path.join(ROOT, 'dist', 'action');

/** Files read from the directory of the package's own script (`__dirname`), by their path from node_modules. */
const SCRIPT_DIRECTORY_FILES = [
  'libpg-query/wasm/libpg-query.wasm',
  // tree-sitter and its grammars, which src/queries/script-files.ts looks for beside the bundle.
  'web-tree-sitter/tree-sitter.wasm',
  'tree-sitter-python/tree-sitter-python.wasm',
  'tree-sitter-go/tree-sitter-go.wasm',
  'tree-sitter-ruby/tree-sitter-ruby.wasm',
];

const BANNER = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  "import { dirname as __bundleDirname } from 'node:path';",
  "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
  'const require = __bundleCreateRequire(import.meta.url);',
  'const __filename = __bundleFileURLToPath(import.meta.url);',
  'const __dirname = __bundleDirname(__filename);',
].join('\n');

/** `new URL('…/name.wasm', import.meta.url)` and the like: a file a module finds beside itself. */
const IMPORT_META_FILE = /new URL\((["'])([^"'\n]+\.(?:wasm|data|tar\.gz))\1,\s*import\.meta\.url\)/g;

export interface ActionBuild {
  outdir: string;
  /** File name → bytes, for every file written. */
  files: Map<string, number>;
}

/** Bundles the action into `outdir` (emptied first). */
export async function buildAction(outdir = ACTION_DIST): Promise<ActionBuild> {
  await rm(outdir, { recursive: true, force: true });
  const files = new Map<string, string>();
  await build({
    entryPoints: [
      { in: path.join(ROOT, 'src/action.ts'), out: 'index' },
      // Started as a worker thread from `new URL('./worker.mjs', import.meta.url)`: an entry of its own, beside index.mjs.
      { in: path.join(ROOT, 'src/shadow/embedded/worker.mjs'), out: 'worker' },
    ],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: BANNER },
    // node-postgres requires its optional native binding only when asked for `pg.native`.
    external: ['pg-native'],
    plugins: [filesBesideBundle(files)],
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  for (const file of SCRIPT_DIRECTORY_FILES) addFile(files, require.resolve(file));
  await Promise.all([...files].map(([name, source]) => copyFile(source, path.join(outdir, name))));

  const written = new Map<string, number>();
  for (const name of ['index.mjs', 'worker.mjs', ...[...files.keys()].sort()]) written.set(name, (await stat(path.join(outdir, name))).size);
  return { outdir, files: written };
}

/** Points every `new URL(<file>, import.meta.url)` of the bundled packages at the bundle's directory, and records the file to copy there. */
function filesBesideBundle(files: Map<string, string>): Plugin {
  return {
    name: 'files-beside-bundle',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.m?js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const contents = source.replace(IMPORT_META_FILE, (_match, quote: string, relative: string) => {
          const name = addFile(files, path.resolve(path.dirname(args.path), relative));
          return `new URL(${quote}./${name}${quote}, import.meta.url)`;
        });
        return contents === source ? undefined : { contents, loader: 'js' };
      });
    },
  };
}

function addFile(files: Map<string, string>, source: string): string {
  const name = path.basename(source);
  const known = files.get(name);
  if (known !== undefined && known !== source) throw new Error(`two files would be ${name} in the bundle: ${known} and ${source}`);
  files.set(name, source);
  return name;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outdir, files } = await buildAction();
  const total = [...files.values()].reduce((sum, bytes) => sum + bytes, 0);
  for (const [name, bytes] of files) console.log(`${(bytes / 1024).toFixed(0).padStart(8)} kB  ${name}`);
  console.log(`${(total / 1024 / 1024).toFixed(1)} MB in ${path.relative(process.cwd(), outdir) || outdir}`);
}
