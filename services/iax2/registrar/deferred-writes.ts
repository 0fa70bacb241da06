/**
 * The registrar when its store fails: where it hands the writes it
 * could not make (the worker's write-behind queue), and the deadline a REGREQ or REGREL waits
 * for the store before it is answered from the registrar's own memory. A registration refresh
 * of a box this worker already serves must not hang on, or be refused by, a dead store: the
 * box would drop its flow and every call to it would fail.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Registration } from './registration-store.ts';

export interface DeferredRegistrationWrites {
  /** True while the writes already queued still fail: nobody need wait on the store first. */
  readonly failing: boolean;
  /** Writes `registration` once the store takes writes again (only the latest per peer). */
  put(registration: Registration): void;
  /**
   * Removes `name`'s registration once the store takes writes again: with `expiresAt` only
   * that very registration, without it only while this worker still holds it.
   */
  remove(name: string, expiresAt?: number): void;
  /** The store took a newer write for `name` directly: what waits for it is moot. */
  cancel(name: string): void;
}

/**
 * One store step with a deadline: its outcome is acted on once, whichever comes first of the
 * store's answer and the deadline (`onTimeout`). No deadline: only the store's answer counts.
 */
export class StoreAttempt {
  private decided = false;
  private readonly timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Pick<Clock, 'setTimer' | 'clearTimer'>,
    waitMs: number | undefined,
    onTimeout: () => void,
  ) {
    this.timer = waitMs === undefined ? undefined : clock.setTimer(waitMs, () => {
      if (this.decide()) onTimeout();
    });
  }

  /** Whether nothing was decided yet. */
  get open(): boolean {
    return !this.decided;
  }

  /** True for the first caller only: it acts on the outcome; later ones drop theirs. */
  decide(): boolean {
    if (this.decided) return false;
    this.decided = true;
    this.clock.clearTimer(this.timer);
    return true;
  }
}
