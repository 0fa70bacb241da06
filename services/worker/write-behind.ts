/**
 * Writes the store could not take now, held in memory and written when it takes them again.
 * Items are queued under a key (a peer, a call); one key's items are written one at a time,
 * in order, different keys side by side. A write that fails because the store is out pauses
 * the whole queue with exponential back-off (with jitter, so a fleet of workers does not come
 * back in step), and the first write that succeeds resumes it at full speed. Queuing an item
 * for a key that already waits may coalesce it with what waits (the latest registration of a
 * peer replaces the older one). Bounded: past `maxItems` new items are dropped and counted.
 */
import type { Clock, TimerHandle } from '../../shared/clock.ts';

/**
 * What became of one write: `done` (written, or moot), `later` (not possible yet, e.g. the
 * record it updates is not there: tried again after the others), `dropped` (never possible:
 * given up and counted). A rejection means the store failed: the item is retried.
 */
export type WriteOutcome = 'done' | 'later' | 'dropped';

export interface WriteBehindOptions<T> {
  write(key: string, item: T): Promise<WriteOutcome>;
  clock: Clock;
  /** Items held at most, in flight included (default 10,000). */
  maxItems?: number;
  /** What waits for `key` once `next` is queued behind `waiting` (default: all of them, in order). */
  coalesce?(waiting: readonly T[], next: T): T[];
  /** Keys written at once (default 4). */
  concurrency?: number;
  /** The first pause after a failure, doubled each failure up to `maxBackoffMs` (default 500 ms, 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  /** A store failure (the queue pauses); an item given up. */
  onFailure?(error: unknown, key: string): void;
  onDrop?(key: string, item: T, why: string): void;
}

export interface WriteBehindStats {
  /** Items accepted. */
  queued: number;
  written: number;
  /** Refused (the queue was full or closed) or given up. */
  dropped: number;
  /** Merged into a later item of the same key. */
  coalesced: number;
  /** Store failures seen (each pauses the queue). */
  failures: number;
}

interface Slot<T> {
  items: T[];
  inflight: boolean;
  notBefore: number;
}

