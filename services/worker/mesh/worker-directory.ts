/**
 * The live workers, as the switch needs them for every call to a box another worker holds:
 * read from the workers table at most every `refreshMs` (one scan of a handful of items),
 * served from memory in between, and the last good read kept when the table cannot be read.
 * After a failed read the store is probably still out, so calls are answered from the last
 * good read at once while the next read runs behind them: otherwise every cross-worker call
 * would wait out the store client's deadline during an outage. The failure is logged once
 * when it starts and once when reads succeed again.
 */
import type { Logger } from '../../../shared/logger.ts';
import type { WorkerRecord } from '../../../shared/model/worker.ts';

export interface LiveWorkers {
  live(): Promise<WorkerRecord[]>;
}

export class WorkerDirectory {
  private workers = new Map<string, WorkerRecord>();
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly source: LiveWorkers,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly refreshMs = 2000,
  ) {}

  /** The worker `id` if its heartbeat is live, as of the last read (read again when older than refreshMs). */
  async get(id: string): Promise<WorkerRecord | undefined> {
    if (this.now() - this.readAt >= this.refreshMs) {
      const reading = this.refresh();
      if (!this.failing) await reading;
    }
    return this.workers.get(id);
  }

  private refresh(): Promise<void> {
    this.reading ??= this.source
      .live()
      .then((workers) => {
        this.workers = new Map(workers.map((w) => [w.workerId, w]));
        this.readAt = this.now();
        if (this.failing) this.logger.info('the workers table is read again');
        this.failing = false;
      })
      .catch((error: unknown) => {
        if (!this.failing) this.logger.warn('the workers table could not be read; using the last read until it can', { error });
        this.failing = true;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
