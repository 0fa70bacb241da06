/**
 * Registrations this worker granted that another worker holds now: the box's flow moved (its
 * NAT mapping changed, the NLB re-balanced it, this worker drained) and it registered again
 * through another worker, which wrote itself into the registration (docs/architecture.md §6).
 * Every `everyMs` the registrations held here are read back (100 a read) and the ones that
 * belong to another worker, or lapsed, are released, so only the owner qualifies a box and
 * answers for its address. A qualify status write that finds another owner releases at once.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { Registration } from '../../../shared/model/registration.ts';

export interface OwnershipCheckOptions {
  workerId: string;
  held(): string[];
  release(name: string, why: string): void;
  read(names: readonly string[]): Promise<Map<string, Registration>>;
  clock: Clock;
  logger: Logger;
  everyMs?: number;
}

export class OwnershipCheck {
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly everyMs: number;

  constructor(private readonly options: OwnershipCheckOptions) {
    this.everyMs = options.everyMs ?? 30_000;
  }

  start(): void {
    this.schedule();
  }

  /** Reads the held registrations back now; resolves with how many were released. */
  async checkNow(): Promise<number> {
    const names = this.options.held();
    if (names.length === 0) return 0;
    const found = await this.options.read(names);
    const now = this.options.clock.wallNow();
    let released = 0;
    for (const name of names) {
      const registration = found.get(name);
      let why: string | undefined;
      if (registration === undefined || registration.expiresAt <= now) why = 'its registration lapsed';
      else if (registration.workerId !== this.options.workerId) why = `it registered through worker ${registration.workerId}`;
      if (why === undefined) continue;
      this.options.release(name, why);
      released++;
    }
    return released;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimer(this.everyMs, () => {
      this.checkNow()
        .catch((error: unknown) => this.options.logger.warn('registration ownership not checked', { error }))
        .finally(() => this.schedule());
    });
  }

  close(): void {
    this.closed = true;
    this.options.clock.clearTimer(this.timer);
  }
}
