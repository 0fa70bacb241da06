// bench:relay-real: the worker under traffic shaped like real Asterisk boxes (real-boxes.ts:
// trunk frames cut at trunkmtu, both trunk forms, full voice frames at start and wrap,
// PING/LAGRQ, qualify, call churn), 20 calls per box pair, against the bare node:dgram forwarder
// as the ceiling in the same run; and, with --trees, the worker of other source trees (a
// worktree of an older commit) in the same run, interleaved, for before/after figures. The
// worker and the store (dynalite) each run in a process of their own; the boxes and the sink
// share this one. Prints a table; asserts nothing.
// With --target npm-start each tree runs as an operator runs it, `npm start` on a seeded data
// folder (npm-start-target.ts): CPU of the process holding the IAX2 socket and of the whole tree.
//   npm run bench:relay-real [-- --seconds 10 --levels 100,1000 --modes none,plain,timestamps
//                              --trees after=.,before=/tmp/before-18 --hold-s 120 --repeats 1
//                              --target worker|npm-start --steal no|yes|pin|isolate]
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { JitterSink } from './jitter-sink.ts';
import { startNpmStart } from './npm-start-target.ts';
import { bundleBenchWorker } from './relay-real-worker-build.ts';
import { BarePair, BoxPair, sent, type TrunkForm } from './real-boxes.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    levels: { type: 'string', default: '100,1000' },
    modes: { type: 'string', default: 'none,plain,timestamps' },
    trees: { type: 'string', default: 'worker=.' },
    bare: { type: 'string', default: 'yes' },
    'hold-s': { type: 'string', default: '120' },
    repeats: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
    steal: { type: 'string', default: 'no' },
    target: { type: 'string', default: 'worker' },
    build: { type: 'string', default: 'bundle' },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const PER_PAIR = 20;
const HOLD_MS = Number(values['hold-s']) * 1000;
const trees = values.trees.split(',').map((t) => {
  const [name = t, path = '.'] = t.split('=');
  return { name, root: resolvePath(path) };
});

interface Child {
  process: ChildProcess;
  message<T>(what: string): Promise<T>;
  quit(): Promise<void>;
}

