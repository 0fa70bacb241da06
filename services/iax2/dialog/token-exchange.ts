/**
 * The requester's half of the call-token exchange (protocol.md §7.2), shared by NEW and
 * REGREQ/REGREL: send with an empty CALLTOKEN IE; on the CALLTOKEN reply reset both sequence
 * counters and resend with the token; ignore duplicates and replies that echo an older
 * request's timestamp; and when a token request is refused statelessly (most likely it was
 * retransmitted past the token's 10 s life) ask for a fresh token, a few times at most.
 */
import type { Call } from '../call/call.ts';
import { hasIe, IeId, ieBytes, type FullFrame } from '../codec/index.ts';

const MAX_TOKEN_ROUNDS = 3;

export class TokenExchange {
  private token: Buffer;
  private rounds = 0;
  private requestTimestamp = -1;

  /**
   * `send(token)` sends the request carrying `token` and returns its timestamp. With
   * `initialToken` (one we made ourselves from a secret we share with the callee) the first
   * request carries it and skips the round trip.
   */
  constructor(
    private readonly call: Call,
    private readonly send: (token: Buffer) => number,
    initialToken: Buffer = Buffer.alloc(0),
  ) {
    this.token = initialToken;
  }

  /** The token the next resend of the request should carry. */
  get current(): Buffer {
    return this.token;
  }

  start(): void {
    this.requestTimestamp = this.send(this.token);
  }

  /** Re-sends the request after `send` built it with new content (an answer). */
  sent(timestamp: number): void {
    this.requestTimestamp = timestamp;
  }

  /** A CALLTOKEN reply: resend with its token, unless it is a duplicate or we are out of rounds. */
  onCallToken(frame: FullFrame): void {
    const token = ieBytes(frame.ies, IeId.CALLTOKEN) ?? Buffer.alloc(0);
    if (token.equals(this.token) || this.rounds >= MAX_TOKEN_ROUNDS) return;
    this.rounds++;
    this.token = token;
    this.call.resetForTokenRetry();
    this.requestTimestamp = this.send(token);
  }

  /**
   * A stateless refusal (REJECT/REGREJ from call 1): 'stale' when it answers an earlier
   * request, 'retrying' when a fresh token was asked for, 'refused' when it stands.
   */
  onStatelessRefusal(frame: FullFrame): 'stale' | 'retrying' | 'refused' {
    if (frame.timestamp !== this.requestTimestamp) return 'stale';
    // A refusal with a cause is about something else than the token (maxauthreq): it stands.
    if (this.token.length === 0 || this.rounds >= MAX_TOKEN_ROUNDS || hasIe(frame.ies, IeId.CAUSECODE)) return 'refused';
    this.token = Buffer.alloc(0);
    this.call.resetForTokenRetry();
    this.requestTimestamp = this.send(this.token);
    return 'retrying';
  }
}
