/**
 * An in-memory datagram network for tests and benchmarks: endpoints by address, each send
 * delivered later through the injected clock, and by seeded chance dropped, duplicated or
 * delayed (delays that differ reorder). Like UDP, a datagram to nobody is silently lost.
 */
import type { Clock } from '../../shared/clock.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { addressKey, type DatagramListener, type RemoteAddress, type Transport } from './transport.ts';

export interface NetworkConditions {
  /** Chance, 0..1, that a datagram is lost. */
  lossRate?: number;
  /** Chance, 0..1, that a delivered datagram arrives twice. */
  duplicateRate?: number;
  minDelayMs?: number;
  /** Delays are drawn uniformly from [minDelayMs, maxDelayMs]; a spread reorders. */
  maxDelayMs?: number;
}

export interface MemoryNetworkOptions {
  clock: Clock;
  random?: () => number;
  conditions?: NetworkConditions;
  logger?: Logger;
}

export class MemoryNetwork {
  readonly stats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly endpoints = new Map<string, MemoryTransport>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: Logger;
  private conditions: NetworkConditions;

  constructor(options: MemoryNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    this.conditions = options.conditions ?? {};
  }

  setConditions(conditions: NetworkConditions): void {
    this.conditions = conditions;
  }

  /** The transport bound at `address`; one per address. */
  endpoint(address: RemoteAddress): MemoryTransport {
    const key = addressKey(address);
    const existing = this.endpoints.get(key);
    if (existing !== undefined && !existing.closed) return existing;
    const endpoint = new MemoryTransport(this, { address: address.address, port: address.port });
    this.endpoints.set(key, endpoint);
    return endpoint;
  }

  /** @internal called by MemoryTransport.send */
  carry(datagram: Buffer, from: MemoryTransport, to: RemoteAddress): void {
    this.stats.sent++;
    const { lossRate = 0, duplicateRate = 0 } = this.conditions;
    if (!from.reachable || this.random() < lossRate) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random() < duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      // Each copy is its own bytes: the sender may reuse its buffer at once.
      const bytes = Buffer.from(datagram);
      const source = from.localAddress();
      this.clock.setTimer(this.delay(), () => this.deliver(bytes, source, to));
    }
  }

  private delay(): number {
    const min = this.conditions.minDelayMs ?? 0;
    const max = Math.max(min, this.conditions.maxDelayMs ?? min);
    return min + this.random() * (max - min);
  }

  private deliver(datagram: Buffer, from: RemoteAddress, to: RemoteAddress): void {
    const target = this.endpoints.get(addressKey(to));
    if (target === undefined || target.closed || !target.reachable) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    try {
      target.listener?.(datagram, from);
    } catch (error) {
      this.logger.error('memory network listener threw', { error, to: addressKey(to) });
    }
  }
}

export class MemoryTransport implements Transport {
  listener: DatagramListener | undefined;
  closed = false;
  /** False simulates a host that vanished: nothing it sends or is sent arrives. */
  reachable = true;

  constructor(
    private readonly network: MemoryNetwork,
    private readonly address: RemoteAddress,
  ) {}

  send(datagram: Buffer, to: RemoteAddress): void {
    if (this.closed) return;
    this.network.carry(datagram, this, to);
  }

  onDatagram(listener: DatagramListener): void {
    this.listener = listener;
  }

  localAddress(): RemoteAddress {
    return { ...this.address };
  }

  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  close(): void {
    this.closed = true;
    this.listener = undefined;
  }
}
