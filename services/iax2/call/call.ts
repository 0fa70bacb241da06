/**
 * One call leg: reliable delivery, sequence numbers, timestamps, the state machine, media and
 * call control, PING/LAGRQ and teardown, behaving on the wire as Asterisk's chan_iax2 does
 * (iax2-facts §4-§6, §10.2). Call setup (tokens, authentication, negotiation) is driven by the
 * engine through the `setup` hook; everything after the handshake is handled here.
 */
import type { TrunkSink } from '../trunk/trunk-batcher.ts';
import { writeMini } from './mini-writer.ts';
import { randomBytes, randomInt } from 'node:crypto';
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import { decodeDatagram, encode, FrameType, IaxCommand, IeId, type FullFrame, type Ie, type MiniFrame } from '../codec/index.ts';
import { ControlSubclass } from '../codec/control-subclasses.ts';
import { TypedEvents } from '../typed-events.ts';
import { CallState, CallStateError, canTransition, isStarted } from './call-state.ts';
import { Keepalive } from './keepalive.ts';
import { frameDurationMs } from './media-timing.ts';
import { ReliableSender, type QueuedFrame } from './reliable-sender.ts';
import type { RemoteAddress } from '../transport.ts';
import type { CallCipher, CallEvents, CallInit, CallSetupHandler, CloseReason } from './call-types.ts';
import { dispatchFrame, updatesRxClock, type DispatchHooks } from './frame-dispatch.ts';
import { RrStats, type RrReport } from './rr-stats.ts';
import { rebuildTimestamp, TxTimestamps } from './timestamps.ts';

export { LAGRQ_INTERVAL_MS, PING_INTERVAL_MS } from './keepalive.ts';
export type { CallCipher, CallEvents, CallInit, CallSetupHandler, CloseReason } from './call-types.ts';
/** A sent HANGUP is given this long to be acknowledged (iax2-facts §4.6). */
export const HANGUP_DESTROY_MS = 10_000;
/** Q.850 cause 27, "destination out of order": the local cause when delivery gives up. */
export const CAUSE_DESTINATION_OUT_OF_ORDER = 27;
/** Key rotation: every 120 s plus up to 180 s at random, after the first at the first voice (§11.5). */
export const RTKEY_BASE_MS = 120_000;
export const RTKEY_SPREAD_MS = 180_000;

export class Call {
  readonly localCall: number;
  remoteCall: number;
  readonly remote: RemoteAddress;
  readonly direction: 'inbound' | 'outbound';
  readonly events: TypedEvents<CallEvents>;
  state: CallState = CallState.Idle;
  /** The negotiated voice format. */
  format = 0n;
  setup: CallSetupHandler | undefined;
  cipher: CallCipher | undefined;
  /** Details the setup learned (user, context, called number ...), for the engine's user. */
  readonly info: Record<string, unknown> = {};

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly sendDatagram: (datagram: Buffer) => void;
  private readonly reliable: ReliableSender;
  private readonly tx: TxTimestamps;
  private readonly rr = new RrStats();
  private oseqno = 0;
  private iseqno = 0;
  private lastSentIseqno = 0;
  private lastSentTs = 0;
  private txVoiceFormat = 0n;
  private rxVoiceFormat = 0n;
  /** Highest 32-bit peer timestamp seen (§5.3). */
  private rxLast = 0;
  private readonly keepalive: Keepalive;
  private readonly keepaliveEnabled: boolean;
  private autokillTimer: TimerHandle | undefined;
  private destroyTimer: TimerHandle | undefined;
  /** Asterisk holds non-IAX frames until the peer has sent an IAX frame (§6.2). */
  private heardIax = false;
  /**
   * Send a full voice frame when the 16-bit mini timestamp wraps (RFC 5456's advice). False
   * sends mini frames straight across the wrap, as Asterisk does (iax2-facts §5.2).
   */
  fullVoiceAtWrap = true;
  /** Rotate our transmit key with RTKEY (set when the peer's NEW offered rotation, §11.1). */
  rotateKeys = false;
  private rotationTimer: TimerHandle | undefined;
  private rotationStarted = false;
  private rejectSent = false;
  private finishing = false;
  private readonly dispatchHooks: DispatchHooks;

