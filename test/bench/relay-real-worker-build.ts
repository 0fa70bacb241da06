// bench:relay-real's worker as production runs it: the tree's worker modules and the bench's
// process body bundled into one ES module by esbuild the way infra/bundling/build-worker.ts
// bundles the worker image (everything bundled, minified, no keepNames), then run by plain
// node with no loader. This is the build whose CPU and memory the targets are for; tsx's
// keepNames gives every closure a property store of its own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WORKER_IMAGE_BUILD } from '../../infra/bundling/entries.ts';

/** Bundles the worker of the tree at `root` with the bench's process body; returns the file. */
export async function bundleBenchWorker(root: string, name: string): Promise<string> {
  const body = fileURLToPath(new URL('./relay-real-worker-body.ts', import.meta.url));
  const outfile = join(mkdtempSync(join(tmpdir(), 'relay-real-bundle-')), `${name.replace(/\W/g, '_')}.mjs`);
  await build({
    stdin: {
      contents: [
        `import { runBenchWorker } from ${JSON.stringify(body)};`,
        "import { startWorker } from './services/worker/worker.ts';",
        "import { createDynamoClient } from './shared/store/dynamo-client.ts';",
        "import { prefixedTableNames } from './shared/store/store-config.ts';",
        "import { openStores } from './shared/store/stores.ts';",
        'await runBenchWorker({ startWorker, createDynamoClient, prefixedTableNames, openStores }, process.argv[2] ?? "");',
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
      sourcefile: `${name}-bench-worker.ts`,
    },
    ...WORKER_IMAGE_BUILD,
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
