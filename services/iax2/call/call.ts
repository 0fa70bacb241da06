/**
 * One call leg: the state machine, media and call control, PING/LAGRQ and teardown, behaving
 * on the wire as Asterisk's chan_iax2 does (protocol.md §4-§6, §10.2). The call owns its state:
 * a dialog (the setup handler a call is built with) moves it only through the named operations
 * below (sendRequest, sendChallenge, authenticated, started, ...), each an edge of the state
 * table in call-state.ts. What arrives (decryption, ISeqno, the peer's clock, received voice)
 * is call-receiver.ts's; what goes out (OSeqno, our clock, reliable delivery, encryption, mini
 * frames and trunk entries, RTKEY) is call-sender.ts's. Each half reaches the call only
 * through its hooks table, at the end of its section below.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import { Cause, FrameType, IaxCommand, IeId, type FullFrame, type Ie } from '../codec/index.ts';
import { ControlSubclass } from '../codec/control-subclasses.ts';
import type { TrunkSink } from '../trunk/trunk-batcher.ts';
import type { RemoteAddress } from '../transport.ts';
import { TypedEvents } from '../typed-events.ts';
import { CallReceiver, type ReceiveHooks, type VoiceSink } from './call-receiver.ts';
import { CallSender, type CallSenderOptions, type SendHooks } from './call-sender.ts';
import { CallState, CallStateError, canTransition, isStarted } from './call-state.ts';
import type { CallCipher, CallEvents, CallSetupHandler, CloseReason } from './call-types.ts';
import type { RrReport } from './rr-stats.ts';

export { LAGRQ_INTERVAL_MS, PING_INTERVAL_MS } from './keepalive.ts';
export type { CallCipher, CallEvents, CallSetupHandler, CloseReason } from './call-types.ts';
/** A sent HANGUP is given this long to be acknowledged (protocol.md §4.6). */
export const HANGUP_DESTROY_MS = 10_000;
export { RTKEY_BASE_MS, RTKEY_SPREAD_MS } from './key-rotation.ts';

/** How a call leg is built; what only the send side uses is CallSenderOptions (call-sender.ts). */
export interface CallInit extends CallSenderOptions {
  remoteCall?: number;
  remote: RemoteAddress;
  direction: 'inbound' | 'outbound';
  logger: Logger;
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
  /** The first pingtime (sets the first retransmission gap); 1000 ms unless said (protocol.md §4.4). */
  pingtimeMs?: number;
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

