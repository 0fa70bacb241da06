// The load of bench:relay and bench:mesh: PBX-side engines whose calls are set up through
// the real engines, then raw 20 ms G.711 frames (mini or meta trunk) stamped with their send
// time, counted where they land; and worker processes reporting their own CPU time.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SystemClock } from '../../shared/clock.ts';
import type { Call } from '../../services/iax2/call/call.ts';
import { ControlSubclass, Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import type { IaxUser } from '../../services/iax2/peer-directory.ts';
import { RegistrationClient } from '../../services/iax2/registrar/register-client.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';

export const FRAME = 160;

export interface Child {
  process: ChildProcess;
  port: number;
  cpu(): Promise<number>;
  send(message: unknown): void;
  quit(): Promise<void>;
}

/** `script` (beside this file) in a child process that reports its port, answers "cpu" and quits on "quit". */
export async function startChild(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}): Promise<Child> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    ...(options.env === undefined ? {} : { env: options.env }),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
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
export class Sink {
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

export interface Stream {
  /** Send one 20 ms frame now. */
  tick(ts: number): number;
}

/** A PBX side: engine + socket whose media is counted by the sink and kept from the engine. */
export async function endpoint(sink: Sink, directory: { findUser(name: string): IaxUser | undefined }): Promise<{ engine: Iax2Engine; transport: UdpTransport }> {
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

export function miniFrame(callNumber: number): Buffer {
  const frame = Buffer.alloc(4 + FRAME, 0x55);
  frame.writeUInt16BE(callNumber & 0x7fff, 0);
  return frame;
}

/** Streams of raw frames for one direction of a set of calls from one socket. */
export function rawStreams(send: (d: Buffer) => void, callNumbers: number[], trunk: boolean): Stream {
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

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};


/**
 * Pair k of a benchmark: caller user aK (secret saK) calls through `callerPlatform`; callee
 * friend bK (secret sbK) registers to `calleePlatform` and answers; `n` calls set up (three at
 * a time: the platform keeps within the callee's maxauthreq anyway), one full voice frame each
 * way to fix the format, then raw frame streams in both directions.
 */
export async function callPair(sink: Sink, k: number, n: number, trunk: boolean, callerPlatform: RemoteAddress, calleePlatform: RemoteAddress): Promise<{ streams: Stream[]; cleanups: Array<() => void | Promise<void>> }> {
  const cleanups: Array<() => void | Promise<void>> = [];
  const fromPlatform: IaxUser = { name: 'strowger', secrets: [`sb${k}`], inkeys: [], contexts: ['x'], acl: [], capability: Format.ULAW, prefs: [Format.ULAW], maxAuthReq: 1000 };
  const a = await endpoint(sink, { findUser: () => undefined });
  const b = await endpoint(sink, { findUser: () => fromPlatform });
  cleanups.push(() => a.engine.close(), () => b.engine.close(), () => a.transport.close(), () => b.transport.close());
  const registration = new RegistrationClient({ engine: b.engine, clock: new SystemClock(), remote: calleePlatform, username: `b${k}`, secret: `sb${k}` });
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
  const aLegs: Call[] = [];
  for (let first = 0; first < n; first += 3) {
    aLegs.push(...(await Promise.all(Array.from({ length: Math.min(3, n - first) }, () => new Promise<Call>((resolve, reject) => {
      const call = a.engine.call({ remote: callerPlatform, calledNumber: '100', username: `a${k}`, secret: `sa${k}`, capability: Format.ULAW, format: Format.ULAW });
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
  return {
    streams: [
      rawStreams((d) => a.transport.send(d, callerPlatform), aLegs.map((c) => c.localCall), trunk),
      rawStreams((d) => b.transport.send(d, calleePlatform), bLegs.map((c) => c.localCall), trunk),
    ],
    cleanups,
  };
}
