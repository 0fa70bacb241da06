/**
 * The live workers, as the switch needs them for every call to a box another worker holds:
 * read from the workers table at most every `refreshMs` (one scan of a handful of items),
 * served from memory in between, and the last good read kept when the table cannot be read.
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

  constructor(
    private readonly source: LiveWorkers,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly refreshMs = 2000,
  ) {}

  /** The worker `id` if its heartbeat is live, as of the last read (read again when older than refreshMs). */
  async get(id: string): Promise<WorkerRecord | undefined> {
    if (this.now() - this.readAt >= this.refreshMs) await this.refresh();
    return this.workers.get(id);
  }

  private refresh(): Promise<void> {
    this.reading ??= this.source
      .live()
      .then((workers) => {
        this.workers = new Map(workers.map((w) => [w.workerId, w]));
        this.readAt = this.now();
      })
      .catch((error: unknown) => this.logger.warn('the workers table could not be read; using the last read', { error }))
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
