/**
 * The registration-expiry sweeper (rtautoclear). Every minute in AWS (an EventBridge schedule),
 * every few seconds locally, it:
 * - reads the last `lookbackMinutes` expiry buckets of the registrations index and marks each
 *   registration past its expiresAt as expired, its peer UNREACHABLE (conditional on the
 *   expiry it read, so a peer that re-registered meanwhile is left alone);
 * - closes the CDRs a dead worker left open: an open CDR (sparse index) whose worker has no
 *   live heartbeat is ended at that worker's last heartbeat, cause 38 (network out of order).
 * Each run is idempotent, so overlapping or repeated runs do no harm.
 */
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
  /** How many past minute buckets each run re-reads, to cover missed runs. */
  lookbackMinutes?: number;
}

export class ExpirySweeper {
  private readonly logger: Logger;
  private readonly lookback: number;

  constructor(private readonly options: SweeperOptions) {
    this.logger = options.logger ?? silentLogger;
    this.lookback = options.lookbackMinutes ?? 30;
  }

  async sweep(): Promise<SweepReport> {
    const now = this.options.now();
    const report: SweepReport = { expired: await this.expireRegistrations(now), closedCdrs: await this.closeOrphanedCdrs(now) };
    if (report.expired.length > 0 || report.closedCdrs.length > 0) this.logger.info('sweep', { expired: report.expired.length, closedCdrs: report.closedCdrs.length });
    return report;
  }

  private async expireRegistrations(now: number): Promise<string[]> {
    const { registrations } = this.options.stores;
    const expired: string[] = [];
    const current = expiryBucket(now);
    for (let bucket = current - this.lookback; bucket <= current; bucket++) {
      for (const registration of await registrations.expiringIn(bucket)) {
        if (registration.expiresAt > now) continue;
        if (await registrations.expire(registration.name, registration.expiresAt, now)) {
          expired.push(registration.name);
          this.logger.info('registration expired', { peer: registration.name, tenant: registration.tenant, address: registration.address, workerId: registration.workerId });
        }
      }
    }
    return expired;
  }

  private async closeOrphanedCdrs(now: number): Promise<string[]> {
    const { cdrs, workers } = this.options.stores;
    const open = await cdrs.listOpen();
    if (open.length === 0) return [];
    const live = new Set((await workers.live()).map((worker) => worker.workerId));
    const lastSeen = new Map<string, number | undefined>();
    const closed: string[] = [];
    for (const cdr of open) {
      if (live.has(cdr.workerId)) continue;
      if (!lastSeen.has(cdr.workerId)) lastSeen.set(cdr.workerId, await workers.lastHeartbeat(cdr.workerId));
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
