// bench:relay: N concurrent G.711 20 ms calls (both directions) through one worker, in its own
// process, against the same load through a bare node:dgram forwarder (the ceiling); then with
// trunking (calls grouped 20 per peer pair, meta trunk frames both ways). Calls are set up
// through the real engines; the load is sent as raw mini (or meta trunk) frames carrying their
// send time, and counted where they land. Prints a table; asserts nothing.
//   npm run bench:relay [-- --seconds 4 --levels 100,200,400]
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SystemClock } from '../../shared/clock.ts';
import type { Call } from '../../services/iax2/call/call.ts';
import { ControlSubclass, Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import type { IaxUser } from '../../services/iax2/peer-directory.ts';
import { RegistrationClient } from '../../services/iax2/registrar/register-client.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, levels: { type: 'string', default: '400,800,1000,1200,1400,1600,2000' }, 'trunk-levels': { type: 'string', default: '1600,3200,4000,4800,5600,6400' }, modes: { type: 'string', default: 'bare,worker,trunk' } } });
const MODES = new Set(values.modes.split(','));
const SECONDS = Number(values.seconds);
const PER_PAIR = 20;
const FRAME = 160;

type Mode = 'bare' | 'worker' | 'worker+trunk';

interface Child {
  process: ChildProcess;
  port: number;
  cpu(): Promise<number>;
  send(message: unknown): void;
  quit(): Promise<void>;
}

async function startChild(script: string, args: string[]): Promise<Child> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    process: child,
    port,
    cpu: () => new Promise((resolve) => {
      child.once('message', (m: { cpu: NodeJS.CpuUsage }) => resolve(m.cpu.user + m.cpu.system));
      child.send('cpu');
    }),
    send: (message) => child.send(message as string),
    quit: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.send('quit');
    }),
  };
}

/** Where frames land: counts and latencies (ms), by send time written in the payload. */
class Sink {
  received = 0;
  latencies: number[] = [];
  measuring = false;

  take(payload: Buffer, offset: number): void {
    if (!this.measuring || payload.length < offset + 8) return;
    this.received++;
    const sent = payload.readDoubleLE(offset);
    if ((this.received & 7) === 0) this.latencies.push(performance.now() - sent);
  }

  /** Mini frames (payload at 4) and meta trunk entries; full frames go to the engine. */
  datagram(d: Buffer): boolean {
    if (d.length >= 4 && d.readUInt16BE(0) === 0 && d[2] === 1) {
      const stamps = d[3] === 1;
      let at = 8;
      while (at + 4 <= d.length) {
        const length = stamps ? d.readUInt16BE(at) : d.readUInt16BE(at + 2);
        const header = stamps ? 6 : 4;
        this.take(d, at + header);
        at += header + length;
      }
      return true;
    }
    if ((d[0]! & 0x80) === 0 && d.length > 4) {
      this.take(d, 4);
      return true;
    }
    return false;
  }
}

interface Stream {
  /** Send one 20 ms frame now. */
  tick(ts: number): number;
}

/** A PBX side: engine + socket whose media is counted by the sink and kept from the engine. */
async function endpoint(sink: Sink, directory: { findUser(name: string): IaxUser | undefined }): Promise<{ engine: Iax2Engine; transport: UdpTransport }> {
  const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 8 << 20, sendBufferBytes: 8 << 20 });
  const tapped = {
    send: transport.send.bind(transport),
    onDatagram: (listener: Parameters<UdpTransport['onDatagram']>[0]) => transport.onDatagram((d, from) => {
      if (!sink.datagram(d)) listener(d, from);
    }),
    localAddress: () => transport.localAddress(),
    close: () => transport.close(),
  };
  const engine = new Iax2Engine({ transport: tapped, clock: new SystemClock(), directory: { findUser: (n) => directory.findUser(n), findUserByAddress: () => directory.findUser('strowger') }, limits: { maxPerIp: 100_000 } });
  return { engine, transport };
}

function miniFrame(callNumber: number): Buffer {
  const frame = Buffer.alloc(4 + FRAME, 0x55);
  frame.writeUInt16BE(callNumber & 0x7fff, 0);
  return frame;
}

