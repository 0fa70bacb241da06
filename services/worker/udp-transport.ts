/**
 * The engine's Transport on a real UDP socket (node:dgram). A worker must outlive anything the
 * network throws at it: socket errors (ICMP unreachable and the like) are logged and counted,
 * send() never throws, and a listener that throws is caught and logged, so one bad datagram
 * never kills the worker.
 *
 * The relay's hot path, both ways: a send copies nothing while the socket's queue is empty (the
 * kernel takes the bytes there and then) and asks dgram for a completion callback (a process
 * tick) only where an error is worth counting; each datagram is told how long it may have
 * waited in the socket's backlog (BacklogGauge), so the engine can shed stale media.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP, isIPv4 } from 'node:net';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import { addressKey, type DatagramListener, type RemoteAddress, type Transport } from '../iax2/transport.ts';
import { BacklogGauge } from './backlog-gauge.ts';
import { ADJUST_EVERY_MS, ReceiveQueueBound, type ReceiveQueueBoundOptions } from './receive-queue-bound.ts';
import { socketDrops } from './socket-drops.ts';

export interface UdpTransportOptions {
  /** An IP literal. Default 0.0.0.0; an IPv6 address binds a udp6 socket ('::' also takes IPv4). */
  address?: string;
  /** Default 4569 (IANA's port for IAX2); 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** SO_RCVBUF, set after bind. Linux doubles it and caps it at net.core.rmem_max. */
  receiveBufferBytes?: number;
  /** SO_SNDBUF, set after bind. Linux doubles it and caps it at net.core.wmem_max. */
  sendBufferBytes?: number;
  /**
   * Keep the receive queue short in time (receive-queue-bound.ts): the receive buffer follows
   * the read rate, between the bound's floor and ceiling. Off unless given.
   */
  receiveQueue?: ReceiveQueueBoundOptions;
}

export interface UdpTransportCounters {
  /** Datagrams read from the socket. */
  received: number;
  /** Datagrams handed to the socket (a later kernel refusal also counts in sendErrors). */
  sent: number;
  /**
   * Sends refused: a bad destination at once, or the kernel afterwards. The kernel's answer is
   * heard for every full frame and one in 32 other datagrams (a callback per media datagram
   * would cost a process tick each), so a destination refusing everything still shows.
   */
  sendErrors: number;
  /** 'error' events on the socket. */
  socketErrors: number;
  /** Datagrams whose listener threw. */
  listenerErrors: number;
}

const IPV4_MAPPED_PREFIX = '::ffff:';
/** Datagrams other than full frames sent with a completion callback: one in this many. */
const MEDIA_REPORT_EVERY = 32;