export class WriteBehindQueue<T> {
  private readonly counts: WriteBehindStats = { queued: 0, written: 0, dropped: 0, coalesced: 0, failures: 0 };
  private readonly slots = new Map<string, Slot<T>>();
  private readonly keyWaiters = new Map<string, Array<() => void>>();
  private idleWaiters: Array<() => void> = [];
  private held = 0;
  private running = 0;
  private pausedUntil = -Infinity;
  private backoffMs: number;
  private lastFailed = false;
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;
  private closed = false;
  private readonly maxItems: number;
  private readonly concurrency: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: WriteBehindOptions<T>) {
    this.maxItems = options.maxItems ?? 10_000;
    this.concurrency = options.concurrency ?? 4;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = Math.max(this.initialBackoffMs, options.maxBackoffMs ?? 10_000);
    this.backoffMs = this.initialBackoffMs;
  }

  get stats(): WriteBehindStats {
    return { ...this.counts };
  }

  /** Items waiting or in flight. */
  get size(): number {
    return this.held;
  }

  /** True from a store failure until a write succeeds again: callers need not try the store first. */
  get failing(): boolean {
    return this.lastFailed;
  }

  /** Whether anything waits for `key`. */
  has(key: string): boolean {
    return this.slots.has(key);
  }

  /** Queues `item` under `key`; false when it was dropped (the queue is full or closed). */
  enqueue(key: string, item: T): boolean {
    if (this.closed) return this.drop(key, item, 'the queue is closed');
    const slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.held >= this.maxItems) return this.drop(key, item, 'the queue is full');
      this.slots.set(key, { items: [item], inflight: false, notBefore: -Infinity });
      this.held++;
    } else {
      // The item in flight is the store's now; only what waits behind it may be merged.
      const first = slot.inflight ? 1 : 0;
      const waiting = slot.items.slice(first);
      const merged = this.options.coalesce?.(waiting, item) ?? [...waiting, item];
      const growth = merged.length - waiting.length;
      if (growth > 0 && this.held + growth > this.maxItems) return this.drop(key, item, 'the queue is full');
      slot.items = [...slot.items.slice(0, first), ...merged];
      this.held += growth;
      this.counts.coalesced += waiting.length + 1 - merged.length;
    }
    this.counts.queued++;
    this.pump();
    return true;
  }

  /** Forgets what waits for `key` (a newer write made it moot); an item in flight completes. */
  cancel(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    const kept = slot.inflight ? slot.items.slice(0, 1) : [];
    this.counts.coalesced += slot.items.length - kept.length;
    this.held -= slot.items.length - kept.length;
    slot.items = kept;
    if (kept.length === 0) this.release(key);
  }

  /** Resolves once nothing waits for `key` (written, dropped or cancelled). */
  settled(key: string): Promise<void> {
    if (!this.slots.has(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.keyWaiters.get(key) ?? [];
      waiters.push(resolve);
      this.keyWaiters.set(key, waiters);
    });
  }

  /** Resolves once the queue is empty. */
  idle(): Promise<void> {
    if (this.slots.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The store answered again (seen elsewhere): stop waiting out the back-off. */
  retryNow(): void {
    if (!this.lastFailed) return;
    this.pausedUntil = -Infinity;
    this.pump();
  }

  /** Stops writing; what is still queued is dropped and counted. Resolves every waiter. */
  close(): number {
    if (this.closed) return 0;
    this.closed = true;
    this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    const lost = this.held;
    this.counts.dropped += lost;
    for (const key of [...this.slots.keys()]) this.release(key);
    this.held = 0;
    return lost;
  }

  private drop(key: string, item: T, why: string): false {
    this.counts.dropped++;
    this.options.onDrop?.(key, item, why);
    return false;
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.options.clock.now();
    if (now < this.pausedUntil) return this.wakeAt(this.pausedUntil);
    let earliest = Infinity;
    for (const [key, slot] of this.slots) {
      if (this.running >= this.concurrency) return;
      if (slot.inflight || slot.items.length === 0) continue;
      if (slot.notBefore > now) {
        earliest = Math.min(earliest, slot.notBefore);
        continue;
      }
      this.start(key, slot);
    }
    if (earliest !== Infinity) this.wakeAt(earliest);
  }

  private start(key: string, slot: Slot<T>): void {
    const item = slot.items[0] as T;
    slot.inflight = true;
    this.running++;
    // A writer that throws at once fails like one that rejects.
    Promise.resolve().then(() => this.options.write(key, item)).then(
      (result) => this.finished(key, slot, result),
      (error: unknown) => this.failed(key, slot, error),
    );
  }

  private finished(key: string, slot: Slot<T>, result: WriteOutcome): void {
    this.running--;
    slot.inflight = false;
    if (this.closed) return;
    this.lastFailed = false;
    this.backoffMs = this.initialBackoffMs;
    if (result === 'later') {
      // Behind every other key, and not before a pause has passed.
      slot.notBefore = this.options.clock.now() + this.initialBackoffMs;
      if (this.slots.get(key) === slot) {
        this.slots.delete(key);
        this.slots.set(key, slot);
      }
    } else {
      if (result === 'done') this.counts.written++;
      else this.counts.dropped++;
      if (this.slots.get(key) === slot && slot.items.length > 0) {
        slot.items.shift();
        this.held--;
        if (slot.items.length === 0) this.release(key);
      }
    }
    this.pump();
  }

  private failed(key: string, slot: Slot<T>, error: unknown): void {
    this.running--;
    slot.inflight = false;
    if (this.closed) return;
    this.counts.failures++;
    this.lastFailed = true;
    this.options.onFailure?.(error, key);
    const now = this.options.clock.now();
    // Writes that were in flight together fail together: one pause for all of them.
    if (now >= this.pausedUntil) {
      const jitter = 0.8 + 0.4 * (this.options.random ?? Math.random)();
      this.pausedUntil = now + this.backoffMs * jitter;
      this.backoffMs = Math.min(this.maxBackoffMs, this.backoffMs * 2);
    }
    this.pump();
  }

  private release(key: string): void {
    this.slots.delete(key);
    for (const resolve of this.keyWaiters.get(key) ?? []) resolve();
    this.keyWaiters.delete(key);
    if (this.slots.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerDue <= at) return;
    this.options.clock.clearTimer(this.timer);
    this.timerDue = at;
    this.timer = this.options.clock.setTimer(at - this.options.clock.now(), () => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.pump();
    });
  }
}
