/**
 * One routed call: the caller's leg and, in turn, an outbound leg per destination until one
 * answers. Dial() semantics: destinations are tried in order, failing over on congestion,
 * unavailability and timeout but never on busy; the caller is accepted only once an outbound
 * leg has accepted, with that leg's format (end-to-end negotiation, no transcoding); then
 * ringing, progress, answer, busy, congestion, hold and unhold, DTMF and text pass across,
 * voice is relayed with the sender's timing, and a hang-up on either side ends both with its
 * cause.
 *
 *   Dialing --(a leg accepts; the caller is accepted with its format)--> Proceeding
 *   Proceeding --(the leg answers)--> Answered
 *   any --(no destination left, a hang-up, busy)--> Ended
 *
 * While Proceeding a failed leg still fails over, offering exactly the caller's format.
 * Every destination that fails is logged with its peer and cause (else only the CDR would tell
 * of it), through a throttle the switch shares: a caller can make every call fail.
 */
import { maskDialSecret } from '../../../shared/iaxconf/secret-mask.ts';
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { LogThrottle } from '../../../shared/log-throttle.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { RouteConfig } from '../../../shared/model/route.ts';
import type { Call } from '../../iax2/call/call.ts';
import { Cause, causeText, ControlSubclass } from '../../iax2/codec/index.ts';
import type { DialTarget } from '../../../shared/iaxconf/dial-string.ts';
import type { IncomingCallInfo } from '../../iax2/engine/incoming-call.ts';
import type { OutboundCallOptions } from '../../iax2/engine/outbound-setup.ts';
import { callerIdFor, type CallerId } from './caller-id.ts';
import type { ResolvedDestination } from './destination.ts';
import { failsOver } from './failover.ts';
import { firstCommonFormat } from './formats.ts';

/** Control frames that cross from the answering side to the caller unchanged. */
const RELAYED_CONTROLS = new Set<number>([ControlSubclass.RINGING, ControlSubclass.PROGRESS, ControlSubclass.HOLD, ControlSubclass.UNHOLD]);

export const BridgeState = {
  /** Trying destinations; the caller is not accepted yet. */
  Dialing: 'Dialing',
  /** A leg accepted, so the caller is accepted (its format fixed); ringing. */
  Proceeding: 'Proceeding',
  Answered: 'Answered',
  Ended: 'Ended',
} as const;
export type BridgeState = (typeof BridgeState)[keyof typeof BridgeState];

type Destination = RouteConfig['destinations'][number];

const EDGES: Record<BridgeState, readonly BridgeState[]> = {
  Dialing: ['Proceeding', 'Ended'],
  Proceeding: ['Answered', 'Ended'],
  Answered: ['Ended'],
  Ended: [],
};

export interface BridgeOutcome {
  disposition: 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED' | 'CONGESTION';
  causeCode: number;
  answeredAt: number | undefined;
  endedAt: number;
  /** The leg that answered (or was tried last). */
  outbound: Call | undefined;
  destination: string | undefined;
  /** The worker that held the callee's flow, when that leg went through the mesh. */
  calleeWorker: string | undefined;
}

export interface BridgeDeps {
  /** Accepts the caller with the callee's format, on whichever engine the caller came in by. */
  acceptCaller(caller: Call, format: bigint): bigint | undefined;
  /** Puts the caller's voice into trunk frames (a trunk=yes user). */
  trunkCaller(caller: Call, timestamps: boolean): void;
  /** Where a destination is now (its registration, its owner, its credentials). */
  resolve(target: DialTarget, dialled: string): Promise<ResolvedDestination>;
  /** Places the outbound leg for a resolved destination: directly, or through its owner over the mesh. */
  placeLeg(resolved: ResolvedDestination & { ok: true }, options: OutboundCallOptions, target: DialTarget, bridge: Bridge): Call;
  clock: Clock;
  logger: Logger;
  /** Rate-limits the lines about failed destinations, per tenant and peer, across the switch's bridges. */
  failureLog: LogThrottle;
  /** Wall-clock ms, for CDR times. */
  wallNow: () => number;
  /** `shrinkcallerid` (default yes). */
  shrinkCallerId?: boolean;
  /** The caller is a mesh leg from this (ingress) worker. */
  callerWorker?: string;
  onAnswer(bridge: Bridge): void;
  onEnd(bridge: Bridge, outcome: BridgeOutcome): void;
}

/** `IAX2/<peer>-<call>`: the channel name `show channels` and the CDRs give a leg. */
export function channelName(leg: Call, peer?: string): string {
  return `IAX2/${peer ?? leg.remote.address}-${leg.localCall}`;
}

