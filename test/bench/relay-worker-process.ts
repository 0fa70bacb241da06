// The worker side of bench:relay, in its own process so its CPU can be measured alone: an
// in-memory dynalite, tenant "bench" with `pairs` caller users aK (context inK) and callee
// friends bK, route _X. in inK → IAX2/bK/${EXTEN}, trunk=yes on both when asked. Reports its
// IAX2 port, then answers "cpu" with process.cpuUsage() until "quit".
import { jsonLogger } from '../../shared/logger.ts';
import { startEmbeddedDynamo } from '../../services/local/embedded-dynamo.ts';
import { startWorker } from '../../services/worker/worker.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores } from '../../shared/store/stores.ts';

const [pairsArg = '1', trunkArg = 'no'] = process.argv.slice(2);
const pairs = Number(pairsArg);
const trunk = trunkArg === 'yes';
const dynamo = await startEmbeddedDynamo(undefined);
const names = prefixedTableNames('bench');
await createTables(dynamo.client, names);
const stores = openStores(dynamo.client, names);
await stores.tenants.create({ tenantId: 'bench', name: 'bench', limits: { maxPeers: 100_000, maxConcurrentCalls: 100_000, callsPerSecond: 100_000 } });
for (let k = 0; k < pairs; k++) {
  await stores.peers.create({ name: `a${k}`, tenant: 'bench', type: 'user', secrets: [`sa${k}`], contexts: [`in${k}`], trunk, trunktimestamps: true, codecs: [{ allow: false, codec: 'all' }, { allow: true, codec: 'ulaw' }] });
  await stores.peers.create({ name: `b${k}`, tenant: 'bench', type: 'friend', host: 'dynamic', secrets: [`sb${k}`], contexts: ['none'], trunk, trunktimestamps: true, codecs: [{ allow: false, codec: 'all' }, { allow: true, codec: 'ulaw' }] });
  await stores.routes.put({ tenant: 'bench', context: `in${k}`, pattern: '_X.', destinations: [{ dial: `IAX2/b${k}/\${EXTEN}`, target: { peer: `b${k}`, extension: '${EXTEN}' } }] });
}
const worker = await startWorker({
  workerId: 'bench',
  stores,
  iax: { address: '127.0.0.1', port: 0 },
  status: { address: '127.0.0.1', port: 0 },
  engine: { limits: { maxPerIp: 100_000 } },
  ...(process.env.BENCH_DEBUG === undefined ? {} : { logger: jsonLogger({ service: 'bench-worker', level: 'debug', write: (line) => process.stderr.write(line) }) }),
});
process.send?.({ port: worker.transport.localAddress().port });
process.on('message', (message: string) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage(), active: worker.switch.activeCount });
  if (message === 'quit') {
    void worker.close().then(() => dynamo.stop()).then(() => process.exit(0));
  }
});
