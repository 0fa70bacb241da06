// bench:mesh: what the worker mesh costs. The same N G.711 20 ms calls (both directions), set
// up through the real engines, first through one worker (caller and callee boxes on it), then
// through two (the caller's box on the ingress, the callee's on the owner, the mesh between
// them trunked): CPU per call of each, and the ratio. Run back to back, in the same minute.
// Prints a table; asserts nothing.
//   npm run bench:mesh [-- --seconds 4 --calls 200,400 --trunk]
import { parseArgs } from 'node:util';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';
import { openStores } from '../../shared/store/stores.ts';
import { startDynalite } from '../helpers/dynamo-engines.ts';
import { callPair, percentile, Sink, startChild, type Child, type Stream } from './load-generator.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, calls: { type: 'string', default: '200,400,800' }, trunk: { type: 'boolean', default: false } } });
const SECONDS = Number(values.seconds);
const PER_PAIR = 20;
const TRUNK_BOXES = values.trunk;

const dynamo = await startDynalite();
const names = prefixedTableNames('meshbench');
await createTables(dynamo.client, names);
const stores = openStores(dynamo.client, names);
const MAX_CALLS = Math.max(...values.calls.split(',').map(Number));
await stores.tenants.create({ tenantId: 'bench', name: 'bench', limits: { maxPeers: 100_000, maxConcurrentCalls: 100_000, callsPerSecond: 100_000 } });
const ulaw = [{ allow: false, codec: 'all' as const }, { allow: true, codec: 'ulaw' as const }];
for (let k = 0; k < Math.ceil(MAX_CALLS / PER_PAIR); k++) {
  await stores.peers.create({ name: `a${k}`, tenant: 'bench', type: 'user', secrets: [`sa${k}`], contexts: [`in${k}`], trunk: TRUNK_BOXES, trunktimestamps: true, codecs: ulaw });
  await stores.peers.create({ name: `b${k}`, tenant: 'bench', type: 'friend', host: 'dynamic', secrets: [`sb${k}`], contexts: ['none'], trunk: TRUNK_BOXES, trunktimestamps: true, codecs: ulaw });
  await stores.routes.put({ tenant: 'bench', context: `in${k}`, pattern: '_X.', destinations: [{ dial: `IAX2/b${k}/\${EXTEN}`, target: { peer: `b${k}`, extension: '${EXTEN}' } }] });
}
const env = { ...process.env, ...tableNameEnv(names), STROWGER_DYNAMODB_ENDPOINT: dynamo.endpoint, STROWGER_MESH_SECRET: 'the-mesh-benchmark-secret-0123456789' };

async function worker(id: string): Promise<Child> {
  return startChild('./mesh-worker-process.ts', [id], { env, execArgv: process.env.MESH_BENCH_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.MESH_BENCH_PROFILE}`] });
}

interface Result {
  mode: 'one worker' | 'two workers, mesh';
  calls: number;
  loss: number;
  p50: number;
  p99: number;
  /** % of a core, per worker, with the media flowing. */
  cpus: number[];
  /** % of a core, all workers, with the same calls up and no media: what the workers spend anyway. */
  idle: number;
}

async function run(mesh: boolean, calls: number): Promise<Result> {
  const workers = mesh ? [await worker('ingress'), await worker('owner')] : [await worker('single')];
  const ingress = { address: '127.0.0.1', port: workers[0]!.port };
  const owner = { address: '127.0.0.1', port: workers[workers.length - 1]!.port };
  const sink = new Sink();
  const streams: Stream[] = [];
  const cleanups: Array<() => void | Promise<void>> = [];
  for (let k = 0; k * PER_PAIR < calls; k++) {
    const pair = await callPair(sink, k, Math.min(PER_PAIR, calls - k * PER_PAIR), TRUNK_BOXES, ingress, owner);
    streams.push(...pair.streams);
    cleanups.push(...pair.cleanups);
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cpuNow = async (): Promise<number[]> => Promise.all(workers.map((w) => w.cpu()));
  const idleFrom = await cpuNow();
  const idleStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idleTo = await cpuNow();
  const idle = (idleTo.reduce((a, b) => a + b, 0) - idleFrom.reduce((a, b) => a + b, 0)) / 1000 / (performance.now() - idleStarted) * 100;
  sink.measuring = true;
  const before = await cpuNow();
  const started = performance.now();
  let sent = 0;
  let ts = 40;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      ts += 20;
      for (const stream of streams) sent += stream.tick(ts);
      if (performance.now() - started >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  const elapsed = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 400));
  const after = await Promise.all(workers.map((w) => w.cpu()));
  sink.measuring = false;
  for (const cleanup of cleanups) await cleanup();
  for (const w of workers) await w.quit();
  return {
    mode: mesh ? 'two workers, mesh' : 'one worker',
    calls,
    loss: sent === 0 ? 100 : Math.max(0, ((sent - sink.received) / sent) * 100),
    p50: percentile(sink.latencies, 50),
    p99: percentile(sink.latencies, 99),
    cpus: workers.map((_, i) => ((after[i]! - before[i]!) / 1000 / elapsed) * 100),
    idle,
  };
}

console.log(`bench:mesh — ${SECONDS} s per run, G.711 20 ms both directions, ${PER_PAIR} calls per box pair, box legs ${TRUNK_BOXES ? 'trunked' : 'in mini frames'}, the mesh trunked`);
console.log('| calls | mode | loss % | p50 ms | p99 ms | CPU % of a core (per worker) | total | of which idle | media CPU per call, % of a core | mesh / one |');
console.log('|---:|---|---:|---:|---:|---|---:|---:|---:|---:|');
for (const calls of values.calls.split(',').map(Number)) {
  const one = await run(false, calls);
  const two = await run(true, calls);
  const total = (r: Result): number => r.cpus.reduce((a, b) => a + b, 0);
  // The calls' media alone: what each worker spends anyway (timers, heartbeats) taken out.
  const perCall = (r: Result): number => (total(r) - r.idle) / r.calls;
  for (const r of [one, two]) {
    const ratio = r === two ? (perCall(two) / perCall(one)).toFixed(2) : '';
    console.log(`| ${r.calls} | ${r.mode} | ${r.loss.toFixed(3)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpus.map((c) => c.toFixed(1)).join(' + ')} | ${total(r).toFixed(1)} | ${r.idle.toFixed(1)} | ${perCall(r).toFixed(4)} | ${ratio} |`);
  }
}
console.log('\nmesh / one: media CPU per call through two workers over the same on one (target: at most 1.30, the mesh hop costing at most 30 % more)');
await stores.workers.live().catch(() => []);
await dynamo.stop();
process.exit(0);