export class Bridge {
  readonly startedAt: number;
  /** What the outbound legs present (and the CDR records as src/clid). */
  readonly callerId: CallerId;
  private current: BridgeState = BridgeState.Dialing;
  private next = 0;
  private out: Call | undefined;
  private outDestination: string | undefined;
  /** The route's destination the outbound leg in play dials. */
  private outRouteDestination: Destination | undefined;
  /** The worker the outbound leg goes through (the mesh), if it does. */
  private outOwner: string | undefined;
  /** The caller's format, fixed once it is accepted. */
  private callerFormat: bigint | undefined;
  private answeredAt: number | undefined;
  private timer: TimerHandle | undefined;
  private lastCause: number = Cause.NO_CIRCUIT_AVAILABLE;
  /** Rebasing: caller stamps + offset = stamps on the outbound leg's clock, and back. */
  private offsetToOut: number | undefined;
  private offsetToCaller: number | undefined;

  constructor(
    readonly tenant: string,
    readonly caller: Call,
    readonly info: IncomingCallInfo,
    readonly context: string,
    readonly route: RouteConfig,
    private readonly deps: BridgeDeps,
  ) {
    this.startedAt = deps.wallNow();
    this.callerId = callerIdFor(info, route, deps.shrinkCallerId ?? true);
    if (info.user?.trunk === true) deps.trunkCaller(caller, info.user.trunkTimestamps === true);
    // Voice takes the calls' fast path (no event object per frame).
    caller.setVoiceSink((payload, format, timestamp) => {
      const out = this.out;
      if (out === undefined || this.current !== BridgeState.Answered) return;
      this.offsetToOut ??= out.txElapsedMs - timestamp;
      out.relayVoice(payload, format, timestamp + this.offsetToOut);
    });
    caller.events.on('dtmf', ({ digit, end }) => this.out?.sendDtmf(digit, end ? 'end' : 'begin'));
    caller.events.on('text', ({ text }) => this.out?.sendText(text));
    caller.events.on('cng', ({ level, payload }) => {
      if (this.current === BridgeState.Answered) this.out?.sendCng(level, payload);
    });
    caller.events.on('control', ({ subclass }) => {
      if (subclass === ControlSubclass.HOLD || subclass === ControlSubclass.UNHOLD) this.out?.sendControl(subclass);
    });
    caller.events.on('hangup', ({ causeCode }) => this.end(causeCode ?? Cause.NORMAL_CLEARING, 'caller'));
    caller.events.on('closed', () => this.end(Cause.NORMAL_CLEARING, 'caller'));
  }

  get state(): BridgeState {
    return this.current;
  }

  get answered(): boolean {
    return this.current === BridgeState.Answered || this.answeredAt !== undefined;
  }

  get outbound(): Call | undefined {
    return this.out;
  }

  /** The worker at the far end of the outbound leg, when it goes over the mesh. */
  get outboundWorker(): string | undefined {
    return this.out === undefined ? undefined : this.outOwner;
  }

  /** The caller's channel: `IAX2/<user>-<call>`, or `IAX2/mesh-<worker>-<call>` for a mesh leg. */
  get callerChannel(): string {
    const worker = this.deps.callerWorker;
    return channelName(this.caller, worker === undefined ? (this.info.user?.name ?? this.info.username ?? 'guest') : `mesh-${worker}`);
  }

  /** The worker at the far end of the caller's leg, when it is a mesh leg. */
  get callerWorker(): string | undefined {
    return this.deps.callerWorker;
  }

  /** The outbound leg's channel: `IAX2/<address>-<call>`, or `IAX2/mesh-<worker>-<call>` over the mesh. */
  outboundChannel(): string | undefined {
    const out = this.out;
    if (out === undefined) return undefined;
    return channelName(out, this.outOwner === undefined ? undefined : `mesh-${this.outOwner}`);
  }

  start(): void {
    void this.tryNext();
  }

  /** The one guarded way the state moves: an edge the table does not list is a bug. */
  private transition(to: BridgeState): void {
    if (this.current === to) return;
    if (!EDGES[this.current].includes(to)) throw new Error(`bridge: no transition from ${this.current} to ${to}`);
    this.current = to;
  }

  private isEnded(): boolean {
    return this.current === BridgeState.Ended;
  }

  /** Whether `leg` is the outbound leg in play (events from a dropped one are ignored). */
  private inPlay(leg: Call): boolean {
    return this.out === leg && this.current !== BridgeState.Ended;
  }

