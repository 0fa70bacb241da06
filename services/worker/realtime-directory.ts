/**
 * The engine's PeerDirectory and the registrar's peer lookup, served from the peers table
 * through the rtcachefriends cache (chan_iax2's realtime semantics). A peer the cache holds
 * answers synchronously (a stale entry is revalidated in the background), so the engine's
 * call setup does not even yield for it; a miss reads the table. `dbsecret=family/key` reads
 * the owner's tenant's astdb. A NEW without USERNAME is matched to the peer whose live
 * registration on this worker has that source address and port, as Asterisk matches a
 * registered friend.
 */
import { parseAcl } from '../iax2/acl.ts';
import { FULL_BANDWIDTH, formatByName } from '../iax2/codec/formats.ts';
import type { IaxPeer, IaxUser, PeerDirectory } from '../iax2/peer-directory.ts';
import type { RemoteAddress } from '../iax2/transport.ts';
import type { AstdbTable } from '../../shared/store/astdb-table.ts';
import type { PeerCache } from '../../shared/store/peer-cache.ts';
import type { PeerRecord } from '../../shared/store/peers-table.ts';

/** Which peer holds a live registration at an address (the registrar of this worker knows). */
export interface RegisteredPeers {
  peerAt(address: string, port: number): string | undefined;
  addressOf(name: string): RemoteAddress | undefined;
}

export class RealtimeDirectory implements PeerDirectory {
  constructor(
    private readonly peers: PeerCache<PeerRecord>,
    private readonly astdb: AstdbTable,
    private readonly registered: RegisteredPeers = { peerAt: () => undefined, addressOf: () => undefined },
  ) {}

  /**
   * A NEW without USERNAME: the friend registered from this very address and port (a box
   * whose iax.conf has no `username=` for the platform), authenticated as usual afterwards.
   */
  findUserByAddress(address: string, port: number): IaxUser | undefined | Promise<IaxUser | undefined> {
    const name = this.registered.peerAt(address, port);
    return name === undefined ? undefined : this.findUser(name);
  }

  registeredAddress(name: string): RemoteAddress | undefined {
    return this.registered.addressOf(name);
  }

  findUser(name: string): IaxUser | undefined | Promise<IaxUser | undefined> {
    return this.lookup(name, (record) => (record.type === 'peer' ? undefined : toIaxUser(record)));
  }

  /** For the registrar: peers and friends. */
  findPeer(name: string): IaxPeer | undefined | Promise<IaxPeer | undefined> {
    return this.lookup(name, (record) => (record.type === 'user' ? undefined : toIaxPeer(record)));
  }

  /** The owner's tenant's astdb value: a dbsecret never reads another tenant's entry. */
  async resolveDbSecret(family: string, key: string, owner: string): Promise<string | undefined> {
    const record = await this.peers.get(owner);
    return record === undefined ? undefined : this.astdb.get(record.tenant, family, key);
  }

  private lookup<T>(name: string, convert: (record: PeerRecord) => T | undefined): T | undefined | Promise<T | undefined> {
    // A peer seen before answers at once, even while its entry is being revalidated: a
    // burst of NEWs from a box is challenged without waiting on the store.
    const known = this.peers.known(name);
    if (known !== undefined) return convert(known.value);
    const fresh = this.peers.peek(name);
    if (fresh !== undefined) return fresh.value === undefined ? undefined : convert(fresh.value);
    return this.peers.get(name).then((record) => (record === undefined ? undefined : convert(record)));
  }
}

/** allow/disallow in order, as Asterisk applies them, from full bandwidth (protocol.md §3.4). */
export function capabilityOf(codecs: PeerRecord['codecs']): { capability: bigint; prefs: bigint[] } {
  let capability = FULL_BANDWIDTH;
  let prefs: bigint[] = [];
  for (const { allow, codec } of codecs) {
    if (codec === 'all') {
      capability = allow ? FULL_BANDWIDTH : 0n;
      if (!allow) prefs = [];
      continue;
    }
    const mask = formatByName(codec)?.mask;
    if (mask === undefined) continue;
    if (allow) {
      capability |= mask;
      if (!prefs.includes(mask)) prefs.push(mask);
    } else {
      capability &= ~mask;
      prefs = prefs.filter((p) => p !== mask);
    }
  }
  return { capability, prefs };
}

function inkeyPems(record: PeerRecord): string[] {
  return record.inkeys.flatMap((name) => (record.publicKeys[name] === undefined ? [] : [record.publicKeys[name]]));
}

export function toIaxUser(record: PeerRecord): IaxUser {
  const { capability, prefs } = capabilityOf(record.codecs);
  const user: IaxUser = {
    name: record.name,
    tenant: record.tenant,
    secrets: record.secrets,
    inkeys: inkeyPems(record),
    contexts: record.contexts,
    acl: parseAcl(record.acl),
    capability,
    prefs,
    codecPriority: record.codecpriority,
    encryption: record.encryption,
    forceEncryption: record.forceencryption,
    trunk: record.trunk,
    trunkTimestamps: record.trunktimestamps,
  };
  if (record.callerid !== undefined) user.callerId = record.callerid;
  if (record.dbsecret !== undefined) user.dbsecret = record.dbsecret;
  if (record.auth !== undefined) user.auth = record.auth;
  // `auto` becomes `yes` after the first validated token; until we track that, require one.
  if (record.requirecalltoken === 'no') user.requireCallToken = false;
  return user;
}

export function toIaxPeer(record: PeerRecord): IaxPeer {
  const peer: IaxPeer = {
    name: record.name,
    tenant: record.tenant,
    secrets: record.type === 'peer' ? record.secrets.slice(-1) : record.secrets, // a peer keeps its last secret (protocol.md §8.5)
    inkeys: inkeyPems(record),
    acl: parseAcl(record.acl),
    dynamic: record.host === 'dynamic',
  };
  if (record.dbsecret !== undefined) peer.dbsecret = record.dbsecret;
  if (record.auth !== undefined) peer.auth = record.auth;
  if (record.requirecalltoken === 'no') peer.requireCallToken = false;
  if (record.qualify !== false) {
    peer.qualify = { maxMs: record.qualify, smoothing: record.qualifysmoothing, freqOkMs: record.qualifyfreqok, freqNotOkMs: record.qualifyfreqnotok };
  }
  if (record.callerid !== undefined) peer.callerId = record.callerid;
  if (record.regexten !== undefined) peer.regexten = record.regexten;
  if (record.maxcallnumbers !== undefined) peer.maxCallNumbers = record.maxcallnumbers;
  return peer;
}
