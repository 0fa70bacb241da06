/**
 * One call leg: reliable delivery, sequence numbers, timestamps, the state machine, media and
 * call control, PING/LAGRQ and teardown, behaving on the wire as Asterisk's chan_iax2 does
 * (protocol.md §4-§6, §10.2). The call owns its state: a dialog (the setup handler a call is
 * built with) moves it only through the named operations below (sendRequest, sendChallenge,
 * authenticated, started, ...), each an edge of the state table in call-state.ts. What
 * arrives (decryption, ISeqno, the peer's clock, received voice) is call-receiver.ts's, which
 * reaches the call only through the hooks table at the end of the receiving section.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import { Cause, encode, FrameType, IaxCommand, IeId, type FullFrame, type Ie } from '../codec/index.ts';
import { ControlSubclass } from '../codec/control-subclasses.ts';
import type { TrunkSink } from '../trunk/trunk-batcher.ts';
import type { RemoteAddress } from '../transport.ts';
import { TypedEvents } from '../typed-events.ts';
import { CallReceiver, type ReceiveHooks, type VoiceSink } from './call-receiver.ts';
import { CallState, CallStateError, canTransition, isStarted } from './call-state.ts';
import type { CallCipher, CallEvents, CallSetupHandler, CloseReason } from './call-types.ts';
import { Keepalive } from './keepalive.ts';
import { frameDurationMs } from './media-timing.ts';
import { replaceMiniScratch, writeMini } from './mini-writer.ts';
import { ReliableSender, type QueuedFrame } from './reliable-sender.ts';
import type { RrReport } from './rr-stats.ts';
import { TxTimestamps } from './timestamps.ts';
import { KeyRotation } from './key-rotation.ts';

export { LAGRQ_INTERVAL_MS, PING_INTERVAL_MS } from './keepalive.ts';
export type { CallCipher, CallEvents, CallSetupHandler, CloseReason } from './call-types.ts';
/** A sent HANGUP is given this long to be acknowledged (protocol.md §4.6). */
export const HANGUP_DESTROY_MS = 10_000;
export { RTKEY_BASE_MS, RTKEY_SPREAD_MS } from './key-rotation.ts';

export interface CallInit {
  localCall: number;
  remoteCall?: number;
  remote: RemoteAddress;
  direction: 'inbound' | 'outbound';
  clock: Clock;
  logger: Logger;
  /** True: the transport kept `datagram` (transport.ts), so a reused buffer must be replaced. */
  send: (datagram: Buffer) => boolean | void;
  /** The dialog that sets the call up (or the registration/qualify exchange it is). */
  setup: (call: Call) => CallSetupHandler;
  /** Outbound `autokill`: congest locally when no IAX frame comes back within 2 x this. */
  autokillMs?: number;
  /**
   * Inbound: close the dialog, silently, if the caller has not authenticated this long after
   * it opened (a registration dialog never does, and is done long before). A token proves an
   * address, not a caller: a NEW whose AUTHREQ is ACKed and never answered must not hold a
   * call number for ever.
   */
  setupDeadlineMs?: number;
  /** PING/LAGRQ while the call lasts; off for registration and qualify dialogs. */
  keepalive?: boolean;
  /** The first pingtime (sets the first retransmission gap); 1000 ms unless said (protocol.md §4.4). */
  pingtimeMs?: number;
  /**
   * Send a full voice frame when the 16-bit mini timestamp wraps (RFC 5456's advice; the
   * default). False sends mini frames straight across the wrap, as Asterisk does (protocol.md §5.2).
   */
  fullVoiceAtWrap?: boolean;
}

const EMPTY = Buffer.alloc(0);

export class Call {
  readonly localCall: number;
  readonly remote: RemoteAddress;
  readonly direction: 'inbound' | 'outbound';
  readonly events: TypedEvents<CallEvents>;

