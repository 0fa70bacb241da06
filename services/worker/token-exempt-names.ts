/**
 * The names of the peers with requirecalltoken=no, kept in memory and refreshed from the
 * table's sparse index every few seconds (peers-table.ts): a NEW or REGREQ without a call
 * token is judged against this set, so a flood of them costs no read whatever names they carry
 * (docs/architecture.md §9). A failed refresh keeps the last set and is logged, a few lines
 * per window.
 */
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import { LogThrottle } from '../../shared/log-throttle.ts';
import type { Logger } from '../../shared/logger.ts';

export class TokenExemptNames {
  private names: ReadonlySet<string> = new Set();
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly failures: LogThrottle;

  constructor(
    private readonly read: () => Promise<string[]>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly refreshMs = 5000,
  ) {
    this.failures = new LogThrottle(() => clock.now(), { linesPerWindow: 2 });
  }

  /** Reads the set once (a failure leaves it empty and is logged), then keeps it fresh. */
  async start(): Promise<void> {
    await this.refresh();
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  get size(): number {
    return this.names.size;
  }

  close(): void {
    this.closed = true;
    this.clock.clearTimer(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      this.names = new Set(await this.read());
    } catch (error) {
      const admitted = this.failures.admit('refresh');
      if (admitted.write) this.logger.warn('token-exempt peers not refreshed; the last set stays in use', { error, names: this.names.size, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
    }
    if (!this.closed) this.timer = this.clock.setTimer(this.refreshMs, () => void this.refresh());
  }
}