/** Forks a script of this folder through tsx, or (an absolute path: a bundle) with plain node. */
async function fork2(script: string, args: string[], execArgv: string[] = []): Promise<{ child: Child; first: Record<string, unknown> }> {
  const bundled = script.startsWith('/');
  const process = fork(bundled ? script : fileURLToPath(new URL(script, import.meta.url)), args, { execArgv: [...(bundled ? [] : ['--import', 'tsx']), ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
    process.once('message', (m) => resolve(m as Record<string, unknown>));
    process.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const child: Child = {
    process,
    message: <T>(what: string) => new Promise<T>((resolve) => {
      process.once('message', (m: { cpu?: number | NodeJS.CpuUsage }) => {
        // The bare forwarder reports process.cpuUsage() as it is.
        if (typeof m.cpu === 'object') m.cpu = m.cpu.user + m.cpu.system;
        resolve(m as T);
      });
      process.send(what);
    }),
    quit: () => new Promise((resolve) => {
      const timer = setTimeout(() => process.kill('SIGKILL'), 5000);
      process.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      process.send('quit');
    }),
  };
  return { child, first };
}

interface Stats {
  cpu: number;
  /** npm-start targets: the whole process tree's CPU µs. */
  tree?: number;
  rss: number;
  heap: number;
  active: number;
  storeCalls?: Record<string, number>;
  figures?: { drops?: Record<string, number> };
}

interface Row {
  target: string;
  form: TrunkForm;
  calls: number;
  up: number;
  cpu: number;
  treeCpu: number;
  lossPercent: number;
  latencyP50: number;
  latencyP99: number;
  jitterP50: number;
  jitterP99: number;
  over20: number;
  restRss: number;
  rssPerCall: number;
  heapPerCall: number;
  setups: number;
  failed: number;
  pace: number;
  fullVoice: number;
}

// --build bundle (default): each tree's worker bundled as its image is, built once per run.
const bundles = new Map<string, Promise<string>>();
const bundleOf = (tree: { name: string; root: string }): Promise<string> => {
  let bundle = bundles.get(tree.name);
  if (bundle === undefined) {
    bundle = bundleBenchWorker(tree.root, tree.name);
    bundles.set(tree.name, bundle);
  }
  return bundle;
};

const debug = (what: string): void => {
  if (process.env.BENCH_DEBUG !== undefined) console.error(`[${(performance.now() / 1000).toFixed(1)} s] ${what}`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function run(target: { name: string; root?: string }, form: TrunkForm, calls: number): Promise<Row> {
  const pairs = Math.max(1, Math.ceil(calls / PER_PAIR));
  const sink = new JitterSink();
  let streamIds = 0;
  const nextStreamId = (): number => streamIds++;
  const children: Child[] = [];
  let loaded: Array<BoxPair | BarePair>;
  let worker: Child;
  let rest: Stats | undefined;
  if (target.root === undefined) {
    const { child, first } = await fork2('./bare-forwarder-process.ts', []);
    worker = child;
    pinTo(child.process.pid, 1);
    const platform = { address: '127.0.0.1', port: first.port as number };
    loaded = [];
    for (let k = 0; k < pairs; k++) loaded.push(await BarePair.open({ k, calls: Math.min(PER_PAIR, calls - k * PER_PAIR), form, platform, sink, nextStreamId }));
    child.process.send({ pairs: (loaded as BarePair[]).map((p) => p.ports) });
  } else if (values.target === 'npm-start') {
    const npmStart = await startNpmStart(target.root, pairs, form);
    worker = {
      process: undefined as never,
      // 'cpu' and 'stats' alike: /proc has no heap figure and there is no profiling here.
      message: <T>() => {
        const cpu = npmStart.cpu();
        return Promise.resolve({ cpu: cpu.relay, tree: cpu.tree, rss: npmStart.rss(), heap: NaN, active: 0 } as T);
      },
      quit: () => npmStart.quit(),
    };
    await sleep(1500);
    rest = await worker.message<Stats>('stats');
    const platform = { address: '127.0.0.1', port: npmStart.port };
    loaded = await Promise.all(Array.from({ length: pairs }, (_, k) => BoxPair.open({ k, calls: Math.min(PER_PAIR, calls - k * PER_PAIR), form, holdMs: HOLD_MS, platform, sink, nextStreamId })));
    await Promise.all((loaded as BoxPair[]).map((p) => p.fill()));
  } else {
    const store = await fork2('./bench-store-process.ts', []);
    children.push(store.child);
    pinTo(store.child.process.pid, 0);
    const seeded = new Promise((resolve) => store.child.process.once('message', resolve));
    store.child.process.send({ seed: { from: 0, to: pairs, trunk: form !== 'none', trunkTimestamps: form === 'timestamps' } });
    await seeded;
    debug('store seeded');
    const flags = ['--expose-gc', ...(process.env.BENCH_WORKER_FLAGS ?? '').split(' ').filter(Boolean)];
    const bundle = values.build === 'bundle' ? await bundleOf(target as { name: string; root: string }) : undefined;
    const { child, first } = bundle === undefined
      ? await fork2('./relay-real-worker-process.ts', [target.root, store.first.endpoint as string], flags)
      : await fork2(bundle, [store.first.endpoint as string], flags);
    worker = child;
    pinTo(child.process.pid, 1);
    await sleep(1500);
    rest = await child.message<Stats>('stats');
    debug('worker resting');
    const platform = { address: '127.0.0.1', port: first.port as number };
    loaded = await Promise.all(Array.from({ length: pairs }, (_, k) => BoxPair.open({ k, calls: Math.min(PER_PAIR, calls - k * PER_PAIR), form, holdMs: HOLD_MS, platform, sink, nextStreamId })));
    debug('boxes registered');
    await Promise.all((loaded as BoxPair[]).map((p) => p.fill()));
    debug('calls up');
  }
  const up = loaded.reduce((n, p) => n + p.active, 0);

  // The boxes' clock: one tick every 20 ms on a fixed schedule (no accumulated lateness).
  let ticking = true;
  let ticks = 0;
  const tickStart = performance.now();
  const ticker = (async () => {
    while (ticking) {
      const now = performance.now();
      for (const pair of loaded) pair.tick(now);
      ticks++;
      const next = tickStart + ticks * 20;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  await sleep(WARMUP * 1000);
  sink.reset();
  sink.measuring = true;
  sent.frames = 0;
  sent.measuring = true;
  const profiling = values['cpu-prof'] !== undefined && target.root !== undefined && values.target === 'worker';
  if (profiling) await worker.message('profile');
  const before = await worker.message<Stats>('cpu');
  const ticksBefore = ticks;
  const started = performance.now();
  await sleep(SECONDS * 1000);
  const after = await worker.message<Stats>('cpu');
  if (profiling) await worker.message(`profile:${resolvePath(values['cpu-prof']!, `${target.name}-${form}-${calls}.cpuprofile`)}`);
  const elapsed = performance.now() - started;
  const paced = ticks - ticksBefore;
  sent.measuring = false;
  sink.measuring = false;
  const loadedStats = target.root === undefined ? undefined : await worker.message<Stats>('stats');
  debug(`store calls: ${JSON.stringify(loadedStats?.storeCalls)}; drops: ${JSON.stringify(loadedStats?.figures?.drops)}`);
  ticking = false;
  await ticker;
  const setups = loaded.reduce((n, p) => n + (p instanceof BoxPair ? p.setups : 0), 0);
  const failed = loaded.reduce((n, p) => n + (p instanceof BoxPair ? p.failed : 0), 0);
  for (const pair of loaded) await pair.close();
  await worker.quit();
  for (const child of children) await child.quit();
  const expected = sink.received + sink.lost;
  return {
    target: target.name,
    form,
    calls,
    up,
    cpu: ((after.cpu - before.cpu) / 1000 / elapsed) * 100,
    treeCpu: after.tree === undefined || before.tree === undefined ? NaN : ((after.tree - before.tree) / 1000 / elapsed) * 100,
    lossPercent: expected === 0 ? 100 : (sink.lost / expected) * 100,
    latencyP50: sink.latency(50),
    latencyP99: sink.latency(99),
    jitterP50: sink.jitter(50),
    jitterP99: sink.jitter(99),
    over20: sink.jitterOver(20),
    restRss: rest?.rss ?? NaN,
    rssPerCall: rest === undefined || loadedStats === undefined ? NaN : (loadedStats.rss - rest.rss) / up,
    heapPerCall: rest === undefined || loadedStats === undefined ? NaN : (loadedStats.heap - rest.heap) / up,
    setups,
    failed,
    pace: paced / (elapsed / 20),
    fullVoice: sink.fullVoice,
  };
}

const MB = 1024 * 1024;
const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
const header = '| target | trunk | calls (up) | relay CPU % of a core | npm start tree CPU % | CPU per call, % | calls per core | loss % | latency p50/p99 ms | added jitter p50/p99 ms | gaps > 20 ms | resting RSS MB | RSS per call KiB | heap per call KiB | setups (failed) in run | full voice frames | generator pace % |';
const print = (r: Row): void => {
  console.log(`| ${r.target} | ${r.form} | ${r.calls} (${r.up}) | ${f(r.cpu)} | ${f(r.treeCpu)} | ${f(r.cpu / r.up, 4)} | ${f(r.up / (r.cpu / 100), 0)} | ${f(r.lossPercent, 3)} | ${f(r.latencyP50, 2)}/${f(r.latencyP99, 2)} | ${f(r.jitterP50, 2)}/${f(r.jitterP99, 2)} | ${r.over20} | ${f(r.restRss / MB)} | ${f(r.rssPerCall / 1024)} | ${f(r.heapPerCall / 1024, 2)} | ${r.setups} (${r.failed}) | ${r.fullVoice} | ${f(r.pace * 100, 0)} |`);
};

// A busy loop on the side: the worker then shares a core with it, as on a loaded machine.
// --steal yes: the scheduler places everyone; --steal pin: the busy loop and the worker share
// CPU 1 (all their threads) while this process (boxes and sink) and the store have CPU 0, so
// the worker alone is short of CPU and the latency the sink measures is the worker's own.
// --steal isolate: no busy loop, the worker alone on CPU 1 and the rest on CPU 0, so its
// timing is not disturbed by the load generator's.
const thief = values.steal === 'yes' || values.steal === 'pin' ? fork(fileURLToPath(new URL('./busy-loop-process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] }) : undefined;
const pinTo = (pid: number | undefined, cpu: number): void => {
  if ((values.steal === 'pin' || values.steal === 'isolate') && pid !== undefined) execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
};
pinTo(process.pid, 0);
pinTo(thief?.pid, 1);
console.log(`bench:relay-real — ${SECONDS} s measured after ${WARMUP} s, ${PER_PAIR} calls per box pair, G.711 20 ms both ways, mean hold ${HOLD_MS / 1000} s, ${values.target === 'npm-start' ? 'each tree as `npm start`' : `the worker alone in its process (${values.build === 'bundle' ? 'bundled as deployed' : 'sources through tsx'})`}${values.steal === 'isolate' ? ', the worker alone on CPU 1 (boxes, sink and store on CPU 0)' : thief === undefined ? '' : values.steal === 'pin' ? ', the worker sharing CPU 1 with a busy loop (boxes and sink on CPU 0)' : ', one core busy-looped by another process'}`);
console.log(header);
console.log(`|${'---|'.repeat(header.split('|').length - 2)}`);
const rows: Row[] = [];
const targets: Array<{ name: string; root?: string }> = [...(values.bare === 'yes' ? [{ name: 'bare forwarder' }] : []), ...trees];
for (const calls of values.levels.split(',').map(Number)) {
  for (const form of values.modes.split(',') as TrunkForm[]) {
    for (let repeat = 0; repeat < Number(values.repeats); repeat++) {
      for (const target of targets) {
        const row = await run(target, form, calls);
        rows.push(row);
        print(row);
      }
    }
  }
}
thief?.kill();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const perCall = (target: string, form: TrunkForm, calls: number): number => median(rows.filter((r) => r.target === target && r.form === form && r.calls === calls).map((r) => r.cpu / r.up));
console.log('');
for (const calls of values.levels.split(',').map(Number)) {
  for (const form of values.modes.split(',') as TrunkForm[]) {
    const line = trees.map((t) => `${t.name} ${f(perCall(t.name, form, calls), 4)} %`).join(', ');
    const ratio = trees.length > 1 ? ` (${trees[1]!.name}/${trees[0]!.name} = ${f(perCall(trees[1]!.name, form, calls) / perCall(trees[0]!.name, form, calls), 2)}x)` : '';
    console.log(`CPU per call, ${form}, ${calls} calls: ${line}${ratio}`);
  }
  for (const t of trees) {
    const untrunked = perCall(t.name, 'none', calls);
    for (const form of ['plain', 'timestamps'] as const) {
      const trunked = perCall(t.name, form, calls);
      if (Number.isFinite(untrunked) && Number.isFinite(trunked)) console.log(`${t.name}, ${calls} calls: trunked (${form}) carries ${f(untrunked / trunked, 1)}x the calls per core of untrunked`);
    }
  }
}
process.exit(0);
