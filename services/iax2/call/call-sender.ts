/**
 * The send half of one call leg. Every frame the call sends is built and put on the wire here:
 * full frames take our OSeqno and carry the receiver's ISeqno (protocol.md §4.1, §4.3), wait
 * in the reliable sender until acknowledged (reliable-sender.ts, §4.4), and go out encrypted
 * under the key in force when they were first sent (§11.1); voice goes as a full frame, a mini
 * frame or a meta trunk entry (§5.2); PING and LAGRQ go on their own schedule (keepalive.ts,
 * §10.2). This class owns what only sending changes: our OSeqno, the transmit clock
 * (timestamps.ts, §5.1), the last timestamp and voice format we sent, the cipher, the trunk
 * and the RTKEY schedule (§11.5). The Call reads them through the getters below and never
 * writes them; this class reaches the call only through SendHooks, one table of functions for
 * every call, as the receiver does through ReceiveHooks.
 *
 * Every voice frame of every relayed call passes through voice(): nothing there allocates per
 * frame, and a plain mini frame is written into the buffer every call shares (mini-writer.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../shared/clock.ts';
import { encode, FrameType, IaxCommand, IeId, type FullFrame, type Ie } from '../codec/index.ts';
import type { TrunkSink } from '../trunk/trunk-batcher.ts';
import type { CallCipher } from './call-types.ts';
import { Keepalive } from './keepalive.ts';
import { KeyRotation } from './key-rotation.ts';
import { frameDurationMs } from './media-timing.ts';
import { replaceMiniScratch, writeMini } from './mini-writer.ts';
import { ReliableSender, type QueuedFrame, type ReliableSenderHooks } from './reliable-sender.ts';
import { TxTimestamps } from './timestamps.ts';

/**
 * What the send path needs of its call: functions of the call, written inside the Call class
 * so that they reach its private state while nothing outside may.
 */
export interface SendHooks<C> {
  /** A closed call sends nothing more. */
  closed(call: C): boolean;
  /** The peer's call number, the destination of every full frame (0 until it is known). */
  remoteCall(call: C): number;
  /** The ISeqno a frame about to be sent carries; it acknowledges all that arrived (protocol.md §4.3). */
  carryIseqno(call: C): number;
  /** Our ISeqno now, without marking it carried (VNAK, retransmissions). */
  iseqno(call: C): number;
  /** A full frame went out: the call's PING/LAGRQ start once the peer's call number is known. */
  fullFrameSent(call: C): void;
  /** Delivery of a frame gave up after its last retransmission (protocol.md §4.4). */
  gaveUp(call: C, final: boolean): void;
  /** A final frame (HANGUP, REJECT, REGACK, ...) was acknowledged. */
  finalAcked(call: C): void;
}

/** What a call leg is built with that is the send side's (part of CallInit). */
export interface CallSenderOptions {
  localCall: number;
  clock: Clock;
  /** True: the transport kept `datagram` (transport.ts), so a reused buffer must be replaced. */
  send: (datagram: Buffer) => boolean | void;
  /** PING/LAGRQ while the call lasts; off for registration and qualify dialogs. */
  keepalive?: boolean;
  /**
   * Send a full voice frame when the 16-bit mini timestamp wraps (RFC 5456's advice; the
   * default). False sends mini frames straight across the wrap, as Asterisk does (protocol.md §5.2).
   */
  fullVoiceAtWrap?: boolean;
}

/**
 * The sender is itself the hooks of its reliable sender (transmit, currentIseqno, gaveUp,
 * finalAcked) and of its keepalive (ping, lagrq): no objects and no closures per leg for them.
 */
export class CallSender<C> implements ReliableSenderHooks {
  private readonly localCall: number;
  private readonly clock: Clock;
  private readonly sendDatagram: (datagram: Buffer) => boolean | void;
  private readonly fullVoiceAtWrap: boolean;
  private readonly reliable: ReliableSender;
  private readonly tx: TxTimestamps;
  /** Only for a leg with PING/LAGRQ (not a registration or qualify dialog). */
  private readonly keepalive: Keepalive | undefined;
  private oseqno = 0;
  /** The timestamp of the last frame sent: its top 16 bits are what mini frames leave out (protocol.md §5.2). */
  private lastSentTs = 0;
  /** The format of the last full voice frame sent: a change needs a full frame again. */
  private txVoiceFormat = 0n;
  private currentCipher: CallCipher | undefined;
  private trunk: TrunkSink | undefined;
  /** Made when the call is encrypted: a plain leg carries no RTKEY schedule. */
  private keyRotation: KeyRotation | undefined;

