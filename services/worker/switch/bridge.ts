/**
 * One routed call: the caller's leg and, in turn, an outbound leg per destination until one
 * answers. Dial() semantics: destinations are tried in order, failing over on congestion,
 * unavailability and timeout but never on busy; the caller is accepted only once an outbound
 * leg has accepted, with that leg's format (end-to-end negotiation, no transcoding); then
 * ringing, progress, answer, busy, congestion, hold and unhold, DTMF and text pass across,
 * voice is relayed with the sender's timing, and a hang-up on either side ends both with its
 * cause.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { RouteConfig } from '../../../shared/model/route.ts';
import type { Call } from '../../iax2/call/call.ts';
import { ControlSubclass } from '../../iax2/codec/index.ts';
import type { Iax2Engine } from '../../iax2/engine/engine.ts';
import type { IncomingCallInfo } from '../../iax2/engine/inbound-setup.ts';
import { Cause, causeText, failsOver } from './hangup-causes.ts';
import { resolveDestination, type DestinationSources } from './destination.ts';
import { callerIdFor, type CallerId } from './caller-id.ts';
import { firstCommonFormat } from './formats.ts';

/** Control frames that cross from the answering side to the caller unchanged. */
const RELAYED_CONTROLS = new Set<number>([ControlSubclass.RINGING, ControlSubclass.PROGRESS, ControlSubclass.HOLD, ControlSubclass.UNHOLD]);

export interface BridgeOutcome {
  disposition: 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED' | 'CONGESTION';
  causeCode: number;
  answeredAt: number | undefined;
  endedAt: number;
  /** The leg that answered (or was tried last). */
  outbound: Call | undefined;
  destination: string | undefined;
}

export interface BridgeDeps {
  engine: Iax2Engine;
  clock: Clock;
  logger: Logger;
  sources: DestinationSources;
  /** Wall-clock ms, for CDR times. */
  wallNow: () => number;
  /** `shrinkcallerid` (default yes). */
  shrinkCallerId?: boolean;
  onAnswer(bridge: Bridge): void;
  onEnd(bridge: Bridge, outcome: BridgeOutcome): void;
}

