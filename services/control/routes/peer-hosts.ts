/**
 * A peer written through the API may not point the platform at an internal address: its
 * `host=` and `defaultip=` pass the static-host rules (shared/model/peer-address-policy.ts)
 * with the operator's allowed networks, or the write is a 400 naming the field. Host names
 * pass here; the switch checks the address a name resolves to when it calls.
 */
import { refusedPeerHost, type AllowedNetworks } from '../../../shared/model/peer-address-policy.ts';
import { badRequest } from '../http/api-error.ts';

export function checkPeerHosts(peer: { host?: string | undefined; defaultip?: string | undefined }, allowed: AllowedNetworks): void {
  for (const field of ['host', 'defaultip'] as const) {
    const value = peer[field];
    const why = value === undefined ? undefined : refusedPeerHost(value, allowed);
    if (why !== undefined) throw badRequest(`${field}: ${why}`, field);
  }
}