  private currentState: CallState = CallState.Idle;
  private peerCall: number;
  private negotiatedFormat = 0n;
  private readonly setup: CallSetupHandler;
  private cipher: CallCipher | undefined;
  private trunk: TrunkSink | undefined;
  private readonly fullVoiceAtWrap: boolean;

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly sendDatagram: (datagram: Buffer) => boolean | void;
  private readonly reliable: ReliableSender;
  private readonly tx: TxTimestamps;
  /** What arrives: ISeqno, the peer's clock, received voice and its statistics. */
  private readonly receiver: CallReceiver<Call>;
  private oseqno = 0;
  private lastSentTs = 0;
  private txVoiceFormat = 0n;
  private readonly keepalive: Keepalive;
  private readonly keepaliveEnabled: boolean;
  private autokillTimer: TimerHandle | undefined;
  private setupTimer: TimerHandle | undefined;
  private everAuthenticated = false;
  private destroyTimer: TimerHandle | undefined;
  /** Made when the call is encrypted: a plain leg carries no RTKEY schedule. */
  private keyRotation: KeyRotation | undefined;
  /** Asterisk holds non-IAX frames until the peer has sent an IAX frame (protocol.md §6.2). */
  private heardIax = false;
  private rejectSent = false;
  private finishing = false;

  constructor(init: CallInit) {
    this.localCall = init.localCall;
    this.peerCall = init.remoteCall ?? 0;
    this.remote = init.remote;
    this.direction = init.direction;
    this.clock = init.clock;
    this.logger = init.logger;
    this.sendDatagram = init.send;
    this.fullVoiceAtWrap = init.fullVoiceAtWrap ?? true;
    this.events = new TypedEvents<CallEvents>((event, error) =>
      this.logger.error('call event listener threw', { event, error, call: this.localCall }),
    );
    this.tx = new TxTimestamps(init.clock);
    this.receiver = new CallReceiver<Call>(this, Call.hooks, init.clock);
    this.keepalive = new Keepalive(init.clock, {
      ping: () => this.sendIax(IaxCommand.PING, []),
      lagrq: () => this.sendIax(IaxCommand.LAGRQ, []),
    });
    let pingtimeMs = init.pingtimeMs;
    if (init.direction === 'outbound' && init.autokillMs !== undefined && init.autokillMs > 0) {
      pingtimeMs = init.autokillMs / 2;
      this.autokillTimer = this.clock.setTimer(2 * init.autokillMs, () => this.onAutokill());
    }
    if (init.direction === 'inbound' && init.setupDeadlineMs !== undefined && init.setupDeadlineMs > 0) {
      this.setupTimer = this.clock.setTimer(init.setupDeadlineMs, () => this.onSetupDeadline());
    }
    this.reliable = new ReliableSender(init.clock, {
      transmit: (plain, key) => this.transmit(plain, key),
      currentIseqno: () => this.receiver.iseqno,
      gaveUp: (frame) => this.onGiveUp(frame),
      finalAcked: () => this.close(this.finalReason()),
    }, pingtimeMs);
    this.keepaliveEnabled = init.keepalive ?? true;
    this.setup = init.setup(this);
  }

  get state(): CallState {
    return this.currentState;
  }

  get closed(): boolean {
    return this.currentState === CallState.Closed;
  }

  /** The peer's call number for this call (0 until it is known). */
  get remoteCall(): number {
    return this.peerCall;
  }

  /** The negotiated voice format (0 until ACCEPT). */
  get format(): bigint {
    return this.negotiatedFormat;
  }

  get encrypted(): boolean {
    return this.cipher !== undefined;
  }

  /** Whether we rotate our transmit key with RTKEY (the peer offered rotation, protocol.md §11.1). */
  get rotatesKeys(): boolean {
    return this.keyRotation?.enabled ?? false;
  }

  /** RTKEYs we have sent so far. */
  get keyRotations(): number {
    return this.keyRotation?.count ?? 0;
  }

  get pingtimeMs(): number {
    return this.reliable.pingtimeMs;
  }

  /** ms on this leg's transmit clock: what a relay adds to a source's voice stamps to rebase them. */
  get txElapsedMs(): number {
    return this.tx.elapsed();
  }

  get retransmissions(): number {
    return this.reliable.retransmissions;
  }

  /** Our OSeqno and ISeqno now (`iax2 show channels`' Seq (Tx/Rx)). */
  get sequenceNumbers(): { tx: number; rx: number } {
    return { tx: this.oseqno, rx: this.receiver.iseqno };
  }

