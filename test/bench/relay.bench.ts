// bench:relay: N concurrent G.711 20 ms calls (both directions) through one worker, in its own
// process, against the same load through a bare node:dgram forwarder (the ceiling); then with
// trunking (calls grouped 20 per peer pair, meta trunk frames both ways). Calls are set up
// through the real engines; the load is sent as raw mini (or meta trunk) frames carrying their
// send time, and counted where they land. Prints a table; asserts nothing.
//   npm run bench:relay [-- --seconds 4 --levels 100,200,400]
import { createSocket, type Socket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { callPair, percentile, rawStreams, Sink, startChild, type Child, type Stream } from './load-generator.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, levels: { type: 'string', default: '400,800,1000,1200,1400,1600,2000' }, 'trunk-levels': { type: 'string', default: '1600,3200,4000,4800,5600,6400' }, modes: { type: 'string', default: 'bare,worker,trunk' } } });
const MODES = new Set(values.modes.split(','));
const SECONDS = Number(values.seconds);
const PER_PAIR = 20;

type Mode = 'bare' | 'worker' | 'worker+trunk';

interface Result {
  mode: Mode;
  calls: number;
  pps: number;
  loss: number;
  p50: number;
  p99: number;
  cpu: number;
  keptUp: number;
}

async function run(mode: Mode, calls: number): Promise<Result> {
  const pairs = Math.max(1, Math.ceil(calls / PER_PAIR));
  const trunk = mode === 'worker+trunk';
  const sink = new Sink();
  const streams: Stream[] = [];
  const cleanups: Array<() => void | Promise<void>> = [];
  let child: Child;
  if (mode === 'bare') {
    child = await startChild('./bare-forwarder-process.ts', []);
    const sockets: Array<[Socket, Socket]> = [];
    for (let k = 0; k < pairs; k++) {
      const pair = [createSocket('udp4'), createSocket('udp4')] as [Socket, Socket];
      for (const s of pair) {
        s.on('message', (d) => sink.datagram(d));
        await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
        s.setRecvBufferSize(8 << 20);
        cleanups.push(() => {
          s.close();
        });
      }
      sockets.push(pair);
    }
    child.send({ pairs: sockets.map(([a, b]) => [a.address().port, b.address().port]) });
    sockets.forEach(([a, b], k) => {
      const n = Math.min(PER_PAIR, calls - k * PER_PAIR);
      const numbers = Array.from({ length: n }, (_, i) => i + 1);
      streams.push(rawStreams((d) => a.send(d, child.port, '127.0.0.1'), numbers, false), rawStreams((d) => b.send(d, child.port, '127.0.0.1'), numbers, false));
    });
  } else {
    child = await startChild('./relay-worker-process.ts', [String(pairs), trunk ? 'yes' : 'no']);
    const platform = { address: '127.0.0.1', port: child.port };
    for (let k = 0; k < pairs; k++) {
      const pair = await callPair(sink, k, Math.min(PER_PAIR, calls - k * PER_PAIR), trunk, platform, platform);
      streams.push(...pair.streams);
      cleanups.push(...pair.cleanups);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  sink.measuring = true;
  const cpuBefore = await child.cpu();
  const started = performance.now();
  let sent = 0;
  let ticks = 0;
  let ts = 40;
  const wanted = Math.round((SECONDS * 1000) / 20);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      ts += 20;
      ticks++;
      for (const stream of streams) sent += stream.tick(ts);
      if (performance.now() - started >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  const elapsed = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 400));
  const cpuAfter = await child.cpu();
  sink.measuring = false;
  for (const cleanup of cleanups) await cleanup();
  await child.quit();
  return {
    mode,
    calls,
    pps: Math.round(sink.received / (elapsed / 1000)),
    loss: sent === 0 ? 100 : Math.max(0, ((sent - sink.received) / sent) * 100),
    p50: percentile(sink.latencies, 50),
    p99: percentile(sink.latencies, 99),
    cpu: ((cpuAfter - cpuBefore) / 1000 / elapsed) * 100,
    keptUp: ticks / wanted,
  };
}

const rows: Result[] = [];
const print = (r: Result): void => {
  console.log(`| ${r.mode} | ${r.calls} | ${r.pps} | ${r.loss.toFixed(3)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpu.toFixed(0)} | ${(r.keptUp * 100).toFixed(0)} |`);
};
console.log(`bench:relay — ${SECONDS} s per run, G.711 20 ms both directions, ${PER_PAIR} calls per peer pair`);
console.log('| mode | calls | packets/s delivered | loss % | p50 ms | p99 ms | relay CPU % of a core | generator kept pace % |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const mode of (['bare', 'worker'] as const).filter((m) => MODES.has(m))) {
  for (const calls of values.levels.split(',').map(Number)) {
    const result = await run(mode, calls);
    rows.push(result);
    print(result);
    if (result.loss >= 0.1) break;
  }
}
for (const calls of MODES.has('trunk') ? values['trunk-levels'].split(',').map(Number) : []) {
  const result = await run('worker+trunk', calls);
  rows.push(result);
  print(result);
  if (result.loss >= 0.1) break;
}
const best = (mode: Mode): Result | undefined => rows.filter((r) => r.mode === mode && r.loss < 0.1).sort((a, b) => b.pps - a.pps)[0];
const bare = best('bare');
const worker = best('worker');
const trunked = best('worker+trunk');
console.log('');
if (bare !== undefined && worker !== undefined) console.log(`worker at loss < 0.1 %: ${worker.pps} packets/s = ${((worker.pps / bare.pps) * 100).toFixed(0)} % of the bare forwarder's ${bare.pps} (target ≥ 75 %)`);
if (worker !== undefined && trunked !== undefined) {
  // Calls per percent of a core, trunked over untrunked: how many more calls the same CPU carries.
  const ratio = trunked.calls / trunked.cpu / (worker.calls / worker.cpu);
  console.log(`trunked: ${trunked.calls} calls at ${trunked.cpu.toFixed(0)} % CPU vs ${worker.calls} untrunked at ${worker.cpu.toFixed(0)} %: ${ratio.toFixed(1)}x the calls per unit of CPU (target ≥ 5x)`);
}
process.exit(0);
