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
 * "Since the socket was last empty" alone is far too loose at high rates: a queue of just 32
 * datagrams (a millisecond of a busy worker's traffic) that never quite drains would keep it
 * growing for ever. So the datagrams read since then are taken off at the arrival rate last
 * measured while keeping up (reads between two moments the socket was empty are exactly the
 * arrivals between them): waited ≈ (now − emptyAt) − readsSinceEmpty / rate, the age of the
 * datagram at the head of the queue if arrivals stayed steady. A sudden flood makes it
 * underestimate; it is a bound again when no rate is known yet.
 *
 * This sees a standing queue (the loop turns, timers run, but every read finds more) as well
 * as a stall (a long GC or task: the first batch after it is full). What it cannot see: the
 * first 32 datagrams after a stall are delivered before the gauge knows, and a queue shorter
 * than a batch never counts as behind (it drains in one callback anyway).
 */

/** libuv's reads per readiness callback of a UDP handle (uv__udp_recvmsg). */
export const READS_PER_CALLBACK = 32;
/** The arrival rate is measured over at least this long between two moments the socket was empty. */
const RATE_WINDOW_MS = 200;

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
  private readsSinceEmpty = 0;
  /** Arrivals per ms while keeping up; 0 until measured over RATE_WINDOW_MS. */
  private ratePerMs = 0;
  private rateReads = 0;
  private rateSince: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly idleMs: () => number = loopIdleMs,
  ) {
    this.emptyAt = now();
    this.rateSince = this.emptyAt;
  }

  /** One datagram read: at most how long it waited (0 while the worker keeps up). */
  read(): number {
    if (!this.batchOpen) {
      this.batchOpen = true;
      if (!this.closed) setImmediate(this.endBatch);
      // The loop waited idle since the last batch: the socket was empty then.
      if (this.behind && this.idleMs() > this.idleAtBatchEnd) {
        this.behind = false;
        this.markEmpty(this.now());
      }
    }
    this.batch++;
    this.readsSinceEmpty++;
    if (!this.behind) return 0;
    const since = this.now() - this.emptyAt;
    return this.ratePerMs > 0 ? Math.max(0, since - this.readsSinceEmpty / this.ratePerMs) : since;
  }

  /** Whether the last batch found more waiting than it could read. */
  get isBehind(): boolean {
    return this.behind;
  }

  close(): void {
    this.closed = true;
  }

  /** The socket is empty now: what was read since arrived since the last time it was. */
  private markEmpty(now: number): void {
    this.rateReads += this.readsSinceEmpty;
    if (now - this.rateSince >= RATE_WINDOW_MS) {
      this.ratePerMs = this.rateReads / (now - this.rateSince);
      this.rateReads = 0;
      this.rateSince = now;
    }
    this.emptyAt = now;
    this.readsSinceEmpty = 0;
  }

  /** The end of a batch, for tests and for the check phase. */
  readonly endBatch = (): void => {
    this.batchOpen = false;
    if (this.batch >= READS_PER_CALLBACK) {
      this.behind = true;
    } else {
      this.behind = false;
      this.markEmpty(this.now());
    }
    this.batch = 0;
    if (this.behind) this.idleAtBatchEnd = this.idleMs();
  };
}
