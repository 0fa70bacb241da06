// Box pairs that load a worker the way Asterisk boxes do (bench:relay-real). Box aK places
// calls through the platform to box bK, which registers and answers; each call then carries
// 20 ms G.711 frames both ways. Like a real box: the first voice frame of a call is a full
// (reliable) frame, and so is the one at the 16-bit timestamp wrap (calls start at a random
// point of the 65.5 s cycle, so wraps happen during a run); every call PINGs every 21 s and
// LAGRQs every 10 s and answers the platform's (the engine's own calls do that); each box POKEs
// the platform every 60 s (qualify) and the platform qualifies bK; calls end and new ones start
// (churn); trunked boxes put their voice into meta trunk frames cut at trunkmtu, 1240 bytes of
// entries (7 ulaw entries a frame), with or without per-entry timestamps.
import { SystemClock } from '../../shared/clock.ts';
import type { Call } from '../../services/iax2/call/call.ts';
import { ControlSubclass, encode, Format, FrameType, IaxCommand, IeId } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import type { IaxUser } from '../../services/iax2/peer-directory.ts';
import { RegistrationClient } from '../../services/iax2/registrar/register-client.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';
import { stamp, type JitterSink } from './jitter-sink.ts';

export const FRAME = 160;
/** Asterisk's trunkmtu: entry bytes per meta trunk frame, the 8-byte meta header not counted. */
export const TRUNK_MTU = 1240;
const POKE_EVERY_MS = 60_000;

export type TrunkForm = 'none' | 'plain' | 'timestamps';

export interface BoxPairOptions {
  k: number;
  calls: number;
  form: TrunkForm;
  /** Mean call length; 0 keeps every call up for the whole run. */
  holdMs: number;
  platform: RemoteAddress;
  sink: JitterSink;
  nextStreamId: () => number;
}

/** What a stream needs of its call: the bench's bare runs give a stand-in. */
type StreamCall = Pick<Call, 'localCall' | 'sendVoice'>;

/** One direction of one call, from one box. */
interface VoiceStream {
  call: StreamCall;
  id: number;
  seq: number;
  ts: number;
  endsAt: number;
}

/** What the bench counts: frames sent (voice entries, all kinds) while measuring. */
export const sent = { frames: 0, measuring: false };

class Box {
  readonly streams: VoiceStream[] = [];
  private readonly mini = Buffer.alloc(4 + FRAME, 0x55);
  private readonly voice = Buffer.alloc(FRAME, 0x55);
  private readonly trunk = Buffer.alloc(8 + TRUNK_MTU, 0x55);
  private trunkLength = 8;
  private readonly trunkEpoch = performance.now();
  private lastTrunkTs = -1;
  private nextPokeAt = performance.now() + Math.random() * POKE_EVERY_MS;

  constructor(
    readonly engine: Iax2Engine | undefined,
    readonly transport: UdpTransport,
    private readonly platform: RemoteAddress,
    private readonly form: TrunkForm,
  ) {}

  /** Starts a stream on an answered call: its first frame is a full voice frame. */
  start(call: StreamCall, id: number, endsAt: number): void {
    // A random point of the 16-bit cycle, so some calls wrap while measured.
    const ts = 20 * Math.floor(Math.random() * 3000) + 20;
    const stream: VoiceStream = { call, id, seq: 0, ts, endsAt };
    this.full(stream);
    this.streams.push(stream);
  }

  stop(call: StreamCall): void {
    const at = this.streams.findIndex((s) => s.call === call);
    if (at < 0) return;
    this.streams[at] = this.streams[this.streams.length - 1]!;
    this.streams.pop();
  }

  private full(stream: VoiceStream): void {
    stamp(this.voice, 0, stream.id, stream.seq++);
    stream.call.sendVoice(this.voice, { timestamp: stream.ts });
    if (sent.measuring) sent.frames++;
  }

  tick(now: number): void {
    for (const stream of this.streams) {
      const ts = stream.ts + 20;
      const wrapped = ts >>> 16 !== stream.ts >>> 16;
      stream.ts = ts;
      if (wrapped) this.full(stream);
      else if (this.form === 'none') this.sendMini(stream);
      else this.addEntry(stream);
    }
    this.flushTrunk(now);
    if (now >= this.nextPokeAt) {
      this.nextPokeAt += POKE_EVERY_MS;
      this.poke();
    }
  }

