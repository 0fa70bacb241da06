/**
 * Bundles the worker (and its container health check) with esbuild into one directory:
 * `worker.mjs`, `healthcheck.mjs`, their source maps and a package.json marking them ES
 * modules. The Dockerfile's build stage runs exactly this (`npx tsx
 * infra/bundling/build-worker.ts /out`), and so does the test that starts the bundle.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT, WORKER_ENTRIES, WORKER_IMAGE_BUILD } from './entries.ts';

export async function buildWorker(outdir: string): Promise<Record<keyof typeof WORKER_ENTRIES, string>> {
  mkdirSync(outdir, { recursive: true });
  const files = {} as Record<keyof typeof WORKER_ENTRIES, string>;
  for (const [name, entry] of Object.entries(WORKER_ENTRIES) as Array<[keyof typeof WORKER_ENTRIES, string]>) {
    const outfile = join(outdir, `${name}.mjs`);
    await build({
      ...WORKER_IMAGE_BUILD,
      entryPoints: [join(REPO_ROOT, entry)],
      outfile,
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    files[name] = outfile;
  }
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  return files;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  if (outdir === undefined) {
    process.stderr.write('usage: tsx infra/bundling/build-worker.ts <outdir>\n');
    process.exit(2);
  }
  const files = await buildWorker(resolve(outdir));
  process.stdout.write(`${Object.values(files).join('\n')}\n`);
}