  private readonly clock: Clock;
  private readonly logger: Logger;
  /** What goes out: OSeqno, our clock, reliable delivery, encryption, voice, RTKEY. */
  private readonly sender: CallSender<Call>;
  /** What arrives: ISeqno, the peer's clock, received voice and its statistics. */
  private readonly receiver: CallReceiver<Call>;
  private autokillTimer: TimerHandle | undefined;
  private setupTimer: TimerHandle | undefined;
  private everAuthenticated = false;
  private destroyTimer: TimerHandle | undefined;
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
    this.events = new TypedEvents<CallEvents>((event, error) =>
      this.logger.error('call event listener threw', { event, error, call: this.localCall }),
    );
    this.receiver = new CallReceiver<Call>(this, Call.receiveHooks, init.clock);
    let pingtimeMs = init.pingtimeMs;
    if (init.direction === 'outbound' && init.autokillMs !== undefined && init.autokillMs > 0) {
      pingtimeMs = init.autokillMs / 2;
      this.autokillTimer = this.clock.setTimer(2 * init.autokillMs, () => this.onAutokill());
    }
    if (init.direction === 'inbound' && init.setupDeadlineMs !== undefined && init.setupDeadlineMs > 0) {
      this.setupTimer = this.clock.setTimer(init.setupDeadlineMs, () => this.onSetupDeadline());
    }
    this.sender = new CallSender<Call>(this, Call.sendHooks, init, pingtimeMs);
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
    return this.sender.cipher !== undefined;
  }

  /** Whether we rotate our transmit key with RTKEY (the peer offered rotation, protocol.md §11.1). */
  get rotatesKeys(): boolean {
    return this.sender.rotatesKeys;
  }

  /** RTKEYs we have sent so far. */
  get keyRotations(): number {
    return this.sender.keyRotations;
  }

  get pingtimeMs(): number {
    return this.sender.pingtimeMs;
  }

  /** ms on this leg's transmit clock: what a relay adds to a source's voice stamps to rebase them. */
  get txElapsedMs(): number {
    return this.sender.txElapsedMs;
  }

  get retransmissions(): number {
    return this.sender.retransmissions;
  }

  /** Our OSeqno and ISeqno now (`iax2 show channels`' Seq (Tx/Rx)). */
  get sequenceNumbers(): { tx: number; rx: number } {
    return { tx: this.sender.nextOseqno, rx: this.receiver.iseqno };
  }

  get unacknowledged(): number {
    return this.sender.unacknowledged;
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
    this.sender.encryptWith(cipher, options.rotateKeys === true);
    this.receiver.decryptWith(cipher);
  }

  /** Resets sequencing for a resend after CALLTOKEN (protocol.md §7.2): both counters to 0, queue dropped. */
  resetForTokenRetry(): void {
    this.sender.restartSequence();
    this.receiver.resetSequence();
    this.peerCall = 0;
  }

  // ---- the call's user's moves ----------------------------------------------------------

  /**
   * trunk=yes: this call's voice goes into the peer's meta trunk frames instead of its own
   * mini frames. Encrypted calls are never trunked (a trunk frame cannot be encrypted).
   */
  useTrunk(sink: TrunkSink): void {
    this.sender.useTrunk(sink);
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
    return this.sender.sendIax(command, ies, options.final === true, options.timestamp);
  }

  sendControl(subclass: number, payload?: Buffer): void {
    this.sender.sendSignal(FrameType.CONTROL, subclass, payload ?? EMPTY);
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
    if (phase !== 'end') this.sender.sendSignal(FrameType.DTMF_BEGIN, code, EMPTY);
    if (phase !== 'begin') this.sender.sendSignal(FrameType.DTMF_END, code, EMPTY);
  }

  /** Comfort noise at `level` (-dBov), as the other leg sent it. */
  sendCng(level: number, payload: Buffer): void {
    this.sender.sendSignal(FrameType.CNG, level, payload);
  }

  /** TEXT carries its trailing NUL on the wire (protocol.md §2.1). */
  sendText(text: string): void {
    this.sender.sendSignal(FrameType.TEXT, 0, Buffer.from(`${text}\0`, 'utf8'));
  }

  sendVoice(payload: Buffer, options: { format?: bigint; timestamp?: number } = {}): void {
    this.relayVoice(payload, options.format ?? this.negotiatedFormat, options.timestamp);
  }

  /**
   * Voice without an options object: the relay calls this for every frame, so it costs one
   * method call on top of the state check (call-sender.ts voice(), protocol.md §5.2).
   */
  relayVoice(payload: Buffer, format: bigint, relayedTimestamp: number | undefined): void {
    if (isStarted(this.currentState)) this.sender.voice(payload, format, relayedTimestamp);
  }

  /** RTKEY now (encrypted calls only): our new key goes under the old one (protocol.md §11.5). */
  rotateKey(): void {
    this.sender.rotateKey();
  }

  /** Sends a PING now (they also go every 21 s); the PONG's RR statistics arrive as `pong`. */
  ping(): void {
    this.sender.ping();
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
    if (!this.closed) this.sender.retransmitNow();
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
    this.sender.sendAck(frame);
    this.close(reason);
  }

  /** The receive statistics we would report in a PONG now. */
  receiveStats(): RrReport {
    return this.receiver.stats();
  }

  private enterHangingUp(destroyAfterMs: number | undefined): void {
    this.transition(CallState.HangingUp);
    this.sender.stopKeepalive();
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
    if (!isIax || frame.subclass !== IaxCommand.INVAL) this.sender.acknowledge(frame.iseqno);
  }

  /**
   * What receiving and frame dispatch may do to a call: its private moves, one set of functions
   * for every call.
   */
  private static readonly receiveHooks: ReceiveHooks<Call> = {
    state: (call) => call.currentState,
    events: (call) => call.events,
    offerToSetup: (call, frame) => call.setup.handle(frame),
    remoteAnswered: (call) => {
      if (call.currentState === CallState.Accepted) call.transition(CallState.Answered);
    },
    receiveKey: (call, key) => call.sender.cipher?.setReceiveKey(key),
    close: (call, reason) => call.close(reason),
    sendIax: (call, command, ies, options) => call.sendIax(command, ies, options),
    sendAck: (call, frame) => call.sender.sendAck(frame),
    sendVnak: (call) => call.sender.sendVnak(),
    receiveStats: (call) => call.receiver.stats(),
    measuredRtt: (call, rttMs) => call.sender.setPingtime(rttMs),
    voiceFrame: (call, format, payload, timestamp) => call.receiver.fullVoice(format, payload, timestamp),
    iaxTimestamp: (call) => call.sender.iaxTimestamp(),
    resendFrom: (call, iseqno) => call.sender.resendFrom(iseqno),
    arrived: (call, frame) => call.arrived(frame),
    undecryptable: (call) => call.logger.debug('frame did not decrypt; dropped', { call: call.localCall }),
  };

  // ---- sending (call-sender.ts) -------------------------------------------------------

  /** What the send path may ask of a call: one set of functions for every call. */
  private static readonly sendHooks: SendHooks<Call> = {
    closed: (call) => call.closed,
    remoteCall: (call) => call.peerCall,
    carryIseqno: (call) => call.receiver.carryIseqno(),
    iseqno: (call) => call.receiver.iseqno,
    fullFrameSent: (call) => call.startPeriodicTimers(),
    gaveUp: (call, final) => call.onGiveUp(final),
    finalAcked: (call) => call.close(call.finalReason()),
  };

  // ---- timers and teardown -------------------------------------------------------------

  /**
   * PING every 21 s and LAGRQ every 10 s on every call whose peer call number is known, from
   * setup on (protocol.md §10.2). Besides statistics this is what finds a peer that went away mid-setup:
   * the PING goes unanswered and delivery gives up.
   */
  private startPeriodicTimers(): void {
    if (this.peerCall === 0 || this.closed || this.currentState === CallState.HangingUp) return;
    this.sender.startKeepalive();
  }

  private finalReason(): CloseReason {
    return this.finishing ? 'done' : this.rejectSent ? 'reject-sent' : 'hangup-sent';
  }

  private onGiveUp(final: boolean): void {
    if (final || this.currentState === CallState.HangingUp) {
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
    this.clock.clearTimer(this.autokillTimer);
    this.clock.clearTimer(this.setupTimer);
    this.clock.clearTimer(this.destroyTimer);
    this.sender.stop();
    this.events.emit('closed', { reason });
    this.events.removeAll();
  }
}