  constructor(init: CallInit) {
    this.localCall = init.localCall;
    this.remoteCall = init.remoteCall ?? 0;
    this.remote = init.remote;
    this.direction = init.direction;
    this.clock = init.clock;
    this.logger = init.logger;
    this.sendDatagram = init.send;
    this.events = new TypedEvents<CallEvents>((event, error) =>
      this.logger.error('call event listener threw', { event, error, call: this.localCall }),
    );
    this.tx = new TxTimestamps(init.clock);
    this.keepalive = new Keepalive(init.clock, {
      ping: () => this.sendIax(IaxCommand.PING, []),
      lagrq: () => this.sendIax(IaxCommand.LAGRQ, []),
    });
    this.reliable = new ReliableSender(init.clock, {
      transmit: (plain, key) => this.transmit(plain, key),
      currentIseqno: () => this.iseqno,
      gaveUp: (frame) => this.onGiveUp(frame),
      finalAcked: () => this.close(this.finalReason()),
    });
    this.dispatchHooks = {
      call: this,
      sendAck: (frame) => this.sendAck(frame),
      voiceFrame: (format, payload, timestamp) => {
        this.rxVoiceFormat = format;
        this.deliverVoice(payload, timestamp);
      },
      iaxTimestamp: () => this.tx.forIax(),
      resendFrom: (iseqno) => this.reliable.resendFrom(iseqno),
    };
    this.keepaliveEnabled = init.keepalive ?? true;
    if (init.pingtimeMs !== undefined) this.reliable.pingtimeMs = init.pingtimeMs;
    if (init.direction === 'outbound' && init.autokillMs !== undefined && init.autokillMs > 0) {
      this.reliable.pingtimeMs = init.autokillMs / 2;
      this.autokillTimer = this.clock.setTimer(2 * init.autokillMs, () => this.onAutokill());
    }
  }

  get closed(): boolean {
    return this.state === CallState.Closed;
  }

  get pingtimeMs(): number {
    return this.reliable.pingtimeMs;
  }

  set pingtimeMs(ms: number) {
    this.reliable.pingtimeMs = ms;
  }

  /** ms on this leg's transmit clock: what a relay adds to a source's voice stamps to rebase them. */
  get txElapsedMs(): number {
    return this.tx.elapsed();
  }

  /**
   * trunk=yes: this call's voice goes into the peer's meta trunk frames instead of its own mini
   * frames. Encrypted calls are never trunked (a trunk frame cannot be encrypted).
   */
  trunk: TrunkSink | undefined;

  /**
   * The relay's fast path: received voice goes straight to this function instead of a `voice`
   * event (no event object per frame). A relay sets it; everyone else listens to `voice`.
   */
  voiceSink: ((payload: Buffer, format: bigint, timestamp: number) => void) | undefined;

  get retransmissions(): number {
    return this.reliable.retransmissions;
  }

  /** Our OSeqno and ISeqno now (`iax2 show channels`' Seq (Tx/Rx)). */
  get sequenceNumbers(): { tx: number; rx: number } {
    return { tx: this.oseqno, rx: this.iseqno };
  }

  get unacknowledged(): number {
    return this.reliable.pending;
  }

  transition(to: CallState): void {
    if (this.state === to) return;
    if (!canTransition(this.state, to)) throw new CallStateError(this.state, to);
    this.state = to;
  }

  // ---- sending -------------------------------------------------------------------------

  /** Sends an IAX command; reliable unless it is one of the unsequenced replies. */
  /** Returns the timestamp the frame carries. */
  sendIax(command: number, ies: Ie[], options: { final?: boolean; timestamp?: number } = {}): number {
    const timestamp = options.timestamp ?? this.tx.forIax();
    this.sendFull(FrameType.IAX, command, undefined, ies, { ...options, timestamp });
    return timestamp;
  }

