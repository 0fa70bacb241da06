/**
 * The engine's Transport on a real UDP socket (node:dgram). A worker must outlive anything
 * the network throws at it: socket errors (ICMP unreachable and the like) are logged and
 * counted, sends never throw, and a listener that throws is caught and logged.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { DatagramListener, RemoteAddress, Transport } from '../iax2/transport.ts';

export interface UdpTransportOptions {
  /** Default 0.0.0.0; an IPv6 address binds an udp6 socket. */
  address?: string;
  /** Default 4569; 0 picks a free port. */
  port?: number;
  logger?: Logger;
  receiveBufferBytes?: number;
  sendBufferBytes?: number;
}

export class UdpTransport implements Transport {
  readonly counters = { received: 0, sent: 0, sendErrors: 0, socketErrors: 0, listenerErrors: 0 };
  readonly closed: Promise<void>;
  private listener: DatagramListener | undefined;
  private isClosed = false;
  private resolveClosed!: () => void;

  private constructor(
    private readonly socket: Socket,
    private readonly logger: Logger,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.on('message', (datagram, info) => {
      this.counters.received++;
      try {
        this.listener?.(datagram, { address: info.address, port: info.port });
      } catch (error) {
        this.counters.listenerErrors++;
        this.logger.error('datagram listener threw', { error, from: `${info.address}:${info.port}` });
      }
    });
    socket.on('error', (error) => {
      this.counters.socketErrors++;
      this.logger.warn('udp socket error', { error });
    });
    socket.on('close', () => this.resolveClosed());
  }

  static bind(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const address = options.address ?? '0.0.0.0';
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', ipv6Only: false });
    const logger = options.logger ?? silentLogger;
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', onError);
      socket.bind({ address, port: options.port ?? 4569 }, () => {
        socket.off('error', onError);
        if (options.receiveBufferBytes !== undefined) socket.setRecvBufferSize(options.receiveBufferBytes);
        if (options.sendBufferBytes !== undefined) socket.setSendBufferSize(options.sendBufferBytes);
        resolve(new UdpTransport(socket, logger));
      });
    });
  }

  send(datagram: Buffer, to: RemoteAddress): void {
    if (this.isClosed) return;
    try {
      this.socket.send(datagram, to.port, to.address, (error) => {
        if (error !== null && error !== undefined) {
          this.counters.sendErrors++;
          this.logger.debug('udp send failed', { error, to: `${to.address}:${to.port}` });
        }
      });
      this.counters.sent++;
    } catch (error) {
      this.counters.sendErrors++;
      this.logger.debug('udp send refused', { error, to: `${to.address}:${to.port}` });
    }
  }

  onDatagram(listener: DatagramListener): void {
    this.listener = listener;
  }

  localAddress(): RemoteAddress {
    const { address, port } = this.socket.address();
    return { address, port };
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.listener = undefined;
    this.socket.close();
  }
}