  private async tryNext(): Promise<void> {
    if (this.current === BridgeState.Ended) return;
    const destination = this.route.destinations[this.next++];
    if (destination === undefined) {
      this.fail(this.lastCause);
      return;
    }
    let resolved;
    try {
      resolved = await this.deps.resolve(destination.target, this.info.calledNumber);
    } catch (error) {
      this.logFailure('error', 'resolving a destination failed', destination, Cause.NETWORK_OUT_OF_ORDER, { error });
      resolved = { ok: false as const, cause: Cause.NETWORK_OUT_OF_ORDER, why: 'lookup failed' };
    }
    // The caller may have gone while the destination was looked up.
    if (this.isEnded()) return;
    if (!resolved.ok) {
      this.logFailure('info', 'destination unavailable', destination, resolved.cause, { why: resolved.why });
      this.lastCause = resolved.cause;
      void this.tryNext();
      return;
    }
    // Once the caller is accepted its format is fixed: later legs must offer exactly it.
    const offered = this.callerFormat ?? (this.info.peerCapability & (this.info.user?.capability ?? this.info.peerCapability) & resolved.capability);
    const format = this.callerFormat ?? firstCommonFormat(offered, this.info.peerFormat, this.info.peerPrefs, resolved.prefs);
    if (offered === 0n || format === undefined) {
      this.logFailure('info', 'destination has no format in common with the caller', destination, Cause.BEARER_CAPABILITY_NOT_AVAILABLE);
      this.lastCause = Cause.BEARER_CAPABILITY_NOT_AVAILABLE;
      void this.tryNext();
      return;
    }
    let out: Call;
    try {
      out = this.deps.placeLeg(resolved, {
        ...resolved.options,
        remote: resolved.remote,
        capability: offered,
        format,
        ...(this.callerId.number === undefined ? {} : { callingNumber: this.callerId.number }),
        ...(this.callerId.name === undefined ? {} : { callingName: this.callerId.name }),
        sendAni: resolved.peer.sendani,
      }, destination.target, this);
    } catch (error) {
      this.logFailure('warn', 'could not place the outbound leg', destination, Cause.NO_CIRCUIT_AVAILABLE, { error });
      this.lastCause = Cause.NO_CIRCUIT_AVAILABLE;
      void this.tryNext();
      return;
    }
    this.out = out;
    this.outRouteDestination = destination;
    // What logs and the CDR show: an inline user:secret@ never leaves the route.
    this.outDestination = maskDialSecret(destination.dial);
    this.outOwner = resolved.owner?.workerId;
    this.wireOutbound(out);
    if (destination.timeoutS !== undefined) {
      this.timer = this.deps.clock.setTimer(destination.timeoutS * 1000, () => {
        if (!this.inPlay(out) || this.current === BridgeState.Answered) return;
        this.logFailure('info', 'outbound leg not answered in time', destination, Cause.NO_ANSWER, { timeoutS: destination.timeoutS });
        this.lastCause = Cause.NO_ANSWER;
        this.dropOutbound(Cause.NO_ANSWER);
        void this.tryNext();
      });
    }
  }

  private wireOutbound(out: Call): void {
    out.events.on('accepted', ({ format }) => {
      if (!this.inPlay(out) || this.callerFormat !== undefined) return;
      const accepted = this.deps.acceptCaller(this.caller, format);
      if (accepted === undefined) {
        this.dropOutbound(Cause.BEARER_CAPABILITY_NOT_AVAILABLE);
        this.end(Cause.BEARER_CAPABILITY_NOT_AVAILABLE, 'switch');
        return;
      }
      this.callerFormat = accepted;
      this.transition(BridgeState.Proceeding);
    });
    out.events.on('rejected', ({ causeCode }) => {
      if (this.inPlay(out)) this.afterLegFailed(causeCode);
    });
    out.events.on('control', ({ subclass }) => {
      if (!this.inPlay(out)) return;
      const answered = this.current === BridgeState.Answered;
      if (subclass === ControlSubclass.ANSWER) this.onAnswer();
      else if (subclass === ControlSubclass.BUSY) {
        if (!answered) this.afterLegFailed(Cause.USER_BUSY);
      } else if (subclass === ControlSubclass.CONGESTION) {
        if (!answered) this.afterLegFailed(Cause.SWITCH_CONGESTION);
      } else if (RELAYED_CONTROLS.has(subclass) && this.callerFormat !== undefined) {
        this.caller.sendControl(subclass);
      }
    });
    out.setVoiceSink((payload, format, timestamp) => {
      if (!this.inPlay(out) || this.callerFormat === undefined) return;
      this.offsetToCaller ??= this.caller.txElapsedMs - timestamp;
      this.caller.relayVoice(payload, format, timestamp + this.offsetToCaller);
    });
    out.events.on('dtmf', ({ digit, end }) => {
      if (this.inPlay(out) && this.current === BridgeState.Answered) this.caller.sendDtmf(digit, end ? 'end' : 'begin');
    });
    out.events.on('text', ({ text }) => {
      if (this.inPlay(out) && this.current === BridgeState.Answered) this.caller.sendText(text);
    });
    out.events.on('cng', ({ level, payload }) => {
      if (this.inPlay(out) && this.current === BridgeState.Answered) this.caller.sendCng(level, payload);
    });
    out.events.on('hangup', ({ causeCode }) => {
      if (!this.inPlay(out)) return;
      if (this.current === BridgeState.Answered) this.end(causeCode ?? Cause.NORMAL_CLEARING, 'callee');
      else this.afterLegFailed(causeCode);
    });
    out.events.on('closed', () => {
      if (!this.inPlay(out)) return;
      // Whatever ended the leg without a hangup or reject saying why (give-up, autokill, a
      // setup that could not go on, INVAL): before answer that is a failed destination, so
      // the route moves on at once and no caller is left ringing with nothing running.
      if (this.current === BridgeState.Answered) this.end(Cause.NORMAL_CLEARING, 'callee');
      else this.afterLegFailed(Cause.DESTINATION_OUT_OF_ORDER);
    });
  }

