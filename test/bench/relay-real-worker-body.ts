// The worker of bench:relay-real, alone in its process so its CPU and memory are its own: the
// worker of some source tree (its modules handed in, from the sources or from a bundle of that
// tree, relay-real-worker-build.ts) against the store at `endpoint`. Reports its IAX2 port;
// answers 'profile' and 'profile:PATH' (a CPU profile of a window), 'cpu' with its CPU time,
// 'stats' with CPU time, memory (after a full GC: started with --expose-gc) and the worker's
// figures; 'quit' closes it.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** What the benchmark takes from the tree it measures (typed by its use here: trees differ). */
export interface TreeModules {
  startWorker: (options: any) => Promise<any>;
  createDynamoClient: (options: any) => any;
  prefixedTableNames: (prefix: string) => any;
  openStores: (client: any, names: any) => any;
}

export async function runBenchWorker({ startWorker, createDynamoClient, prefixedTableNames, openStores }: TreeModules, endpoint: string): Promise<void> {
  // Store calls by command, to tell the media path's cost from the store's.
  const storeCalls: Record<string, number> = {};
  const count = (command: string): void => {
    storeCalls[command] = (storeCalls[command] ?? 0) + 1;
  };
  const client = createDynamoClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, observer: { succeeded: count, failed: count } });
  const worker = await startWorker({
    workerId: 'bench',
    stores: openStores(client, prefixedTableNames('bench')),
    iax: { address: '127.0.0.1', port: 0 },
    status: { address: '127.0.0.1', port: 0 },
    engine: { limits: { maxPerIp: 100_000 } },
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.send?.({ port: worker.transport.localAddress().port });
  // The CPU profile of the measured window only (bench:relay-real --cpu-prof DIR): 'profile'
  // starts it, 'profile:PATH' writes it.
  const inspector = new Session();
  inspector.connect();
  process.on('message', (message: string) => {
    if (message === 'profile') {
      void inspector.post('Profiler.enable').then(() => inspector.post('Profiler.start')).then(() => process.send?.({ profiling: true }));
    } else if (message.startsWith('profile:')) {
      void inspector.post('Profiler.stop').then(({ profile }) => {
        writeFileSync(message.slice('profile:'.length), JSON.stringify(profile));
        process.send?.({ written: true });
      });
    }
    if (message === 'cpu') {
      const cpu = process.cpuUsage();
      process.send?.({ cpu: cpu.user + cpu.system });
    }
    if (message === 'stats') {
      const cpu = process.cpuUsage();
      gc?.();
      const memory = process.memoryUsage();
      process.send?.({ cpu: cpu.user + cpu.system, rss: memory.rss, heap: memory.heapUsed, active: worker.switch.activeCount, storeCalls, figures: worker.figures() });
    }
    if (message === 'quit') void worker.close().then(() => process.exit(0));
  });
}
