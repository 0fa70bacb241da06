// Which process holds the IPv4 UDP socket bound to a port, from /proc (Linux): the socket's
// inode from /proc/net/udp, then the process with that inode among its open files. The
// worker-process test and bench:relay-real's npm-start target both find the relay this way.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const allPids = (): number[] => readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);

/** The pid holding the UDP socket on `port`, looked for among `pids` (default: every process). */
export function udpSocketHolder(port: number, pids: readonly number[] = allPids()): number | undefined {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const line = readFileSync('/proc/net/udp', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1]?.endsWith(hex));
  const inode = line?.trim().split(/\s+/)[9];
  if (inode === undefined) return undefined;
  for (const pid of pids) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`)) return pid;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}