  get unacknowledged(): number {
    return this.reliable.pending;
  }

  /** The one guarded way the state moves: an edge the table does not list throws. */
  private transition(to: CallState): void {
    if (this.currentState === to) return;
    if (!canTransition(this.currentState, to)) throw new CallStateError(this.currentState, to);
    this.currentState = to;
  }

  // ---- the dialog's moves ---------------------------------------------------------------

  /** Caller: NEW, REGREQ or REGREL, first sent or sent again after the token round trip. Returns its timestamp. */
  sendRequest(command: number, ies: Ie[]): number {
    this.transition(CallState.NewSent);
    return this.sendIax(command, ies);
  }

  /** Caller: the answer to the callee's challenge (AUTHREP, or REGREQ carrying it). Returns its timestamp. */
  sendAnswer(command: number, ies: Ie[]): number {
    this.transition(CallState.AuthRepSent);
    return this.sendIax(command, ies);
  }

  /** Callee: the request that opened this call arrived and is being looked at. */
  requestReceived(): void {
    this.transition(CallState.NewReceived);
  }

  /** Callee: AUTHREQ or REGAUTH. */
  sendChallenge(command: number, ies: Ie[]): void {
    this.transition(CallState.AuthReqSent);
    this.sendIax(command, ies);
  }

  /** Callee: the caller proved who it is (or needed not to). */
  authenticated(): void {
    this.transition(CallState.Authenticated);
    this.everAuthenticated = true;
  }

  /** ACCEPT sent or received with this format: the call is "started" (protocol.md §6.2). */
  started(format: bigint): void {
    this.negotiatedFormat = format;
    this.transition(CallState.Accepted);
    this.startPeriodicTimers();
  }

  /**
   * AES-128 from now on (protocol.md §11.1): what we send goes out under `cipher`, what arrives is
   * decrypted by it. With `rotateKeys` we rotate our key with RTKEY from the first voice on.
   */
  encryptWith(cipher: CallCipher, options: { rotateKeys?: boolean } = {}): void {
    this.cipher = cipher;
    this.receiver.decryptWith(cipher);
    this.keyRotation?.stop();
    this.keyRotation = new KeyRotation(this.clock, () => this.sendNewKey(), options.rotateKeys === true);
  }

  /** Resets sequencing for a resend after CALLTOKEN (protocol.md §7.2): both counters to 0, queue dropped. */
  resetForTokenRetry(): void {
    this.reliable.clear();
    this.oseqno = 0;
    this.receiver.resetSequence();
    this.peerCall = 0;
  }

  // ---- the call's user's moves ----------------------------------------------------------

  /**
   * trunk=yes: this call's voice goes into the peer's meta trunk frames instead of its own
   * mini frames. Encrypted calls are never trunked (a trunk frame cannot be encrypted).
   */
  useTrunk(sink: TrunkSink): void {
    this.trunk = sink;
  }

  /**
   * The relay's fast path: received voice goes straight to `sink` instead of a `voice` event
   * (no event object per frame). A relay sets it; everyone else listens to `voice`.
   */
  setVoiceSink(sink: VoiceSink): void {
    this.receiver.setVoiceSink(sink);
  }

  /** Sends an IAX command (reliable: every IAX command is, but ACK and VNAK, which are sent apart). Returns its timestamp. */
  sendIax(command: number, ies: Ie[], options: { final?: boolean; timestamp?: number } = {}): number {
    const timestamp = options.timestamp ?? this.tx.forIax();
    this.sendFull(FrameType.IAX, command, undefined, ies, options.final === true, timestamp);
    return timestamp;
  }

  sendControl(subclass: number, payload?: Buffer): void {
    this.sendFull(FrameType.CONTROL, subclass, payload ?? EMPTY, undefined, false, this.tx.forSignal());
  }

  ringing(): void {
    this.sendControl(ControlSubclass.RINGING);
  }

  progress(): void {
    this.sendControl(ControlSubclass.PROGRESS);
  }

  answer(): void {
    this.sendControl(ControlSubclass.ANSWER);
    if (this.currentState === CallState.Accepted) this.transition(CallState.Answered);
  }

