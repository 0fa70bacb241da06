// A worker of bench:mesh, in its own process so its CPU can be measured alone: the store is the
// benchmark's (STROWGER_DYNAMODB_ENDPOINT, STROWGER_TABLE_*), the mesh on with STROWGER_MESH_SECRET.
// Reports its IAX2 port, then answers "cpu" with process.cpuUsage() until "quit".
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startWorker } from '../../services/worker/worker.ts';
import { openStores } from '../../shared/store/stores.ts';
import { tableNamesFromEnv } from '../../shared/store/store-config.ts';

const [workerId = 'bench'] = process.argv.slice(2);
const client = new DynamoDBClient({ endpoint: process.env.STROWGER_DYNAMODB_ENDPOINT, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const stores = openStores(client, tableNamesFromEnv(process.env));
const worker = await startWorker({
  workerId,
  stores,
  iax: { address: '127.0.0.1', port: 0 },
  status: { address: '127.0.0.1', port: 0 },
  privateAddress: '127.0.0.1',
  engine: { limits: { maxPerIp: 100_000 } },
  mesh: { bind: { address: '127.0.0.1', port: 0 }, secret: process.env.STROWGER_MESH_SECRET ?? '' },
});
process.send?.({ port: worker.transport.localAddress().port });
process.on('message', (message: string) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage(), active: worker.switch.activeCount });
  if (message === 'quit') void worker.close().then(() => process.exit(0));
});
