/**
 * How a draining worker waits for its calls: until none is left, until the deadline, or until
 * it is told to stop waiting (a second Ctrl-C). It looks every `pollMs` rather than being told
 * of each call's end: a stop is not worth a hook into every call.
 */
import type { Clock, TimerHandle } from '../../shared/clock.ts';

/** Why the wait ended. */
export type DrainEnd = 'calls-ended' | 'deadline' | 'cut-short';

export class DrainWait {
  private cut = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly activeCalls: () => number,
    private readonly pollMs = 200,
  ) {}

  wait(deadlineMs: number): Promise<DrainEnd> {
    const until = this.clock.now() + deadlineMs;
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const check = (): void => {
        this.clock.clearTimer(timer);
        const left = until - this.clock.now();
        const end: DrainEnd | undefined = this.cut ? 'cut-short' : this.activeCalls() === 0 ? 'calls-ended' : left <= 0 ? 'deadline' : undefined;
        if (end !== undefined) {
          this.wake = undefined;
          resolve(end);
          return;
        }
        timer = this.clock.setTimer(Math.min(this.pollMs, left), check);
      };
      this.wake = check;
      check();
    });
  }

  /** Stops the wait now (and any wait that starts later: the calls are to be hung up). */
  cutShort(): void {
    this.cut = true;
    this.wake?.();
  }
}
