/**
 * Builds the worker that `npm start` runs (each worker a process of its own, as on ECS) with
 * esbuild into a folder of its own under dist/worker-local/, the way the worker image is built
 * (infra/bundling/build-worker.ts: everything bundled, minified, no keepNames), for the Node
 * this machine runs; shared/prebuilt-bundle.mjs publishes it with a stamp of what it was built
 * from. npm's `prepare` builds it (so `npm ci` does) and `prestart` rebuilds it when a source
 * changed (`--if-stale`); services/local/worker-children.ts runs it while it is current and
 * the sources through tsx otherwise. Run as deployed, a resting worker holds a third less
 * memory than through tsx, whose keepNames gives every closure a property store of its own.
 *   npx tsx infra/bundling/build-local-worker.ts [--if-stale]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFolderName, currentBundle, LOCAL_WORKER_BUNDLE_DIR, publishBuild } from '../../shared/prebuilt-bundle.mjs';
import { stampInputs } from './build-cli.ts';
import { REPO_ROOT, WORKER_ENTRIES, WORKER_IMAGE_BUILD } from './entries.ts';

/** Builds into a new folder under `outdir`, makes it the current build, and returns its entry's path. */
export async function buildLocalWorker(outdir: string = LOCAL_WORKER_BUNDLE_DIR): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  // Loaded here, not at the top, so that a missing esbuild is an error the caller can catch.
  const { build } = await import('esbuild');
  const builtAtMs = Date.now();
  const folder = buildFolderName(builtAtMs);
  const result = await build({
    ...WORKER_IMAGE_BUILD,
    // The image runs Node 22; npm start runs on this machine's Node (20 or later).
    target: `node${process.versions.node.split('.')[0]}`,
    entryPoints: { worker: join(REPO_ROOT, WORKER_ENTRIES.worker) },
    absWorkingDir: REPO_ROOT,
    outdir: join(outdir, folder),
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const entry = `${folder}/worker.mjs`;
  if (!existsSync(join(outdir, entry))) throw new Error(`esbuild did not write ${entry}`);
  publishBuild(outdir, { builtAtMs, entry, inputs: stampInputs(Object.keys(result.metafile.inputs)) });
  return join(outdir, entry);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && 'url' in currentBundle({ dir: LOCAL_WORKER_BUNDLE_DIR })) process.exit(0);
  try {
    process.stdout.write(`strowger worker bundle (npm start): ${await buildLocalWorker()}\n`);
  } catch (error) {
    // `npm ci --omit=dev` runs this too, without esbuild: npm start then runs the sources.
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !String(error).includes('esbuild')) throw error;
    process.stdout.write('strowger worker bundle not built (esbuild, a devDependency, is not installed): npm start runs the sources\n');
  }
}