/** Streams of raw frames for one direction of a set of calls from one socket. */
function rawStreams(send: (d: Buffer) => void, callNumbers: number[], trunk: boolean): Stream {
  if (!trunk) {
    const frames = callNumbers.map(miniFrame);
    return {
      tick(ts) {
        for (const frame of frames) {
          frame.writeUInt16BE(ts & 0xffff, 2);
          frame.writeDoubleLE(performance.now(), 4);
          send(frame);
        }
        return frames.length;
      },
    };
  }
  const datagram = Buffer.alloc(8 + callNumbers.length * (6 + FRAME), 0x55);
  datagram.writeUInt16BE(0, 0);
  datagram[2] = 1;
  datagram[3] = 1;
  callNumbers.forEach((call, i) => {
    const at = 8 + i * (6 + FRAME);
    datagram.writeUInt16BE(FRAME, at);
    datagram.writeUInt16BE(call & 0x7fff, at + 2);
  });
  return {
    tick(ts) {
      datagram.writeUInt32BE(ts >>> 0, 4);
      const now = performance.now();
      for (let i = 0; i < callNumbers.length; i++) {
        const at = 8 + i * (6 + FRAME);
        datagram.writeUInt16BE(ts & 0xffff, at + 4);
        datagram.writeDoubleLE(now, at + 6);
      }
      send(datagram);
      return callNumbers.length;
    },
  };
}

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

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

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
      const n = Math.min(PER_PAIR, calls - k * PER_PAIR);
      const fromPlatform: IaxUser = { name: 'strowger', secrets: [`sb${k}`], inkeys: [], contexts: ['x'], acl: [], capability: Format.ULAW, prefs: [Format.ULAW], maxAuthReq: 1000 };
      const a = await endpoint(sink, { findUser: () => undefined });
      const b = await endpoint(sink, { findUser: () => fromPlatform });
      cleanups.push(() => a.engine.close(), () => b.engine.close(), () => a.transport.close(), () => b.transport.close());
      const registration = new RegistrationClient({ engine: b.engine, clock: new SystemClock(), remote: platform, username: `b${k}`, secret: `sb${k}` });
      registration.start();
      cleanups.push(() => registration.stop({ release: false }).catch(() => {}));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`b${k} did not register (${registration.state})`)), 10_000);
        registration.events.on('statechange', ({ state }) => {
          if (state !== 'Registered') return;
          clearTimeout(timer);
          resolve();
        });
        if (registration.state === 'Registered') resolve();
      });
      const bLegs: Call[] = [];
      b.engine.events.on('incomingCall', ({ call }) => {
        b.engine.accept(call);
        call.answer();
        bLegs.push(call);
      });
      // maxauthreq (3 outstanding AUTHREQs per user, as Asterisk): place the calls three at a time.
      const aLegs: Call[] = [];
      for (let first = 0; first < n; first += 3) {
        aLegs.push(...(await Promise.all(Array.from({ length: Math.min(3, n - first) }, () => new Promise<Call>((resolve, reject) => {
          const call = a.engine.call({ remote: platform, calledNumber: '100', username: `a${k}`, secret: `sa${k}`, capability: Format.ULAW, format: Format.ULAW });
          const timer = setTimeout(() => reject(new Error(`no answer (state ${call.state})`)), 10_000);
          call.events.on('control', ({ subclass }) => {
            if (subclass !== ControlSubclass.ANSWER) return;
            clearTimeout(timer);
            resolve(call);
          });
          call.events.on('rejected', ({ causeCode }) => reject(new Error(`call refused, cause ${causeCode ?? '?'}`)));
        })))));
      }
      while (bLegs.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
      // One full voice frame each way sets the format; then raw frames carry the load.
      for (const call of [...aLegs, ...bLegs]) call.sendVoice(Buffer.alloc(FRAME, 0x55), { timestamp: 20 });
      streams.push(
        rawStreams((d) => a.transport.send(d, platform), aLegs.map((c) => c.localCall), trunk),
        rawStreams((d) => b.transport.send(d, platform), bLegs.map((c) => c.localCall), trunk),
      );
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