  /** DTMF: BEGIN then END, as Asterisk sends them (protocol.md §2.1). */
  sendDtmf(digit: string, phase: 'begin' | 'end' | 'both' = 'both'): void {
    const code = digit.charCodeAt(0);
    if (phase !== 'end') this.sendFull(FrameType.DTMF_BEGIN, code, EMPTY, undefined, false, this.tx.forSignal());
    if (phase !== 'begin') this.sendFull(FrameType.DTMF_END, code, EMPTY, undefined, false, this.tx.forSignal());
  }

  /** Comfort noise at `level` (-dBov), as the other leg sent it. */
  sendCng(level: number, payload: Buffer): void {
    this.sendFull(FrameType.CNG, level, payload, undefined, false, this.tx.forSignal());
  }

  /** TEXT carries its trailing NUL on the wire (protocol.md §2.1). */
  sendText(text: string): void {
    this.sendFull(FrameType.TEXT, 0, Buffer.from(`${text}\0`, 'utf8'), undefined, false, this.tx.forSignal());
  }

  sendVoice(payload: Buffer, options: { format?: bigint; timestamp?: number } = {}): void {
    this.relayVoice(payload, options.format ?? this.negotiatedFormat, options.timestamp);
  }

  /**
   * Voice without an options object (the relay calls this for every frame): a reliable full
   * frame for the first frame and every format change, and whenever the top 16 timestamp bits
   * move (unless `fullVoiceAtWrap` is off); mini frames, or trunk entries, otherwise (protocol.md §5.2).
   */
  relayVoice(payload: Buffer, format: bigint, relayedTimestamp: number | undefined): void {
    if (!isStarted(this.currentState)) return;
    if (this.cipher !== undefined) this.keyRotation?.voiceSending();
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
    if (this.cipher !== undefined) {
      this.transmit(writeMini(this.localCall, timestamp & 0xffff, payload), this.cipher.transmitKey);
    } else if (this.trunk !== undefined) {
      this.trunk.add(this.localCall, timestamp & 0xffff, payload);
    } else if (this.sendDatagram(writeMini(this.localCall, timestamp & 0xffff, payload)) === true) {
      replaceMiniScratch();
    }
  }

  /**
   * RTKEY: a fresh 16-byte key sent under the old one, then used for all we send (protocol.md §11.5).
   * Frames already queued keep retransmitting under the key they were first sent with.
   */
  rotateKey(): void {
    this.keyRotation?.now();
  }

  /** One rotation: the new key goes under the old one, then everything new uses it. */
  private sendNewKey(): boolean {
    if (this.cipher === undefined || this.closed) return false;
    const key = randomBytes(16);
    this.sendIax(IaxCommand.RTKEY, [{ id: IeId.CHALLENGE, value: key }]);
    this.cipher.setTransmitKey(key);
    return true;
  }

  /** Sends a PING now (they also go every 21 s); the PONG's RR statistics arrive as `pong`. */
  ping(): void {
    this.sendIax(IaxCommand.PING, []);
  }