  private sendFull(
    frameType: number,
    subclass: number,
    payload: Buffer | undefined,
    ies: Ie[] | undefined,
    options: { final?: boolean; timestamp: number },
  ): void {
    if (this.closed) return;
    const frame = this.frame(frameType, subclass, options.timestamp, this.oseqno, ies, payload);
    const oseqno = this.oseqno;
    this.oseqno = (this.oseqno + 1) & 0xff;
    this.lastSentIseqno = this.iseqno;
    this.lastSentTs = options.timestamp;
    this.reliable.send(oseqno, encode(frame), options.final === true, this.cipher?.transmitKey);
    this.startPeriodicTimers();
  }

  /** A full frame of this call, carrying our current ISeqno. */
  private frame(frameType: number, subclass: number, timestamp: number, oseqno: number, ies: Ie[] | undefined, payload: Buffer | undefined): FullFrame {
    return {
      kind: 'full',
      sourceCall: this.localCall,
      destCall: this.remoteCall,
      retransmitted: false,
      timestamp,
      oseqno,
      iseqno: this.iseqno,
      frameType,
      subclass,
      ies,
      payload,
    };
  }

  /** Acknowledges `frame` now and ends the dialog: how REGACK and REGREJ are received (§4.3). */
  acknowledgeAndClose(frame: FullFrame, reason: CloseReason): void {
    this.sendAck(frame);
    this.close(reason);
  }

  /** ACK: echoes the acknowledged frame's timestamp, takes no sequence number (§4.3). */
  private sendAck(acked: FullFrame): void {
    this.sendUnsequenced(IaxCommand.ACK, acked.timestamp, acked.iseqno);
  }

  /** VNAK: "resend from my ISeqno", unreliable, OSeqno and ISeqno both ours (§4.5). */
  private sendVnak(): void {
    this.sendUnsequenced(IaxCommand.VNAK, this.tx.forIax(), this.iseqno);
  }

  private sendUnsequenced(command: number, timestamp: number, oseqno: number): void {
    if (this.closed) return;
    const frame = this.frame(FrameType.IAX, command, timestamp, oseqno, [], undefined);
    this.lastSentIseqno = this.iseqno;
    this.transmit(encode(frame), this.cipher?.transmitKey);
  }

  private transmit(plain: Buffer, key: Buffer | undefined): void {
    const kind = (plain[0]! & 0x80) !== 0 ? 'full' : 'mini';
    this.sendDatagram(this.cipher === undefined ? plain : this.cipher.encrypt(plain, kind, key));
  }

  sendControl(subclass: number, payload?: Buffer): void {
    this.sendFull(FrameType.CONTROL, subclass, payload ?? Buffer.alloc(0), undefined, { timestamp: this.tx.forSignal() });
  }

  ringing(): void {
    this.sendControl(ControlSubclass.RINGING);
  }

  progress(): void {
    this.sendControl(ControlSubclass.PROGRESS);
  }

  answer(): void {
    this.sendControl(ControlSubclass.ANSWER);
    if (this.state === CallState.Accepted) this.transition(CallState.Answered);
  }

  /** DTMF: BEGIN then END, as Asterisk sends them (§2.1). */
  sendDtmf(digit: string, phase: 'begin' | 'end' | 'both' = 'both'): void {
    const code = digit.charCodeAt(0);
    if (phase !== 'end') this.sendFull(FrameType.DTMF_BEGIN, code, Buffer.alloc(0), undefined, { timestamp: this.tx.forSignal() });
    if (phase !== 'begin') this.sendFull(FrameType.DTMF_END, code, Buffer.alloc(0), undefined, { timestamp: this.tx.forSignal() });
  }

  /** Comfort noise at `level` (-dBov), as the other leg sent it. */
  sendCng(level: number, payload: Buffer): void {
    this.sendFull(FrameType.CNG, level, payload, undefined, { timestamp: this.tx.forSignal() });
  }

  /** TEXT carries its trailing NUL on the wire (§2.1). */
  sendText(text: string): void {
    this.sendFull(FrameType.TEXT, 0, Buffer.from(`${text}\0`, 'utf8'), undefined, { timestamp: this.tx.forSignal() });
  }

