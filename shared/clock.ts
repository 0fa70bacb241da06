/**
 * Time, injected. Protocol code never reads Date.now() or calls setTimeout itself, so a whole
 * call can run in a test on a ManualClock, with retransmissions and hold-offs firing exactly
 * when advance() reaches them and no real sleep.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (not necessarily the Unix epoch). */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, for DATETIME IEs and call-token times. */
  wallNow(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Real time: performance-based monotonic clock, Node timers (unref'd so they never hold the process open). */
export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    timer.unref();
    return timer;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}

interface ManualTimer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Test time: stands still until advance(). Timers due at the same instant fire in the order
 * they were set; a timer set by a firing timer for "now" fires in the same advance.
 */
export class ManualClock implements Clock {
  private current: number;
  private wall: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(startMs = 0, wallStartMs = Date.UTC(2026, 10, 23, 4, 0, 0)) {
    this.current = startMs;
    this.wall = wallStartMs;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.wall + this.current;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: ManualTimer = { due: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const timer = handle as ManualTimer;
    timer.cancelled = true;
    this.timers.delete(timer);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.due <= target && (next === undefined || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      }
      if (next === undefined) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }

  /** How many timers are pending (for tests that check everything was cleaned up). */
  get pendingTimers(): number {
    return this.timers.size;
  }
}
