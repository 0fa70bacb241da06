/**
 * `STROWGER_DEBUG=peer1,peer2`: like Asterisk's `iax2 set debug peer`, every datagram to or
 * from those peers is logged as one decoded line (Tx/Rx, the peer, the frame). Peers are
 * matched by address: their registration (updated as they re-register) or their static host.
 * Everything else passes straight through, so the tap costs one Map lookup per datagram, and
 * nothing at all when no peer is watched.
 */
import type { Logger } from '../../shared/logger.ts';
import { decodeDatagram, dumpFrame } from '../iax2/codec/index.ts';
import { addressKey, type RemoteAddress, type Transport } from '../iax2/transport.ts';

export class FrameDebug {
  private readonly byAddress = new Map<string, string>();

  constructor(
    readonly peers: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  /** `name` is now at `remote` (a registration, or its static host). */
  locate(name: string, remote: RemoteAddress): void {
    if (!this.peers.has(name)) return;
    for (const [key, peer] of this.byAddress) if (peer === name) this.byAddress.delete(key);
    this.byAddress.set(addressKey(remote), name);
  }

  /** The transport, with watched peers' datagrams logged both ways. */
  wrap(transport: Transport): Transport {
    if (this.peers.size === 0) return transport;
    return {
      send: (datagram, to) => {
        this.log('Tx', datagram, to);
        return transport.send(datagram, to);
      },
      onDatagram: (listener) =>
        transport.onDatagram((datagram, from, waitedMs) => {
          this.log('Rx', datagram, from);
          listener(datagram, from, waitedMs);
        }),
      localAddress: () => transport.localAddress(),
      close: () => transport.close(),
    };
  }

  private log(direction: 'Tx' | 'Rx', datagram: Buffer, remote: RemoteAddress): void {
    if (this.byAddress.size === 0) return;
    const peer = this.byAddress.get(addressKey(remote));
    if (peer === undefined) return;
    let line: string;
    try {
      line = dumpFrame(decodeDatagram(datagram), { direction });
    } catch {
      line = `${direction}-Frame undecodable, ${datagram.length} bytes (encrypted?): ${datagram.subarray(0, 32).toString('hex')}`;
    }
    this.logger.info(line, { peer, remote: addressKey(remote) });
  }
}

/** `peer1,peer2` → the set; empty for unset. */
export function debugPeersFromEnv(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''));
}
