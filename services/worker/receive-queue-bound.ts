/**
 * Keeps the IAX2 socket's receive queue short in time. A worker that falls behind (its core
 * shared, a burst beyond what one core relays) queues datagrams in the kernel, and a queue of
 * several MiB is seconds of voice: late voice is worse than lost voice, and dropping it in
 * JavaScript (backlog-gauge.ts, the engine's staleMediaMs) still costs most of what relaying it
 * would, because Node's receive path (a read, a Buffer, an address object, a callback) is the
 * bulk of a datagram's cost. So the kernel is told to drop it instead, for free: the receive
 * buffer is sized to hold `targetMs` of what the worker has been reading, never less than
 * `minBytes` (bursts of signalling, a tick of trunk frames at low rates) nor more than
 * `maxBytes`. While the worker keeps up it reads what arrives, so the size is the arrival rate
 * times targetMs, room for every burst a 20 ms packetisation makes; once it is behind, what it
 * reads is what it can serve, and the queue is held to about targetMs of that.
 *
 * Sizes are what the kernel counts: each queued datagram is charged its buffer's true size,
 * not its length (kernelBytesFor), and Linux doubles the SO_RCVBUF asked for and caps it at
 * net.core.rmem_max (twice that, in effect). On a host whose rmem_max is the kernel's default
 * (208 KiB) the cap is the tighter bound and this changes nothing.
 */

/** Between two adjustments, and the window the read rate is measured over. */
export const ADJUST_EVERY_MS = 250;

export interface ReceiveQueueBoundOptions {
  /** How much time's worth of reads the queue may hold. Default 50 ms. */
  targetMs?: number;
  /** The smallest buffer, in the kernel's bytes. Default 512 KiB. */
  minBytes?: number;
  /** The largest, in the kernel's bytes. Default 8 MiB. */
  maxBytes?: number;
}

/**
 * What the kernel charges a queued datagram of `length` bytes: measured on Linux over loopback,
 * 832 bytes for a 172-byte mini frame and 2304 for a 1240-byte trunk frame; a line through both.
 */
export function kernelBytesFor(length: number): number {
  return Math.round(1.38 * length + 595);
}

export class ReceiveQueueBound {
  readonly targetMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  private reads = 0;
  private readBytes = 0;
  private since: number;
  /** The size last asked for, in the kernel's bytes. */
  private size: number;

  constructor(now: number, currentBytes: number, options: ReceiveQueueBoundOptions = {}) {
    this.targetMs = options.targetMs ?? 50;
    this.minBytes = options.minBytes ?? 512 << 10;
    this.maxBytes = Math.max(this.minBytes, options.maxBytes ?? 8 << 20);
    this.since = now;
    this.size = currentBytes;
  }

  /** One datagram read (the hot path: two additions). */
  read(length: number): void {
    this.reads++;
    this.readBytes += length;
  }

  /** The buffer size the reads since the last call ask for, in the kernel's bytes; undefined when the current one is within a fifth of it. */
  adjust(now: number): number | undefined {
    const elapsed = now - this.since;
    if (elapsed <= 0) return undefined;
    const perMs = this.reads / elapsed;
    const kernelBytes = this.reads === 0 ? 0 : kernelBytesFor(this.readBytes / this.reads);
    this.reads = 0;
    this.readBytes = 0;
    this.since = now;
    const wanted = Math.round(Math.min(this.maxBytes, Math.max(this.minBytes, perMs * this.targetMs * kernelBytes)));
    if (Math.abs(wanted - this.size) <= this.size / 5) return undefined;
    this.size = wanted;
    return wanted;
  }
}