  constructor(
    private readonly call: C,
    private readonly hooks: SendHooks<C>,
    options: CallSenderOptions,
    /** The first pingtime, before a PONG measures one (protocol.md §4.4). */
    pingtimeMs: number | undefined,
  ) {
    this.localCall = options.localCall;
    this.clock = options.clock;
    this.sendDatagram = options.send;
    this.fullVoiceAtWrap = options.fullVoiceAtWrap ?? true;
    this.tx = new TxTimestamps(options.clock);
    this.reliable = new ReliableSender(options.clock, this, pingtimeMs);
    if (options.keepalive ?? true) this.keepalive = new Keepalive(options.clock, this);
  }

  /** The cipher both halves of the call use, once keys are agreed. */
  get cipher(): CallCipher | undefined {
    return this.currentCipher;
  }

  /** Whether we rotate our transmit key with RTKEY (the peer offered rotation, protocol.md §11.1). */
  get rotatesKeys(): boolean {
    return this.keyRotation?.enabled ?? false;
  }

  /** RTKEYs we have sent so far. */
  get keyRotations(): number {
    return this.keyRotation?.count ?? 0;
  }

  /** Our OSeqno: the sequence number the next reliable frame takes. */
  get nextOseqno(): number {
    return this.oseqno;
  }

  /** ms on our transmit clock. */
  get txElapsedMs(): number {
    return this.tx.elapsed();
  }

  get pingtimeMs(): number {
    return this.reliable.pingtimeMs;
  }

  get retransmissions(): number {
    return this.reliable.retransmissions;
  }

  /** Reliable frames sent and not acknowledged yet. */
  get unacknowledged(): number {
    return this.reliable.pending;
  }

  /**
   * AES-128 from now on (protocol.md §11.1): what we send goes out under `cipher`. With
   * `rotateKeys` our key is rotated with RTKEY from the first voice on.
   */
  encryptWith(cipher: CallCipher, rotateKeys: boolean): void {
    this.currentCipher = cipher;
    this.keyRotation?.stop();
    this.keyRotation = new KeyRotation(this.clock, () => this.sendNewKey(), rotateKeys);
  }

  /** Voice goes into the peer's meta trunk frames from now on (never for an encrypted call, §11.4). */
  useTrunk(sink: TrunkSink): void {
    this.trunk = sink;
  }

  /** A PONG measured the round trip: later retransmission gaps follow it (protocol.md §4.4). */
  setPingtime(ms: number): void {
    this.reliable.setPingtime(ms);
  }

  /** The peer expects `iseqno` next: what we sent before it has arrived (protocol.md §4.2). */
  acknowledge(iseqno: number): void {
    this.reliable.acknowledge(iseqno);
  }

  /** VNAK received: everything queued from `iseqno` on goes again (protocol.md §4.5). */
  resendFrom(iseqno: number): void {
    this.reliable.resendFrom(iseqno);
  }

  /** Every unacknowledged frame goes again now (reliable-sender.ts retransmitNow). */
  retransmitNow(): void {
    this.reliable.retransmitNow();
  }

  /** A resend after CALLTOKEN starts from OSeqno 0 with nothing queued (protocol.md §7.2). */
  restartSequence(): void {
    this.reliable.clear();
    this.oseqno = 0;
  }

  /** PING every 21 s and LAGRQ every 10 s from now on, if this leg has them (protocol.md §10.2). */
  startKeepalive(): void {
    this.keepalive?.start();
  }

  stopKeepalive(): void {
    this.keepalive?.stop();
  }

  /** The call closed: no more PING/LAGRQ, retransmissions or RTKEYs. */
  stop(): void {
    this.keepalive?.stop();
    this.keyRotation?.stop();
    this.reliable.clear();
  }

  // ---- frames --------------------------------------------------------------------------

  /** An IAX command, reliable, stamped `timestamp` or our transmit clock's next IAX stamp. Returns the stamp. */
  sendIax(command: number, ies: Ie[], final: boolean, timestamp: number | undefined): number {
    const stamped = timestamp ?? this.tx.forIax();
    this.sendFull(FrameType.IAX, command, undefined, ies, final, stamped);
    return stamped;
  }

  /** CONTROL, DTMF, CNG, TEXT: reliable, stamped last + 3 while our clock is close (protocol.md §5.1). */
  sendSignal(frameType: number, subclass: number, payload: Buffer): void {
    this.sendFull(frameType, subclass, payload, undefined, false, this.tx.forSignal());
  }

  /** PING now; the keepalive sends one every 21 s too. */
  ping(): void {
    this.sendIax(IaxCommand.PING, [], false, undefined);
  }

  /** LAGRQ, from the keepalive every 10 s (protocol.md §10.2). */
  lagrq(): void {
    this.sendIax(IaxCommand.LAGRQ, [], false, undefined);
  }

  /** Our transmit clock's next IAX stamp (what a PONG carries to measure the round trip). */
  iaxTimestamp(): number {
    return this.tx.forIax();
  }

