/**
 * Every request the engine, the registrar or the switch refuses is counted by its reason and
 * logged, so an operator can tell "wrong password" from "no such route" from "limit reached"
 * without a packet capture. The log is throttled per reason: refusals are what an attacker
 * can cause at will.
 */
import type { Clock } from '../../../shared/clock.ts';
import { LogThrottle } from '../../../shared/log-throttle.ts';
import type { LogContext, Logger } from '../../../shared/logger.ts';

/** Why a NEW, REGREQ or REGREL was refused. Stable: these are metric labels. */
export type RefusalReason =
  /** The engine-wide permit/deny refused the source address. */
  | 'acl'
  /** No CALLTOKEN IE where one is required, or a token that did not validate. */
  | 'token-missing'
  | 'token-invalid'
  /** The per-address or non-validated call-number limit (protocol.md §7.5). */
  | 'call-number-limit'
  /** The budget for dialogs not yet authenticated, per address or in all (call-numbers.ts). */
  | 'setup-limit'
  /** A USERNAME that is empty or longer than any name can be (MAX_NAME_LENGTH): refused before any lookup. */
  | 'bad-username'
  /** A NEW without USERNAME from an address no user or registration matches. */
  | 'no-user'
  /** A VERSION above 2. */
  | 'protocol-version'
  /** `maxauthreq` challenges already outstanding for this user and address (protocol.md §8.6). */
  | 'auth-limit'
  /** The address failed too many challenges lately and is paused (auth-failures.ts). */
  | 'auth-throttled'
  /** A wrong answer, an unknown name, or a user whose ACL refuses the address (one reason outside, several inside). */
  | 'auth-failed'
  | 'unknown-name'
  | 'user-acl'
  /** `forceencryption` and the caller would not encrypt. */
  | 'encryption-required'
  | 'no-common-codec'
  /** Registration: the peer may not register (not `host=dynamic`). */
  | 'not-dynamic'
  /** The registration could not be stored. */
  | 'store-failed';

export class Refusals {
  /** Refusals so far, by reason. */
  readonly counts = new Map<RefusalReason, number>();
  private readonly throttle: LogThrottle;

  constructor(
    private readonly logger: Logger,
    clock: Pick<Clock, 'now'>,
  ) {
    this.throttle = new LogThrottle(() => clock.now());
  }

  /** Counts the refusal and logs it (a few lines per reason per 10 s, the rest counted). */
  /** `context` may be a function: it is built only for the lines that are written (a flood's are not). */
  record(reason: RefusalReason, what: 'call' | 'registration', context: LogContext | (() => LogContext)): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const admitted = this.throttle.admit(reason);
    if (!admitted.write) return;
    const fields = typeof context === 'function' ? context() : context;
    this.logger.info(`${what} refused`, { reason, ...fields, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
}
