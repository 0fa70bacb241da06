/**
 * Stateless replies (the CALLTOKEN step, stateless refusals, PONG to a POKE) go to whatever
 * address a datagram claims to come from, and anyone can claim any address. So a reply is never
 * bigger than the request that caused it, and all of them together are held to
 * `repliesPerSecond` and `globalBytesPerSecond`: whatever an attacker spoofs, its victim
 * receives no more bytes than the attacker sent, we amplify nothing (protocol.md §7.2), and a
 * flood does not make us spend a send on every datagram of it. Addresses where a registration
 * lives (`proven`) are answered whatever the flood: their boxes' token requests and qualify
 * POKEs are never crowded out.
 *
 * Refusals and PONGs (12 bytes) are never bigger than their request. A CALLTOKEN reply is 23
 * bytes; every NEW and nearly every REGREQ is longer. A REGREQ for a name of one or two
 * characters is shorter: its bytes are kept as credit for its address (in a small table, least
 * recently heard forgotten first) and the reply goes once the retransmissions have paid for it.
 *
 * Token replies and the rest (refusals, PONGs) have budgets of their own: a token reply is what
 * lets a new caller in, so a flood of requests that earn refusals must not use it up, and a
 * refusal only tells a caller what its retransmission will be told again, so its budget is
 * smaller (every send costs the event loop tens of microseconds).
 */
import type { Clock } from '../../../shared/clock.ts';

export interface ReplyCreditOptions {
  /** Addresses with credit from short requests remembered at most. */
  maxAddresses?: number;
  /** Stateless reply bytes a second to everyone together. */
  globalBytesPerSecond?: number;
  /** CALLTOKEN replies a second to addresses nothing has proved, together (default 5,000). */
  repliesPerSecond?: number;
  /** Other stateless replies (refusals, PONGs) a second to such addresses, together (default 1,000). */
  otherRepliesPerSecond?: number;
}

/** A token reply admits a caller; anything else only informs one. */
export type StatelessReplyKind = 'token' | 'other';

export class ReplyCredit {
  /** Bytes of short requests not yet spent on a reply, by address. */
  private readonly credit = new Map<string, number>();
  private readonly maxAddresses: number;
  private readonly globalBytesPerSecond: number;
  private readonly perSecond: Record<StatelessReplyKind, number>;
  private windowStart = 0;
  private windowSent = 0;
  private readonly windowReplies: Record<StatelessReplyKind, number> = { token: 0, other: 0 };
  private withheldCount = 0;

  constructor(
    private readonly clock: Clock,
    options: ReplyCreditOptions = {},
  ) {
    this.maxAddresses = options.maxAddresses ?? 4096;
    this.globalBytesPerSecond = options.globalBytesPerSecond ?? 4_000_000;
    this.perSecond = { token: options.repliesPerSecond ?? 5_000, other: options.otherRepliesPerSecond ?? options.repliesPerSecond ?? 1_000 };
  }

  /** Replies held back so far, for the engine's figures. */
  get withheld(): number {
    return this.withheldCount;
  }

  /** True (and counted as withheld) when this second's replies of `kind` to unproven addresses are used up already. */
  exhausted(kind: StatelessReplyKind = 'token'): boolean {
    this.roll();
    if (this.windowReplies[kind] < this.perSecond[kind]) return false;
    this.withheldCount++;
    return true;
  }

  /**
   * True (and the bytes charged) when a reply of `replyBytes` to a request of `requestBytes`
   * from `address` may go now. A `proven` address (a registered box: it answered a challenge
   * from there) is always answered, so a short REGREL is answered at once.
   */
  take(address: string, requestBytes: number, replyBytes: number, proven = false, kind: StatelessReplyKind = 'token'): boolean {
    this.roll();
    if (proven) return true;
    if (this.windowReplies[kind] >= this.perSecond[kind] || this.windowSent + replyBytes > this.globalBytesPerSecond || !this.paidFor(address, requestBytes, replyBytes)) {
      this.withheldCount++;
      return false;
    }
    this.windowSent += replyBytes;
    this.windowReplies[kind]++;
    return true;
  }

  /** Starts a new one-second window when the last has passed. */
  private roll(): void {
    const now = this.clock.now();
    if (now - this.windowStart < 1000) return;
    this.windowStart = now;
    this.windowSent = 0;
    this.windowReplies.token = 0;
    this.windowReplies.other = 0;
  }

  private paidFor(address: string, requestBytes: number, replyBytes: number): boolean {
    if (replyBytes <= requestBytes) return true;
    const saved = (this.credit.get(address) ?? 0) + requestBytes;
    this.credit.delete(address);
    if (saved >= replyBytes) {
      if (saved > replyBytes) this.remember(address, saved - replyBytes);
      return true;
    }
    this.remember(address, saved);
    return false;
  }

  private remember(address: string, bytes: number): void {
    if (this.credit.size >= this.maxAddresses) this.credit.delete(this.credit.keys().next().value!);
    this.credit.set(address, bytes);
  }
}
