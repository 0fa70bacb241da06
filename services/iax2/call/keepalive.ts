/**
 * The per-call PING (every 21 s) and LAGRQ (every 10 s) schedule (protocol.md §10.2). Both are
 * reliable frames sent by the call; this only decides when.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';

export const PING_INTERVAL_MS = 21_000;
export const LAGRQ_INTERVAL_MS = 10_000;

export class Keepalive {
  private pingTimer: TimerHandle | undefined;
  private lagrqTimer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly send: { ping(): void; lagrq(): void },
  ) {}

  get running(): boolean {
    return this.pingTimer !== undefined;
  }

  /** Starts both timers; a second start while running changes nothing. */
  start(): void {
    if (this.running) return;
    const ping = (): void => {
      this.pingTimer = this.clock.setTimer(PING_INTERVAL_MS, () => {
        this.send.ping();
        if (this.pingTimer !== undefined) ping();
      });
    };
    const lagrq = (): void => {
      this.lagrqTimer = this.clock.setTimer(LAGRQ_INTERVAL_MS, () => {
        this.send.lagrq();
        if (this.lagrqTimer !== undefined) lagrq();
      });
    };
    ping();
    lagrq();
  }

  stop(): void {
    this.clock.clearTimer(this.pingTimer);
    this.clock.clearTimer(this.lagrqTimer);
    this.pingTimer = undefined;
    this.lagrqTimer = undefined;
  }
}
