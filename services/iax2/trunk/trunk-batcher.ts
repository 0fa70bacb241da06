/**
 * Meta trunk batching (RFC 5456 §8.1.4, chan_iax2's trunk=yes): the voice of every trunked
 * call to one peer address goes out together, one meta trunk datagram per `trunkfreq` ms,
 * instead of one mini frame per call per 20 ms. Each peer has one preallocated buffer of
 * `trunkmtu` bytes; entries are copied straight into it (no per-frame objects), a full buffer
 * is sent early, and at most `trunkmaxsize` bytes a peer per interval are queued (the rest is
 * dropped and counted, as Asterisk drops beyond its trunk buffer).
 *
 * Timing (docs/architecture.md §3): one clock per engine, not per peer, that keeps time. Ticks
 * fall on a fixed grid (the epoch + k x trunkfreq), each timer armed for the next grid point
 * from the time it fires, so lateness never accumulates; a tick that is due while voice is
 * being added (the event loop ran late) is taken there and then, so no frame waits a whole
 * extra interval. A frame thus waits at most trunkfreq in the batcher by design, trunkfreq / 2
 * on average, and every peer's datagrams leave trunkfreq apart.
 *
 * Passing through (docs/architecture.md §3, item 6): a relay's trunk frames arrive already batched by
 * the sending box, cut at its trunkmtu. When the entries one incoming datagram brought (one
 * burst: everything added before the event loop's next microtask checkpoint) make up a peer's
 * whole batch and fill at least half of trunkmtu, that batch leaves at the end of the burst
 * instead of at the next tick: the relay then adds no batching delay and no jitter (a tick
 * falling just before or just after a frame's arrival would move it by a whole trunkfreq), for
 * no more datagrams than the tick would have sent. Smaller batches, and entries joining ones
 * other datagrams started (many boxes calling one), still wait for the tick, which is what
 * makes one datagram out of many small ones.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import { META_CMD_TRUNK, META_TRUNK_HEADER_LENGTH, TRUNK_CMD_DATA_PLAIN, TRUNK_CMD_DATA_TIMESTAMPS } from '../codec/meta-trunk-frame.ts';
import { addressKey, type RemoteAddress } from '../transport.ts';

export interface TrunkOptions {
  /** `trunkfreq`: ms between trunk datagrams (Asterisk's default 20). */
  freqMs?: number;
  /** `trunkmtu`: the largest trunk datagram (Asterisk's default 1240). */
  mtu?: number;
  /** `trunkmaxsize`: bytes a peer may have queued per interval (Asterisk's default 128000). */
  maxSize?: number;
}

export interface TrunkStats {
  datagrams: number;
  entries: number;
  dropped: number;
}

/** Where one call puts its voice when it is trunked. */
export interface TrunkSink {
  add(sourceCall: number, timestamp16: number, payload: Buffer): void;
}

class PeerTrunk implements TrunkSink {
  /** Replaced when the transport keeps the one just sent (see TrunkSend). */
  buffer: Buffer;
  length = META_TRUNK_HEADER_LENGTH;
  entries = 0;
  queuedThisInterval = 0;
  idleIntervals = 0;
  /** The last trunk timestamp sent to this peer: never the same twice (protocol.md §12). */
  lastTimestamp = -1;
  /** Dropped from the batcher's peers after a long idle; its next entry files it again. */
  forgotten = false;
  /** Has entries from the burst in progress (listed in the batcher's burst). */
  inBurst = false;
  /** The batch holds only the burst in progress's entries: it may pass through at its end. */
  pure = false;

  constructor(
    private readonly batcher: TrunkBatcher,
    readonly key: string,
    readonly remote: RemoteAddress,
    /** `trunktimestamps`: each entry carries its call's 16-bit timestamp (6-byte headers). */
    readonly timestamps: boolean,
    mtu: number,
  ) {
    this.buffer = Buffer.allocUnsafe(mtu);
  }

  add(sourceCall: number, timestamp16: number, payload: Buffer): void {
    this.batcher.add(this, sourceCall, timestamp16, payload);
  }
}

/**
 * Puts a trunk datagram on the wire. True means the transport still holds `datagram` after
 * returning (queued behind a full socket buffer, transport.ts): the batcher then writes the
 * next one into a fresh buffer.
 */
export type TrunkSend = (datagram: Buffer, to: RemoteAddress) => boolean | void;

export class TrunkBatcher {
  readonly stats: TrunkStats = { datagrams: 0, entries: 0, dropped: 0 };
  private readonly peers = new Map<string, PeerTrunk>();
  private readonly freqMs: number;
  private readonly mtu: number;
  private readonly maxSize: number;
  private readonly epoch: number;
  private timer: TimerHandle | undefined;
  /** When the armed timer's tick is due, on the grid (epoch + k x freqMs). */
  private dueAt = 0;
  /** Peers given entries in the burst in progress; its end is a microtask. */
  private readonly burst: PeerTrunk[] = [];
  private burstEndQueued = false;
  /** A pure burst's batch at least this long passes through at once. */
  private readonly passThroughBytes: number;

  constructor(
    private readonly clock: Clock,
    private readonly send: TrunkSend,
    options: TrunkOptions = {},
  ) {
    this.freqMs = options.freqMs ?? 20;
    this.mtu = options.mtu ?? 1240;
    this.maxSize = options.maxSize ?? 128_000;
    this.passThroughBytes = Math.floor(this.mtu / 2);
    this.epoch = clock.now();
  }

