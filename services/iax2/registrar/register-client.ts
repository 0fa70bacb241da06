/**
 * Registering to an upstream (`register =>`), as Asterisk's client does (iax2-facts §9.2):
 * every cycle is a new dialog with its own call number and call-token round trip; REGAUTH is
 * answered by RSA (outkey), MD5 or, only when allowed, plaintext; the next REGREQ goes at 5/6
 * of the granted refresh. Failures (timeout, REGREJ) retry with back-off up to that interval.
 * The state uses the words of Asterisk's `iax2 show registry`.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import type { Call, CallSetupHandler } from '../call/call.ts';
import { CallState } from '../call/call-state.ts';
import { FrameType, IaxCommand, IeId, ieNumber, type FullFrame, type Ie, type SockAddr } from '../codec/index.ts';
import type { RsaPrivateKey } from '../crypto/index.ts';
import { answerChallenge } from '../engine/authenticate.ts';
import { TokenExchange } from '../engine/token-exchange.ts';
import type { Iax2Engine } from '../engine/engine.ts';
import { NO_AUTHORITY } from '../engine/inbound-setup.ts';
import type { RemoteAddress } from '../transport.ts';
import { TypedEvents } from '../typed-events.ts';

export type RegistryState = 'Unregistered' | 'Request Sent' | 'Auth. Sent' | 'Registered' | 'Rejected' | 'Timeout' | 'No Authentication';

export interface RegistrationClientOptions {
  engine: Iax2Engine;
  clock: Clock;
  remote: RemoteAddress;
  username: string;
  secret?: string;
  outkey?: RsaPrivateKey;
  allowPlaintext?: boolean;
  /** What we ask for; the server's grant decides (default 60 s). */
  refreshS?: number;
  logger?: Logger;
}

export interface RegistrationClientEvents {
  [event: string]: unknown;
  statechange: { state: RegistryState; previous: RegistryState };
}

const DEFAULT_REFRESH_S = 60;
const FIRST_RETRY_MS = 10_000;

export class RegistrationClient {
  readonly events: TypedEvents<RegistrationClientEvents>;
  state: RegistryState = 'Unregistered';
  /** The refresh the server granted last (60 until one did). */
  grantedRefreshS = DEFAULT_REFRESH_S;
  /** Where the server sees us (REGACK's APPARENT_ADDR). */
  apparentAddress: SockAddr | undefined;
  messages: { newMessages: number; oldMessages: number } | undefined;
  private timer: TimerHandle | undefined;
  private dialog: Call | undefined;
  private failures = 0;
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly options: RegistrationClientOptions) {
    this.logger = options.logger ?? silentLogger;
    this.events = new TypedEvents((event, error) => this.logger.error('registration listener threw', { event, error }));
  }

  start(): void {
    this.stopped = false;
    this.attempt(IaxCommand.REGREQ);
  }

  /**
   * Stops refreshing and, unless `release` is false, sends REGREL; resolves when the server
   * answered or gave up.
   */
  stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimer(this.timer);
    this.dialog?.close('done');
    if (options.release === false) return Promise.resolve();
    return new Promise((resolve) => {
      const call = this.attempt(IaxCommand.REGREL);
      if (call === undefined) resolve();
      else call.events.on('closed', () => resolve());
    });
  }

  private attempt(command: number): Call | undefined {
    const { clock, engine } = this.options;
    clock.clearTimer(this.timer);
    if (command === IaxCommand.REGREQ) {
      // Like Asterisk, schedule the next cycle before sending: a lost answer still retries.
      this.scheduleNext(this.refreshIntervalMs());
    }
    try {
      const call = engine.openDialog(this.options.remote, (c) => new ClientDialog(this, c, command, this.options));
      this.dialog = call;
      call.events.on('closed', ({ reason }) => {
        if (this.dialog === call) this.dialog = undefined;
        if (reason === 'gave-up' && command === IaxCommand.REGREQ) {
          this.grantedRefreshS = DEFAULT_REFRESH_S;
          this.failed('Timeout');
        }
      });
      (call.setup as ClientDialog).start();
      return call;
    } catch (error) {
      this.logger.warn('registration could not start', { error });
      this.failed('Timeout');
      return undefined;
    }
  }

  private refreshIntervalMs(): number {
    return (this.grantedRefreshS * 1000 * 5) / 6;
  }

  private scheduleNext(delayMs: number): void {
    if (this.stopped) return;
    this.options.clock.clearTimer(this.timer);
    this.timer = this.options.clock.setTimer(delayMs, () => this.attempt(IaxCommand.REGREQ));
  }

  /** @internal */
  setState(state: RegistryState): void {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.events.emit('statechange', { state, previous });
  }

  /** @internal REGACK arrived. */
  succeeded(command: number, ies: readonly Ie[]): void {
    if (command === IaxCommand.REGREL) {
      this.setState('Unregistered');
      return;
    }
    this.failures = 0;
    this.grantedRefreshS = ieNumber(ies, IeId.REFRESH) ?? DEFAULT_REFRESH_S;
    const apparent = ies.find((ie) => ie.id === IeId.APPARENT_ADDR)?.value;
    if (apparent !== null && typeof apparent === 'object' && 'family' in apparent) this.apparentAddress = apparent;
    const count = ieNumber(ies, IeId.MSGCOUNT);
    if (count !== undefined) this.messages = { newMessages: count & 0xff, oldMessages: count >> 8 };
    this.setState('Registered');
    this.scheduleNext(this.refreshIntervalMs());
  }

  /** @internal The cycle failed: retry sooner, doubling, never later than the refresh interval. */
  failed(state: RegistryState): void {
    this.setState(state);
    this.failures++;
    this.scheduleNext(Math.min(this.refreshIntervalMs(), FIRST_RETRY_MS * 2 ** (this.failures - 1)));
  }
}

