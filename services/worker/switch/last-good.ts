/**
 * What the switch reads on a call's path (routes, tenant limits, registrations), with the last
 * value read kept per key so a store that fails or is slow costs a call nothing. A value
 * younger than `maxAgeMs` is served without a read. Otherwise the store is read: while reads
 * of that key succeed, a caller waits for the read, but no longer than `staleWaitMs` when a
 * last value exists (it is served instead, and the read still lands for the next caller);
 * once a read failed, callers get the last value at once and the store is asked again in the
 * background at most every `retryAfterMs`, until a read succeeds. A key never read
 * successfully has nothing to fall back on: its read's failure is the caller's.
 */
import { SystemClock, type Clock } from '../../../shared/clock.ts';

export interface LastGoodTiming {
  /** How long a caller with a last value waits for the store (default 500 ms). */
  staleWaitMs?: number;
  /** After a failed read, how long the last value is served before the store is asked again (default 2 s). */
  retryAfterMs?: number;
  /** Keys kept at most; the least recently read goes first (default 10,000). */
  maxEntries?: number;
  /** Timers for `staleWaitMs` (default: real ones). */
  timers?: Pick<Clock, 'setTimer' | 'clearTimer'>;
  /** A read failed (the last value, if any, stays in use). */
  onError?(error: unknown, key: string): void;
}

export interface LastGoodOptions extends LastGoodTiming {
  /** Milliseconds, for ages. */
  now: () => number;
  maxAgeMs: number;
}

interface Entry<V> {
  value: V;
  readAt: number;
  /** Set while the last read failed: when the store may be asked again. */
  retryAt: number | undefined;
}

export interface LastGoodStats {
  reads: number;
  failures: number;
  /** Callers served the last value because the store failed or was slow. */
  servedStale: number;
}

export class LastGood<V> {
  readonly stats: LastGoodStats = { reads: 0, failures: 0, servedStale: 0 };
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly timers: Pick<Clock, 'setTimer' | 'clearTimer'>;
  private readonly staleWaitMs: number;
  private readonly retryAfterMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: LastGoodOptions) {
    this.timers = options.timers ?? new SystemClock();
    this.staleWaitMs = options.staleWaitMs ?? 500;
    this.retryAfterMs = options.retryAfterMs ?? 2000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async get(key: string, read: () => Promise<V>): Promise<V> {
    return (await this.lookup(key, read)).value;
  }

  /** The value, and whether it came from the store just now (fresh) or is the last one kept. */
  lookup(key: string, read: () => Promise<V>): Promise<{ value: V; fresh: boolean }> {
    const entry = this.entries.get(key);
    const now = this.options.now();
    if (entry === undefined) return this.read(key, read).then((value) => ({ value, fresh: true }));
    if (now - entry.readAt < this.options.maxAgeMs) return Promise.resolve({ value: entry.value, fresh: true });
    if (entry.retryAt !== undefined) {
      // The store failed last time: nobody waits for it; it is asked again now and then.
      if (now >= entry.retryAt && !this.inflight.has(key)) this.read(key, read).catch(() => {});
      return Promise.resolve(this.stale(entry));
    }
    return new Promise((resolve) => {
      const timer = this.timers.setTimer(this.staleWaitMs, () => resolve(this.stale(entry)));
      this.read(key, read).then(
        (value) => {
          this.timers.clearTimer(timer);
          resolve({ value, fresh: true });
        },
        () => {
          this.timers.clearTimer(timer);
          resolve(this.stale(entry));
        },
      );
    });
  }

  private stale(entry: Entry<V>): { value: V; fresh: false } {
    this.stats.servedStale++;
    return { value: entry.value, fresh: false };
  }

  /** One read per key at a time; its result (or failure) is recorded for every later caller. */
  private read(key: string, read: () => Promise<V>): Promise<V> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    this.stats.reads++;
    const reading = read().then(
      (value) => {
        this.entries.delete(key);
        this.entries.set(key, { value, readAt: this.options.now(), retryAt: undefined });
        while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
        return value;
      },
      (error: unknown) => {
        this.stats.failures++;
        const entry = this.entries.get(key);
        if (entry !== undefined) entry.retryAt = this.options.now() + this.retryAfterMs;
        this.options.onError?.(error, key);
        throw error;
      },
    ).finally(() => this.inflight.delete(key));
    this.inflight.set(key, reading);
    return reading;
  }
}