  private sendMini(stream: VoiceStream): void {
    const frame = this.mini;
    frame.writeUInt16BE(stream.call.localCall & 0x7fff, 0);
    frame.writeUInt16BE(stream.ts & 0xffff, 2);
    stamp(frame, 4, stream.id, stream.seq++);
    this.transport.send(frame, this.platform);
    if (sent.measuring) sent.frames++;
  }

  private addEntry(stream: VoiceStream): void {
    const header = this.form === 'timestamps' ? 6 : 4;
    // Asterisk sends at once when one more entry would not fit in trunkmtu.
    if (this.trunkLength - 8 + header + FRAME > TRUNK_MTU) this.flushTrunk(performance.now());
    const buf = this.trunk;
    let at = this.trunkLength;
    if (this.form === 'timestamps') {
      buf.writeUInt16BE(FRAME, at);
      buf.writeUInt16BE(stream.call.localCall & 0x7fff, at + 2);
      buf.writeUInt16BE(stream.ts & 0xffff, at + 4);
    } else {
      buf.writeUInt16BE(stream.call.localCall & 0x7fff, at);
      buf.writeUInt16BE(FRAME, at + 2);
    }
    at += header;
    stamp(buf, at, stream.id, stream.seq++);
    this.trunkLength = at + FRAME;
    if (sent.measuring) sent.frames++;
  }

  private flushTrunk(now: number): void {
    if (this.trunkLength === 8) return;
    const buf = this.trunk;
    buf.writeUInt16BE(0, 0);
    buf[2] = 1;
    buf[3] = this.form === 'timestamps' ? 1 : 0;
    // The trunk clock: ms since the trunk's epoch, never the same value twice.
    const ts = Math.max(Math.floor(now - this.trunkEpoch), this.lastTrunkTs + 1);
    this.lastTrunkTs = ts;
    buf.writeUInt32BE(ts >>> 0, 4);
    this.transport.send(buf.subarray(0, this.trunkLength), this.platform);
    this.trunkLength = 8;
  }

  /** Qualify: a POKE from a fresh call number with an empty CALLTOKEN IE (protocol.md §10.1). */
  private poke(): void {
    this.transport.send(encode({ kind: 'full', sourceCall: 2 + Math.floor(Math.random() * 16000), destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.POKE, ies: [{ id: IeId.CALLTOKEN, value: Buffer.alloc(0) }] }), this.platform);
  }
}

async function box(sink: JitterSink, platform: RemoteAddress, form: TrunkForm, user: IaxUser | undefined): Promise<Box> {
  const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 8 << 20, sendBufferBytes: 8 << 20 });
  const tapped = {
    send: transport.send.bind(transport),
    onDatagram: (listener: Parameters<UdpTransport['onDatagram']>[0]) => transport.onDatagram((d, from) => {
      if (!sink.datagram(d)) listener(d, from);
    }),
    localAddress: () => transport.localAddress(),
    close: () => transport.close(),
  };
  const engine = new Iax2Engine({ transport: tapped, clock: new SystemClock(), directory: { findUser: () => user, findUserByAddress: () => user }, limits: { maxPerIp: 100_000 } });
  return new Box(engine, transport, platform, form);
}

/** A pair of boxes and the calls between them, kept at `calls` while it runs. */
export class BoxPair {
  failed = 0;
  setups = 0;
  private placing = 0;
  private closed = false;

  private constructor(
    private readonly options: BoxPairOptions,
    private readonly a: Box,
    private readonly b: Box,
    private readonly registration: RegistrationClient,
  ) {
    b.engine!.events.on('incomingCall', ({ call }) => {
      b.engine!.accept(call);
      call.answer();
      b.start(call, options.nextStreamId(), Infinity);
      call.events.on('closed', () => b.stop(call));
    });
  }