  /**
   * One voice frame of a started call (protocol.md §5.2): a reliable full frame for the first
   * frame and every format change, and whenever the top 16 timestamp bits move (unless
   * `fullVoiceAtWrap` is off); otherwise a mini frame, encrypted when the call is, or a trunk
   * entry. `relayedTimestamp` is the source's own stamp, rebased, when relaying.
   */
  voice(payload: Buffer, format: bigint, relayedTimestamp: number | undefined): void {
    if (this.currentCipher !== undefined) this.keyRotation?.voiceSending();
    const timestamp = this.tx.forVoice(frameDurationMs(format, payload.length), relayedTimestamp);
    const high = timestamp >>> 16;
    const lastHigh = this.lastSentTs >>> 16;
    const sameHigh = high === lastHigh || (!this.fullVoiceAtWrap && high === lastHigh + 1);
    if (format !== this.txVoiceFormat || !sameHigh) {
      this.txVoiceFormat = format;
      this.sendFull(FrameType.VOICE, Number(format), payload, undefined, false, timestamp);
      return;
    }
    this.lastSentTs = timestamp;
    if (this.currentCipher !== undefined) {
      this.transmit(writeMini(this.localCall, timestamp & 0xffff, payload), this.currentCipher.transmitKey);
    } else if (this.trunk !== undefined) {
      this.trunk.add(this.localCall, timestamp & 0xffff, payload);
    } else if (this.sendDatagram(writeMini(this.localCall, timestamp & 0xffff, payload)) === true) {
      replaceMiniScratch();
    }
  }

  /** RTKEY now, and the next one on the schedule (encrypted calls only, protocol.md §11.5). */
  rotateKey(): void {
    this.keyRotation?.now();
  }

  /**
   * One rotation: the new key goes under the old one, then everything new uses it. Frames
   * already queued keep retransmitting under the key they were first sent with.
   */
  private sendNewKey(): boolean {
    if (this.currentCipher === undefined || this.hooks.closed(this.call)) return false;
    const key = randomBytes(16);
    this.sendIax(IaxCommand.RTKEY, [{ id: IeId.CHALLENGE, value: key }], false, undefined);
    this.currentCipher.setTransmitKey(key);
    return true;
  }

  /** ACK: echoes the acknowledged frame's timestamp, takes no sequence number (protocol.md §4.3). */
  sendAck(acked: FullFrame): void {
    this.sendUnsequenced(IaxCommand.ACK, acked.timestamp, acked.iseqno);
  }

  /** VNAK: "resend from my ISeqno", unreliable, OSeqno and ISeqno both ours (protocol.md §4.5). */
  sendVnak(): void {
    this.sendUnsequenced(IaxCommand.VNAK, this.tx.forIax(), this.hooks.iseqno(this.call));
  }

  private sendFull(frameType: number, subclass: number, payload: Buffer | undefined, ies: Ie[] | undefined, final: boolean, timestamp: number): void {
    if (this.hooks.closed(this.call)) return;
    const oseqno = this.oseqno;
    const frame = this.frame(frameType, subclass, timestamp, oseqno, ies, payload);
    this.oseqno = (oseqno + 1) & 0xff;
    this.lastSentTs = timestamp;
    this.reliable.send(oseqno, encode(frame), final, this.currentCipher?.transmitKey);
    this.hooks.fullFrameSent(this.call);
  }

  private sendUnsequenced(command: number, timestamp: number, oseqno: number): void {
    if (this.hooks.closed(this.call)) return;
    this.transmit(encode(this.frame(FrameType.IAX, command, timestamp, oseqno, [], undefined)), this.currentCipher?.transmitKey);
  }

  /** A full frame of this call, carrying our current ISeqno: it acknowledges all that arrived (protocol.md §4.3). */
  private frame(frameType: number, subclass: number, timestamp: number, oseqno: number, ies: Ie[] | undefined, payload: Buffer | undefined): FullFrame {
    const { call, hooks } = this;
    return { kind: 'full', sourceCall: this.localCall, destCall: hooks.remoteCall(call), retransmitted: false, timestamp, oseqno, iseqno: hooks.carryIseqno(call), frameType, subclass, ies, payload };
  }

  // ---- ReliableSenderHooks (transmit is the encrypted mini frame's way out too) ------------

  /** Puts `plain` on the wire, encrypted under `key` when the call is encrypted (protocol.md §11.1). */
  transmit(plain: Buffer, key: Buffer | undefined): void {
    if (this.currentCipher === undefined) {
      this.sendDatagram(plain);
      return;
    }
    this.sendDatagram(this.currentCipher.encrypt(plain, (plain[0]! & 0x80) !== 0 ? 'full' : 'mini', key));
  }

  currentIseqno(): number {
    return this.hooks.iseqno(this.call);
  }

  gaveUp(frame: QueuedFrame): void {
    this.hooks.gaveUp(this.call, frame.final);
  }

  finalAcked(): void {
    this.hooks.finalAcked(this.call);
  }
}