  /** The sink for calls to `remote` (one buffer per peer address and timestamp mode). */
  sinkFor(remote: RemoteAddress, timestamps = false): TrunkSink {
    const key = `${addressKey(remote)}${timestamps ? '/ts' : ''}`;
    let peer = this.peers.get(key);
    if (peer === undefined) {
      peer = new PeerTrunk(this, key, remote, timestamps, this.mtu);
      this.peers.set(key, peer);
    }
    this.schedule();
    return peer;
  }

  add(peer: PeerTrunk, sourceCall: number, timestamp16: number, payload: Buffer): void {
    const size = (peer.timestamps ? 6 : 4) + payload.length;
    if (META_TRUNK_HEADER_LENGTH + size > this.mtu || peer.queuedThisInterval + size > this.maxSize) {
      this.stats.dropped++;
      return;
    }
    if (this.timer !== undefined && this.clock.now() >= this.dueAt) {
      // The tick is due but its timer has not run (the loop is busy): take it now.
      this.tick();
    }
    if (peer.length + size > this.mtu) this.flush(peer, undefined);
    // A peer forgotten while idle comes back with its next entry (a flag, not a lookup per
    // entry). A sink made for its address meanwhile gives way, its entries sent first, and
    // comes back the same way with its own next entry: nothing is left unsent.
    if (peer.forgotten) {
      peer.forgotten = false;
      const other = this.peers.get(peer.key);
      if (other !== undefined) {
        this.flush(other, undefined);
        other.forgotten = true;
      }
      this.peers.set(peer.key, peer);
    }
    if (!peer.inBurst) {
      peer.inBurst = true;
      peer.pure = peer.entries === 0;
      this.burst.push(peer);
      if (!this.burstEndQueued) {
        this.burstEndQueued = true;
        queueMicrotask(this.endBurst);
      }
    } else if (peer.entries === 0) {
      // Sent early because full, mid-burst: the batch begun now is this burst's alone.
      peer.pure = true;
    }
    const buf = peer.buffer;
    let at = peer.length;
    if (peer.timestamps) {
      buf.writeUInt16BE(payload.length, at);
      buf.writeUInt16BE(sourceCall & 0x7fff, at + 2);
      buf.writeUInt16BE(timestamp16 & 0xffff, at + 4);
      at += 6;
    } else {
      buf.writeUInt16BE(sourceCall & 0x7fff, at);
      buf.writeUInt16BE(payload.length, at + 2);
      at += 4;
    }
    payload.copy(buf, at);
    peer.length = at + payload.length;
    peer.entries++;
    peer.queuedThisInterval += size;
    this.stats.entries++;
    this.schedule();
  }

  /**
   * Sends what `peer` has queued as one meta trunk datagram, stamped with `gridMs` (a tick's
   * place on the grid, so a peer's stamps step by trunkfreq) or, sent early because full, the
   * clock; never the same stamp twice.
   */
  private flush(peer: PeerTrunk, gridMs: number | undefined): void {
    if (peer.entries === 0) return;
    const buf = peer.buffer;
    buf.writeUInt16BE(0, 0);
    buf[2] = META_CMD_TRUNK;
    buf[3] = peer.timestamps ? TRUNK_CMD_DATA_TIMESTAMPS : TRUNK_CMD_DATA_PLAIN;
    const stamp = Math.max(gridMs ?? Math.floor(this.clock.now() - this.epoch), peer.lastTimestamp + 1, 0);
    peer.lastTimestamp = stamp;
    buf.writeUInt32BE(stamp >>> 0, 4);
    // The transport copies, or keeps this buffer and says so: then the next goes into a new one.
    if (this.send(buf.subarray(0, peer.length), peer.remote) === true) peer.buffer = Buffer.allocUnsafe(this.mtu);
    this.stats.datagrams++;
    peer.length = META_TRUNK_HEADER_LENGTH;
    peer.entries = 0;
  }

  /** The end of a burst: batches it made alone, and long enough, leave now (see the top of the file). */
  private readonly endBurst = (): void => {
    this.burstEndQueued = false;
    for (const peer of this.burst) {
      peer.inBurst = false;
      if (peer.pure && peer.length >= this.passThroughBytes && !peer.forgotten) {
        this.flush(peer, undefined);
        peer.idleIntervals = 0;
      }
    }
    this.burst.length = 0;
  };

  /** Arms the timer for the next grid point after now (missed points are skipped, not caught up). */
  private schedule(): void {
    if (this.timer !== undefined) return;
    const now = this.clock.now();
    const elapsed = now - this.epoch;
    this.dueAt = this.epoch + (Math.floor(elapsed / this.freqMs) + 1) * this.freqMs;
    // Whole ms: Node keeps a timer list per distinct duration.
    this.timer = this.clock.setTimer(Math.ceil(this.dueAt - now), this.onTimer);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.tick();
  };

  private tick(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    const gridMs = Math.round(this.dueAt - this.epoch);
    let busy = false;
    for (const [key, peer] of this.peers) {
      const had = peer.entries > 0;
      this.flush(peer, gridMs);
      peer.queuedThisInterval = 0;
      if (had) {
        peer.idleIntervals = 0;
        busy = true;
      } else if (++peer.idleIntervals > 500) {
        // 10 s idle: forget it (its calls keep the sink and bring it back).
        peer.forgotten = true;
        this.peers.delete(key);
      }
    }
    if (busy || this.peers.size > 0) this.schedule();
  }

  /** Sends everything queued and stops the timer. */
  close(): void {
    for (const peer of this.peers.values()) {
      this.flush(peer, undefined);
      peer.forgotten = true;
    }
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.peers.clear();
  }
}
