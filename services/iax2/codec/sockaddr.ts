import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip-text.ts';

/**
 * The APPARENT_ADDR IE: the sender copies its in-memory `struct sockaddr` onto the wire
 * (protocol.md §3.3). On Linux that is, for IPv4 (16 bytes):
 *
 *   0      1      2      3      4      5      6      7      8 ... 15
 *  +------+------+------+------+------+------+------+------+----------+
 *  | 02   | 00   | port (BE)   | IPv4 address (4 bytes)    | 8 zeros  |
 *  +------+------+------+------+------+------+------+------+----------+
 *    family, LITTLE-endian
 *
 * and for IPv6 (28 bytes): family 0a 00, port BE, flowinfo (4), address (16), scope id (4,
 * host order). A BSD or macOS Asterisk writes sin_len first (`10 02 ...`); we read that too.
 */
export interface SockAddr {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
  /** IPv6 only: sin6_flowinfo as sent. */
  flowInfo?: number;
  /** IPv6 only: sin6_scope_id, read little-endian as a Linux x86/ARM sender stores it. */
  scopeId?: number;
  /** Present when the sender used the BSD layout (sin_len byte first). */
  layout?: 'bsd';
}

const AF_INET_LINUX = 2;
const AF_INET6_LINUX = 10;
const IPV4_LENGTH = 16;
const IPV6_LENGTH = 28;

/**
 * Reads a sockaddr of `length` bytes. Returns undefined for a layout we do not recognise, so
 * the caller can keep the raw bytes (the receiver does not validate the contents).
 */
export function decodeSockAddr(buf: Buffer, offset: number, length: number): SockAddr | undefined {
  if (length === IPV4_LENGTH) {
    const b0 = buf[offset];
    const b1 = buf[offset + 1];
    const linux = b0 === AF_INET_LINUX && b1 === 0;
    const bsd = b0 === IPV4_LENGTH && b1 === AF_INET_LINUX;
    if (!linux && !bsd) return undefined;
    for (let i = 8; i < 16; i++) if (buf[offset + i] !== 0) return undefined;
    const addr: SockAddr = {
      family: 'IPv4',
      address: formatIPv4(buf, offset + 4),
      port: buf.readUInt16BE(offset + 2),
    };
    if (bsd) addr.layout = 'bsd';
    return addr;
  }
  if (length === IPV6_LENGTH && buf[offset] === AF_INET6_LINUX && buf[offset + 1] === 0) {
    return {
      family: 'IPv6',
      address: formatIPv6(buf, offset + 8),
      port: buf.readUInt16BE(offset + 2),
      flowInfo: buf.readUInt32BE(offset + 4),
      scopeId: buf.readUInt32LE(offset + 24),
    };
  }
  return undefined;
}

export function sockAddrLength(addr: SockAddr): number {
  return addr.family === 'IPv4' ? IPV4_LENGTH : IPV6_LENGTH;
}

/** Writes `addr` at `offset` in the Linux layout (or BSD when asked); returns bytes written. */
export function encodeSockAddr(addr: SockAddr, buf: Buffer, offset: number): number {
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 0xffff) {
    throw new RangeError(`APPARENT_ADDR port ${addr.port} is not 0..65535`);
  }
  if (addr.family === 'IPv4') {
    buf.fill(0, offset, offset + IPV4_LENGTH);
    if (addr.layout === 'bsd') {
      buf[offset] = IPV4_LENGTH;
      buf[offset + 1] = AF_INET_LINUX;
    } else {
      buf[offset] = AF_INET_LINUX;
    }
    buf.writeUInt16BE(addr.port, offset + 2);
    if (!parseIPv4(addr.address, buf, offset + 4)) {
      throw new RangeError(`APPARENT_ADDR address "${addr.address}" is not IPv4`);
    }
    return IPV4_LENGTH;
  }
  buf.fill(0, offset, offset + IPV6_LENGTH);
  buf[offset] = AF_INET6_LINUX;
  buf.writeUInt16BE(addr.port, offset + 2);
  buf.writeUInt32BE(addr.flowInfo ?? 0, offset + 4);
  if (!parseIPv6(addr.address, buf, offset + 8)) {
    throw new RangeError(`APPARENT_ADDR address "${addr.address}" is not IPv6`);
  }
  buf.writeUInt32LE(addr.scopeId ?? 0, offset + 24);
  return IPV6_LENGTH;
}

/** "ip:port", or "[ip]:port" for IPv6, as Asterisk prints addresses. */
export function formatSockAddr(addr: SockAddr): string {
  return addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
}