export class Bridge {
  readonly startedAt: number;
  /** What the outbound legs present (and the CDR records as src/clid). */
  readonly callerId: CallerId;
  private next = 0;
  private out: Call | undefined;
  private outDestination: string | undefined;
  private callerFormat: bigint | undefined;
  private answeredAt: number | undefined;
  private timer: TimerHandle | undefined;
  private lastCause: number = Cause.NO_CIRCUIT_AVAILABLE;
  private ended = false;
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
    if (info.user?.trunk === true) deps.engine.trunkCall(caller, info.user.trunkTimestamps === true);
    // Voice takes the calls' fast path (no event object per frame).
    caller.voiceSink = (payload, format, timestamp) => {
      const out = this.out;
      if (out === undefined || this.answeredAt === undefined) return;
      this.offsetToOut ??= out.txElapsedMs - timestamp;
      out.relayVoice(payload, format, timestamp + this.offsetToOut);
    };
    caller.events.on('dtmf', ({ digit, end }) => this.out?.sendDtmf(digit, end ? 'end' : 'begin'));
    caller.events.on('text', ({ text }) => this.out?.sendText(text));
    caller.events.on('cng', ({ level, payload }) => {
      if (this.answered) this.out?.sendCng(level, payload);
    });
    caller.events.on('control', ({ subclass }) => {
      if (subclass === ControlSubclass.HOLD || subclass === ControlSubclass.UNHOLD) this.out?.sendControl(subclass);
    });
    caller.events.on('hangup', ({ causeCode }) => this.end(causeCode ?? Cause.NORMAL_CLEARING, 'caller'));
    caller.events.on('closed', () => this.end(Cause.NORMAL_CLEARING, 'caller'));
  }

  get answered(): boolean {
    return this.answeredAt !== undefined;
  }

  get outbound(): Call | undefined {
    return this.out;
  }

  start(): void {
    void this.tryNext();
  }

  private async tryNext(): Promise<void> {
    if (this.ended) return;
    const destination = this.route.destinations[this.next++];
    if (destination === undefined) {
      this.fail(this.lastCause);
      return;
    }
    let resolved;
    try {
      resolved = await resolveDestination(this.tenant, destination.target, this.info.calledNumber, this.deps.sources);
    } catch (error) {
      this.deps.logger.error('resolving a destination failed', { error, dial: destination.dial });
      resolved = { ok: false as const, cause: Cause.NETWORK_OUT_OF_ORDER, why: 'lookup failed' };
    }
    if (this.ended) return;
    if (!resolved.ok) {
      this.deps.logger.info('destination unavailable', { dial: destination.dial, why: resolved.why });
      this.lastCause = resolved.cause;
      void this.tryNext();
      return;
    }
    // Once the caller is accepted its format is fixed: later legs must offer exactly it.
    const offered = this.callerFormat ?? (this.info.peerCapability & (this.info.user?.capability ?? this.info.peerCapability) & resolved.capability);
    const format = this.callerFormat ?? firstCommonFormat(offered, this.info.peerFormat, this.info.peerPrefs, resolved.prefs);
    if (offered === 0n || format === undefined) {
      this.lastCause = Cause.BEARER_CAPABILITY_NOT_AVAILABLE;
      void this.tryNext();
      return;
    }
    let out: Call;
    try {
      out = this.deps.engine.call({
        ...resolved.options,
        remote: resolved.remote,
        capability: offered,
        format,
        ...(this.callerId.number === undefined ? {} : { callingNumber: this.callerId.number }),
        ...(this.callerId.name === undefined ? {} : { callingName: this.callerId.name }),
        sendAni: resolved.peer.sendani,
      });
    } catch (error) {
      this.deps.logger.warn('could not place the outbound leg', { error, dial: destination.dial });
      this.lastCause = Cause.NO_CIRCUIT_AVAILABLE;
      void this.tryNext();
      return;
    }
    this.out = out;
    this.outDestination = destination.dial;
    if (resolved.peer.trunk) this.deps.engine.trunkCall(out, resolved.peer.trunktimestamps);
    this.wireOutbound(out);
    if (destination.timeoutS !== undefined) {
      this.timer = this.deps.clock.setTimer(destination.timeoutS * 1000, () => {
        if (this.out !== out || this.answered) return;
        this.lastCause = Cause.NO_ANSWER;
        this.dropOutbound(Cause.NO_ANSWER);
        void this.tryNext();
      });
    }
  }

  private wireOutbound(out: Call): void {
    const current = (): boolean => this.out === out && !this.ended;
    out.events.on('accepted', ({ format }) => {
      if (!current()) return;
      if (this.callerFormat === undefined) {
        const accepted = this.deps.engine.accept(this.caller, format);
        if (accepted === undefined) {
          this.dropOutbound(Cause.BEARER_CAPABILITY_NOT_AVAILABLE);
          this.end(Cause.BEARER_CAPABILITY_NOT_AVAILABLE, 'switch');
          return;
        }
        this.callerFormat = accepted;
      }
    });
    out.events.on('rejected', ({ causeCode }) => {
      if (!current()) return;
      this.afterLegFailed(causeCode);
    });
    out.events.on('control', ({ subclass }) => {
      if (!current()) return;
      if (subclass === ControlSubclass.ANSWER) {
        if (this.answered) return;
        this.answeredAt = this.deps.wallNow();
        this.deps.clock.clearTimer(this.timer);
        this.caller.answer();
        this.deps.onAnswer(this);
      } else if (subclass === ControlSubclass.BUSY) {
        if (!this.answered) this.afterLegFailed(Cause.USER_BUSY);
      } else if (subclass === ControlSubclass.CONGESTION) {
        if (!this.answered) this.afterLegFailed(Cause.SWITCH_CONGESTION);
      } else if (RELAYED_CONTROLS.has(subclass) && this.callerFormat !== undefined) {
        this.caller.sendControl(subclass);
      }
    });
    out.voiceSink = (payload, format, timestamp) => {
      if (!current() || this.callerFormat === undefined) return;
      this.offsetToCaller ??= this.caller.txElapsedMs - timestamp;
      this.caller.relayVoice(payload, format, timestamp + this.offsetToCaller);
    };
    out.events.on('dtmf', ({ digit, end }) => {
      if (current() && this.answered) this.caller.sendDtmf(digit, end ? 'end' : 'begin');
    });
    out.events.on('text', ({ text }) => {
      if (current() && this.answered) this.caller.sendText(text);
    });
    out.events.on('cng', ({ level, payload }) => {
      if (current() && this.answered) this.caller.sendCng(level, payload);
    });
    out.events.on('hangup', ({ causeCode }) => {
      if (!current()) return;
      if (this.answered) this.end(causeCode ?? Cause.NORMAL_CLEARING, 'callee');
      else this.afterLegFailed(causeCode);
    });
    out.events.on('closed', () => {
      if (!current()) return;
      // Whatever ended the leg without a hangup or reject saying why (give-up, autokill, a
      // setup that could not go on): before answer that is a failed destination, so the
      // route moves on at once and no caller is left ringing with nothing running.
      if (this.answered) this.end(Cause.NORMAL_CLEARING, 'callee');
      else this.afterLegFailed(Cause.DESTINATION_OUT_OF_ORDER);
    });
  }

  /** The outbound leg failed before answer: busy ends the call, anything else tries the next. */
  private afterLegFailed(causeCode: number | undefined): void {
    this.deps.clock.clearTimer(this.timer);
    const cause = causeCode ?? Cause.SWITCH_CONGESTION;
    this.dropOutbound(cause);
    this.lastCause = cause;
    if (!failsOver(cause)) {
      this.fail(cause);
      return;
    }
    void this.tryNext();
  }

  private dropOutbound(cause: number): void {
    const out = this.out;
    this.out = undefined;
    if (out !== undefined && !out.closed) out.hangup(cause);
  }

  /** No destination answered: the caller hears why. */
  private fail(cause: number): void {
    if (this.ended) return;
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
    if (this.ended) return;
    if (by !== 'caller' && !this.caller.closed) this.caller.hangup(cause);
    const out = this.out;
    if (by !== 'callee' && out !== undefined && !out.closed) out.hangup(cause);
    this.finish(cause);
  }

  private finish(cause: number): void {
    if (this.ended) return;
    this.ended = true;
    this.deps.clock.clearTimer(this.timer);
    const disposition: BridgeOutcome['disposition'] = this.answered
      ? 'ANSWERED'
      : cause === Cause.USER_BUSY ? 'BUSY'
      : cause === Cause.NO_ANSWER ? 'NO ANSWER'
      : cause === Cause.SWITCH_CONGESTION || cause === Cause.NO_CIRCUIT_AVAILABLE ? 'CONGESTION'
      : 'FAILED';
    this.deps.onEnd(this, { disposition, causeCode: cause, answeredAt: this.answeredAt, endedAt: this.deps.wallNow(), outbound: this.out, destination: this.outDestination });
  }
}
