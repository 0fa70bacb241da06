/**
 * A port the platform wants is taken (EADDRINUSE): one line naming the port, what it is for
 * and the setting that moves it, instead of Node's "bind EADDRINUSE 0.0.0.0:4569".
 */
import type { BindAddress } from '../worker/bind-address.ts';

export interface PlatformPort {
  /** What the port is for, as the operator knows it: "IAX2", "API", "status". */
  what: string;
  protocol: 'udp' | 'tcp';
  bind: BindAddress;
  /** The environment variable that moves it. */
  setting: string;
  /** How the setting moves it, when not directly (the worker mesh's port follows the IAX2 port). */
  note?: string;
}

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  port?: unknown;
}

/** The operator's line for an EADDRINUSE on one of `ports`; undefined for any other error. */
export function portInUseMessage(error: unknown, ports: readonly PlatformPort[]): string | undefined {
  const failure = error as SystemError | null;
  if (typeof failure !== 'object' || failure === null || failure.code !== 'EADDRINUSE') return undefined;
  // UDP sockets fail in bind(), TCP servers in listen().
  const protocol = failure.syscall === 'bind' ? 'udp' : failure.syscall === 'listen' ? 'tcp' : undefined;
  const port = ports.find((p) => p.bind.port === failure.port && (protocol === undefined || p.protocol === protocol));
  if (port === undefined) return `port ${String(failure.port)} is already in use by another program`;
  const where = `${port.protocol} ${port.bind.address}:${port.bind.port}`;
  return `the ${port.what} port (${where}) is already in use by another program; stop it, or set ${port.setting} to another address:port${port.note === undefined ? '' : ` (${port.note})`}`;
}
