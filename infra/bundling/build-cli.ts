/**
 * Builds the `strowger` CLI with esbuild into a folder of its own under dist/cli/: an entry
 * module and one chunk per command, so a command loads only its own code (services/cli/main.ts
 * imports each command when it runs). shared/prebuilt-bundle.mjs then publishes it with
 * a stamp of what it was built from. npm runs this as the `prepare` script, so `npm ci` builds
 * it; services/cli/bin.mjs runs the build while it is current and the sources through tsx
 * otherwise.
 *   npx tsx infra/bundling/build-cli.ts [outdir]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { buildFolderName, CLI_BUNDLE_DIR, publishBuild } from '../../shared/prebuilt-bundle.mjs';
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
export function stampInputs(bundled: readonly string[]): string[] {
  const ours = bundled.filter((input) => !input.includes(':') && !input.startsWith('node_modules/'));
  const installRecord = 'node_modules/.package-lock.json';
  return bundled.length > ours.length && existsSync(join(REPO_ROOT, installRecord)) ? [...ours, installRecord] : ours;
}

/** Builds into a new folder under `outdir`, makes it the current build, and returns its entry's path. */
export async function buildCli(outdir: string = CLI_BUNDLE_DIR): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  // Loaded here, not at the top, so that a missing esbuild is an error the caller can catch.
  const { build } = await import('esbuild');
  const builtAtMs = Date.now();
  const folder = buildFolderName(builtAtMs);
  const result = await build({
    entryPoints: { strowger: join(REPO_ROOT, CLI_ENTRY) },
    absWorkingDir: REPO_ROOT,
    outdir: join(outdir, folder),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
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
  const entry = `${folder}/strowger.mjs`;
  if (!existsSync(join(outdir, entry))) throw new Error(`esbuild did not write ${entry}`);
  publishBuild(outdir, { builtAtMs, entry, inputs: stampInputs(Object.keys(result.metafile.inputs)) });
  return join(outdir, entry);
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
