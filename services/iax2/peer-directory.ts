/**
 * What the engine needs to know about the users and peers it serves, asked through an
 * injected directory (a config file, DynamoDB through the realtime cache, or a test table).
 * Field names follow iax.conf (test/fixtures/seeds/chan_iax-notes.txt).
 */
import type { AclRule } from './acl.ts';
import type { CodecPriority } from './engine/codec-negotiation.ts';
import type { RemoteAddress } from './transport.ts';

export type AuthMethodName = 'plaintext' | 'md5' | 'rsa';

/** What users (who call us) and peers (who register) share: who they are and how they prove it. */
export interface IaxPrincipal {
  /** The IAX2 name (USERNAME IE). */
  name: string;
  /** Owning tenant, for the platform; opaque to the engine. */
  tenant?: string;
  /** Every accepted secret (several `secret=` lines or ';'-joined). */
  secrets: readonly string[];
  /** `dbsecret=family/key`: looked up through the directory at authentication time. */
  dbsecret?: string;
  /** `inkeys=a:b:c`: PEM public keys (BEGIN PUBLIC KEY), tried in order. */
  inkeys: readonly string[];
  /** `auth=`; default: md5 (+rsa with inkeys) with a secret, rsa with only inkeys (protocol.md §8.1). */
  auth?: readonly AuthMethodName[];
  /** `permit=`/`deny=`, last match wins. */
  acl: readonly AclRule[];
  /** `requirecalltoken=`; undefined = the engine's default (yes). */
  requireCallToken?: boolean;
}

export interface IaxUser extends IaxPrincipal {
  /** `context=` lines; the first is the default. */
  contexts: readonly string[];
  /** `allow=`/`disallow=` result, as a mask, and the allow order. */
  capability: bigint;
  prefs: readonly bigint[];
  codecPriority?: CodecPriority;
  /** `encryption=aes128` / `forceencryption=yes`. */
  encryption?: boolean;
  forceEncryption?: boolean;
  /** `maxauthreq`, default 3. */
  maxAuthReq?: number;
  trunk?: boolean;
  /** `callerid=`: replaces whatever caller ID this user's calls carry. */
  callerId?: { name?: string; number?: string };
  /** `trunktimestamps`: trunk entries to this user carry the call's own timestamps. */
  trunkTimestamps?: boolean;
}

/**
 * A directory that cannot take another lookup now (too many reads already waiting on its
 * store): the request is dropped, not refused, and its sender's retransmission tries again.
 */
export class DirectoryBusyError extends Error {
  constructor() {
    super('peer directory busy: too many lookups in flight');
    this.name = 'DirectoryBusyError';
  }
}

export interface PeerDirectory {
  /** The user called `name`, or undefined. May be served from a cache. */
  findUser(name: string): Promise<IaxUser | undefined> | IaxUser | undefined;
  /** The user for a NEW without USERNAME: by source address (static hosts), else `guest`. */
  findUserByAddress?(address: string, port: number): Promise<IaxUser | undefined> | IaxUser | undefined;
  /**
   * `dbsecret`: the astdb value at family/key for the user or peer called `owner` (a hosted
   * directory reads the owner's tenant's astdb).
   */
  resolveDbSecret?(family: string, key: string, owner: string): Promise<string | undefined> | string | undefined;
  /**
   * Where `name` is registered now, if it is: the flow that proved its secret. A burst of
   * calls from there is the peer itself, so it is not held to `maxauthreq` (protocol.md §8.6).
   */
  registeredAddress?(name: string): RemoteAddress | undefined;
  /**
   * True when a NEW naming `name` (undefined: a NEW without USERNAME from `from`) may come
   * without a call token (`requirecalltoken=no`), answered without waiting on a store: a
   * token-less flood must cost no reads. Without it, only a directory that answers
   * synchronously is asked.
   */
  tokenExempt?(name: string | undefined, from: RemoteAddress): boolean;
  /**
   * The user called `name` as the store has it now, to check an AUTHREP against: the cached
   * copy when it was checked very recently, else a fresh read (`force`: unless one just
   * happened). A changed secret or a deleted user takes effect within seconds (answer-check.ts).
   */
  recheckUser?(name: string, force: boolean): Promise<IaxUser | undefined> | IaxUser | undefined;
}

/** AUTHMETHODS a user or peer is asked for, per Asterisk's defaults (protocol.md §8.1). */
export function authMethodsFor(principal: IaxPrincipal): AuthMethodName[] {
  if (principal.auth !== undefined) return [...principal.auth];
  const hasSecret = principal.secrets.length > 0 || principal.dbsecret !== undefined;
  if (hasSecret) return principal.inkeys.length > 0 ? ['md5', 'rsa'] : ['md5'];
  return principal.inkeys.length > 0 ? ['rsa'] : ['md5'];
}

/** True when the user needs no authentication at all (no secret, no inkeys, protocol.md §6.2). */
export function isUnauthenticated(user: IaxUser): boolean {
  return user.secrets.length === 0 && user.dbsecret === undefined && user.inkeys.length === 0;
}

/** A peer as the registrar sees it (`type=peer`/`friend` in iax.conf). */
export interface IaxPeer extends IaxPrincipal {
  /** `host=dynamic`: only these may register. */
  dynamic: boolean;
  /** Voicemail counts for MSGCOUNT in REGACK (present only with a mailbox). */
  mailbox?: { newMessages: number; oldMessages: number };
  /** `callerid`, sent in REGACK when set. */
  callerId?: { number?: string; name?: string };
  /** `qualify=yes|<maxms>`, `qualifysmoothing`, `qualifyfreqok`, `qualifyfreqnotok`. */
  qualify?: { maxMs: number; smoothing?: boolean; freqOkMs?: number; freqNotOkMs?: number };
  regexten?: string;
  regcontext?: string;
  /** A peer's own `maxcallnumbers`, applied to its address once it registers. */
  maxCallNumbers?: number;
}
