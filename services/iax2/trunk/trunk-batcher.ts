/**
 * Meta trunk batching (RFC 5456 §8.1.4, chan_iax2's trunk=yes): the voice of every trunked
 * call to one peer address goes out together, one meta trunk datagram per `trunkfreq` ms,
 * instead of one mini frame per call per 20 ms. Each peer has one preallocated buffer of
 * `trunkmtu` bytes; entries are copied straight into it (no per-frame objects), a full buffer
 * is sent early, and at most `trunkmaxsize` bytes a peer per interval are queued (the rest is
 * dropped and counted, as Asterisk drops beyond its trunk buffer).
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
  readonly buffer: Buffer;
  length = META_TRUNK_HEADER_LENGTH;
  entries = 0;
  queuedThisInterval = 0;
  idleIntervals = 0;

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

export class TrunkBatcher {
  readonly stats: TrunkStats = { datagrams: 0, entries: 0, dropped: 0 };
  private readonly peers = new Map<string, PeerTrunk>();
  private readonly freqMs: number;
  private readonly mtu: number;
  private readonly maxSize: number;
  private readonly epoch: number;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly send: (datagram: Buffer, to: RemoteAddress) => void,
    options: TrunkOptions = {},
  ) {
    this.freqMs = options.freqMs ?? 20;
    this.mtu = options.mtu ?? 1240;
    this.maxSize = options.maxSize ?? 128_000;
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
    if (peer.length + size > this.mtu) this.flush(peer);
    // A peer forgotten while idle comes back with its next entry.
    if (this.peers.get(peer.key) !== peer) this.peers.set(peer.key, peer);
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

  /** Sends what `peer` has queued as one meta trunk datagram. */
  private flush(peer: PeerTrunk): void {
    if (peer.entries === 0) return;
    const buf = peer.buffer;
    buf.writeUInt16BE(0, 0);
    buf[2] = META_CMD_TRUNK;
    buf[3] = peer.timestamps ? TRUNK_CMD_DATA_TIMESTAMPS : TRUNK_CMD_DATA_PLAIN;
    buf.writeUInt32BE(Math.max(0, Math.floor(this.clock.now() - this.epoch)) >>> 0, 4);
    // The transport copies on send, so the buffer is free to refill at once.
    this.send(buf.subarray(0, peer.length), peer.remote);
    this.stats.datagrams++;
    peer.length = META_TRUNK_HEADER_LENGTH;
    peer.entries = 0;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setTimer(this.freqMs, () => this.tick());
  }

  private tick(): void {
    this.timer = undefined;
    let busy = false;
    for (const [key, peer] of this.peers) {
      const had = peer.entries > 0;
      this.flush(peer);
      peer.queuedThisInterval = 0;
      if (had) {
        peer.idleIntervals = 0;
        busy = true;
      } else if (++peer.idleIntervals > 500) this.peers.delete(key); // 10 s idle: forget its buffer
    }
    if (busy || this.peers.size > 0) this.schedule();
  }

  /** Sends everything queued and stops the timer. */
  close(): void {
    for (const peer of this.peers.values()) this.flush(peer);
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.peers.clear();
  }
}
