/**
 * Builds the `strowger` CLI into one ES module, dist/cli/strowger.mjs, with a stamp of what it
 * was built from (services/cli/prebuilt-bundle.mjs owns both): a command then starts in about
 * a fifth of a second instead of the second and more tsx takes to compile the sources. npm
 * runs this as the `prepare` script, so `npm ci` builds it; services/cli/bin.mjs runs the
 * bundle while it is current and the sources through tsx otherwise.
 *   npx tsx infra/bundling/build-cli.ts [outdir]
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { CLI_BUNDLE_DIR, CLI_BUNDLE_NAME, writeBuildStamp } from '../../services/cli/prebuilt-bundle.mjs';
import { CLI_ENTRY, CLI_NODE_TARGET, REPO_ROOT } from './entries.ts';

/**
 * zod's `z.locales` and `z.core.locales` (every language's error messages, half the bundle's
 * bytes) cannot be tree-shaken from the `z` namespace. The CLI never uses them (zod imports
 * its English messages on its own), and parsing them would cost every command's start.
 */
const withoutZodLocales: Plugin = {
  name: 'without-zod-locales',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * What the bundle is current against: our own sources one by one, and for everything from
 * node_modules the record npm rewrites at every install (fewer files to stat at each start).
 */
function stampInputs(bundled: readonly string[]): string[] {
  const ours = bundled.filter((input) => !input.includes(':') && !input.startsWith('node_modules/'));
  const installRecord = 'node_modules/.package-lock.json';
  return bundled.length > ours.length && existsSync(join(REPO_ROOT, installRecord)) ? [...ours, installRecord] : ours;
}

/** Builds into `outdir` and returns the bundle's path. */
export async function buildCli(outdir: string = CLI_BUNDLE_DIR): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  // Loaded here, not at the top, so that a missing esbuild is an error the caller can catch.
  const { build } = await import('esbuild');
  const builtAtMs = Date.now();
  const result = await build({
    entryPoints: [join(REPO_ROOT, CLI_ENTRY)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    platform: 'node',
    target: CLI_NODE_TARGET,
    format: 'esm',
    // A third less to parse at every start. A crash's stack trace then names minified
    // functions: STROWGER_CLI_FROM_SOURCE=1 runs the same command with readable ones.
    minify: true,
    metafile: true,
    plugins: [withoutZodLocales],
    logLevel: 'warning',
  });
  const [output] = result.outputFiles;
  if (output === undefined || result.outputFiles.length !== 1) throw new Error(`esbuild wrote ${result.outputFiles.length} files, expected one`);
  const bundle = join(outdir, CLI_BUNDLE_NAME);
  // A CLI starting meanwhile sees the old bundle or the new one whole (rename replaces at once).
  const temporary = `${bundle}.${process.pid}.tmp`;
  writeFileSync(temporary, output.contents);
  renameSync(temporary, bundle);
  writeBuildStamp(outdir, { builtAtMs, inputs: stampInputs(Object.keys(result.metafile.inputs)) });
  return bundle;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  try {
    const bundle = await buildCli(outdir === undefined ? CLI_BUNDLE_DIR : isAbsolute(outdir) ? outdir : resolve(outdir));
    process.stdout.write(`strowger CLI bundle: ${bundle}\n`);
  } catch (error) {
    // `npm ci --omit=dev` runs this too, without esbuild: that install still works, and so
    // does the CLI (from the sources).
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !String(error).includes('esbuild')) throw error;
    process.stdout.write('strowger CLI bundle not built (esbuild, a devDependency, is not installed): the CLI runs from the sources\n');
  }
}
