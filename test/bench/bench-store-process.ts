// The store of bench:relay-real, in a process of its own so neither the worker's CPU and memory
// figures nor the load generator's pace include dynalite: an in-memory dynalite, its tables
// created and seeded for `pairs` box pairs (bench-seed.ts), its endpoint reported to the parent.
import { startEmbeddedDynamo } from '../../services/local/embedded-dynamo.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores } from '../../shared/store/stores.ts';
import { seedBoxPairs, type SeedOptions } from './bench-seed.ts';

const dynamo = await startEmbeddedDynamo(undefined);
const names = prefixedTableNames('bench');
await createTables(dynamo.client, names);
const stores = openStores(dynamo.client, names);
process.on('message', (message: 'quit' | { seed: SeedOptions }) => {
  if (message === 'quit') {
    void dynamo.stop().then(() => process.exit(0));
    return;
  }
  void seedBoxPairs(stores, message.seed).then(() => process.send?.({ seeded: true }));
});
process.send?.({ endpoint: dynamo.endpoint });