  /**
   * Voice: a reliable full frame for the first frame and every format change, and whenever
   * the top 16 timestamp bits move (RFC 5456 recommends a full frame at the wrap; Asterisk
   * copes either way); mini frames otherwise (§5.2).
   */
  sendVoice(payload: Buffer, options: { format?: bigint; timestamp?: number } = {}): void {
    this.relayVoice(payload, options.format ?? this.format, options.timestamp);
  }

  /** sendVoice without an options object: the relay calls this for every frame. */
  relayVoice(payload: Buffer, format: bigint, relayedTimestamp: number | undefined): void {
    if (!isStarted(this.state) || this.closed) return;
    if (this.rotateKeys && !this.rotationStarted && this.cipher !== undefined) {
      this.rotationStarted = true;
      this.rotateKey();
    }
    const timestamp = this.tx.forVoice(frameDurationMs(format, payload.length), relayedTimestamp);
    const high = timestamp >>> 16;
    const lastHigh = this.lastSentTs >>> 16;
    const sameHigh = high === lastHigh || (!this.fullVoiceAtWrap && high === lastHigh + 1);
    if (format === this.txVoiceFormat && sameHigh) {
      this.lastSentTs = timestamp;
      if (this.trunk !== undefined && this.cipher === undefined) {
        this.trunk.add(this.localCall, timestamp & 0xffff, payload);
        return;
      }
      if (this.cipher !== undefined) {
        const mini: MiniFrame = { kind: 'mini', sourceCall: this.localCall, timestamp: timestamp & 0xffff, payload };
        this.transmit(encode(mini), this.cipher.transmitKey);
        return;
      }
      this.sendDatagram(writeMini(this.localCall, timestamp & 0xffff, payload));
      return;
    }
    this.txVoiceFormat = format;
    this.sendFull(FrameType.VOICE, Number(format), payload, undefined, { timestamp });
  }

  /**
   * RTKEY: a fresh 16-byte key sent under the old one, then used for all we send (§11.5).
   * Frames already queued keep retransmitting under the key they were first sent with.
   */
  rotateKey(): void {
    if (this.cipher === undefined || this.closed) return;
    const key = randomBytes(16);
    this.sendIax(IaxCommand.RTKEY, [{ id: IeId.CHALLENGE, value: key }]);
    this.cipher.setTransmitKey(key);
    this.clock.clearTimer(this.rotationTimer);
    this.rotationTimer = this.clock.setTimer(RTKEY_BASE_MS + randomInt(RTKEY_SPREAD_MS + 1), () => this.rotateKey());
  }

  /** Sends a PING now (they also go every 21 s); the PONG's RR statistics arrive as `pong`. */
  ping(): void {
    this.sendIax(IaxCommand.PING, []);
  }

  /** Hangs up with a Q.850 cause (16 normal clearing by default). */
  hangup(causeCode = 16, cause?: string): void {
    if (this.closed || this.state === CallState.HangingUp) return;
    if (this.state === CallState.Idle) {
      // Nothing was sent yet (a call still waiting to start): there is no one to tell.
      this.close('hangup-sent');
      return;
    }
    const ies: Ie[] = [];
    if (cause !== undefined) ies.push({ id: IeId.CAUSE, value: cause });
    ies.push({ id: IeId.CAUSECODE, value: causeCode });
    this.sendIax(IaxCommand.HANGUP, ies, { final: true });
    this.enterHangingUp(HANGUP_DESTROY_MS);
  }

  /** Refuses the call: REJECT with CAUSE and CAUSECODE, final (§6.3). */
  reject(cause: string, causeCode: number): void {
    if (this.closed || this.state === CallState.HangingUp) return;
    this.rejectSent = true;
    this.sendIax(IaxCommand.REJECT, [
      { id: IeId.CAUSE, value: cause },
      { id: IeId.CAUSECODE, value: causeCode },
    ], { final: true });
    this.enterHangingUp(undefined);
  }

