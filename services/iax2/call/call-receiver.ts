/**
 * The receive half of one call leg. What arrives is decrypted first when the call is encrypted
 * (protocol.md §11.1); mini frames and meta trunk entries become voice stamped with the peer's
 * clock rebuilt to 32 bits (§5.3); every full frame goes through sequencing (sequencing.ts,
 * §4.2) before frame dispatch sees it. This class owns what only arrivals change: our ISeqno,
 * the peer's clock, the format the peer's mini frames carry and the RR statistics. The Call
 * reads them through the getters below and never writes them; this class reaches the call
 * only through ReceiveHooks, one table of functions for every call, as frame dispatch does.
 *
 * Every voice frame of every relayed call passes through here: nothing below allocates per
 * frame, and a relay's voice goes to its sink without an event object.
 */
import type { Clock } from '../../../shared/clock.ts';
import { decodeDatagram, decodeMiniFrameInto, FrameType, IaxCommand, MiniFrameView, type FullFrame } from '../codec/index.ts';
import { CallState, isStarted } from './call-state.ts';
import type { CallCipher } from './call-types.ts';
import { dispatchFrame, updatesRxClock, type DispatchHooks } from './frame-dispatch.ts';
import { frameDurationMs } from './media-timing.ts';
import { RrStats, type RrReport } from './rr-stats.ts';
import { isProcessedOutOfSequence, isUnsequenced, sequenceVerdict } from './sequencing.ts';
import { rebuildTimestamp } from './timestamps.ts';

/** Where a relay takes received voice instead of the `voice` event. */
export type VoiceSink = (payload: Buffer, format: bigint, timestamp: number) => void;

/**
 * What the receive path may do to its call, besides the moves frame dispatch makes: functions
 * of the call, written inside the Call class so that they reach its private state while
 * nothing outside may.
 */
export interface ReceiveHooks<C> extends DispatchHooks<C> {
  /**
   * A full frame of this call arrived, whatever its sequence number says: what that tells the
   * sending side (the peer's call number, that the peer is there, and the implicit
   * acknowledgement of what we sent, protocol.md §4.2).
   */
  arrived(call: C, frame: FullFrame): void;
  /** VNAK: "resend from my ISeqno", unreliable (protocol.md §4.5). */
  sendVnak(call: C): void;
  /** A datagram that did not decrypt was dropped. */
  undecryptable(call: C): void;
}

/** Decrypted mini frames are read through this one view: no object per frame. */
const miniView = new MiniFrameView();
/** The statistics of a leg that has had no voice yet (never written to). */
const NO_VOICE = new RrStats();

export class CallReceiver<C> {
  private cipher: CallCipher | undefined;
  private voiceSink: VoiceSink | undefined;
  /** Made with the first voice frame: a leg that carries none (a dialog, a call still ringing) holds none. */
  private rr: RrStats | undefined;
  /** Our ISeqno: the OSeqno we expect next (protocol.md §4.1). */
  private expected = 0;
  /** The ISeqno the last frame we sent carried: what the peer knows we have (protocol.md §4.3). */
  private carried = 0;
  /** The format of the last full voice frame: what the peer's mini frames carry (protocol.md §5.2). */
  private rxVoiceFormat = 0n;
  /** Highest 32-bit peer timestamp seen (protocol.md §5.3). */
  private rxLast = 0;

  constructor(
    private readonly call: C,
    private readonly hooks: ReceiveHooks<C>,
    private readonly clock: Clock,
  ) {}

  /** Our ISeqno now. */
  get iseqno(): number {
    return this.expected;
  }

  /**
   * The ISeqno for a frame about to be sent. It acknowledges everything received so far, so
   * the frame being handled while it goes needs no ACK of its own (protocol.md §4.3).
   */
  carryIseqno(): number {
    this.carried = this.expected;
    return this.expected;
  }

  /** A resend after CALLTOKEN starts the sequence again from 0 (protocol.md §7.2). */
  resetSequence(): void {
    this.expected = 0;
    this.carried = 0;
  }

  /** AES-128 from now on: what arrives is decrypted by `cipher` (protocol.md §11.1). */
  decryptWith(cipher: CallCipher): void {
    this.cipher = cipher;
  }

  setVoiceSink(sink: VoiceSink): void {
    this.voiceSink = sink;
  }

  /** The receive statistics a PONG reports now. */
  stats(): RrReport {
    return (this.rr ?? NO_VOICE).report();
  }

