/**
 * The engine's only way to the network. The library never owns a socket: the worker gives it
 * a UDP socket behind this interface, tests give it an in-memory pipe.
 */
export interface RemoteAddress {
  /** IPv4 dotted quad or IPv6 text, as node:dgram reports it. */
  address: string;
  port: number;
}

/**
 * `waitedMs`: at most how long the datagram may have waited to be read (a socket's backlog);
 * 0, or absent, when the transport cannot tell or it did not wait.
 */
export type DatagramListener = (datagram: Buffer, from: RemoteAddress, waitedMs?: number) => void;

export interface Transport {
  /**
   * Sends one datagram. Fire and forget: UDP gives no delivery report. The caller may write
   * into `datagram` again once this returns, unless it returns true: then the transport still
   * holds those bytes (queued behind a full socket buffer) and the caller must leave them be.
   */
  send(datagram: Buffer, to: RemoteAddress): boolean | void;
  /** Registers the one receiver of incoming datagrams. */
  onDatagram(listener: DatagramListener): void;
  /** The local address datagrams are sent from. */
  localAddress(): RemoteAddress;
  close(): void;
}

/** "ip:port", or "[ip]:port" for IPv6: the key the engine files peers and calls under. */
export function addressKey(remote: RemoteAddress): string {
  return remote.address.includes(':') ? `[${remote.address}]:${remote.port}` : `${remote.address}:${remote.port}`;
}