  /**
   * Ends a dialog with a final frame (REGACK, REGREJ, ...): the dialog closes when the peer
   * acknowledges it, or when delivery gives up (iax2-facts §4.2).
   */
  finish(command: number, ies: Ie[]): void {
    if (this.closed || this.state === CallState.HangingUp) return;
    this.finishing = true;
    this.sendIax(command, ies, { final: true });
    this.enterHangingUp(undefined);
  }

  private enterHangingUp(destroyAfterMs: number | undefined): void {
    this.transition(CallState.HangingUp);
    this.stopPeriodicTimers();
    if (destroyAfterMs !== undefined) {
      this.destroyTimer = this.clock.setTimer(destroyAfterMs, () => this.close(this.rejectSent ? 'reject-sent' : 'hangup-sent'));
    }
  }

  // ---- receiving -----------------------------------------------------------------------

  /** A datagram for this call (full or mini), as received: decrypted here when encrypted. */
  receiveDatagram(datagram: Buffer): void {
    if (this.closed) return;
    let plain = datagram;
    const kind = (datagram[0]! & 0x80) !== 0 ? 'full' : 'mini';
    if (this.cipher !== undefined) {
      const decrypted = this.cipher.decrypt(datagram, kind);
      if (decrypted === undefined) {
        this.logger.debug('frame did not decrypt; dropped', { call: this.localCall });
        return;
      }
      plain = decrypted;
    }
    if (kind === 'mini') {
      // The media path: a mini frame is its 4-byte header and the payload; no frame object.
      if (plain.length >= 4) this.receiveMini(plain.readUInt16BE(2), plain.subarray(4));
      return;
    }
    const frame = decodeDatagram(plain);
    if (frame.kind === 'full') this.receiveFull(frame);
  }

  /** A meta trunk entry for this call (never encrypted, §11.4). */
  receiveTrunkEntry(payload: Buffer, timestamp16: number | undefined, trunkTimestamp: number): void {
    if (this.closed) return;
    if (timestamp16 === undefined || timestamp16 === 0) {
      this.deliverVoice(payload, Math.max(this.rxLast, trunkTimestamp));
      return;
    }
    this.receiveMini(timestamp16, payload);
  }

  private receiveMini(timestamp16: number, payload: Buffer): void {
    if (this.rxVoiceFormat === 0n) {
      // Voice before any full voice frame cannot be decoded: VNAK, drop (§1.3, §4.5).
      this.rr.drop();
      this.sendVnak();
      return;
    }
    const timestamp = rebuildTimestamp(this.rxLast, timestamp16, 16);
    if (timestamp > this.rxLast) this.rxLast = timestamp;
    this.deliverVoice(payload, timestamp);
  }

  private deliverVoice(payload: Buffer, timestamp: number): void {
    if (!isStarted(this.state)) return;
    this.rr.voice(timestamp, this.clock.now(), frameDurationMs(this.rxVoiceFormat, payload.length));
    if (this.voiceSink !== undefined) this.voiceSink(payload, this.rxVoiceFormat, timestamp);
    else this.events.emit('voice', { payload, format: this.rxVoiceFormat, timestamp });
  }

