/**
 * A route destination (a dial string's target) turned into an outbound call: the peer must be
 * one of the caller's tenant's own (a tenant can never dial an arbitrary host or another
 * tenant's peer); its address comes from its live registration (host=dynamic) or its static
 * host; login, secret, context and codecs follow Dial()'s and iax.conf's rules. A box another
 * worker holds the flow of is reached through that worker (the mesh, docs/architecture.md §6):
 * the destination then names the owner; an owner whose heartbeat has lapsed means the box is
 * unreachable until it registers again (cause 20, at once). The sources serve what they last
 * read when the store fails (registration-reads.ts, the peer cache), so a store outage does
 * not stop calls between boxes already known.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { DialTarget } from '../../../shared/iaxconf/dial-string.ts';
import { expandExtension } from '../../../shared/iaxconf/dial-string.ts';
import type { Registration } from '../../../shared/model/registration.ts';
import type { WorkerRecord } from '../../../shared/model/worker.ts';
import { parseIp } from '../../../shared/model/ip-range.ts';
import { refusedAddress, type AllowedNetworks } from '../../../shared/model/peer-address-policy.ts';
import type { PeerRecord } from '../../../shared/store/peers-table.ts';
import type { OutboundCallOptions } from '../../iax2/engine/outbound-setup.ts';
import type { RemoteAddress } from '../../iax2/transport.ts';
import { capabilityOf } from '../realtime-directory.ts';
import { Cause } from '../../iax2/codec/index.ts';

export interface DestinationSources {
  peer(name: string): Promise<PeerRecord | undefined>;
  /** Where the peer's live registration is (the last one read, when the store fails). */
  registration(name: string): Promise<Pick<Registration, 'address' | 'port' | 'workerId'> | undefined>;
  /** This worker: a registration it owns is called directly. */
  workerId: string;
  /** A live worker by id (none: no mesh, every box is called directly). */
  liveWorker?(id: string): Promise<WorkerRecord | undefined>;
  /** Whether this worker granted `name`'s live registration (it holds the box's flow). */
  holds?(name: string): boolean;
  /** Networks a static host may be in although internal (STROWGER_ALLOWED_PEER_NETWORKS); none: all refused. */
  allowedPeerNetworks?: AllowedNetworks;
}

export type ResolvedDestination =
  | {
      ok: true;
      peer: PeerRecord;
      remote: RemoteAddress;
      /** The worker holding the box's flow, when it is not this one: the leg goes through it. */
      owner?: WorkerRecord;
      options: Omit<OutboundCallOptions, 'remote' | 'capability' | 'format' | 'callingNumber' | 'callingName'>;
      capability: bigint;
      prefs: bigint[];
    }
  | { ok: false; cause: number; why: string };

/** `viaMesh: false` for a call that came over the mesh: it is never handed on again. */
export async function resolveDestination(
  tenant: string,
  target: DialTarget,
  dialled: string,
  sources: DestinationSources,
  how: { viaMesh: boolean } = { viaMesh: true },
): Promise<ResolvedDestination> {
  const peer = await sources.peer(target.peer);
  if (peer === undefined || peer.tenant !== tenant) return { ok: false, cause: Cause.UNALLOCATED, why: `no peer ${target.peer} in this tenant` };
  if (peer.type === 'user') return { ok: false, cause: Cause.UNALLOCATED, why: `${peer.name} is a user: it cannot be called` };
  let remote: RemoteAddress;
  let owner: WorkerRecord | undefined;
  if (peer.host === 'dynamic' || peer.host === undefined) {
    const registration = await sources.registration(peer.name);
    if (registration === undefined) return { ok: false, cause: Cause.SUBSCRIBER_ABSENT, why: `${peer.name} is not registered` };
    remote = { address: registration.address, port: registration.port };
    if (!how.viaMesh && sources.holds?.(peer.name) === false) {
      // Over the mesh, the owner is asked for what only it can do: it must hold the flow itself.
      return { ok: false, cause: Cause.SUBSCRIBER_ABSENT, why: `${peer.name}'s flow is not held here (it is with worker ${registration.workerId})` };
    }
    if (registration.workerId !== sources.workerId && sources.liveWorker !== undefined) {
      if (!how.viaMesh) return { ok: false, cause: Cause.SUBSCRIBER_ABSENT, why: `${peer.name}'s flow moved to worker ${registration.workerId}` };
      owner = await sources.liveWorker(registration.workerId);
      if (owner === undefined) {
        return { ok: false, cause: Cause.SUBSCRIBER_ABSENT, why: `${peer.name} registered through worker ${registration.workerId}, which is gone: unreachable until it registers again` };
      }
    }
  } else {
    const address = isIP(peer.host) !== 0 ? peer.host : await lookup(peer.host).then((r) => r.address, () => undefined);
    if (address === undefined) return { ok: false, cause: Cause.DESTINATION_OUT_OF_ORDER, why: `${peer.host} does not resolve` };
    // The API refuses internal addresses when a host is provisioned, but a host NAME can only be
    // judged here, by the address it resolves to now (shared/model/peer-address-policy.ts).
    const ip = parseIp(address);
    const refused = ip === undefined ? `${address} is not an IP address` : refusedAddress(ip, sources.allowedPeerNetworks ?? []);
    if (refused !== undefined) return { ok: false, cause: Cause.DESTINATION_OUT_OF_ORDER, why: `${peer.host} resolves to ${refused}: the platform does not call internal addresses` };
    remote = { address, port: target.port ?? peer.port };
  }
  const { capability, prefs } = capabilityOf(peer.codecs);
  const options: ResolvedDestination & { ok: true } = {
    ok: true,
    peer,
    remote,
    ...(owner === undefined ? {} : { owner }),
    capability,
    prefs,
    options: {
      calledNumber: target.extension === undefined ? dialled : expandExtension(target.extension, dialled),
      // Dial()'s user wins, then the peer's username=; the secret likewise (a peer uses its last).
      ...(target.user ?? peer.username) === undefined ? {} : { username: target.user ?? peer.username },
      ...((target.secret ?? peer.secrets.at(-1)) === undefined ? {} : { secret: target.secret ?? peer.secrets.at(-1) }),
      ...((target.context ?? peer.peercontext) === undefined ? {} : { calledContext: target.context ?? peer.peercontext }),
      encryption: peer.encryption,
      forceEncryption: peer.forceencryption,
      // A peer provisioned with auth=plaintext asked for passwords in the clear: when it
      // challenges our call with plaintext, it gets PASSWORD as Asterisk would send it.
      allowPlaintext: peer.auth?.includes('plaintext') === true,
    },
  };
  return options;
}
