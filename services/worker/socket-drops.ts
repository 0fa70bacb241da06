/**
 * Datagrams the kernel dropped because a socket's receive queue was full: the last column of
 * the socket's line in /proc/net/udp (udp6 for IPv6 sockets), found by its local port. This is
 * where a worker that is behind sheds most (receive-queue-bound.ts), so the figures must show
 * it. Undefined where there is no /proc (not Linux) or no such socket.
 */
import { readFileSync } from 'node:fs';

export function socketDrops(port: number, ipv6: boolean): number | undefined {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let table: string;
  try {
    table = readFileSync(ipv6 ? '/proc/net/udp6' : '/proc/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  let drops: number | undefined;
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
    if (fields.length < 13 || !fields[1]!.endsWith(hexPort)) continue;
    drops = (drops ?? 0) + Number(fields[fields.length - 1]);
  }
  return drops;
}