/** One REGREQ (or REGREL) exchange, from token to REGACK. */
class ClientDialog implements CallSetupHandler {
  private readonly tokens: TokenExchange;

  constructor(
    private readonly client: RegistrationClient,
    private readonly call: Call,
    private readonly command: number,
    private readonly options: RegistrationClientOptions,
  ) {
    this.tokens = new TokenExchange(call, (token) => this.send([], token));
  }

  start(): void {
    this.call.transition(CallState.NewSent);
    this.tokens.start();
    if (this.command === IaxCommand.REGREQ) this.client.setState('Request Sent');
  }

  /** REGREQ/REGREL: USERNAME, REFRESH, the answer if any, and the CALLTOKEN IE last (§9.1). */
  private send(answer: Ie[], token: Buffer): number {
    const ies: Ie[] = [{ id: IeId.USERNAME, value: this.options.username }];
    if (this.command === IaxCommand.REGREQ) ies.push({ id: IeId.REFRESH, value: this.options.refreshS ?? DEFAULT_REFRESH_S });
    // The answering REGREQ carries an empty CALLTOKEN again, as Asterisk's does (§7.1).
    ies.push(...answer, { id: IeId.CALLTOKEN, value: answer.length > 0 ? Buffer.alloc(0) : token });
    return this.call.sendIax(this.command, ies);
  }

  handle(frame: FullFrame): boolean {
    if (frame.frameType !== FrameType.IAX) return false;
    const ies = frame.ies ?? [];
    switch (frame.subclass) {
      case IaxCommand.CALLTOKEN:
        if (this.call.state === CallState.NewSent) this.tokens.onCallToken(frame);
        return true;
      case IaxCommand.REGAUTH: {
        if (this.call.state !== CallState.NewSent) return true;
        const answer = answerChallenge(ies, this.options);
        if (answer === undefined) {
          // Asked to prove something we cannot: refuse, as Asterisk's client does (§9.2).
          this.client.setState('No Authentication');
          this.call.reject(NO_AUTHORITY.cause, NO_AUTHORITY.causeCode);
          return true;
        }
        this.call.transition(CallState.AuthRepSent);
        this.tokens.sent(this.send([answer], Buffer.alloc(0)));
        if (this.command === IaxCommand.REGREQ) this.client.setState('Auth. Sent');
        return true;
      }
      case IaxCommand.REGACK:
        this.call.acknowledgeAndClose(frame, 'done');
        this.client.succeeded(this.command, ies);
        return true;
      case IaxCommand.REGREJ:
        if (frame.sourceCall === 1) return this.statelessRefusal(frame);
        this.call.acknowledgeAndClose(frame, 'done');
        if (this.command === IaxCommand.REGREQ) this.client.failed('Rejected');
        return true;
      default:
        return false;
    }
  }

  /** A stateless REGREJ: a stale one is ignored; one to our token REGREQ asks for a fresh token. */
  private statelessRefusal(frame: FullFrame): boolean {
    if (this.call.state !== CallState.NewSent || this.tokens.onStatelessRefusal(frame) !== 'refused') return true;
    this.call.close('done');
    if (this.command === IaxCommand.REGREQ) this.client.failed('Rejected');
    return true;
  }
}
