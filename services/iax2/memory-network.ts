/**
 * An in-memory datagram network for tests and benchmarks: endpoints by address, each send
 * carried later through the injected clock, and by (seeded) chance dropped, duplicated or
 * delayed; delays that differ reorder. It behaves like UDP where that matters to IAX2:
 * a datagram to nobody is silently lost, nothing arrives inside send(), and the receiver gets
 * its own copy of the bytes, so a sender may reuse its buffer as soon as send() returns.
 */
import type { Clock } from '../../shared/clock.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { addressKey, type DatagramListener, type RemoteAddress, type Transport } from './transport.ts';

export interface NetworkConditions {
  /** Chance, 0..1, that a datagram is lost. Default 0. */
  lossRate?: number;
  /** Chance, 0..1, that a datagram that is not lost arrives twice. Default 0. */
  duplicateRate?: number;
  /** Default 0. */
  minDelayMs?: number;
  /** Default minDelayMs. Each copy's delay is drawn uniformly from [minDelayMs, maxDelayMs]; a spread reorders. */
  maxDelayMs?: number;
}

export interface MemoryNetworkOptions {
  clock: Clock;
  /** A float in [0, 1); pass a seeded generator for reproducible runs. Default Math.random. */
  random?: () => number;
  conditions?: NetworkConditions;
  /** Where a throwing listener is reported. Default silent. */
  logger?: Logger;
}

export interface MemoryNetworkStats {
  /** Datagrams handed to send() on an open endpoint. */
  sent: number;
  /** Copies handed to a listener (a duplicated datagram counts twice). */
  delivered: number;
  /** Copies lost: by lossRate, to an unknown, closed or unreachable endpoint, or across a partition. */
  dropped: number;
  /** Datagrams that were sent twice. Once all is delivered, sent + duplicated = delivered + dropped. */
  duplicated: number;
  /** Deliveries whose listener threw (counted in delivered too). */
  listenerErrors: number;
}

/** What a MemoryTransport needs from its network; kept off the network's public surface. */
interface EndpointLink {
  carry(from: MemoryTransport, datagram: Buffer, to: RemoteAddress): void;
  detach(endpoint: MemoryTransport): void;
}

interface ResolvedConditions {
  lossRate: number;
  duplicateRate: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export class MemoryNetwork {
  readonly stats: MemoryNetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, listenerErrors: 0 };
  private readonly endpoints = new Map<string, MemoryTransport>();
  /** Unordered address-key pairs that cannot reach each other. */
  private readonly partitions = new Set<string>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: Logger;
  private conditions: ResolvedConditions;
  private readonly link: EndpointLink = {
    carry: (from, datagram, to) => this.carry(from, datagram, to),
    detach: (endpoint) => {
      const key = addressKey(endpoint.localAddress());
      if (this.endpoints.get(key) === endpoint) this.endpoints.delete(key);
    },
  };

  constructor(options: MemoryNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    this.conditions = resolveConditions(options.conditions ?? {});
  }

  /** Replaces the conditions for datagrams sent from now on; those in flight keep their fate. */
  setConditions(conditions: NetworkConditions): void {
    this.conditions = resolveConditions(conditions);
  }

  /**
   * The transport bound at `address`. Asking again for an address that has an open endpoint
   * returns that same endpoint (so a test can reach the one an engine was given); after it is
   * closed the address is free and a new endpoint is made.
   */
  endpoint(address: RemoteAddress): MemoryTransport {
    const key = addressKey(address);
    const existing = this.endpoints.get(key);
    if (existing !== undefined) return existing;
    const endpoint = new MemoryTransport(this.link, { address: address.address, port: address.port });
    this.endpoints.set(key, endpoint);
    return endpoint;
  }

  /**
   * Cuts (or restores) the path between two addresses, both ways, leaving each free to talk to
   * everyone else: a NAT binding that expired, or two workers that lost each other.
   */
  partition(a: RemoteAddress, b: RemoteAddress, partitioned: boolean): void {
    const key = pairKey(addressKey(a), addressKey(b));
    if (partitioned) this.partitions.add(key);
    else this.partitions.delete(key);
  }

