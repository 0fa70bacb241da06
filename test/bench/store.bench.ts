// Store benchmark against dynalite (the embedded engine of `npm start`): peer lookups per
// second through the rtcachefriends cache, hits and misses, and registration writes per
// second. Prints figures; asserts nothing.
//   npm run bench:store
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTables } from '../../shared/store/create-tables.ts';
import { PeerCache } from '../../shared/store/peer-cache.ts';
import { PeersTable } from '../../shared/store/peers-table.ts';
import { RegistrationsTable } from '../../shared/store/registrations-table.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { startDynalite } from '../helpers/dynamo-engines.ts';

const engine = await startDynalite();
const names = prefixedTableNames('bench');
await createTables(engine.client, names);
const doc = DynamoDBDocumentClient.from(engine.client, { marshallOptions: { removeUndefinedValues: true } });
const peers = new PeersTable(doc, names.peers);
const registrations = new RegistrationsTable(doc, names.registrations);

const PEERS = 500;
for (let i = 0; i < PEERS; i++) await peers.create({ name: `pbx${i}`, tenant: 'bench', type: 'friend', host: 'dynamic', secrets: ['s'] });

async function rate(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await op(next++);
  }));
  return total / ((performance.now() - start) / 1000);
}

// Misses: every lookup goes to the table (a cache that never keeps anything).
const cold = new PeerCache({ get: (n) => peers.get(n), version: (n) => peers.version(n) }, { maxEntries: 1 });
const missRate = await rate(2000, 32, (i) => cold.get(`pbx${(i * 7919) % PEERS}`));
// Hits: the working set fits and is fresh.
const warm = new PeerCache({ get: (n) => peers.get(n), version: (n) => peers.version(n) }, { maxEntries: 10_000, maxAgeMs: 3_600_000 });
for (let i = 0; i < PEERS; i++) await warm.get(`pbx${i}`);
const hitRate = await rate(1_000_000, 1, (i) => warm.get(`pbx${i % PEERS}`));
const now = Date.now();
const writeRate = await rate(3000, 32, (i) =>
  registrations.write({ name: `pbx${i % PEERS}`, address: '192.0.2.1', port: 4569, workerId: 'bench', registeredAt: now + i, expiresAt: now + i + 70_000, refreshS: 60 }));

const result = {
  node: process.version,
  peerLookupsPerSecondHit: Math.round(hitRate),
  peerLookupsPerSecondMiss: Math.round(missRate),
  registrationWritesPerSecond: Math.round(writeRate),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else {
  console.log(`Store benchmark against dynalite (node ${process.version})`);
  console.log(`peer lookups/s, cache hit:  ${result.peerLookupsPerSecondHit}`);
  console.log(`peer lookups/s, cache miss: ${result.peerLookupsPerSecondMiss}`);
  console.log(`registration writes/s:      ${result.registrationWritesPerSecond}`);
}
await engine.stop();
