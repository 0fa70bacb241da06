// What one expiry-sweeper run costs with N calls in progress (open CDRs of a live worker) and
// 200 registrations expiring later in the current minute, against dynalite on a LevelDB folder
// in a child process (as `npm start` runs it). CPU is both processes' (this one: the sweeper and
// the SDK; the child: dynalite). Two sweepers side by side, each on tables of its own:
// - "full every run": fullSweepEveryRuns 1, what every run did before warm runs were made
//   cheap (31 expiry buckets and a scan of every open CDR, each run);
// - "warm runs": the default, a full run first and every 12th, warm runs in between.
// The sweepers' clock is simulated: a cold first run, then 24 runs 2 s apart, all in one expiry
// bucket (the 5 s timer crosses into a new bucket once in 12 runs; a warm run then reads two).
// Prints figures; asserts nothing.
//   npm run bench:sweeper [-- --json]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ExpirySweeper } from '../../services/control/jobs/expiry-sweeper.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { createDynamoClient } from '../../shared/store/dynamo-client.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores, type Stores } from '../../shared/store/stores.ts';

const CALLS = [0, 200, 1000];
const REGISTRATIONS = 200;
const WARM_RUNS = 24;
const RUN_GAP_MS = 2000;
/** The local platform's sweep period, for "% of a core". */
const LOCAL_SWEEP_EVERY_MS = 5000;

const child = fork(fileURLToPath(new URL('sweeper-store-process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const endpoint = await new Promise<string>((resolve) => child.once('message', (m: { endpoint: string }) => resolve(m.endpoint)));
const childCpuMs = (): Promise<number> => new Promise((resolve) => {
  child.once('message', (m: { cpu: NodeJS.CpuUsage }) => resolve((m.cpu.user + m.cpu.system) / 1000));
  child.send('cpu');
});
const ownCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const client = createDynamoClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

/** Both processes' CPU time and the wall time `work` took, in ms. */
async function measure(work: () => Promise<void>): Promise<{ cpuMs: number; wallMs: number }> {
  const [child0, own0, wall0] = [await childCpuMs(), ownCpuMs(), performance.now()];
  await work();
  const [wall1, own1, child1] = [performance.now(), ownCpuMs(), await childCpuMs()];
  return { cpuMs: own1 - own0 + child1 - child0, wallMs: wall1 - wall0 };
}

async function inParallel(total: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < total) await op(next++);
  }));
}

/** Fresh tables holding `calls` open CDRs of a live worker, two dead workers and the registrations. */
async function seed(calls: number, clock: { now: number }, lastRunAt: number): Promise<Stores> {
  const names = prefixedTableNames(`sweep${Math.floor(Math.random() * 1e9)}`);
  await createTables(client, names);
  const stores = openStores(client, names, { now: () => clock.now });
  const worker = { privateAddress: '10.0.0.1', meshPort: 4570, activeCalls: calls, registrations: REGISTRATIONS, draining: false };
  // Dated at the last run: live through every run (a heartbeat ahead of the clock is live too).
  await stores.workers.heartbeat({ ...worker, workerId: 'w-live', heartbeatAt: lastRunAt });
  for (const id of ['w-gone-1', 'w-gone-2']) await stores.workers.heartbeat({ ...worker, workerId: id, activeCalls: 0, heartbeatAt: clock.now - 3_600_000 });
  await inParallel(calls, (i) => stores.cdrs.write({ tenant: 'bench', callId: `c${i}`, src: '100', dst: '200', dcontext: 'fromiax', channel: `IAX2/pbx-${i}`, start: clock.now - 60_000 + i, answer: clock.now - 50_000 + i, workerId: 'w-live' }));
  const bucketEnd = (Math.floor(lastRunAt / 60_000) + 1) * 60_000;
  await inParallel(REGISTRATIONS, (i) => stores.registrations.put({ name: `pbx${i}`, tenant: 'bench', address: '192.0.2.1', port: 4569, workerId: 'w-live', registeredAt: clock.now, expiresAt: bucketEnd - 1 - i, refreshS: 60 }));
  return stores;
}

interface Row { variant: string; calls: number; coldCpuMs: number; coldWallMs: number; medianCpuMs: number; medianWallMs: number; meanCpuMs: number; meanWallMs: number; corePercent: number }

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

async function bench(variant: string, options: { fullSweepEveryRuns?: number }, calls: number): Promise<Row> {
  // One minute bucket holds every run: start one second into a minute that is a few ahead.
  const clock = { now: (Math.floor(Date.now() / 60_000) + 2) * 60_000 + 1000 };
  const stores = await seed(calls, clock, clock.now + WARM_RUNS * RUN_GAP_MS);
  // `options` spread in, so a sweeper without fullSweepEveryRuns (the parent commit's) runs the bench too.
  const sweeper = new ExpirySweeper({ stores, now: () => clock.now, ...options });
  const run = (): Promise<{ cpuMs: number; wallMs: number }> => measure(async () => {
    const report = await sweeper.sweep();
    if (report.expired.length + report.closedCdrs.length > 0) throw new Error(`the bench's sweeps should change nothing: ${JSON.stringify(report).slice(0, 200)}`);
  });
  const cold = await run();
  const warm: Array<{ cpuMs: number; wallMs: number }> = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    clock.now += RUN_GAP_MS;
    warm.push(await run());
  }
  const cpu = warm.map((r) => r.cpuMs);
  const wall = warm.map((r) => r.wallMs);
  return {
    variant, calls, coldCpuMs: cold.cpuMs, coldWallMs: cold.wallMs,
    medianCpuMs: median(cpu), medianWallMs: median(wall), meanCpuMs: mean(cpu), meanWallMs: mean(wall),
    corePercent: (mean(cpu) / LOCAL_SWEEP_EVERY_MS) * 100,
  };
}

const variants: Array<[string, { fullSweepEveryRuns?: number }]> = [['full every run', { fullSweepEveryRuns: 1 }], ['warm runs', {}]];
// A throw-away round first, so neither variant pays for the JIT and the SDK's first requests.
for (const [variant, options] of variants) await bench(variant, options, 50);
const rows: Row[] = [];
for (const calls of CALLS) for (const [variant, options] of variants) rows.push(await bench(variant, options, calls));

if (process.argv.includes('--json')) console.log(JSON.stringify({ node: process.version, rows }));
else {
  console.log(`Expiry sweeper, one run, dynalite (LevelDB) in a child process; CPU = sweeper + dynalite (node ${process.version})`);
  console.log(`${REGISTRATIONS} registrations in the current bucket; then ${WARM_RUNS} runs: their median, their mean (a full run every 12th included), and the mean as % of a core at one run per ${LOCAL_SWEEP_EVERY_MS / 1000} s`);
  console.log('                         first run        median of 24      mean of 24');
  console.log('calls  variant          cpu ms  wall ms   cpu ms  wall ms   cpu ms  wall ms  % core');
  const f = (n: number, w: number): string => n.toFixed(1).padStart(w);
  for (const r of rows) console.log(`${String(r.calls).padStart(5)}  ${r.variant.padEnd(15)}  ${f(r.coldCpuMs, 6)}  ${f(r.coldWallMs, 7)}   ${f(r.medianCpuMs, 6)}  ${f(r.medianWallMs, 7)}   ${f(r.meanCpuMs, 6)}  ${f(r.meanWallMs, 7)}  ${f(r.corePercent, 6)}`);
}
client.destroy();
await new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.send('quit');
});
