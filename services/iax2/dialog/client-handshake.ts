/**
 * The requesting side of a dialog that may be challenged, one for calls (NEW -> AUTHREQ ->
 * AUTHREP) and registrations (REGREQ -> REGAUTH -> REGREQ) alike (protocol.md §7.2, §8.4,
 * protocol.md §9.2): the request goes out with an empty call token and again with the token the
 * CALLTOKEN reply brings; a stateless refusal is told apart from a stale one (and a refused
 * token asks for a fresh one); the challenge is answered with what we hold.
 */
import type { Call } from '../call/call.ts';
import { FrameType, IaxCommand, type FullFrame, type Ie } from '../codec/index.ts';
import { CallState } from '../call/call-state.ts';
import { answerChallenge, type ClientCredentials } from './authenticate.ts';
import { TokenExchange } from './token-exchange.ts';

export class ClientHandshake {
  private readonly tokens: TokenExchange;

  /** `requestIes(token)`: the request's IEs, the CALLTOKEN IE (holding `token`) last. */
  constructor(
    private readonly call: Call,
    command: number,
    requestIes: (token: Buffer) => Ie[],
    initialToken?: Buffer,
  ) {
    this.tokens = new TokenExchange(call, (token) => call.sendRequest(command, requestIes(token)), initialToken);
  }

  /** Sends the request with an empty token. */
  start(): void {
    this.tokens.start();
  }

  /**
   * Takes a CALLTOKEN reply or a stateless refusal (from call number 1): a token is put in and
   * the request sent again; a refusal that stands runs `refused`; a stale one is ignored.
   * False for any other frame.
   */
  takeStateless(frame: FullFrame, refused: (frame: FullFrame) => void): boolean {
    if (frame.frameType !== FrameType.IAX) return false;
    if (frame.subclass === IaxCommand.CALLTOKEN) {
      if (this.call.state === CallState.NewSent) this.tokens.onCallToken(frame);
      return true;
    }
    if ((frame.subclass === IaxCommand.REJECT || frame.subclass === IaxCommand.REGREJ) && frame.sourceCall === 1) {
      if (this.call.state === CallState.NewSent && this.tokens.onStatelessRefusal(frame) === 'refused') refused(frame);
      return true;
    }
    return false;
  }

  /** Our answer to a challenge's IEs: RSA, MD5 or (only where allowed) plaintext; undefined when we have none (protocol.md §8.4). */
  answerFor(challenge: readonly Ie[], credentials: ClientCredentials): Ie | undefined {
    return answerChallenge(challenge, credentials);
  }

  /** Sends the answer as `command` (AUTHREP, or REGREQ carrying it). */
  sendAnswer(command: number, ies: Ie[]): void {
    this.tokens.sent(this.call.sendAnswer(command, ies));
  }
}
