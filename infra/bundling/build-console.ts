/**
 * Builds the web console (services/console) with esbuild into one flat folder: index.html,
 * app.js, app.css, the chunks app.js loads when needed (chunk-*.js) and, unless told not to, config.json (where the console finds the API; empty
 * means the same origin, which is how `npm start` serves it). npm's `prepare` and `prestart`
 * run this (`--if-stale` rebuilds only when a source changed); the CDK console site runs the
 * synchronous variant at synth and writes its own config.json with the deployed API's URL.
 *
 *   npx tsx infra/bundling/build-console.ts [--if-stale] [outdir]     (default dist/console)
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync, type BuildOptions, type Metafile } from 'esbuild';
import { REPO_ROOT } from './entries.ts';

export const CONSOLE_SOURCE_DIR = join(REPO_ROOT, 'services/console');
/** Where `npm start`'s local adapter serves the console from (services/control/local/console-files.ts). */
export const CONSOLE_OUT_DIR = join(REPO_ROOT, 'dist/console');

/** What config.json tells the console. */
export interface ConsoleConfig {
  /** The API's base URL without /v1 ('' for the console's own origin). */
  apiUrl: string;
}

/** The inputs of the last build, to tell whether it is stale; not served (dot files never are). */
const STAMP = '.inputs.json';

function options(outdir: string): BuildOptions {
  return {
    entryPoints: { app: join(CONSOLE_SOURCE_DIR, 'app/main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    // The charting library is loaded by the views that chart (a chunk of its own), not at start.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    // Browsers of the last few years: modern syntax stays as written, which keeps the bundle small.
    target: ['chrome111', 'firefox111', 'safari16.4'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  };
}

function finish(outdir: string, metafile: Metafile | undefined, config: ConsoleConfig | false): void {
  copyFileSync(join(CONSOLE_SOURCE_DIR, 'index.html'), join(outdir, 'index.html'));
  if (config !== false) writeFileSync(join(outdir, 'config.json'), `${JSON.stringify(config)}\n`);
  const inputs = [...Object.keys(metafile?.inputs ?? {}).map((input) => resolve(REPO_ROOT, input)), join(CONSOLE_SOURCE_DIR, 'index.html'), fileURLToPath(import.meta.url)];
  writeFileSync(join(outdir, STAMP), JSON.stringify(inputs));
}

/** Builds into a clean `outdir`; `config: false` leaves config.json to the caller. */
export async function buildConsole(outdir = CONSOLE_OUT_DIR, config: ConsoleConfig | false = { apiUrl: '' }): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build(options(outdir));
  finish(outdir, result.metafile, config);
  return outdir;
}

/** The same, synchronously: CDK asset bundling (ILocalBundling.tryBundle) cannot wait. */
export function buildConsoleSync(outdir: string, config: ConsoleConfig | false): void {
  mkdirSync(outdir, { recursive: true });
  const result = buildSync(options(outdir));
  finish(outdir, result.metafile, config);
}

/** True when there is no build in `outdir`, or a file it was built from changed since. */
export function consoleIsStale(outdir = CONSOLE_OUT_DIR): boolean {
  const stamp = join(outdir, STAMP);
  if (!existsSync(stamp) || !existsSync(join(outdir, 'app.js'))) return true;
  const builtAt = statSync(stamp).mtimeMs;
  const inputs = JSON.parse(readFileSync(stamp, 'utf8')) as string[];
  return inputs.some((input) => !existsSync(input) || statSync(input).mtimeMs > builtAt);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ifStale = args.includes('--if-stale');
  const outdir = resolve(args.find((a) => !a.startsWith('--')) ?? CONSOLE_OUT_DIR);
  if (ifStale && !consoleIsStale(outdir)) process.exit(0);
  await buildConsole(outdir);
  process.stdout.write(`console built in ${outdir}\n`);
}