  /** A datagram for the call (full or mini), as received. */
  receiveDatagram(datagram: Buffer): void {
    let plain = datagram;
    const kind = (datagram[0]! & 0x80) !== 0 ? 'full' : 'mini';
    if (this.cipher !== undefined) {
      const decrypted = this.cipher.decrypt(datagram, kind);
      if (decrypted === undefined) {
        this.hooks.undecryptable(this.call);
        return;
      }
      plain = decrypted;
    }
    if (kind === 'mini') {
      // The media path: a mini frame is read through the shared view; no frame object.
      if (plain.length < 4) return;
      const view = decodeMiniFrameInto(plain, miniView);
      this.receiveMini(view.timestamp, view.payload);
      return;
    }
    const frame = decodeDatagram(plain);
    if (frame.kind === 'full') this.receiveFull(frame);
  }

  /** A meta trunk entry for the call (never encrypted, protocol.md §11.4). */
  receiveTrunkEntry(payload: Buffer, timestamp16: number | undefined, trunkTimestamp: number): void {
    if (timestamp16 === undefined || timestamp16 === 0) {
      this.deliverVoice(payload, Math.max(this.rxLast, trunkTimestamp));
      return;
    }
    this.receiveMini(timestamp16, payload);
  }

  private receiveMini(timestamp16: number, payload: Buffer): void {
    if (this.rxVoiceFormat === 0n) {
      // Voice before any full voice frame cannot be decoded: VNAK, drop (protocol.md §1.3, §4.5).
      (this.rr ??= new RrStats()).drop();
      this.hooks.sendVnak(this.call);
      return;
    }
    const timestamp = rebuildTimestamp(this.rxLast, timestamp16, 16);
    if (timestamp > this.rxLast) this.rxLast = timestamp;
    this.deliverVoice(payload, timestamp);
  }

  /** A full voice frame, dispatched: its format is the one the mini frames after it carry. */
  fullVoice(format: bigint, payload: Buffer, timestamp: number): void {
    this.rxVoiceFormat = format;
    this.deliverVoice(payload, timestamp);
  }

  private deliverVoice(payload: Buffer, timestamp: number): void {
    if (!isStarted(this.hooks.state(this.call))) return;
    (this.rr ??= new RrStats()).voice(timestamp, this.clock.now(), frameDurationMs(this.rxVoiceFormat, payload.length));
    if (this.voiceSink !== undefined) this.voiceSink(payload, this.rxVoiceFormat, timestamp);
    else this.hooks.events(this.call).emit('voice', { payload, format: this.rxVoiceFormat, timestamp });
  }

  /** A full frame of the call, decoded (and decrypted). */
  receiveFull(frame: FullFrame): void {
    const { call, hooks } = this;
    const isIax = frame.frameType === FrameType.IAX;
    const command = isIax ? frame.subclass : -1;

    // Stateless replies from call number 1 open no dialog and take no sequence numbers (protocol.md §7.2).
    if (frame.sourceCall === 1 && isIax && (command === IaxCommand.CALLTOKEN || command === IaxCommand.REJECT || command === IaxCommand.REGREJ)) {
      hooks.offerToSetup(call, frame);
      return;
    }
    hooks.arrived(call, frame);
    if (hooks.state(call) === CallState.Closed) return;

    const unsequenced = isUnsequenced(command);
    const verdict = sequenceVerdict(this.expected, frame.oseqno);
    if (verdict !== 'in-order') {
      if (!isProcessedOutOfSequence(command)) {
        // An old duplicate is re-ACKed (never an ACK or INVAL), then dropped; a gap asks for what is missing.
        if (verdict === 'duplicate') {
          if (!unsequenced && !this.isRepeatedOpening(command)) hooks.sendAck(call, frame);
        } else {
          hooks.sendVnak(call);
        }
        return;
      }
    } else if (!unsequenced) {
      this.expected = (this.expected + 1) & 0xff;
    }

    if (updatesRxClock(frame) && frame.timestamp > this.rxLast) this.rxLast = frame.timestamp;

    dispatchFrame(hooks, call, frame);
    // ACK only when nothing we sent while handling it already carried the new ISeqno (protocol.md §4.3).
    if (!unsequenced && hooks.state(call) !== CallState.Closed && this.carried !== this.expected) hooks.sendAck(call, frame);
  }

  /**
   * A copy of the NEW or REGREQ that opened a dialog still waiting for its challenge's answer
   * is not ACKed: the challenge, retransmitted on its own schedule, acknowledges it implicitly,
   * and an ACK per copy would be a send per datagram from whoever can replay a token-bearing
   * request from a spoofed address (docs/architecture.md §9).
   */
  private isRepeatedOpening(command: number): boolean {
    return this.hooks.state(this.call) === CallState.AuthReqSent && (command === IaxCommand.NEW || command === IaxCommand.REGREQ);
  }
}
