// Where a prebuilt bundle lives and whether it may be run: the CLI's under dist/cli/
// (infra/bundling/build-cli.ts) and the worker `npm start` runs under dist/worker-local/
// (infra/bundling/build-local-worker.ts), both built by npm's `prepare` script, so `npm ci`
// runs them. Each build goes to a folder of its own, then a stamp names its entry, every file
// the build read, and when the build began. The bundle is current while none of those files has
// changed since: a few dozen stat calls, no reading of sources. Otherwise the caller runs the
// sources through tsx, so a developer's edits take effect at once.
// Plain JavaScript because the CLI's bin.mjs must decide before it can load tsx (the slow part).
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE_DIR = join(REPO_ROOT, 'dist', 'cli');
export const LOCAL_WORKER_BUNDLE_DIR = join(REPO_ROOT, 'dist', 'worker-local');
const STAMP_NAME = 'build-stamp.json';

/** @param {string} dir */
function readStamp(dir) {
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP_NAME), 'utf8'));
    return typeof stamp?.builtAtMs === 'number' && typeof stamp.entry === 'string' && Array.isArray(stamp.inputs) ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The folder a build writes to: its start time first, so older builds are known by name.
 * @param {number} builtAtMs
 */
export function buildFolderName(builtAtMs) {
  return `build-${builtAtMs}-${process.pid}`;
}
/** @param {string} folder */
const builtAtOf = (folder) => Number(folder.split('-')[1]);

/**
 * Makes the build whose entry is `stamp.entry` (relative to `dir`) the current one. The stamp
 * is written to a temporary name and renamed, so a CLI starting meanwhile reads the old stamp
 * or the new one, never half of one. Builds begun before the one it replaces are then deleted;
 * that one stays, for a CLI that read the old stamp a moment ago, and so does any build begun
 * since (another build running at the same time).
 * @param {string} dir
 * @param {{ builtAtMs: number, entry: string, inputs: string[] }} stamp
 */
export function publishBuild(dir, stamp) {
  const previous = readStamp(dir);
  const temporary = join(dir, `${STAMP_NAME}.${process.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(stamp, null, 1)}\n`);
  renameSync(temporary, join(dir, STAMP_NAME));
  const keepFrom = Math.min(...[stamp, previous].filter((s) => s !== undefined).map((s) => builtAtOf(s.entry.split('/')[0])));
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith('build-') && builtAtOf(entry.name) < keepFrom) rmSync(join(dir, entry.name), { recursive: true, force: true });
  }
}

/**
 * The current build's entry as a file URL, else why there is none (for STROWGER_CLI_TRACE).
 * @param {{ dir?: string, root?: string }} [where]
 * @returns {{ url: string } | { reason: string }}
 */
export function currentBundle({ dir = CLI_BUNDLE_DIR, root = REPO_ROOT } = {}) {
  const stamp = readStamp(dir);
  if (stamp === undefined) return { reason: `no build stamp in ${dir} (npm ci, or npm run prepare, builds the bundle)` };
  const entry = join(dir, stamp.entry);
  if (!existsSync(entry)) return { reason: `${entry} is missing` };
  for (const input of stamp.inputs) {
    let mtimeMs;
    try {
      mtimeMs = statSync(join(root, input)).mtimeMs;
    } catch {
      return { reason: `${input} is gone since the bundle was built` };
    }
    if (mtimeMs >= stamp.builtAtMs) return { reason: `${input} changed after the bundle was built` };
  }
  return { url: pathToFileURL(entry).href };
}
