/**
 * Registering to an upstream (`register =>`), as Asterisk's client does (protocol.md §9.2):
 * every cycle is a new dialog with its own call number and call-token round trip; REGAUTH is
 * answered by RSA (outkey), MD5 or, only when allowed, plaintext; the next REGREQ goes at 5/6
 * of the granted refresh. Failures (timeout, REGREJ) retry with back-off up to that interval.
 * The state uses the words of Asterisk's `iax2 show registry`.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import type { Call, CallSetupHandler } from '../call/call.ts';
import { CallState } from '../call/call-state.ts';
import { FrameType, IaxCommand, IeId, ieNumber, RejectReason, type FullFrame, type Ie, type SockAddr } from '../codec/index.ts';
import type { RsaPrivateKey } from '../crypto/index.ts';
import { ClientHandshake } from '../dialog/client-handshake.ts';
import type { Iax2Engine } from '../engine/engine.ts';
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
  statechange: { state: RegistryState; previous: RegistryState };
}

const DEFAULT_REFRESH_S = 60;
const EMPTY = Buffer.alloc(0);
const FIRST_RETRY_MS = 10_000;

export class RegistrationClient {
  readonly events: TypedEvents<RegistrationClientEvents>;
  private current: RegistryState = 'Unregistered';
  private granted = DEFAULT_REFRESH_S;
  private apparent: SockAddr | undefined;
  private messageCount: { newMessages: number; oldMessages: number } | undefined;
  private timer: TimerHandle | undefined;
  private dialog: Call | undefined;
  private failures = 0;
  private stopped = false;
  private readonly logger: Logger;

  /** Asterisk's `iax2 show registry` word for where this registration stands. */
  get state(): RegistryState {
    return this.current;
  }

  /** The refresh the server granted last (60 until one did). */
  get grantedRefreshS(): number {
    return this.granted;
  }

  /** Where the server sees us (REGACK's APPARENT_ADDR). */
  get apparentAddress(): SockAddr | undefined {
    return this.apparent;
  }

  /** Voicemail counts from REGACK's MSGCOUNT, when the server sent one. */
  get messages(): { newMessages: number; oldMessages: number } | undefined {
    return this.messageCount;
  }

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
      let dialog: ClientDialog | undefined;
      const outcomes: DialogOutcomes = {
        state: (state) => this.setState(state),
        succeeded: (ies) => this.succeeded(command, ies),
        failed: (state) => this.failed(state),
      };
      const call = engine.openDialog(this.options.remote, (c) => (dialog = new ClientDialog(c, command, this.options, outcomes)));
      this.dialog = call;
      call.events.on('closed', ({ reason }) => {
        if (this.dialog === call) this.dialog = undefined;
        if (reason === 'gave-up' && command === IaxCommand.REGREQ) {
          this.granted = DEFAULT_REFRESH_S;
          this.failed('Timeout');
        }
      });
      dialog?.start();
      return call;
    } catch (error) {
      this.logger.warn('registration could not start', { error });
      this.failed('Timeout');
      return undefined;
    }
  }

  private refreshIntervalMs(): number {
    return (this.granted * 1000 * 5) / 6;
  }

  private scheduleNext(delayMs: number): void {
    if (this.stopped) return;
    this.options.clock.clearTimer(this.timer);
    this.timer = this.options.clock.setTimer(delayMs, () => this.attempt(IaxCommand.REGREQ));
  }

  private setState(state: RegistryState): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.events.emit('statechange', { state, previous });
  }

  /** REGACK arrived. */
  private succeeded(command: number, ies: readonly Ie[]): void {
    if (command === IaxCommand.REGREL) {
      this.setState('Unregistered');
      return;
    }
    this.failures = 0;
    this.granted = ieNumber(ies, IeId.REFRESH) ?? DEFAULT_REFRESH_S;
    const apparent = ies.find((ie) => ie.id === IeId.APPARENT_ADDR)?.value;
    if (apparent !== null && typeof apparent === 'object' && 'family' in apparent) this.apparent = apparent;
    const count = ieNumber(ies, IeId.MSGCOUNT);
    if (count !== undefined) this.messageCount = { newMessages: count & 0xff, oldMessages: count >> 8 };
    this.setState('Registered');
    this.scheduleNext(this.refreshIntervalMs());
  }

  /** The cycle failed: retry sooner, doubling, never later than the refresh interval. */
  private failed(state: RegistryState): void {
    this.setState(state);
    this.failures++;
    this.scheduleNext(Math.min(this.refreshIntervalMs(), FIRST_RETRY_MS * 2 ** (this.failures - 1)));
  }
}

/** How one exchange ended, told to the client that started it. */
interface DialogOutcomes {
  state(state: RegistryState): void;
  succeeded(ies: readonly Ie[]): void;
  failed(state: RegistryState): void;
}

/** One REGREQ (or REGREL) exchange, from token to REGACK. */
class ClientDialog implements CallSetupHandler {
  private readonly handshake: ClientHandshake;

  constructor(
    private readonly call: Call,
    private readonly command: number,
    private readonly options: RegistrationClientOptions,
    private readonly outcomes: DialogOutcomes,
  ) {
    this.handshake = new ClientHandshake(call, command, (token) => this.requestIes([], token));
  }

  start(): void {
    this.handshake.start();
    if (this.command === IaxCommand.REGREQ) this.outcomes.state('Request Sent');
  }

  /** REGREQ/REGREL: USERNAME, REFRESH, the answer if any, and the CALLTOKEN IE last (protocol.md §9.1). */
  private requestIes(answer: Ie[], token: Buffer): Ie[] {
    const ies: Ie[] = [{ id: IeId.USERNAME, value: this.options.username }];
    if (this.command === IaxCommand.REGREQ) ies.push({ id: IeId.REFRESH, value: this.options.refreshS ?? DEFAULT_REFRESH_S });
    // The answering REGREQ carries an empty CALLTOKEN again, as Asterisk's does (protocol.md §7.1).
    ies.push(...answer, { id: IeId.CALLTOKEN, value: answer.length > 0 ? EMPTY : token });
    return ies;
  }

  handle(frame: FullFrame): boolean {
    if (this.handshake.takeStateless(frame, () => this.rejected('done'))) return true;
    if (frame.frameType !== FrameType.IAX) return false;
    const ies = frame.ies ?? [];
    switch (frame.subclass) {
      case IaxCommand.REGAUTH: {
        if (this.call.state !== CallState.NewSent) return true;
        const answer = this.handshake.answerFor(ies, this.options);
        if (answer === undefined) {
          // Asked to prove something we cannot: refuse, as Asterisk's client does (protocol.md §9.2).
          this.outcomes.state('No Authentication');
          this.call.reject(RejectReason.NO_AUTHORITY.cause, RejectReason.NO_AUTHORITY.causeCode);
          return true;
        }
        this.handshake.sendAnswer(this.command, this.requestIes([answer], EMPTY));
        if (this.command === IaxCommand.REGREQ) this.outcomes.state('Auth. Sent');
        return true;
      }
      case IaxCommand.REGACK:
        this.call.acknowledgeAndClose(frame, 'done');
        this.outcomes.succeeded(ies);
        return true;
      case IaxCommand.REGREJ:
        this.call.acknowledgeAndClose(frame, 'done');
        this.rejected();
        return true;
      default:
        return false;
    }
  }

  /** Refused (a REGREJ, or a stateless one that stands): a REGREQ cycle failed. */
  private rejected(close?: 'done'): void {
    if (close !== undefined) this.call.close(close);
    if (this.command === IaxCommand.REGREQ) this.outcomes.failed('Rejected');
  }
}
