/**
 * Qualify: POKE a peer, time the PONG, and keep its status (protocol.md §10.1).
 *
 * Each POKE opens its own dialog (fresh call number, empty CALLTOKEN IE, pingtime maxms / 8 so
 * retransmissions start at maxms / 4). A PONG makes the peer OK, or LAGGED above maxms (the
 * last two round trips averaged with `qualifysmoothing`); the next POKE follows `qualifyfreqok`
 * later. No PONG within min(20 s + maxms, 5/6 x freqok) (5/6 x freqnotok while already
 * unreachable) makes it UNREACHABLE, and the next POKE follows `qualifyfreqnotok` later.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Call } from '../call/call.ts';
import { IaxCommand, IeId } from '../codec/index.ts';
import type { Iax2Engine } from '../engine/engine.ts';
import type { RemoteAddress } from '../transport.ts';
import { TypedEvents } from '../typed-events.ts';
import type { QualifyStatus } from './registration-store.ts';

export interface QualifyOptions {
  /** `qualify=yes` is 2000. */
  maxMs: number;
  smoothing?: boolean;
  freqOkMs?: number;
  freqNotOkMs?: number;
}

export interface QualifyChange {
  name: string;
  status: QualifyStatus;
  previous: QualifyStatus;
  latencyMs?: number;
}

interface Target {
  name: string;
  remote: RemoteAddress;
  options: Required<QualifyOptions>;
  status: QualifyStatus;
  latencyMs?: number;
  rtts: number[];
  next?: TimerHandle;
  deadline?: TimerHandle;
  poke?: Call;
}

export interface QualifyEvents {
  statuschange: QualifyChange;
}

export const DEFAULT_FREQ_OK_MS = 60_000;
export const DEFAULT_FREQ_NOTOK_MS = 10_000;
const NO_ANSWER_BASE_MS = 20_000;

export class QualifyMonitor {
  readonly events: TypedEvents<QualifyEvents>;
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly engine: Iax2Engine,
    private readonly clock: Clock,
  ) {
    this.events = new TypedEvents();
  }

  /** Starts (or moves) qualifying `name` at `remote`; pokes at once when `pokeNow`. */
  monitor(name: string, remote: RemoteAddress, options: QualifyOptions, pokeNow = true): void {
    const existing = this.targets.get(name);
    if (existing !== undefined && existing.remote.address === remote.address && existing.remote.port === remote.port && !pokeNow) return;
    this.forget(name);
    const target: Target = {
      name,
      remote: { ...remote },
      options: {
        maxMs: options.maxMs,
        smoothing: options.smoothing ?? false,
        freqOkMs: options.freqOkMs ?? DEFAULT_FREQ_OK_MS,
        freqNotOkMs: options.freqNotOkMs ?? DEFAULT_FREQ_NOTOK_MS,
      },
      status: existing?.status ?? 'UNKNOWN',
      rtts: [],
    };
    this.targets.set(name, target);
    if (pokeNow) this.poke(target);
    else this.schedule(target, target.options.freqOkMs);
  }

  status(name: string): { status: QualifyStatus; latencyMs?: number } | undefined {
    const t = this.targets.get(name);
    return t === undefined ? undefined : { status: t.status, latencyMs: t.latencyMs };
  }

  forget(name: string): void {
    const t = this.targets.get(name);
    if (t === undefined) return;
    this.targets.delete(name);
    this.clock.clearTimer(t.next);
    this.clock.clearTimer(t.deadline);
    t.poke?.close('done');
  }

  private schedule(target: Target, delayMs: number): void {
    this.clock.clearTimer(target.next);
    target.next = this.clock.setTimer(delayMs, () => this.poke(target));
  }

  private poke(target: Target): void {
    if (this.targets.get(target.name) !== target) return;
    let call: Call;
    try {
      call = this.engine.openDialog(target.remote, () => ({ handle: () => false }), { pingtimeMs: target.options.maxMs / 8 });
    } catch {
      this.unanswered(target);
      return;
    }
    target.poke = call;
    call.events.on('pong', ({ rttMs }) => {
      this.answered(target, rttMs);
      // Let the call ACK the PONG first (towards call 1, as Asterisk does), then end it.
      this.clock.setTimer(0, () => call.close('done'));
    });
    call.events.on('closed', ({ reason }) => {
      if (target.poke === call) target.poke = undefined;
      if (reason === 'gave-up') this.unanswered(target);
    });
    const { freqOkMs, freqNotOkMs, maxMs } = target.options;
    const patience = target.status === 'UNREACHABLE' ? (5 * freqNotOkMs) / 6 : Math.min(NO_ANSWER_BASE_MS + maxMs, (5 * freqOkMs) / 6);
    target.deadline = this.clock.setTimer(patience, () => this.unanswered(target));
    call.sendIax(IaxCommand.POKE, [{ id: IeId.CALLTOKEN, value: Buffer.alloc(0) }]);
  }

  private answered(target: Target, rttMs: number): void {
    if (this.targets.get(target.name) !== target) return;
    this.clock.clearTimer(target.deadline);
    target.rtts = [...target.rtts.slice(-1), rttMs];
    const latency = target.options.smoothing ? Math.round(target.rtts.reduce((a, b) => a + b, 0) / target.rtts.length) : rttMs;
    this.setStatus(target, latency > target.options.maxMs ? 'LAGGED' : 'OK', latency);
    this.schedule(target, target.status === 'OK' ? target.options.freqOkMs : target.options.freqNotOkMs);
  }

  private unanswered(target: Target): void {
    if (this.targets.get(target.name) !== target) return;
    this.clock.clearTimer(target.deadline);
    const poke = target.poke;
    target.poke = undefined;
    poke?.close('done');
    target.rtts = [];
    this.setStatus(target, 'UNREACHABLE', undefined);
    this.schedule(target, target.options.freqNotOkMs);
  }

  private setStatus(target: Target, status: QualifyStatus, latencyMs: number | undefined): void {
    const previous = target.status;
    target.status = status;
    target.latencyMs = latencyMs;
    // Status changes are reported; a steady OK with a new latency is not news.
    if (previous !== status) this.events.emit('statuschange', { name: target.name, status, previous, latencyMs });
  }

  close(): void {
    for (const name of [...this.targets.keys()]) this.forget(name);
    this.events.removeAll();
  }
}
