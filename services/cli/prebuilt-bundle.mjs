// Where the prebuilt CLI lives and whether it may be run: dist/cli/strowger.mjs, built by
// infra/bundling/build-cli.ts (npm's `prepare` script, so `npm ci` builds it), with a stamp
// listing every file it was built from and when the build started. The bundle is current while
// none of those files has changed since: a handful of stat calls, no reading of sources.
// Plain JavaScript because bin.mjs must decide before it can load tsx (the slow part).
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BUNDLE_DIR = join(REPO_ROOT, 'dist', 'cli');
export const CLI_BUNDLE_NAME = 'strowger.mjs';
const STAMP_NAME = 'build-stamp.json';

/**
 * Records a build: `inputs` relative to `root`, `builtAtMs` read before the build read them (so
 * a file saved during the build counts as changed). Written to a temporary name and renamed, so
 * a CLI starting meanwhile reads the old stamp or the new one, never half of one.
 * @param {string} dir
 * @param {{ builtAtMs: number, inputs: string[] }} stamp
 */
export function writeBuildStamp(dir, stamp) {
  const temporary = join(dir, `${STAMP_NAME}.${process.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(stamp, null, 1)}\n`);
  renameSync(temporary, join(dir, STAMP_NAME));
}

/**
 * The bundle's file URL when it is current, else why not (for STROWGER_CLI_TRACE).
 * @param {{ dir?: string, root?: string }} [where]
 * @returns {{ url: string } | { reason: string }}
 */
export function currentBundle({ dir = CLI_BUNDLE_DIR, root = REPO_ROOT } = {}) {
  const bundle = join(dir, CLI_BUNDLE_NAME);
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(dir, STAMP_NAME), 'utf8'));
  } catch {
    return { reason: `no build stamp in ${dir} (npm ci, or npm run prepare, builds the bundle)` };
  }
  if (typeof stamp?.builtAtMs !== 'number' || !Array.isArray(stamp.inputs)) return { reason: `unreadable build stamp in ${dir}` };
  if (!existsSync(bundle)) return { reason: `${bundle} is missing` };
  for (const input of stamp.inputs) {
    let mtimeMs;
    try {
      mtimeMs = statSync(join(root, input)).mtimeMs;
    } catch {
      return { reason: `${input} is gone since the bundle was built` };
    }
    if (mtimeMs >= stamp.builtAtMs) return { reason: `${input} changed after the bundle was built` };
  }
  return { url: pathToFileURL(bundle).href };
}