  static async open(options: BoxPairOptions): Promise<BoxPair> {
    const { k, sink, platform, form } = options;
    const fromPlatform: IaxUser = { name: 'strowger', secrets: [`sb${k}`], inkeys: [], contexts: ['x'], acl: [], capability: Format.ULAW, prefs: [Format.ULAW], maxAuthReq: 1000 };
    const a = await box(sink, platform, form, undefined);
    const b = await box(sink, platform, form, fromPlatform);
    const registration = new RegistrationClient({ engine: b.engine!, clock: new SystemClock(), remote: platform, username: `b${k}`, secret: `sb${k}` });
    registration.start();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`b${k} did not register (${registration.state})`)), 15_000);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      registration.events.on('statechange', ({ state }) => {
        if (state === 'Registered') done();
      });
      if (registration.state === 'Registered') done();
    });
    return new BoxPair(options, a, b, registration);
  }

  get active(): number {
    return this.a.streams.length;
  }

  /** Places calls (three at a time: within the callee's maxauthreq) until `calls` are up. */
  async fill(): Promise<void> {
    while (!this.closed && this.active + this.placing < this.options.calls) {
      const batch = Math.min(3, this.options.calls - this.active - this.placing);
      await Promise.all(Array.from({ length: batch }, () => this.place()));
    }
  }

  private lifetime(): number {
    // Exponential call lengths around the mean, as independent callers make.
    return this.options.holdMs <= 0 ? Infinity : -Math.log(1 - Math.random()) * this.options.holdMs;
  }

  private place(): Promise<void> {
    const { k, platform } = this.options;
    this.placing++;
    return new Promise<void>((resolve) => {
      const call = this.a.engine!.call({ remote: platform, calledNumber: '100', username: `a${k}`, secret: `sa${k}`, capability: Format.ULAW, format: Format.ULAW });
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.placing--;
        if (ok) this.setups++;
        else this.failed++;
        resolve();
      };
      const timer = setTimeout(() => {
        call.hangup();
        done(false);
      }, 15_000);
      call.events.on('control', ({ subclass }) => {
        if (subclass !== ControlSubclass.ANSWER) return;
        this.a.start(call, this.options.nextStreamId(), performance.now() + this.lifetime());
        call.events.on('closed', () => this.a.stop(call));
        done(true);
      });
      call.events.on('rejected', () => done(false));
    });
  }

  /** One 20 ms tick: both boxes send; calls past their end hang up and are replaced. */
  tick(now: number): void {
    this.a.tick(now);
    this.b.tick(now);
    if (this.options.holdMs <= 0) return;
    let ended = 0;
    for (const stream of [...this.a.streams]) {
      if (stream.endsAt > now) continue;
      this.a.stop(stream.call);
      (stream.call as Call).hangup();
      ended++;
    }
    if (ended > 0) void this.fill();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.registration.stop({ release: false }).catch(() => {});
    for (const x of [this.a, this.b]) {
      x.engine?.close();
      x.transport.close();
    }
  }
}

/**
 * The same media through the bare forwarder (the ceiling): two sockets, paired by the
 * forwarder, raw frames only (a full voice frame where a box sends one), no signalling.
 */
export class BarePair {
  private constructor(
    private readonly a: Box,
    private readonly b: Box,
  ) {}

  static async open(options: Omit<BoxPairOptions, 'holdMs'>): Promise<BarePair> {
    const boxes: Box[] = [];
    for (let side = 0; side < 2; side++) {
      const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 8 << 20, sendBufferBytes: 8 << 20 });
      transport.onDatagram((d) => options.sink.datagram(d));
      const x = new Box(undefined, transport, options.platform, options.form);
      for (let i = 1; i <= options.calls; i++) {
        const full = Buffer.alloc(12 + FRAME);
        x.start({
          localCall: i,
          sendVoice: (payload: Buffer, { timestamp = 0 } = {}) => {
            full.writeUInt16BE(0x8000 | i, 0);
            full.writeUInt32BE(timestamp >>> 0, 4);
            full[10] = FrameType.VOICE;
            full[11] = 4;
            payload.copy(full, 12);
            transport.send(full, options.platform);
          },
        }, options.nextStreamId(), Infinity);
      }
      boxes.push(x);
    }
    return new BarePair(boxes[0]!, boxes[1]!);
  }

  /** The two sockets' ports, for the forwarder to pair. */
  get ports(): [number, number] {
    return [this.a.transport.localAddress().port, this.b.transport.localAddress().port];
  }

  get active(): number {
    return this.a.streams.length;
  }

  tick(now: number): void {
    this.a.tick(now);
    this.b.tick(now);
  }

  close(): Promise<void> {
    this.a.transport.close();
    this.b.transport.close();
    return Promise.resolve();
  }
}
