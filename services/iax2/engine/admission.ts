/**
 * Who may open a dialog (protocol.md §7): a NEW, REGREQ or REGREL to call 0 passes, in this
 * order, the engine-wide ACL, the call token (an empty CALLTOKEN IE asks for one; a token
 * that does not validate is refused; none at all is refused unless the source is in a
 * `calltokenoptional` network or the name is one the directory knows, without a read, to have
 * `requirecalltoken=no`), the lookup of the user or peer it names, and the call-number limits
 * (protocol.md §7.5). Only then is a call number taken. The verdict goes to the engine, which
 * owns the socket and sends what it says.
 *
 * Everything before the lookup is synchronous and allocates nothing that outlives the
 * datagram, so a flood without valid tokens costs no store read whatever names it carries.
 * Lookups that do have to wait are bounded: beyond `maxLookupsInFlight` a request is dropped
 * (its sender retransmits) and counted.
 */
import type { Logger } from '../../../shared/logger.ts';
import type { CallNumberAllocator } from '../call/call-numbers.ts';
import { hasIe, IaxCommand, ieBytes, IeId, ieString, type FullFrame } from '../codec/index.ts';
import type { CallTokens } from '../crypto/index.ts';
import { aclAllows, addressBytes, networkContains, parseNetwork, type AclRule, type Network } from '../acl.ts';
import type { RefusalReason } from '../dialog/refusals.ts';
import { DirectoryBusyError, type IaxPeer, type IaxUser } from '../peer-directory.ts';
import { addressKey, type RemoteAddress } from '../transport.ts';

export type Principal = IaxUser | IaxPeer;

const EMPTY = Buffer.alloc(0);

/** The longest user or peer name there can be: an iax.conf section name, as Asterisk allows (80). */
export const MAX_NAME_LENGTH = 80;

export type AdmissionVerdict =
  /** A stateless refusal, for this reason. */
  | { kind: 'refuse'; reason: RefusalReason }
  /** The request asked for a call token: send one. */
  | { kind: 'calltoken' }
  /** Nothing to send: a copy of a request still being looked up, or the engine closed meanwhile. */
  | { kind: 'ignore' }
  /** Open the dialog on `callNumber`. */
  | { kind: 'admit'; callNumber: number; principal: Principal | undefined };

export interface AdmissionOptions {
  logger: Logger;
  tokens: CallTokens;
  /**
   * False: no token is ever handed out, so a request must bring one made elsewhere (the worker
   * mesh mints its own with a shared secret); an empty CALLTOKEN IE is refused like a missing one.
   */
  issueTokens: boolean;
  callNumbers: CallNumberAllocator;
  acl: readonly AclRule[];
  /** `calltokenoptional`: networks whose requests may come without a token. */
  tokenOptional: readonly string[];
  /**
   * True when a request without any CALLTOKEN IE may go on: the user (NEW) or peer
   * (REGREQ/REGREL) it names has `requirecalltoken=no`, known without waiting on a store.
   */
  tokenExempt(frame: FullFrame, from: RemoteAddress): boolean;
  /** Lookups waiting on the directory at once, at most (default 256). */
  maxLookupsInFlight?: number;
  /** A request dropped because too many lookups were waiting already. */
  overloaded?(): void;
  /** The user (NEW) or peer (REGREQ/REGREL) a request names, maybe from a store. */
  lookUp(frame: FullFrame, from: RemoteAddress): Principal | undefined | Promise<Principal | undefined>;
  /**
   * True when a registration lives at this address: the box proved itself there, so its new
   * dialogs are not held to the setup budget (call-numbers.ts).
   */
  proven(from: RemoteAddress): boolean;
  /** True while an address that failed too many challenges gets no new dialogs (auth-failures.ts). */
  paused(ip: string): boolean;
  /**
   * False when a NEW naming `principal` from `from` would only be refused for `maxauthreq`
   * once opened (auth-req-limits.ts): then it is refused here, statelessly, with the same
   * cause, and holds no call number.
   */
  challengeRoom(frame: FullFrame, from: RemoteAddress, principal: Principal | undefined): boolean;
  /** Whether the dialog this request opened exists already (a retransmission that raced the lookup). */
  opened(from: RemoteAddress, sourceCall: number): boolean;
}

export class Admission {
  private readonly tokenOptional: Network[];
  /** Requests whose lookup is still running, so a retransmission does not start another. */
  private readonly pending = new Set<string>();
  private readonly maxLookupsInFlight: number;
  private closed = false;

  constructor(private readonly options: AdmissionOptions) {
    this.tokenOptional = options.tokenOptional.map(parseNetwork);
    this.maxLookupsInFlight = options.maxLookupsInFlight ?? 256;
  }

  /** Lookups waiting on the directory now. */
  get lookupsInFlight(): number {
    return this.pending.size;
  }

