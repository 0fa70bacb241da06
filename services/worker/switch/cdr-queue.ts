/**
 * Every CDR write of this worker goes through one write-behind queue (write-behind.ts), keyed
 * by call: when the store is healthy a write leaves at once; when it fails, CDRs wait in
 * memory and are written when it returns, none lost while the queue has room. A call's writes
 * keep their order (the open record at answer, then its finish); a finish queued behind an
 * open record that has not left yet is merged with it into one complete record. An attempt
 * that timed out may still have landed: a record found already there is taken as written.
 */
import type { Clock } from '../../../shared/clock.ts';
import { LogThrottle } from '../../../shared/log-throttle.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { CdrInput } from '../../../shared/model/cdr.ts';
import type { CdrEnding, CdrsTable } from '../../../shared/store/cdrs-table.ts';
import { ConflictError } from '../../../shared/store/store-errors.ts';
import { isStoreOutage } from '../../../shared/store/store-failure.ts';
import { WriteBehindQueue, type WriteBehindStats, type WriteOutcome } from '../write-behind.ts';

type Rr = NonNullable<CdrInput['rrCaller']>;

export type CdrWrite =
  /** The record opened at answer. */
  | { kind: 'open'; cdr: CdrInput }
  | { kind: 'finish'; tenant: string; start: number; callId: string; ending: CdrEnding }
  /** A complete record; `ending` when it stands for an open record and its finish (merged). */
  | { kind: 'whole'; cdr: CdrInput; ending?: CdrEnding }
  /** The far leg of a mesh call, added to the ingress worker's record once that exists. */
  | { kind: 'callee-leg'; tenant: string; start: number; callId: string; rr: Rr; workerId: string; attempts: number };

export interface CdrQueueTiming {
  maxItems?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  concurrency?: number;
}

/** How many times the far leg's figures look for the ingress record before they are dropped. */
const CALLEE_LEG_ATTEMPTS = 5;

const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000));

/** An open record and its finish as one complete record (the finish's fields, as CdrsTable.finish sets them). */
export function closedRecord(open: CdrInput, ending: CdrEnding): CdrInput {
  const answer = ending.answer ?? open.answer;
  return {
    ...open,
    ...ending,
    duration: seconds(ending.end - open.start),
    ...(answer === undefined ? {} : { answer, billsec: seconds(ending.end - answer) }),
  };
}

function coalesce(waiting: readonly CdrWrite[], next: CdrWrite): CdrWrite[] {
  const last = waiting.at(-1);
  if (next.kind === 'finish' && last?.kind === 'open') {
    return [...waiting.slice(0, -1), { kind: 'whole', cdr: closedRecord(last.cdr, next.ending), ending: next.ending }];
  }
  return [...waiting, next];
}

export class CdrQueue {
  private readonly queue: WriteBehindQueue<CdrWrite>;
  private readonly throttle: LogThrottle;

  constructor(
    private readonly cdrs: Pick<CdrsTable, 'write' | 'finish' | 'recordCalleeLeg'>,
    clock: Clock,
    private readonly logger: Logger,
    timing: CdrQueueTiming = {},
  ) {
    this.throttle = new LogThrottle(() => clock.now(), { linesPerWindow: 3 });
    this.queue = new WriteBehindQueue<CdrWrite>({
      ...timing,
      maxItems: timing.maxItems ?? 50_000,
      clock,
      coalesce,
      write: (_callId, write) => this.write(write),
      onFailure: (error, callId) => this.log('warn', 'failure', 'a CDR write failed; it stays queued and is retried', { error, callId, queued: this.queue.size }),
      onDrop: (callId, write, why) => this.log('error', 'drop', 'a CDR write was dropped', { callId, kind: write.kind, why }),
    });
  }

  get stats(): WriteBehindStats {
    return this.queue.stats;
  }

  get size(): number {
    return this.queue.size;
  }

  /** Queues one write of call `callId`; false when it was dropped. */
  add(callId: string, write: CdrWrite): boolean {
    return this.queue.enqueue(callId, write);
  }

  /** Resolves when every write queued for `callId` so far has landed (or was dropped). */
  settled(callId: string): Promise<void> {
    return this.queue.settled(callId);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  retryNow(): void {
    this.queue.retryNow();
  }

  /** Stops; returns how many writes were still queued (and are lost). */
  close(): number {
    return this.queue.close();
  }

  private async write(write: CdrWrite): Promise<WriteOutcome> {
    try {
      switch (write.kind) {
        case 'open':
          await this.cdrs.write(write.cdr);
          return 'done';
        case 'whole':
          await this.cdrs.write(write.cdr);
          return 'done';
        case 'finish':
          // False: already ended (by an attempt whose answer was lost, or by the sweeper).
          await this.cdrs.finish(write.tenant, write.start, write.callId, write.ending);
          return 'done';
        case 'callee-leg':
          if (await this.cdrs.recordCalleeLeg(write.tenant, write.start, write.callId, write.rr, write.workerId)) return 'done';
          // The ingress writes its record as the answer crosses it: give it a moment if it is not there yet.
          if (++write.attempts < CALLEE_LEG_ATTEMPTS) return 'later';
          this.log('warn', 'callee-leg', 'the ingress CDR for a mesh call was not found; the far leg\'s figures are dropped', { callId: write.callId });
          return 'dropped';
      }
    } catch (error) {
      if (error instanceof ConflictError && (write.kind === 'open' || write.kind === 'whole')) {
        // An earlier attempt landed though its answer was lost. A merged record still has to end it.
        if (write.kind === 'whole' && write.ending !== undefined) await this.cdrs.finish(write.cdr.tenant, write.cdr.start, write.cdr.callId, write.ending);
        return 'done';
      }
      if (isStoreOutage(error)) throw error;
      this.log('error', 'refused', 'the store refused a CDR write; it is dropped', { error, kind: write.kind });
      return 'dropped';
    }
  }

  private log(level: 'warn' | 'error', key: string, message: string, context: Record<string, unknown>): void {
    const admitted = this.throttle.admit(key);
    if (admitted.write) this.logger[level](message, { ...context, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
  }
}
