// Seeds an `npm start` data folder for bench:relay-real's npm-start targets, with the modules
// of the source tree being measured (argv[2]), so the tables are that tree's own: its embedded
// dynalite on the folder, its tables, the benchmark tenant of its bench-seed.ts. Then it stops,
// and the folder is the tree's `npm start` data folder.
//   node --import tsx npm-start-seed.ts ROOT DATA_DIR PAIRS none|plain|timestamps
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root = '.', dataDir = '', pairs = '1', form = 'none'] = process.argv.slice(2);
const load = (path: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(root, path)).href) as Promise<Record<string, unknown>>;
// Modules of another tree, typed by their use here.
const { startEmbeddedDynamo } = (await load('services/local/embedded-dynamo.ts')) as any;
const { createTables } = (await load('shared/store/create-tables.ts')) as any;
const { prefixedTableNames } = (await load('shared/store/store-config.ts')) as any;
const { openStores } = (await load('shared/store/stores.ts')) as any;
const { seedBoxPairs } = (await load('test/bench/bench-seed.ts')) as any;

// npm start's own table names (services/local/platform.ts).
const names = prefixedTableNames('strowger');
const dynamo = await startEmbeddedDynamo(join(dataDir, 'dynamo'));
await createTables(dynamo.client, names);
await seedBoxPairs(openStores(dynamo.client, names), { from: 0, to: Number(pairs), trunk: form !== 'none', trunkTimestamps: form === 'timestamps' });
await dynamo.stop();
process.exit(0);
