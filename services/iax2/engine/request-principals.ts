/**
 * What admission needs to know about the user or peer a dialog-opening request names
 * (protocol.md §7, §8.6), asked of the directory (NEW) or the registrar (REGREQ, REGREL):
 * who it is, whether it may come without a call token, and whether maxauthreq leaves room to
 * challenge it from this address. Kept out of the engine so that file is about datagrams.
 */
import { aclAllows } from '../acl.ts';
import { IaxCommand, IeId, ieString, type FullFrame } from '../codec/index.ts';
import { isUnauthenticated, type IaxPeer, type IaxUser, type PeerDirectory } from '../peer-directory.ts';
import type { RemoteAddress } from '../transport.ts';
import type { Principal } from './admission.ts';
import { DEFAULT_MAX_AUTHREQ, type AuthReqLimits } from './auth-req-limits.ts';

/** The registrar's part: its peers, and which of them may come without a token. */
export interface PeerSide {
  findPeer(name: string): IaxPeer | undefined | Promise<IaxPeer | undefined>;
  tokenExempt(name: string): boolean;
}

export class RequestPrincipals {
  constructor(
    private readonly directory: PeerDirectory,
    private readonly authReqs: AuthReqLimits,
    /** The registrar, once installed (REGREQs before then name no one). */
    private readonly peers: () => PeerSide | undefined,
  ) {}

  /** The user a NEW names (by USERNAME; without one, by its source address, else `guest`), or the peer a REGREQ names. */
  lookUp(frame: FullFrame, from: RemoteAddress): Principal | undefined | Promise<Principal | undefined> {
    const name = ieString(frame.ies, IeId.USERNAME);
    if (frame.subclass !== IaxCommand.NEW) return name === undefined ? undefined : this.peers()?.findPeer(name);
    const directory = this.directory;
    if (name !== undefined) return directory.findUser(name);
    const byAddress = directory.findUserByAddress?.(from.address, from.port);
    if (byAddress instanceof Promise) return byAddress.then((user) => user ?? directory.findUser('guest'));
    return byAddress ?? directory.findUser('guest');
  }

  /**
   * Whether a request with no CALLTOKEN IE names a user (NEW) or peer (REGREQ/REGREL) with
   * `requirecalltoken=no`, asked without waiting: a directory that knows says so, one that
   * answers synchronously is asked directly, and anything that would wait is not exempt.
   */
  tokenExempt(frame: FullFrame, from: RemoteAddress): boolean {
    const name = ieString(frame.ies, IeId.USERNAME);
    if (frame.subclass !== IaxCommand.NEW) return name !== undefined && this.peers()?.tokenExempt(name) === true;
    const directory = this.directory;
    if (directory.tokenExempt !== undefined) return directory.tokenExempt(name, from);
    const found = name === undefined ? directory.findUserByAddress?.(from.address, from.port) ?? directory.findUser('guest') : directory.findUser(name);
    return !(found instanceof Promise) && found?.requireCallToken === false;
  }

  /**
   * Whether a NEW for `user` (or the decoy of a name that is none, or whose ACL refuses the
   * address) may still be challenged from `from` under maxauthreq: the same count InboundSetup
   * takes, read before a call number is (auth-req-limits.ts).
   */
  challengeRoom(frame: FullFrame, from: RemoteAddress, user: IaxUser | undefined): boolean {
    const name = ieString(frame.ies, IeId.USERNAME) ?? user?.name;
    if (name === undefined) return true;
    const real = user !== undefined && aclAllows(user.acl, from.address);
    if (real && isUnauthenticated(user)) return true;
    const max = real ? (user.maxAuthReq ?? DEFAULT_MAX_AUTHREQ) : DEFAULT_MAX_AUTHREQ;
    return !this.authReqs.full(name, from, max, this.directory.registeredAddress?.(name));
  }
}
