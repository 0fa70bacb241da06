// Codec benchmark: prints ns/op and heap bytes/op for the hot paths. Figures, not assertions:
// a timed unit test would be flaky, so the README records what this prints.
//   npm run bench:codec            (add -- --json for machine-readable output)
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  classifyDatagram,
  decodeDatagram,
  decodeMetaTrunkFrame,
  decodeMiniFrameInto,
  encode,
  encodeInto,
  Format,
  FrameType,
  IaxCommand,
  IeId,
  MiniFrameView,
  type MiniFrame,
} from '../../services/iax2/codec/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
let gcCount = 0;
new PerformanceObserver((list) => (gcCount += list.getEntries().length)).observe({ entryTypes: ['gc'] });
/** GC entries reach the observer asynchronously; let them arrive. */
const flushGcEntries = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

interface Result {
  name: string;
  nsPerOp: number;
  /** Young-generation GCs per million ops: 0 means the path allocates nothing. */
  scavengesPerMillion: number;
}

/** Median ns/op over several timed rounds, after a warm-up long enough for the JIT. */
async function bench(name: string, iterations: number, op: () => unknown): Promise<Result> {
  let sink: unknown;
  for (let i = 0; i < iterations; i++) sink = op();
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = op();
    rounds.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  rounds.sort((a, b) => a - b);
  // Allocation: V8 exposes no allocated-bytes counter, but every scavenge means new space
  // filled up. Zero scavenges over millions of ops means the path allocates nothing.
  gc();
  await flushGcEntries();
  const gcsBefore = gcCount;
  const allocIterations = iterations * 5;
  for (let i = 0; i < allocIterations; i++) sink = op();
  await flushGcEntries();
  const scavengesPerMillion = ((gcCount - gcsBefore) * 1e6) / allocIterations;
  if (sink === Symbol.for('never')) console.log(sink);
  return { name, nsPerOp: rounds[3] ?? NaN, scavengesPerMillion };
}

const audio = Buffer.alloc(160, 0xd5);
// 256 distinct mini frames, cycled, so the JIT cannot hoist loads out of the loop.
const minis = Array.from({ length: 256 }, (_, i) => encode({ kind: 'mini', sourceCall: 1 + i * 97, timestamp: i * 160, payload: audio }));
let next = 0;
const nextMini = (): Buffer => minis[(next = (next + 1) & 255)]!;
const newFrame = encode({
  kind: 'full', sourceCall: 0x1234, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0,
  frameType: FrameType.IAX, subclass: IaxCommand.NEW,
  ies: [
    { id: IeId.VERSION, value: 2 },
    { id: IeId.CALLED_NUMBER, value: '18005551212' },
    { id: IeId.CODEC_PREFS, value: 'DEC' },
    { id: IeId.CALLINGPRES, value: 0x43 },
    { id: IeId.CALLINGTON, value: 0 },
    { id: IeId.LANGUAGE, value: 'en' },
    { id: IeId.USERNAME, value: 'tenant-a-pbx1' },
    { id: IeId.FORMAT, value: 4 },
    { id: IeId.FORMAT2, value: Format.ULAW },
    { id: IeId.CAPABILITY, value: 0x0e },
    { id: IeId.CAPABILITY2, value: Format.ULAW | Format.ALAW | Format.GSM },
    { id: IeId.CALLTOKEN, value: Buffer.from(`1795407201?${'ab'.repeat(20)}`) },
  ],
});
const trunk = encode({
  kind: 'meta-trunk', timestamp: 1000, withTimestamps: true,
  entries: Array.from({ length: 20 }, (_, i) => ({ call: 100 + i, timestamp: 0x1000 + i, payload: audio })),
});

const view = new MiniFrameView();
const miniOut: MiniFrame = { kind: 'mini', sourceCall: 0x1234, timestamp: 0, payload: audio };
const sendBuffer = Buffer.allocUnsafe(1500);
let ts = 0;

const results = [
  await bench('mini: classify + decode into a reused view', 2_000_000, () => {
    const datagram = nextMini();
    return classifyDatagram(datagram) === 'mini' ? decodeMiniFrameInto(datagram, view).timestamp : -1;
  }),
  await bench('mini: decodeDatagram (one result object)', 2_000_000, () => decodeDatagram(nextMini())),
  await bench('NEW with 12 IEs: decodeDatagram', 300_000, () => decodeDatagram(newFrame)),
  await bench('mini: encodeInto a reused buffer', 2_000_000, () => {
    miniOut.timestamp = ts = (ts + 20) & 0xffff;
    return encodeInto(miniOut, sendBuffer, 0);
  }),
  await bench('meta trunk, 20 entries: decode', 300_000, () => decodeMetaTrunkFrame(trunk)),
];

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ node: process.version, results }));
} else {
  console.log(`IAX2 codec benchmark (node ${process.version}, ${process.arch})`);
  for (const r of results) {
    console.log(`${r.name.padEnd(46)} ${r.nsPerOp.toFixed(1).padStart(8)} ns/op ${r.scavengesPerMillion.toFixed(1).padStart(8)} GCs/M ops`);
  }
}
