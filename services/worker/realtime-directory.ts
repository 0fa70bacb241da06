/**
 * The engine's PeerDirectory and the registrar's peer lookup, served from the peers table
 * through the rtcachefriends cache (chan_iax2's realtime semantics). A name the cache holds
 * (a peer, or one known not to exist) answers synchronously (a stale entry is revalidated in
 * the background), so the engine's call setup does not even yield for it; a miss reads the
 * table, unless too many reads are waiting already (then DirectoryBusyError: the request is
 * dropped and retransmitted). Answers are checked against the peer as the table has it within
 * RECHECK_WITHIN_MS (answer-check.ts). Which names may come without a call token is known
 * without a read (token-exempt-names.ts). `dbsecret=family/key` reads the owner's tenant's
 * astdb. A NEW without USERNAME is matched to the peer whose live registration on this worker
 * has that source address and port, as Asterisk matches a registered friend.
 */
import { parseAcl } from '../iax2/acl.ts';
import { FULL_BANDWIDTH, formatByName } from '../iax2/codec/formats.ts';
import { DirectoryBusyError, type IaxPeer, type IaxUser, type PeerDirectory } from '../iax2/peer-directory.ts';
import type { RemoteAddress } from '../iax2/transport.ts';
import type { AstdbTable } from '../../shared/store/astdb-table.ts';
import { CacheBusyError, type PeerCache } from '../../shared/store/peer-cache.ts';
import type { PeerRecord } from '../../shared/store/peers-table.ts';

/** Which peer holds a live registration at an address (the registrar of this worker knows). */
export interface RegisteredPeers {
  peerAt(address: string, port: number): string | undefined;
  addressOf(name: string): RemoteAddress | undefined;
}

/** An answer is checked against a copy of the peer read at most this long ago. */
export const RECHECK_WITHIN_MS = 2000;
/** A failed answer is checked again after a read, unless one happened this recently. */
export const FORCED_RECHECK_WITHIN_MS = 500;

export class RealtimeDirectory implements PeerDirectory {
  constructor(
    private readonly peers: PeerCache<PeerRecord>,
    private readonly astdb: AstdbTable,
    private readonly registered: RegisteredPeers = { peerAt: () => undefined, addressOf: () => undefined },
    /** Names with requirecalltoken=no, kept fresh from the table (none: nobody is exempt). */
    private readonly exempt: { has(name: string): boolean } = { has: () => false },
  ) {}

  /** A NEW naming `name` (none: the registered friend at `from`, else guest) may come without a token. */
  tokenExempt(name: string | undefined, from: RemoteAddress): boolean {
    return this.exempt.has(name ?? this.registered.peerAt(from.address, from.port) ?? 'guest');
  }

  /** For the registrar: a REGREQ naming `name` may come without a token. */
  peerTokenExempt(name: string): boolean {
    return this.exempt.has(name);
  }

  recheckUser(name: string, force: boolean): IaxUser | undefined | Promise<IaxUser | undefined> {
    return this.recheck(name, force, (record) => (record.type === 'peer' ? undefined : toIaxUser(record)));
  }

  recheckPeer(name: string, force: boolean): IaxPeer | undefined | Promise<IaxPeer | undefined> {
    return this.recheck(name, force, (record) => (record.type === 'user' ? undefined : toIaxPeer(record)));
  }

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
    // A name seen before answers at once, even while its entry is being revalidated: a burst
    // of NEWs from a box is challenged without waiting on the store, and a name that does not
    // exist is answered just as fast as one that does.
    const known = this.peers.known(name);
    if (known !== undefined) return known.value === undefined ? undefined : convert(known.value);
    return settleRead(this.peers.get(name), convert);
  }

  private recheck<T>(name: string, force: boolean, convert: (record: PeerRecord) => T | undefined): T | undefined | Promise<T | undefined> {
    const found = this.peers.recheck(name, force ? FORCED_RECHECK_WITHIN_MS : RECHECK_WITHIN_MS);
    if (!(found instanceof Promise)) return found === undefined ? undefined : convert(found);
    return settleRead(found, convert);
  }
}

/** A read's record converted; a saturated cache is the engine's DirectoryBusyError (drop, do not refuse). */
function settleRead<T>(read: Promise<PeerRecord | undefined>, convert: (record: PeerRecord) => T | undefined): Promise<T | undefined> {
  return read.then(
    (record) => (record === undefined ? undefined : convert(record)),
    (error: unknown) => {
      throw error instanceof CacheBusyError ? new DirectoryBusyError() : error;
    },
  );
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