  /** Hangs up with a Q.850 cause (16 normal clearing by default). */
  hangup(causeCode: number = Cause.NORMAL_CLEARING, cause?: string): void {
    if (this.closed || this.currentState === CallState.HangingUp) return;
    if (this.currentState === CallState.Idle) {
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

  /**
   * Sends every unacknowledged frame again now (a HANGUP waiting for its ACK, say), rather than
   * when the retransmission schedule says: a stopping worker has a second or two, not 2 s per try.
   */
  retransmitNow(): void {
    if (!this.closed) this.reliable.retransmitNow();
  }

  /** Refuses the call: REJECT with CAUSE and CAUSECODE, final (protocol.md §6.3). */
  reject(cause: string, causeCode: number): void {
    if (this.closed || this.currentState === CallState.HangingUp) return;
    this.rejectSent = true;
    this.sendIax(IaxCommand.REJECT, [
      { id: IeId.CAUSE, value: cause },
      { id: IeId.CAUSECODE, value: causeCode },
    ], { final: true });
    this.enterHangingUp(undefined);
  }

  /**
   * Ends a dialog with a final frame (REGACK, REGREJ, ...): the dialog closes when the peer
   * acknowledges it, or when delivery gives up (protocol.md §4.2).
   */
  finish(command: number, ies: Ie[]): void {
    if (this.closed || this.currentState === CallState.HangingUp) return;
    this.finishing = true;
    this.sendIax(command, ies, { final: true });
    this.enterHangingUp(undefined);
  }

  /** Acknowledges `frame` now and ends the dialog: how REGACK and REGREJ are received (protocol.md §4.3). */
  acknowledgeAndClose(frame: FullFrame, reason: CloseReason): void {
    this.sendAck(frame);
    this.close(reason);
  }

  /** The receive statistics we would report in a PONG now. */
  receiveStats(): RrReport {
    return this.receiver.stats();
  }

  // ---- sending -------------------------------------------------------------------------

  private sendFull(frameType: number, subclass: number, payload: Buffer | undefined, ies: Ie[] | undefined, final: boolean, timestamp: number): void {
    if (this.closed) return;
    const oseqno = this.oseqno;
    const frame = this.frame(frameType, subclass, timestamp, oseqno, ies, payload);
    this.oseqno = (oseqno + 1) & 0xff;
    this.lastSentTs = timestamp;
    this.reliable.send(oseqno, encode(frame), final, this.cipher?.transmitKey);
    this.startPeriodicTimers();
  }

  /** A full frame of this call, carrying our current ISeqno: it acknowledges all that arrived (protocol.md §4.3). */
  private frame(frameType: number, subclass: number, timestamp: number, oseqno: number, ies: Ie[] | undefined, payload: Buffer | undefined): FullFrame {
    return { kind: 'full', sourceCall: this.localCall, destCall: this.peerCall, retransmitted: false, timestamp, oseqno, iseqno: this.receiver.carryIseqno(), frameType, subclass, ies, payload };
  }

  /** ACK: echoes the acknowledged frame's timestamp, takes no sequence number (protocol.md §4.3). */
  private sendAck(acked: FullFrame): void {
    this.sendUnsequenced(IaxCommand.ACK, acked.timestamp, acked.iseqno);
  }

  /** VNAK: "resend from my ISeqno", unreliable, OSeqno and ISeqno both ours (protocol.md §4.5). */
  private sendVnak(): void {
    this.sendUnsequenced(IaxCommand.VNAK, this.tx.forIax(), this.receiver.iseqno);
  }

  private sendUnsequenced(command: number, timestamp: number, oseqno: number): void {
    if (this.closed) return;
    this.transmit(encode(this.frame(FrameType.IAX, command, timestamp, oseqno, [], undefined)), this.cipher?.transmitKey);
  }

  private transmit(plain: Buffer, key: Buffer | undefined): void {
    if (this.cipher === undefined) {
      this.sendDatagram(plain);
      return;
    }
    this.sendDatagram(this.cipher.encrypt(plain, (plain[0]! & 0x80) !== 0 ? 'full' : 'mini', key));
  }

  private enterHangingUp(destroyAfterMs: number | undefined): void {
    this.transition(CallState.HangingUp);
    this.keepalive.stop();
    if (destroyAfterMs !== undefined) {
      this.destroyTimer = this.clock.setTimer(destroyAfterMs, () => this.close(this.rejectSent ? 'reject-sent' : 'hangup-sent'));
    }
  }

  // ---- receiving (call-receiver.ts) ---------------------------------------------------

  /** A datagram for this call (full or mini), as received: decrypted first when encrypted. */
  receiveDatagram(datagram: Buffer): void {
    if (!this.closed) this.receiver.receiveDatagram(datagram);
  }

  /** A meta trunk entry for this call (never encrypted, protocol.md §11.4). */
  receiveTrunkEntry(payload: Buffer, timestamp16: number | undefined, trunkTimestamp: number): void {
    if (!this.closed) this.receiver.receiveTrunkEntry(payload, timestamp16, trunkTimestamp);
  }

  receiveFull(frame: FullFrame): void {
    if (!this.closed) this.receiver.receiveFull(frame);
  }

  /** What any full frame of the call tells the sending side, whatever its sequence number. */
  private arrived(frame: FullFrame): void {
    if (this.peerCall === 0 && frame.sourceCall !== 0) {
      this.peerCall = frame.sourceCall;
      this.startPeriodicTimers();
    }
    const isIax = frame.frameType === FrameType.IAX;
    if (isIax) {
      this.heardIax = true;
      this.clock.clearTimer(this.autokillTimer);
      this.autokillTimer = undefined;
    }
    // Implicit acknowledgement by every full frame but INVAL (protocol.md §4.2).
    if (!isIax || frame.subclass !== IaxCommand.INVAL) this.reliable.acknowledge(frame.iseqno);
  }

  /**
   * What receiving and frame dispatch may do to a call: its private moves, one set of functions
   * for every call.
   */
  private static readonly hooks: ReceiveHooks<Call> = {
    state: (call) => call.currentState,
    events: (call) => call.events,
    offerToSetup: (call, frame) => call.setup.handle(frame),
    remoteAnswered: (call) => {
      if (call.currentState === CallState.Accepted) call.transition(CallState.Answered);
    },
    receiveKey: (call, key) => call.cipher?.setReceiveKey(key),
    close: (call, reason) => call.close(reason),
    sendIax: (call, command, ies, options) => call.sendIax(command, ies, options),
    sendAck: (call, frame) => call.sendAck(frame),
    sendVnak: (call) => call.sendVnak(),
    receiveStats: (call) => call.receiver.stats(),
    measuredRtt: (call, rttMs) => call.reliable.setPingtime(rttMs),
    voiceFrame: (call, format, payload, timestamp) => call.receiver.fullVoice(format, payload, timestamp),
    iaxTimestamp: (call) => call.tx.forIax(),
    resendFrom: (call, iseqno) => call.reliable.resendFrom(iseqno),
    arrived: (call, frame) => call.arrived(frame),
    undecryptable: (call) => call.logger.debug('frame did not decrypt; dropped', { call: call.localCall }),
  };

  // ---- timers and teardown -------------------------------------------------------------

  /**
   * PING every 21 s and LAGRQ every 10 s on every call whose peer call number is known, from
   * setup on (protocol.md §10.2). Besides statistics this is what finds a peer that went away mid-setup:
   * the PING goes unanswered and delivery gives up.
   */
  private startPeriodicTimers(): void {
    if (!this.keepaliveEnabled || this.peerCall === 0 || this.closed || this.currentState === CallState.HangingUp) return;
    this.keepalive.start();
  }

  private finalReason(): CloseReason {
    return this.finishing ? 'done' : this.rejectSent ? 'reject-sent' : 'hangup-sent';
  }

  private onGiveUp(frame: QueuedFrame): void {
    if (frame.final || this.currentState === CallState.HangingUp) {
      this.close(this.finalReason());
      return;
    }
    // Delivery failed: the call is dead, cause 27, and no HANGUP is sent (protocol.md §4.4).
    this.events.emit('hangup', { causeCode: Cause.DESTINATION_OUT_OF_ORDER, cause: 'delivery gave up' });
    this.close('gave-up');
  }

  private onAutokill(): void {
    this.autokillTimer = undefined;
    if (this.heardIax || this.closed) return;
    // Nothing came back: congest locally, tell the far side (cause 0), as Asterisk does (protocol.md §13.2).
    this.events.emit('hangup', { causeCode: Cause.NO_CIRCUIT_AVAILABLE, cause: 'autokill' });
    this.sendIax(IaxCommand.HANGUP, [{ id: IeId.CAUSECODE, value: 0 }], { final: true });
    this.close('autokill');
  }

  private onSetupDeadline(): void {
    this.setupTimer = undefined;
    // Never authenticated (still waiting, or refused and waiting on the REJECT's ACK): done.
    if (!this.closed && !this.everAuthenticated) this.close('setup-timeout');
  }

  /** Idempotent: stops every timer, drops the queue, emits `closed` once. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.transition(CallState.Closed);
    this.keepalive.stop();
    this.clock.clearTimer(this.autokillTimer);
    this.clock.clearTimer(this.setupTimer);
    this.clock.clearTimer(this.destroyTimer);
    this.keyRotation?.stop();
    this.reliable.clear();
    this.events.emit('closed', { reason });
    this.events.removeAll();
  }
}
