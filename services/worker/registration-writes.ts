/**
 * The registrar's deferred writes (services/iax2/registrar/deferred-writes.ts) on a
 * write-behind queue: registrations granted from memory while the store was out, and removals
 * made the same way, written when it takes writes again. Only the latest write per peer is
 * kept (a newer registration makes an older one moot), so the queue holds at most one item
 * per peer this worker serves. Every write is conditional, so a late one never undoes a newer
 * one: a registration only replaces an older one, a removal only takes the very registration
 * that lapsed, or one this worker still holds.
 */
import type { Clock } from '../../shared/clock.ts';
import { LogThrottle } from '../../shared/log-throttle.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Registration } from '../../shared/model/registration.ts';
import type { RegistrationsTable } from '../../shared/store/registrations-table.ts';
import { isStoreOutage } from '../../shared/store/store-failure.ts';
import type { DeferredRegistrationWrites } from '../iax2/registrar/deferred-writes.ts';
import { WriteBehindQueue, type WriteBehindStats, type WriteOutcome } from './write-behind.ts';

type RegistrationWrite = { kind: 'put'; registration: Registration } | { kind: 'remove'; name: string; expiresAt: number | undefined };

export interface RegistrationWritesOptions {
  table: Pick<RegistrationsTable, 'write' | 'remove' | 'removeHeldBy'>;
  workerId: string;
  clock: Clock;
  logger: Logger;
  /** Peers with a write waiting, at most (default 20,000). */
  maxItems?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class RegistrationWrites implements DeferredRegistrationWrites {
  private readonly queue: WriteBehindQueue<RegistrationWrite>;
  private readonly throttle: LogThrottle;

  constructor(private readonly options: RegistrationWritesOptions) {
    this.throttle = new LogThrottle(() => options.clock.now(), { linesPerWindow: 3 });
    this.queue = new WriteBehindQueue<RegistrationWrite>({
      clock: options.clock,
      maxItems: options.maxItems ?? 20_000,
      ...(options.initialBackoffMs === undefined ? {} : { initialBackoffMs: options.initialBackoffMs }),
      ...(options.maxBackoffMs === undefined ? {} : { maxBackoffMs: options.maxBackoffMs }),
      // The latest write per peer is the only one that matters.
      coalesce: (_waiting, next) => [next],
      write: (_name, write) => this.write(write),
      onFailure: (error, name) => this.log('failure', 'a queued registration write failed; retrying later', { error, peer: name, queued: this.queue.size }),
      onDrop: (name, write, why) => this.log('drop', 'a registration write was dropped', { peer: name, kind: write.kind, why }),
    });
  }

  get failing(): boolean {
    return this.queue.failing;
  }

  get stats(): WriteBehindStats {
    return this.queue.stats;
  }

  /** Peers whose write waits. */
  get size(): number {
    return this.queue.size;
  }

  /** Whether a write for `name` waits (the store does not show this worker's latest yet). */
  pending(name: string): boolean {
    return this.queue.has(name);
  }

  put(registration: Registration): void {
    this.queue.enqueue(registration.name, { kind: 'put', registration });
  }

  remove(name: string, expiresAt?: number): void {
    this.queue.enqueue(name, { kind: 'remove', name, expiresAt });
  }

  cancel(name: string): void {
    this.queue.cancel(name);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  retryNow(): void {
    this.queue.retryNow();
  }

  close(): number {
    return this.queue.close();
  }

  private async write(write: RegistrationWrite): Promise<WriteOutcome> {
    const { table, workerId } = this.options;
    try {
      // False from any of them: a newer registration is stored, or this one is gone: done either way.
      if (write.kind === 'put') await table.write(write.registration);
      else if (write.expiresAt !== undefined) await table.remove(write.name, write.expiresAt);
      else await table.removeHeldBy(write.name, workerId);
      return 'done';
    } catch (error) {
      if (isStoreOutage(error)) throw error;
      this.log('refused', 'the store refused a queued registration write; it is dropped', { error, kind: write.kind });
      return 'dropped';
    }
  }

  private log(key: string, message: string, context: Record<string, unknown>): void {
    const admitted = this.throttle.admit(key);
    if (admitted.write) this.options.logger.warn(message, { ...context, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
  }
}
