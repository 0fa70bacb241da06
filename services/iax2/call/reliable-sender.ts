/**
 * Reliable delivery of full frames for one call (protocol.md §4.1, §4.4, §4.5).
 *
 * Every reliable frame waits in the queue until the peer's ISeqno passes it (an explicit ACK
 * or any full frame, implicitly). It is retransmitted after RTO, then RTO x 10, then RTO x 100,
 * each gap capped at 10 s, with the R bit set and the ISeqno rewritten; after the fourth
 * transmission and one more gap the sender gives up. RTO = 2 x pingtime, clamped to
 * 100..10000 ms; with the default pingtime of 1000 ms the sends go at 0, 2, 12 and 22 s and
 * it gives up at 32 s. A VNAK re-sends, unchanged, every queued frame from its ISeqno on.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import { markRetransmission } from '../codec/index.ts';

export const MAX_TRANSMISSIONS = 4;
const MAX_GAP_MS = 10_000;
const MIN_RTO_MS = 100;
export const DEFAULT_PINGTIME_MS = 1000;

export interface QueuedFrame {
  oseqno: number;
  /** The frame as first encoded (clear text); retransmissions patch R and ISeqno into a copy. */
  plain: Buffer;
  /** A HANGUP/REJECT/REGACK-like frame whose acknowledgement ends the call. */
  final: boolean;
  transmissions: number;
  timer: TimerHandle | undefined;
  /** The encryption key in force when the frame was first sent (protocol.md §4.4). */
  key: Buffer | undefined;
}

export interface ReliableSenderHooks {
  /** Puts a frame on the wire: `plain` is clear text, to be encrypted with `key` when set. */
  transmit(plain: Buffer, key: Buffer | undefined): void;
  /** The current ISeqno, written into every retransmission. */
  currentIseqno(): number;
  /** Delivery failed after MAX_TRANSMISSIONS. */
  gaveUp(frame: QueuedFrame): void;
  /** A final frame was acknowledged. */
  finalAcked(frame: QueuedFrame): void;
}

export class ReliableSender {
  private readonly queue: QueuedFrame[] = [];
  private pingtime: number;
  private retransmitted = 0;

  constructor(
    private readonly clock: Clock,
    private readonly hooks: ReliableSenderHooks,
    /** The first pingtime, before any PONG measured one (protocol.md §4.4). */
    pingtimeMs = DEFAULT_PINGTIME_MS,
  ) {
    this.pingtime = pingtimeMs;
  }

  /** The round trip the retransmission gaps are based on: the last PONG's, or the first guess. */
  get pingtimeMs(): number {
    return this.pingtime;
  }

  /** A PONG measured the round trip: later gaps follow it. */
  setPingtime(ms: number): void {
    this.pingtime = ms;
  }

  /** Reliable frames sent again so far. */
  get retransmissions(): number {
    return this.retransmitted;
  }

  get rtoMs(): number {
    return Math.min(MAX_GAP_MS, Math.max(MIN_RTO_MS, 2 * this.pingtime));
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Sends `plain` now and keeps it until acknowledged. */
  send(oseqno: number, plain: Buffer, final: boolean, key: Buffer | undefined): void {
    const frame: QueuedFrame = { oseqno, plain, final, transmissions: 0, timer: undefined, key };
    this.queue.push(frame);
    this.transmit(frame);
  }

  private transmit(frame: QueuedFrame): void {
    if (frame.transmissions > 0) {
      // Retransmission: R bit on, ISeqno brought up to date (protocol.md §4.4).
      const copy = Buffer.from(frame.plain);
      markRetransmission(copy, this.hooks.currentIseqno());
      this.retransmitted++;
      this.hooks.transmit(copy, frame.key);
    } else {
      this.hooks.transmit(frame.plain, frame.key);
    }
    frame.transmissions++;
    const gap = Math.min(MAX_GAP_MS, this.rtoMs * 10 ** (frame.transmissions - 1));
    frame.timer = this.clock.setTimer(gap, () => {
      frame.timer = undefined;
      if (frame.transmissions >= MAX_TRANSMISSIONS) {
        this.remove(frame);
        this.hooks.gaveUp(frame);
      } else {
        this.transmit(frame);
      }
    });
  }

  /**
   * The peer expects `iseqno` next: every queued frame before it (within half the sequence
   * space) has arrived (protocol.md §4.2, implicit acknowledgement).
   */
  acknowledge(iseqno: number): void {
    // Every full frame received lands here: compact the queue in place, no copy of it.
    const queue = this.queue;
    let kept = 0;
    let final: QueuedFrame | undefined;
    for (let i = 0; i < queue.length; i++) {
      const frame = queue[i]!;
      const behind = (iseqno - frame.oseqno - 1) & 0xff;
      if (behind < 128) {
        this.clock.clearTimer(frame.timer);
        frame.timer = undefined;
        final ??= frame.final ? frame : undefined;
      } else {
        queue[kept++] = frame;
      }
    }
    queue.length = kept;
    // After the queue is settled: the hook closes the call, which clears it.
    if (final !== undefined) this.hooks.finalAcked(final);
  }

  /** VNAK: immediately re-send, as stored, every queued frame from `iseqno` on (protocol.md §4.5). */
  resendFrom(iseqno: number): void {
    for (const frame of this.queue) {
      if (((frame.oseqno - iseqno) & 0xff) < 128) this.hooks.transmit(frame.plain, frame.key);
    }
  }

  /**
   * Every queued frame goes again now, as a retransmission, and its next gap starts from here;
   * a frame already sent four times keeps waiting for its give-up. For a worker that is
   * stopping: it cannot wait out the 2 s before a HANGUP's first retransmission.
   */
  retransmitNow(): void {
    for (const frame of [...this.queue]) {
      if (frame.transmissions >= MAX_TRANSMISSIONS) continue;
      this.clock.clearTimer(frame.timer);
      this.transmit(frame);
    }
  }

  private remove(frame: QueuedFrame): void {
    this.clock.clearTimer(frame.timer);
    frame.timer = undefined;
    const at = this.queue.indexOf(frame);
    if (at >= 0) this.queue.splice(at, 1);
  }

  clear(): void {
    for (const frame of this.queue) this.clock.clearTimer(frame.timer);
    this.queue.length = 0;
  }
}
