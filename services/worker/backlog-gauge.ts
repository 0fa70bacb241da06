/**
 * How long a datagram just read may have waited in the socket, without a kernel receive
 * timestamp (Node has none). libuv reads a UDP socket in batches: at most 32 datagrams per
 * readiness callback, stopping early only when the socket is empty. So a batch of fewer than
 * 32 ends with the socket observed empty; a batch of 32 means more were waiting: the worker is
 * behind. While it is behind, everything read arrived after the socket was last seen empty,
 * so `now − that moment` bounds how long any of it waited; while it is not, reads are prompt.
 * A batch ends at the check phase that follows the poll phase it was read in (setImmediate).
 *
 * A full batch that happened to empty the socket gets no readiness callback after it, so the
 * socket is also known to have been empty when the loop has since waited idle in its poll
 * (the loop's idle time, performance.eventLoopUtilization, grew): then the next batch starts
 * with the worker not behind.
 *
 * This sees a standing queue (the loop turns, timers run, but every read finds more) as well
 * as a stall (a long GC or task: the first batch after it is full). What it cannot see: the
 * first 32 datagrams after a stall are delivered before the gauge knows, and a queue shorter
 * than a batch never counts as behind (it drains in one callback anyway).
 */

/** libuv's reads per readiness callback of a UDP handle (uv__udp_recvmsg). */
export const READS_PER_CALLBACK = 32;

/** The loop's time blocked in its poll, ms: it grows only while no handle had anything ready. */
const loopIdleMs = (): number => performance.eventLoopUtilization().idle;

export class BacklogGauge {
  private batch = 0;
  private idleAtBatchEnd = 0;
  private batchOpen = false;
  private behind = false;
  /** When the socket was last seen empty (the end of a short batch). */
  private emptyAt: number;
  private closed = false;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly idleMs: () => number = loopIdleMs,
  ) {
    this.emptyAt = now();
  }

  /** One datagram read: at most how long it waited (0 while the worker keeps up). */
  read(): number {
    if (!this.batchOpen) {
      this.batchOpen = true;
      if (!this.closed) setImmediate(this.endBatch);
      // The loop waited idle since the last batch: the socket was empty then.
      if (this.behind && this.idleMs() > this.idleAtBatchEnd) this.behind = false;
    }
    this.batch++;
    return this.behind ? this.now() - this.emptyAt : 0;
  }

  /** Whether the last batch found more waiting than it could read. */
  get isBehind(): boolean {
    return this.behind;
  }

  close(): void {
    this.closed = true;
  }

  /** The end of a batch, for tests and for the check phase. */
  readonly endBatch = (): void => {
    this.batchOpen = false;
    if (this.batch >= READS_PER_CALLBACK) {
      this.behind = true;
    } else {
      this.behind = false;
      this.emptyAt = this.now();
    }
    this.batch = 0;
    if (this.behind) this.idleAtBatchEnd = this.idleMs();
  };
}
