/**
 * A route's destinations name the peers they dial (`IAX2/<peer>/...`, `target.peer`). A name
 * the tenant has no peer of would fail every call through it (cause 1, "no peer in this
 * tenant", destination.ts) and only the CDRs would say so; so writing such a route is refused
 * unless the caller says it means it (force), e.g. to add routes before their peers. A peer of
 * another tenant counts as missing, in the same words: nothing tells a tenant that a name is
 * in use elsewhere.
 */
import { maskDialSecret } from '../../../shared/iaxconf/secret-mask.ts';
import type { PeersTable } from '../../../shared/store/peers-table.ts';
import { ApiError } from '../http/api-error.ts';

export interface PeerlessDestination {
  /** The destination's position in the route, from 0. */
  index: number;
  /** The dial string, its inline secret masked. */
  dial: string;
  peer: string;
}

/** The destinations whose peer `exists` says the tenant does not have. */
export function destinationsWithoutPeer(
  destinations: ReadonlyArray<{ dial: string; target: { peer: string } }>,
  exists: (peer: string) => boolean,
): PeerlessDestination[] {
  return destinations.flatMap(({ dial, target }, index) => (exists(target.peer) ? [] : [{ index, dial: maskDialSecret(dial), peer: target.peer }]));
}

/** How a missing peer reads in a refusal, an import problem or a warning. */
export function describePeerless(missing: PeerlessDestination, tenant: string): string {
  return `${missing.dial} dials peer "${missing.peer}", which tenant ${tenant} does not have: every call through it would fail`;
}

/** The names of `tenant`'s peers (one query per page; a tenant's peers are bounded by its limit). */
export async function tenantPeerNames(peers: Pick<PeersTable, 'listByTenant'>, tenant: string): Promise<Set<string>> {
  const names = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await peers.listByTenant(tenant, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const peer of page.items) names.add(peer.name);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return names;
}

/**
 * Refuses (409) a route write whose destinations dial peers the tenant does not have, naming
 * each destination and peer, unless `force`. A route has at most 32 destinations: one read
 * per distinct name.
 */
export async function checkRoutePeers(
  peers: Pick<PeersTable, 'get'>,
  tenant: string,
  destinations: ReadonlyArray<{ dial: string; target: { peer: string } }>,
  force: boolean,
): Promise<void> {
  if (force) return;
  const names = [...new Set(destinations.map((d) => d.target.peer))];
  const found = await Promise.all(names.map(async (name) => ((await peers.get(name, tenant)) === undefined ? undefined : name)));
  const present = new Set(found.filter((name) => name !== undefined));
  const missing = destinationsWithoutPeer(destinations, (peer) => present.has(peer));
  if (missing.length === 0) return;
  // No `field`: the message numbers every destination at fault, and there may be several.
  const each = missing.map((m) => `destination ${m.index + 1}: ${describePeerless(m, tenant)}`).join('; ');
  throw new ApiError('STROWGER_ERR_UNKNOWN_PEER', `${each}; add the peer first, or keep the route anyway with force=true (strowger route add --force)`, 409);
}
