// bench:relay-real's worker from the sources of the tree at argv[2] (this tree, or a worktree
// of an older commit, so before and after are measured in the same run), run through tsx as
// `npm start` and the tests run it; the store's endpoint is argv[3]. relay-real-worker-build.ts
// makes the same process as the deployed bundle instead.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runBenchWorker, type TreeModules } from './relay-real-worker-body.ts';

const [root = '.', endpoint = ''] = process.argv.slice(2);
const load = async <K extends keyof TreeModules>(path: string, name: K): Promise<TreeModules[K]> =>
  ((await import(pathToFileURL(join(root, path)).href)) as Record<K, TreeModules[K]>)[name];
await runBenchWorker({
  startWorker: await load('services/worker/worker.ts', 'startWorker'),
  createDynamoClient: await load('shared/store/dynamo-client.ts', 'createDynamoClient'),
  prefixedTableNames: await load('shared/store/store-config.ts', 'prefixedTableNames'),
  openStores: await load('shared/store/stores.ts', 'openStores'),
}, endpoint);
