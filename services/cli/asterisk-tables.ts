/**
 * Tables shaped like Asterisk's CLI output, so an operator reads `strowger show peers` the way
 * they read `iax2 show peers`: the same columns, fixed widths (printf's %-N.Ns: padded and
 * cut), and the same summary line.
 */

/** Left-aligned in `width`, cut to it (printf `%-N.Ns`). */
export const fit = (text: string, width: number): string => text.slice(0, width).padEnd(width);
/** Right-aligned in `width` (printf `%Ns`). */
export const right = (text: string, width: number): string => text.slice(0, width).padStart(width);
const zeros = (n: number, width = 5): string => String(Math.max(0, Math.trunc(n))).padStart(width, '0');

export interface PeerRow {
  name: string;
  username?: string;
  host?: string;
  port: number;
  trunk: boolean;
  encryption: boolean;
  qualify: number | false;
  description?: string;
  status?: { registered: boolean; address?: string; port?: number; refreshS?: number; workerId?: string; qualify: { status: string; latencyMs?: number } };
}

function peerStatusText(peer: PeerRow): string {
  if (peer.qualify === false) return 'Unmonitored';
  const qualify = peer.status?.qualify ?? { status: 'UNKNOWN' };
  return qualify.latencyMs === undefined || qualify.status === 'UNREACHABLE' || qualify.status === 'UNKNOWN' ? qualify.status : `${qualify.status} (${qualify.latencyMs} ms)`;
}

/** `iax2 show peers`. */
export function showPeersTable(peers: readonly PeerRow[]): string {
  const line = (...cols: [string, string, string, string, string, string, string, string]): string =>
    `${fit(cols[0], 15)}  ${fit(cols[1], 15)} ${cols[2]}  ${fit(cols[3], 15)}  ${fit(cols[4], 8)}  ${cols[5]} ${fit(cols[6], 11)} ${fit(cols[7], 32)}`.trimEnd();
  const lines = [line('Name/Username', 'Host', '   ', 'Mask', 'Port', '   ', 'Status', 'Description')];
  let online = 0;
  let offline = 0;
  let unmonitored = 0;
  for (const peer of peers) {
    const dynamic = peer.host === 'dynamic';
    const registered = peer.status?.registered === true;
    const host = dynamic ? (registered ? (peer.status?.address ?? '(Unspecified)') : '(Unspecified)') : (peer.host ?? '(Unspecified)');
    const port = dynamic ? (registered ? (peer.status?.port ?? 0) : 0) : peer.port;
    const status = peerStatusText(peer);
    if (status === 'Unmonitored') unmonitored++;
    else if (status.startsWith('OK') || status.startsWith('LAGGED')) online++;
    else offline++;
    lines.push(line(
      peer.username === undefined ? peer.name : `${peer.name}/${peer.username}`,
      host,
      dynamic ? '(D)' : '(S)',
      '255.255.255.255',
      `${String(port).padEnd(5)}${peer.trunk ? '(T)' : '   '}`,
      peer.encryption ? '(E)' : '   ',
      status,
      peer.description ?? '',
    ));
  }
  lines.push(`${peers.length} iax2 peers [${online} online, ${offline} offline, ${unmonitored} unmonitored]`);
  return `${lines.join('\n')}\n`;
}

/**
 * `iax2 show registry`, seen from the platform: the tenant's peers registered to it, and (our
 * column) the worker holding each box's flow, its owner.
 */
export function showRegistryTable(peers: readonly PeerRow[]): string {
  const line = (host: string, dnsmgr: string, user: string, perceived: string, refresh: string, state: string, worker: string): string =>
    `${fit(host, 20)}  ${fit(dnsmgr, 6)}  ${fit(user, 10)}  ${fit(perceived, 20)} ${right(refresh, 8)}  ${fit(state, 12)}  ${worker}`;
  const lines = [line('Host', 'dnsmgr', 'Username', 'Perceived', 'Refresh', 'State', 'Worker')];
  const registered = peers.filter((peer) => peer.status?.address !== undefined);
  for (const peer of registered) {
    const status = peer.status;
    const address = `${status?.address ?? ''}:${status?.port ?? ''}`;
    lines.push(line(address, 'N', peer.name, address, String(status?.refreshS ?? ''), status?.registered === true ? 'Registered' : 'Unregistered', status?.workerId ?? ''));
  }
  lines.push(`${registered.length} IAX2 registrations.`);
  return `${lines.join('\n')}\n`;
}

export interface ChannelRow {
  channel: string;
  peerAddress: string;
  username?: string;
  localCallNumber: number;
  remoteCallNumber: number;
  txSeq: number;
  rxSeq: number;
  lagMs?: number;
  jitterMs?: number;
  format: string;
  firstMessageAt: number;
  lastMessageAt: number;
}

const ago = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))}s ago`;

/** `iax2 show channels`. */
export function showChannelsTable(calls: readonly ChannelRow[], now: number): string {
  const line = (...c: [string, string, string, string, string, string, string, string, string, string, string]): string =>
    `${fit(c[0], 20)}  ${fit(c[1], 15)}  ${fit(c[2], 10)}  ${fit(c[3], 11)}  ${fit(c[4], 11)}  ${fit(c[5], 7)}  ${fit(c[6], 6)}  ${fit(c[7], 6)}  ${c[8]}  ${c[9]}  ${right(c[10], 9)}`;
  const lines = [line('Channel', 'Peer', 'Username', 'ID (Lo/Rem)', 'Seq (Tx/Rx)', 'Lag', 'Jitter', 'JitBuf', 'Format', 'FirstMsg', 'LastMsg')];
  for (const call of calls) {
    lines.push(line(
      call.channel,
      call.peerAddress,
      call.username ?? '(None)',
      `${zeros(call.localCallNumber)}/${zeros(call.remoteCallNumber)}`,
      `${zeros(call.txSeq)}/${zeros(call.rxSeq)}`,
      call.lagMs === undefined ? '-' : `${zeros(call.lagMs)}ms`,
      call.jitterMs === undefined ? '-' : `${zeros(call.jitterMs, 4)}ms`,
      '-',
      fit(call.format, 6),
      fit(ago(now - call.firstMessageAt), 8),
      ago(now - call.lastMessageAt),
    ));
  }
  lines.push(`${calls.length} active IAX channel${calls.length === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

/** A plain aligned table for listings with no Asterisk counterpart. */
export function plainTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const render = (cells: readonly string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return `${[render(headers), ...rows.map(render)].join('\n')}\n`;
}
