/**
 * `maxauthreq` (protocol.md §8.6): how many AUTHREQs a user may have awaiting an answer. Counted
 * per user and source address, so nobody elsewhere can use up a user's allowance and lock it
 * out; from the address the user is registered at (the flow that already proved its secret)
 * a burst of calls is the box itself, and up to REGISTERED_AUTHREQ_LIMIT may be outstanding.
 */
import type { RemoteAddress } from '../transport.ts';
import { addressKey } from '../transport.ts';

/** `maxauthreq` when a user sets none, and for names that do not exist (their decoys count the same). */
export const DEFAULT_MAX_AUTHREQ = 3;

/** Challenges a user may have outstanding from the address it is registered at. */
export const REGISTERED_AUTHREQ_LIMIT = 256;

function limitFor(from: RemoteAddress, maxAuthReq: number, registered: RemoteAddress | undefined): number {
  const fromRegistered = registered !== undefined && registered.address === from.address && registered.port === from.port;
  return fromRegistered ? Math.max(maxAuthReq, REGISTERED_AUTHREQ_LIMIT) : maxAuthReq;
}

export class AuthReqLimits {
  private readonly outstanding = new Map<string, number>();

  /**
   * Counts one more challenge for `user` from `from`, unless `maxAuthReq` (or the
   * registered-address allowance) is reached. Returns the release function, or undefined.
   */
  take(user: string, from: RemoteAddress, maxAuthReq: number, registered: RemoteAddress | undefined): (() => void) | undefined {
    const key = `${user}\n${addressKey(from)}`;
    const count = this.outstanding.get(key) ?? 0;
    if (count >= limitFor(from, maxAuthReq, registered)) return undefined;
    this.outstanding.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.outstanding.get(key) ?? 1) - 1;
      if (left <= 0) this.outstanding.delete(key);
      else this.outstanding.set(key, left);
    };
  }

  /**
   * True when `take` would refuse now: admission asks before a call number is taken, so a flood
   * of NEWs past the limit is refused statelessly instead of each holding a number.
   */
  full(user: string, from: RemoteAddress, maxAuthReq: number, registered: RemoteAddress | undefined): boolean {
    return (this.outstanding.get(`${user}\n${addressKey(from)}`) ?? 0) >= limitFor(from, maxAuthReq, registered);
  }

  /** Users and addresses with challenges outstanding now. */
  get size(): number {
    return this.outstanding.size;
  }
}
