/**
 * Holds ECS task scale-in protection while the worker has calls, and drops it when it has
 * been idle for a while. Polled (every 5 s by default): cheap, and it needs no hook in the
 * call path. Protection is asked for a bounded time and renewed well before it lapses, so a
 * worker that hangs does not stay protected for ever; a failed request is logged and tried
 * again at the next poll, never thrown at the process.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { TaskProtectionClient } from './task-protection.ts';

export interface ScaleInGuardOptions {
  client: TaskProtectionClient;
  clock: Clock;
  logger: Logger;
  activeCalls: () => number;
  pollMs?: number;
  /** How long each grant lasts (default 60 minutes); renewed when less than a third is left. */
  protectMinutes?: number;
  /** Idle this long before protection is dropped (default 30 s): calls often follow calls. */
  idleMs?: number;
}

export type ProtectionState = 'unprotected' | 'protected';

export class ScaleInGuard {
  private state: ProtectionState = 'unprotected';
  private protectedUntil = 0;
  private idleSince: number | undefined;
  private inFlight = false;
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly pollMs: number;
  private readonly protectMs: number;
  private readonly idleMs: number;

  constructor(private readonly options: ScaleInGuardOptions) {
    this.pollMs = options.pollMs ?? 5000;
    this.protectMs = (options.protectMinutes ?? 60) * 60_000;
    this.idleMs = options.idleMs ?? 30_000;
  }

  get protection(): ProtectionState {
    return this.state;
  }

  start(): void {
    this.schedule();
  }

  close(): void {
    this.closed = true;
    this.options.clock.clearTimer(this.timer);
  }

  /** One look at the calls; exposed so a test (or a call event) can drive it. */
  async check(): Promise<void> {
    if (this.inFlight || this.closed) return;
    const now = this.options.clock.now();
    const calls = this.options.activeCalls();
    if (calls > 0) {
      this.idleSince = undefined;
      const renewDue = this.state === 'unprotected' || this.protectedUntil - now < this.protectMs / 3;
      if (renewDue) await this.request(true, now, calls);
      return;
    }
    if (this.state === 'unprotected') return;
    this.idleSince ??= now;
    if (now - this.idleSince >= this.idleMs) await this.request(false, now, calls);
  }

  private async request(enable: boolean, now: number, calls: number): Promise<void> {
    this.inFlight = true;
    try {
      await this.options.client.set(enable, enable ? this.protectMs / 60_000 : undefined);
      const was = this.state;
      this.state = enable ? 'protected' : 'unprotected';
      this.protectedUntil = enable ? now + this.protectMs : 0;
      if (!enable) this.idleSince = undefined;
      if (was !== this.state) this.options.logger.info(enable ? 'scale-in protection on' : 'scale-in protection off', { activeCalls: calls });
    } catch (error) {
      this.options.logger.warn('scale-in protection request failed', { enable, error });
    } finally {
      this.inFlight = false;
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimer(this.pollMs, () => {
      void this.check().finally(() => this.schedule());
    });
  }
}