  private onAnswer(): void {
    if (this.current !== BridgeState.Proceeding) return;
    this.transition(BridgeState.Answered);
    this.answeredAt = this.deps.wallNow();
    this.deps.clock.clearTimer(this.timer);
    this.caller.answer();
    this.deps.onAnswer(this);
  }

  /** The outbound leg failed before answer: busy ends the call, anything else tries the next. */
  private afterLegFailed(causeCode: number | undefined): void {
    this.deps.clock.clearTimer(this.timer);
    const cause = causeCode ?? Cause.SWITCH_CONGESTION;
    const destination = this.outRouteDestination;
    // Busy is the callee's answer, not a fault of the platform or the box.
    if (destination !== undefined) this.logFailure(cause === Cause.USER_BUSY ? 'info' : 'warn', 'outbound leg failed', destination, cause, { next: failsOver(cause) ? 'next destination' : 'call ends' });
    this.dropOutbound(cause);
    this.lastCause = cause;
    if (!failsOver(cause)) {
      this.fail(cause);
      return;
    }
    void this.tryNext();
  }

  /** One line for a destination that failed: its peer, its dial string (secret masked) and the cause. */
  private logFailure(level: 'info' | 'warn' | 'error', message: string, destination: Destination, cause: number, context: Record<string, unknown> = {}): void {
    const peer = destination.target.peer;
    const admitted = this.deps.failureLog.admit(`${this.tenant}/${peer}`);
    if (!admitted.write) return;
    this.deps.logger[level](message, {
      peer,
      tenant: this.tenant,
      dial: maskDialSecret(destination.dial),
      cause,
      causeText: causeText(cause),
      ...context,
      ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}),
    });
  }

  private dropOutbound(cause: number): void {
    const out = this.out;
    this.out = undefined;
    if (out !== undefined && !out.closed) out.hangup(cause);
  }

  /** No destination answered: the caller hears why. */
  private fail(cause: number): void {
    if (this.current === BridgeState.Ended) return;
    if (this.callerFormat === undefined) {
      this.caller.reject(causeText(cause), cause);
    } else {
      this.caller.sendControl(cause === Cause.USER_BUSY ? ControlSubclass.BUSY : ControlSubclass.CONGESTION);
      this.caller.hangup(cause, causeText(cause));
    }
    this.finish(cause);
  }

  /** Hang-up from either side once answered (or the caller giving up): both legs end. */
  end(cause: number, by: 'caller' | 'callee' | 'switch'): void {
    if (this.current === BridgeState.Ended) return;
    if (by !== 'caller' && !this.caller.closed) this.caller.hangup(cause);
    const out = this.out;
    if (by !== 'callee' && out !== undefined && !out.closed) out.hangup(cause);
    this.finish(cause);
  }

  private finish(cause: number): void {
    if (this.current === BridgeState.Ended) return;
    const answered = this.current === BridgeState.Answered;
    this.transition(BridgeState.Ended);
    this.deps.clock.clearTimer(this.timer);
    const disposition: BridgeOutcome['disposition'] = answered
      ? 'ANSWERED'
      : cause === Cause.USER_BUSY ? 'BUSY'
      : cause === Cause.NO_ANSWER ? 'NO ANSWER'
      : cause === Cause.SWITCH_CONGESTION || cause === Cause.NO_CIRCUIT_AVAILABLE ? 'CONGESTION'
      : 'FAILED';
    this.deps.onEnd(this, {
      disposition,
      causeCode: cause,
      answeredAt: this.answeredAt,
      endedAt: this.deps.wallNow(),
      outbound: this.out,
      destination: this.outDestination,
      calleeWorker: this.out === undefined ? undefined : this.outOwner,
    });
  }
}