  private carry(from: MemoryTransport, datagram: Buffer, to: RemoteAddress): void {
    this.stats.sent++;
    const source = from.localAddress();
    const fromKey = addressKey(source);
    const toKey = addressKey(to);
    // A path that is cut now loses the datagram without drawing from `random`, so a test that
    // cuts a link does not shift the seeded sequence of everything else.
    if (!this.pathOpen(fromKey, from, toKey)) {
      this.stats.dropped++;
      return;
    }
    const { lossRate, duplicateRate } = this.conditions;
    if (this.random() < lossRate) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random() < duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      // Each copy is its own bytes: the sender may reuse its buffer at once, and a receiver
      // that scribbles on one copy must not change the other.
      const bytes = Buffer.from(datagram);
      // Always through the clock, even for a 0 ms delay: nothing arrives inside send().
      this.clock.setTimer(this.delayMs(), () => this.deliver(bytes, source, fromKey, toKey));
    }
  }

  private delayMs(): number {
    const { minDelayMs, maxDelayMs } = this.conditions;
    return minDelayMs + this.random() * (maxDelayMs - minDelayMs);
  }

  /** Whether a datagram from `fromKey` can reach `toKey` now. An unknown target is decided on arrival. */
  private pathOpen(fromKey: string, from: MemoryTransport | undefined, toKey: string): boolean {
    if (from !== undefined && !from.isReachable) return false;
    const target = this.endpoints.get(toKey);
    if (target !== undefined && !target.isReachable) return false;
    return this.partitions.size === 0 || !this.partitions.has(pairKey(fromKey, toKey));
  }

  private deliver(datagram: Buffer, from: RemoteAddress, fromKey: string, toKey: string): void {
    const target = this.endpoints.get(toKey);
    // Checked again on arrival: a host that vanished, or a link cut, while the datagram was on
    // its way loses it too.
    if (target === undefined || !this.pathOpen(fromKey, undefined, toKey)) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    try {
      target.receive(datagram, { address: from.address, port: from.port });
    } catch (error) {
      // A listener bug must not stop the network: the next datagram is delivered as usual.
      this.stats.listenerErrors++;
      this.logger.error('memory network listener threw', { error, from: fromKey, to: toKey });
    }
  }
}

/** One address on a MemoryNetwork. Made by MemoryNetwork.endpoint(), not directly. */
export class MemoryTransport implements Transport {
  private listener: DatagramListener | undefined;
  private closed = false;
  private reachable = true;

  /** @internal */
  constructor(
    private readonly link: EndpointLink,
    private readonly address: RemoteAddress,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get isReachable(): boolean {
    return this.reachable;
  }

  /** Fire and forget. On a closed endpoint it does nothing (and counts nothing). */
  send(datagram: Buffer, to: RemoteAddress): void {
    if (this.closed) return;
    this.link.carry(this, datagram, to);
  }

  onDatagram(listener: DatagramListener): void {
    this.listener = listener;
  }

  localAddress(): RemoteAddress {
    return { address: this.address.address, port: this.address.port };
  }

  /**
   * false: the host vanished (unplugged, NAT binding gone). Nothing it sends leaves and nothing
   * sent to it, or still on its way to it, arrives, until set back to true.
   */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  /** Idempotent. Datagrams still on their way here are lost, like UDP to a closed port. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener = undefined;
    this.link.detach(this);
  }

  /** @internal called by the network when a datagram arrives. */
  receive(datagram: Buffer, from: RemoteAddress): void {
    this.listener?.(datagram, from);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

function resolveConditions(conditions: NetworkConditions): ResolvedConditions {
  const lossRate = conditions.lossRate ?? 0;
  const duplicateRate = conditions.duplicateRate ?? 0;
  const minDelayMs = conditions.minDelayMs ?? 0;
  const maxDelayMs = conditions.maxDelayMs ?? minDelayMs;
  // Written so that NaN fails every check.
  if (!(lossRate >= 0 && lossRate <= 1)) throw new RangeError(`lossRate ${lossRate} is outside 0..1`);
  if (!(duplicateRate >= 0 && duplicateRate <= 1)) throw new RangeError(`duplicateRate ${duplicateRate} is outside 0..1`);
  if (!(minDelayMs >= 0 && Number.isFinite(minDelayMs))) throw new RangeError(`minDelayMs ${minDelayMs} must be a finite number >= 0`);
  if (!(maxDelayMs >= minDelayMs && Number.isFinite(maxDelayMs))) {
    throw new RangeError(`maxDelayMs ${maxDelayMs} must be finite and >= minDelayMs ${minDelayMs}`);
  }
  return { lossRate, duplicateRate, minDelayMs, maxDelayMs };
}