export class UdpTransport implements Transport {
  private readonly families = new Map<string, number>();
  readonly counters: UdpTransportCounters = { received: 0, sent: 0, sendErrors: 0, socketErrors: 0, listenerErrors: 0 };
  /** Resolves once the socket has closed, after close(). */
  readonly closed: Promise<void>;
  private listener: DatagramListener | undefined;
  private isClosed = false;
  private readonly local: RemoteAddress;
  /** udp6 sockets speak IPv4 as ::ffff:a.b.c.d; the engine sees and gives plain a.b.c.d. */
  private readonly ipv6: boolean;
  private readonly backlog = new BacklogGauge();
  private mediaSends = 0;
  private readonly queueBound: ReceiveQueueBound | undefined;
  private readonly queueTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly logger: Logger,
    receiveQueue: ReceiveQueueBoundOptions | undefined,
  ) {
    const { address, port, family } = socket.address();
    this.local = { address, port };
    this.ipv6 = family === 'IPv6';
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('message', (datagram, info) => this.receive(datagram, info.address, info.port));
    if (receiveQueue !== undefined) {
      const bound = new ReceiveQueueBound(performance.now(), socket.getRecvBufferSize(), receiveQueue);
      this.queueBound = bound;
      this.queueTimer = setInterval(() => this.resizeReceiveBuffer(bound), ADJUST_EVERY_MS).unref();
    }
    socket.on('error', (error) => {
      this.counters.socketErrors++;
      this.logger.warn('udp socket error', { error });
    });
  }

  /** Binds a socket; rejects on a bad option or a failed bind (EADDRINUSE, EADDRNOTAVAIL...). */
  static bind(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const address = options.address ?? '0.0.0.0';
    const port = options.port ?? 4569;
    const family = isIP(address);
    if (family === 0) return Promise.reject(new TypeError(`UDP bind address ${JSON.stringify(address)} is not an IP address`));
    if (!(Number.isInteger(port) && port >= 0 && port <= 0xffff)) return Promise.reject(new RangeError(`UDP port ${port} is outside 0..65535`));
    for (const [name, bytes] of [
      ['receiveBufferBytes', options.receiveBufferBytes],
      ['sendBufferBytes', options.sendBufferBytes],
    ] as const) {
      if (bytes !== undefined && !(Number.isInteger(bytes) && bytes > 0 && bytes <= 0x7fffffff)) {
        return Promise.reject(new RangeError(`${name} ${bytes} must be a positive integer`));
      }
    }
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: false, lookup: literalLookup });
    const logger = (options.logger ?? silentLogger).child({ component: 'udp-transport' });
    return new Promise((resolve, reject) => {
      const onBindError = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', onBindError);
      socket.bind({ address, port }, () => {
        socket.off('error', onBindError);
        try {
          if (options.receiveBufferBytes !== undefined) socket.setRecvBufferSize(options.receiveBufferBytes);
          if (options.sendBufferBytes !== undefined) socket.setSendBufferSize(options.sendBufferBytes);
        } catch (error) {
          socket.close();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const transport = new UdpTransport(socket, logger, options.receiveQueue);
        logger.info('udp socket bound', { local: addressKey(transport.local), ...transport.bufferSizes() });
        resolve(transport);
      });
    });
  }

  /**
   * Fire and forget; never throws. Returns true when the socket keeps `datagram` itself (it
   * joined a send queue behind a full kernel buffer): the caller must not write into it again.
   * Only IP literals are sent to: a host name would mean a DNS lookup per datagram.
   */
  send(datagram: Buffer, to: RemoteAddress): boolean {
    if (this.isClosed) return false;
    const family = this.familyOf(to.address);
    if (family === 0 || (family === 6 && !this.ipv6)) {
      this.refuse(`destination ${JSON.stringify(to.address)} is not an ${this.ipv6 ? 'IP' : 'IPv4'} address`, to);
      return false;
    }
    const address = family === 4 && this.ipv6 ? IPV4_MAPPED_PREFIX + to.address : to.address;
    const socket = this.socket;
    try {
      // dgram holds the bytes of a send that joins its queue; one sent from an empty queue the
      // kernel copies at once. So: a copy only behind a queue, where the caller's buffer would be held.
      const queued = socket.getSendQueueCount() > 0;
      const bytes = queued ? Buffer.from(datagram) : datagram;
      const full = (datagram[0]! & 0x80) !== 0;
      if (full || this.mediaSends % MEDIA_REPORT_EVERY === 0) socket.send(bytes, to.port, address, this.afterSend);
      else socket.send(bytes, to.port, address);
      if (!full) this.mediaSends++;
      this.counters.sent++;
      // Sent from an empty queue and queued all the same (the kernel's buffer was full): still the caller's bytes.
      return !queued && socket.getSendQueueCount() > 0;
    } catch (error) {
      // Synchronous refusals: a port out of range, a socket closed under us.
      this.refuse((error as Error).message, to, error);
      return false;
    }
  }

  /** isIP, remembered: a relay sends to the same few thousand addresses all the time. */
  private familyOf(address: string): number {
    let family = this.families.get(address);
    if (family === undefined) {
      if (this.families.size >= 65_536) this.families.clear();
      family = isIP(address);
      this.families.set(address, family);
    }
    return family;
  }

  onDatagram(listener: DatagramListener): void {
    this.listener = listener;
  }

  /** The bound address; still answers after close(). */
  localAddress(): RemoteAddress {
    return { address: this.local.address, port: this.local.port };
  }

  /** The socket's buffer sizes as the kernel reports them (for metrics); zeros once closed. */
  bufferSizes(): { receiveBufferBytes: number; sendBufferBytes: number } {
    if (this.isClosed) return { receiveBufferBytes: 0, sendBufferBytes: 0 };
    return { receiveBufferBytes: this.socket.getRecvBufferSize(), sendBufferBytes: this.socket.getSendBufferSize() };
  }

  /** Datagrams the kernel dropped at this socket for a full receive queue (socket-drops.ts); undefined where it cannot say. */
  kernelDrops(): number | undefined {
    return this.isClosed ? undefined : socketDrops(this.local.port, this.ipv6);
  }

  /** Idempotent. Stops delivery at once; `closed` resolves when the socket is gone. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.queueTimer);
    this.listener = undefined;
    this.backlog.close();
    this.socket.close();
  }

  private receive(datagram: Buffer, address: string, port: number): void {
    this.counters.received++;
    this.queueBound?.read(datagram.length);
    const waitedMs = this.backlog.read();
    const from = { address: this.ipv6 ? unmapIpv4(address) : address, port };
    try {
      this.listener?.(datagram, from, waitedMs);
    } catch (error) {
      this.counters.listenerErrors++;
      this.logger.error('datagram listener threw', { error, from: addressKey(from) });
    }
  }

  /** Linux doubles what SO_RCVBUF is asked for: ask half of what the bound wants the kernel to hold. */
  private resizeReceiveBuffer(bound: ReceiveQueueBound): void {
    const kernelBytes = bound.adjust(performance.now());
    if (kernelBytes === undefined || this.isClosed) return;
    try {
      this.socket.setRecvBufferSize(Math.max(1, Math.floor(kernelBytes / 2)));
    } catch (error) {
      this.logger.debug('receive buffer not resized', { error, kernelBytes });
    }
  }

  /** One function for every send, so the hot path allocates no closure; dgram's error names the destination. */
  private readonly afterSend = (error: Error | null): void => {
    if (error === null) return;
    this.counters.sendErrors++;
    this.logger.debug('udp send failed', { error, detail: error.message });
  };

  private refuse(reason: string, to: RemoteAddress, error?: unknown): void {
    this.counters.sendErrors++;
    this.logger.debug('udp send refused', { reason, to: `${to.address}:${to.port}`, error });
  }
}

/**
 * dgram's lookup, for IP literals only, answering at once. The default (dns.lookup) answers an
 * IP literal a tick later, which costs a tick per datagram and holds the caller's buffer.
 */
function literalLookup(
  address: string,
  _options: unknown,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(address);
  if (family !== 0) {
    callback(null, address, family);
    return;
  }
  const error: NodeJS.ErrnoException = new Error(`${JSON.stringify(address)} is not an IP address`);
  error.code = 'EINVAL';
  callback(error, address, 0);
}

/** ::ffff:192.0.2.1 -> 192.0.2.1, so a dual-stack socket reports IPv4 peers as IPv4. */
function unmapIpv4(address: string): string {
  if (!address.startsWith(IPV4_MAPPED_PREFIX)) return address;
  const v4 = address.slice(IPV4_MAPPED_PREFIX.length);
  return isIPv4(v4) ? v4 : address;
}