  /** Decides on `frame`; `decide` is called once, synchronously when no lookup had to wait. */
  check(frame: FullFrame, from: RemoteAddress, decide: (verdict: AdmissionVerdict) => void): void {
    if (!aclAllows(this.options.acl, from.address)) return decide({ kind: 'refuse', reason: 'acl' });
    let validated = false;
    if (hasIe(frame.ies, IeId.CALLTOKEN)) {
      const bytes = ieBytes(frame.ies, IeId.CALLTOKEN) ?? EMPTY;
      if (bytes.length === 0) return decide(this.options.issueTokens ? { kind: 'calltoken' } : { kind: 'refuse', reason: 'token-missing' });
      if (this.options.tokens.validate(bytes, from) !== 'valid') return decide({ kind: 'refuse', reason: 'token-invalid' });
      validated = true;
    } else if (!this.tokenOptionalFor(from.address) && !this.options.tokenExempt(frame, from)) {
      return decide({ kind: 'refuse', reason: 'token-missing' });
    }
    // A name no user or peer can have is refused here, so it never reaches a store (which
    // would refuse an empty key with an error of its own).
    const username = ieString(frame.ies, IeId.USERNAME);
    if (username !== undefined && (username.length === 0 || username.length > MAX_NAME_LENGTH)) return decide({ kind: 'refuse', reason: 'bad-username' });
    // After the token: only an address that proved itself can have earned a pause, and a box
    // registered there is not held to what someone else behind its NAT did.
    if (!this.options.proven(from) && this.options.paused(from.address)) return decide({ kind: 'refuse', reason: 'auth-throttled' });
    const key = `${addressKey(from)}#${frame.sourceCall}`;
    if (this.pending.has(key)) return decide({ kind: 'ignore' });
    let found: Principal | undefined | Promise<Principal | undefined>;
    try {
      found = this.options.lookUp(frame, from);
    } catch (error) {
      this.options.logger.error('peer directory lookup failed', { error });
      found = undefined;
    }
    if (!(found instanceof Promise)) {
      decide(this.limits(frame, from, validated, found));
      return;
    }
    // A directory that has to go to its store: hold further copies of this request meanwhile,
    // and never more than so many requests at once (the store is slow, or someone is flooding
    // names it does not hold).
    if (this.pending.size >= this.maxLookupsInFlight) {
      void found.catch(() => undefined);
      this.options.overloaded?.();
      return decide({ kind: 'ignore' });
    }
    this.pending.add(key);
    found
      .then(
        (principal) => {
          this.pending.delete(key);
          if (this.closed || this.options.opened(from, frame.sourceCall)) decide({ kind: 'ignore' });
          else decide(this.limits(frame, from, validated, principal));
        },
        (error: unknown) => {
          this.pending.delete(key);
          // A busy or unreachable store: drop, and the sender's retransmission tries again. A
          // decoy here would fail a real caller's authentication.
          if (error instanceof DirectoryBusyError) this.options.overloaded?.();
          else this.options.logger.error('peer directory lookup failed', { error });
          decide({ kind: 'ignore' });
        },
      )
      .catch((error: unknown) => this.options.logger.error('request handling failed', { error }));
  }

  /** After the lookup: the token exemption confirmed, then the call-number limits (protocol.md §7.4, §7.5). */
  private limits(frame: FullFrame, from: RemoteAddress, validated: boolean, principal: Principal | undefined): AdmissionVerdict {
    if (!validated && !this.tokenOptionalFor(from.address) && principal?.requireCallToken !== false) {
      return { kind: 'refuse', reason: 'token-missing' };
    }
    if (frame.subclass === IaxCommand.NEW && !this.options.challengeRoom(frame, from, principal)) return { kind: 'refuse', reason: 'auth-limit' };
    const callNumber = this.options.callNumbers.allocate(from.address, validated, false, !this.options.proven(from));
    if (typeof callNumber !== 'number') return { kind: 'refuse', reason: callNumber === 'setup-limit' ? 'setup-limit' : 'call-number-limit' };
    return { kind: 'admit', callNumber, principal };
  }

  /** A call token for `from` (the CALLTOKEN reply's content, protocol.md §7.3). */
  issueToken(from: RemoteAddress): Buffer {
    return this.options.tokens.issue(from);
  }

  private tokenOptionalFor(address: string): boolean {
    const bytes = addressBytes(address);
    return bytes !== undefined && this.tokenOptional.some((network) => networkContains(network, bytes));
  }

  close(): void {
    this.closed = true;
  }
}

/** Which request a verdict is about, for the refusal's log line. */
export function requestKind(frame: FullFrame): 'call' | 'registration' {
  return frame.subclass === IaxCommand.NEW ? 'call' : 'registration';
}