  receiveFull(frame: FullFrame): void {
    if (this.closed) return;
    const isIax = frame.frameType === FrameType.IAX;
    const command = isIax ? frame.subclass : -1;

    // Stateless replies from call number 1 open no dialog and take no sequence numbers (§7.2).
    if (frame.sourceCall === 1 && isIax && (command === IaxCommand.CALLTOKEN || command === IaxCommand.REJECT || command === IaxCommand.REGREJ)) {
      this.setup?.handle(frame);
      return;
    }
    if (this.remoteCall === 0 && frame.sourceCall !== 0) {
      this.remoteCall = frame.sourceCall;
      this.startPeriodicTimers();
    }
    if (isIax) {
      this.heardIax = true;
      this.clock.clearTimer(this.autokillTimer);
      this.autokillTimer = undefined;
    }
    // Implicit acknowledgement by every full frame but INVAL (§4.2).
    if (command !== IaxCommand.INVAL) this.reliable.acknowledge(frame.iseqno);
    if (this.closed) return;

    const unsequenced =
      command === IaxCommand.ACK || command === IaxCommand.INVAL || command === IaxCommand.VNAK ||
      command === IaxCommand.TXCNT || command === IaxCommand.TXACC;
    if (frame.oseqno !== this.iseqno) {
      const alwaysProcessed = unsequenced || command === IaxCommand.TXREADY || command === IaxCommand.TXREL || command === IaxCommand.UNQUELCH;
      if (!alwaysProcessed) {
        if (((this.iseqno - frame.oseqno) & 0xff) < 128) {
          // An old duplicate: re-ACK it (not ACKs or INVALs), then drop it.
          if (command !== IaxCommand.ACK && command !== IaxCommand.INVAL) this.sendAck(frame);
        } else {
          this.sendVnak(); // a gap: ask for what is missing (§4.2)
        }
        return;
      }
    } else if (!unsequenced) {
      this.iseqno = (this.iseqno + 1) & 0xff;
    }

    if (!updatesRxClock(frame)) {
      // ACK, PONG and LAGRP carry our own clock echoed back.
    } else if (frame.timestamp > this.rxLast) {
      this.rxLast = frame.timestamp;
    }

    dispatchFrame(this.dispatchHooks, frame, command);
    // ACK only when nothing we sent while handling it already carried the new ISeqno (§4.3).
    if (!unsequenced && !this.closed && this.lastSentIseqno !== this.iseqno) this.sendAck(frame);
  }

  /** The receive statistics we would report in a PONG now. */
  receiveStats(): RrReport {
    return this.rr.report();
  }

  // ---- timers and teardown -------------------------------------------------------------

  /**
   * PING every 21 s and LAGRQ every 10 s on every call whose peer call number is known, from
   * setup on (§10.2). Besides statistics this is what finds a peer that went away mid-setup:
   * the PING goes unanswered and delivery gives up.
   */
  private startPeriodicTimers(): void {
    if (!this.keepaliveEnabled || this.remoteCall === 0 || this.closed || this.state === CallState.HangingUp) return;
    this.keepalive.start();
  }

  /** Called by setup once ACCEPT is sent or received. */
  started(format: bigint): void {
    this.format = format;
    this.transition(CallState.Accepted);
    this.startPeriodicTimers();
  }

  private stopPeriodicTimers(): void {
    this.keepalive.stop();
  }

  private finalReason(): CloseReason {
    return this.finishing ? 'done' : this.rejectSent ? 'reject-sent' : 'hangup-sent';
  }

  private onGiveUp(frame: QueuedFrame): void {
    if (frame.final || this.state === CallState.HangingUp) {
      this.close(this.finalReason());
      return;
    }
    // Delivery failed: the call is dead, cause 27, and no HANGUP is sent (§4.4).
    this.events.emit('hangup', { causeCode: CAUSE_DESTINATION_OUT_OF_ORDER, cause: 'delivery gave up' });
    this.close('gave-up');
  }

  private onAutokill(): void {
    this.autokillTimer = undefined;
    if (this.heardIax || this.closed) return;
    // Nothing came back: congest locally, tell the far side (cause 0), as Asterisk does (§13.2).
    this.events.emit('hangup', { causeCode: 34, cause: 'autokill' });
    this.sendIax(IaxCommand.HANGUP, [{ id: IeId.CAUSECODE, value: 0 }], { final: true });
    this.close('autokill');
  }

  /** Resets sequencing for a resend after CALLTOKEN (§7.2): both counters to 0, queue dropped. */
  resetForTokenRetry(): void {
    this.reliable.clear();
    this.oseqno = 0;
    this.iseqno = 0;
    this.lastSentIseqno = 0;
    this.remoteCall = 0;
  }

  /** Idempotent: stops every timer, drops the queue, emits `closed` once. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.state = CallState.Closed;
    this.stopPeriodicTimers();
    this.clock.clearTimer(this.autokillTimer);
    this.clock.clearTimer(this.destroyTimer);
    this.clock.clearTimer(this.rotationTimer);
    this.reliable.clear();
    this.events.emit('closed', { reason });
    this.events.removeAll();
  }
}
