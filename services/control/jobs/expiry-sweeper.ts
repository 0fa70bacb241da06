/**
 * The registration-expiry sweeper (rtautoclear). Every minute in AWS (an EventBridge schedule),
 * every few seconds locally, it:
 * - reads the expiry buckets of the registrations index and marks each registration past its
 *   expiresAt as expired, its peer UNREACHABLE (conditional on the expiry it read, so a peer
 *   that re-registered meanwhile is left alone);
 * - closes the CDRs a dead worker left open: an open CDR (sparse index) whose worker has no
 *   live heartbeat is ended at that worker's last heartbeat, cause 38 (network out of order).
 * Each run is idempotent, so overlapping or repeated runs do no harm.
 *
 * A full run reads the last `lookbackMinutes` buckets and every open CDR. Repeating that every
 * few seconds costs the local platform CPU that grows with the calls in progress, so a sweeper
 * remembers what its last run saw and a warm run reads only what can have changed since:
 * - the buckets from the one that was current last run (inclusive: it still holds the
 *   registrations that were not yet due) to the current one. Every older bucket was emptied of
 *   due registrations then, since a bucket's whole minute is past once a later one is current;
 * - the open CDRs of the workers that were live last run and are not now, by the index's
 *   partition key (the worker). Orphans appear only when a worker stops heartbeating.
 * The memory is this instance's: a new one (a cold Lambda container, a restarted platform) runs
 * full, and so does every `fullSweepEveryRuns`-th run, a safety net for what a warm run cannot
 * see: a worker that died before this sweeper saw it live, a registration written late into a
 * bucket already swept (a write queued through a store outage, a skewed clock).
 */
import type { Cdr } from '../../../shared/model/cdr.ts';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import type { Stores } from '../../../shared/store/stores.ts';
import { expiryBucket } from '../../../shared/store/table-definitions.ts';

/** Q.850 "network out of order": the call ended because its worker did. */
export const CAUSE_NETWORK_OUT_OF_ORDER = 38;

export interface SweepReport {
  expired: string[];
  closedCdrs: string[];
}

export interface SweeperOptions {
  stores: Pick<Stores, 'registrations' | 'cdrs' | 'workers'>;
  /** Wall-clock epoch ms (the registrations' and heartbeats' scale). */
  now: () => number;
  logger?: Logger;
  /** How many past minute buckets a full run re-reads, to cover missed runs. */
  lookbackMinutes?: number;
  /**
   * Every this many runs one is full (the first always is). 12: a minute locally (a run every
   * 5 s), 12 minutes in AWS (every minute). 1 makes every run full, as all were before.
   */
  fullSweepEveryRuns?: number;
}

export class ExpirySweeper {
  private readonly logger: Logger;
  private readonly lookback: number;
  private readonly fullEvery: number;
  /** Runs since the last full one; undefined until a full run has succeeded. */
  private runsSinceFull: number | undefined;
  /** The bucket that was current at the last run whose registrations half succeeded. */
  private sweptThroughBucket: number | undefined;
  /** The workers live at the last run whose CDR half succeeded, with their heartbeats then. */
  private seenLive: Map<string, number> | undefined;

  constructor(private readonly options: SweeperOptions) {
    this.logger = options.logger ?? silentLogger;
    this.lookback = options.lookbackMinutes ?? 30;
    this.fullEvery = Math.max(1, options.fullSweepEveryRuns ?? 12);
  }

  async sweep(): Promise<SweepReport> {
    const now = this.options.now();
    const full = this.runsSinceFull === undefined || this.runsSinceFull + 1 >= this.fullEvery;
    const report: SweepReport = { expired: await this.expireRegistrations(now, full), closedCdrs: await this.closeOrphanedCdrs(now, full) };
    // Counted only once both halves succeeded: a full run that failed is tried again next run.
    this.runsSinceFull = full ? 0 : (this.runsSinceFull ?? 0) + 1;
    if (report.expired.length > 0 || report.closedCdrs.length > 0) this.logger.info('sweep', { expired: report.expired.length, closedCdrs: report.closedCdrs.length, full });
    return report;
  }

  private async expireRegistrations(now: number, full: boolean): Promise<string[]> {
    const { registrations } = this.options.stores;
    const expired: string[] = [];
    const current = expiryBucket(now);
    const oldest = current - this.lookback;
    // A clock stepped back below the last run's bucket gets the full lookback, as a cold start does.
    const last = this.sweptThroughBucket;
    const from = full || last === undefined || last > current ? oldest : Math.max(oldest, last);
    for (let bucket = from; bucket <= current; bucket++) {
      for (const registration of await registrations.expiringIn(bucket)) {
        if (registration.expiresAt > now) continue;
        if (await registrations.expire(registration.name, registration.expiresAt, now)) {
          expired.push(registration.name);
          this.logger.info('registration expired', { peer: registration.name, tenant: registration.tenant, address: registration.address, workerId: registration.workerId });
        }
      }
    }
    this.sweptThroughBucket = current;
    return expired;
  }

  private async closeOrphanedCdrs(now: number, full: boolean): Promise<string[]> {
    const { cdrs } = this.options.stores;
    let orphans: Cdr[];
    let live: Map<string, number>;
    if (full || this.seenLive === undefined) {
      // The open CDRs before the live workers: a CDR read first had its worker heartbeating
      // before it was written, so a worker that started meanwhile is not taken for dead.
      const open = await cdrs.listOpen();
      live = await this.liveWorkers();
      orphans = open.filter((cdr) => !live.has(cdr.workerId));
    } else {
      live = await this.liveWorkers();
      orphans = [];
      for (const workerId of this.seenLive.keys()) {
        if (!live.has(workerId)) orphans.push(...(await cdrs.listOpenOf(workerId)));
      }
    }
    const closed = await this.close(orphans, now);
    this.seenLive = live;
    return closed;
  }

  private async liveWorkers(): Promise<Map<string, number>> {
    return new Map((await this.options.stores.workers.live()).map((worker) => [worker.workerId, worker.heartbeatAt]));
  }

  /** Ends each CDR at its worker's last heartbeat (the one it left in the table, else the last this sweeper saw). */
  private async close(orphans: Cdr[], now: number): Promise<string[]> {
    const { cdrs, workers } = this.options.stores;
    const lastSeen = new Map<string, number | undefined>();
    const closed: string[] = [];
    for (const cdr of orphans) {
      if (!lastSeen.has(cdr.workerId)) lastSeen.set(cdr.workerId, (await workers.lastHeartbeat(cdr.workerId)) ?? this.seenLive?.get(cdr.workerId));
      const end = Math.max(cdr.start, Math.min(now, lastSeen.get(cdr.workerId) ?? now));
      const answered = cdr.answer !== undefined;
      const finished = await cdrs.finish(cdr.tenant, cdr.start, cdr.callId, {
        end,
        disposition: answered ? 'ANSWERED' : 'FAILED',
        ...(answered ? { answer: Math.min(cdr.answer ?? end, end) } : {}),
        hangupCause: CAUSE_NETWORK_OUT_OF_ORDER,
      });
      if (finished) {
        closed.push(cdr.callId);
        this.logger.warn('closed a CDR its worker left open', { callId: cdr.callId, tenant: cdr.tenant, workerId: cdr.workerId });
      }
    }
    return closed;
  }
}
