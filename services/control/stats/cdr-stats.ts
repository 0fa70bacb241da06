/**
 * A tenant's CDRs summed into time buckets: how many calls started, how they ended, and the
 * mean of the receive figures each leg reported (the RR IEs stored in the CDR). Pure, so the
 * route only reads and the arithmetic is tested on its own.
 */
import type { Cdr } from '../../../shared/model/cdr.ts';
import type { StatsBucket, StatsResult } from '../http/stats-schemas.ts';

type Counts = StatsResult['totals'];

const emptyCounts = (): Counts => ({ calls: 0, answered: 0, busy: 0, noAnswer: 0, failed: 0, inProgress: 0 });

function count(counts: Counts, cdr: Cdr): void {
  counts.calls += 1;
  switch (cdr.disposition) {
    case 'ANSWERED': counts.answered += 1; break;
    case 'BUSY': counts.busy += 1; break;
    case 'NO ANSWER': counts.noAnswer += 1; break;
    case 'FAILED':
    case 'CONGESTION': counts.failed += 1; break;
    case undefined: counts.inProgress += 1; break;
  }
}

interface QualitySums { legs: number; jitter: number; loss: number; delay: number }

/** The legs a tenant's boxes are on: the mesh leg runs between our own workers, so it is left out. */
function addLegs(sums: QualitySums, cdr: Cdr): void {
  for (const leg of [cdr.rrCaller, cdr.rrCallee]) {
    if (leg === undefined) continue;
    sums.legs += 1;
    sums.jitter += leg.jitterMs;
    sums.loss += leg.lossPercent;
    sums.delay += leg.delayMs;
  }
}

const mean = (sum: number, n: number): number | null => (n === 0 ? null : Math.round((sum / n) * 10) / 10);

/** Buckets of `stepMs` from `from` up to `to` (the last one may be short); CDRs outside are ignored. */
export function cdrStats(cdrs: Iterable<Cdr>, from: number, to: number, stepMs: number, truncated: boolean): StatsResult {
  const n = Math.ceil((to - from) / stepMs);
  const counts = Array.from({ length: n }, emptyCounts);
  const quality = Array.from({ length: n }, (): QualitySums => ({ legs: 0, jitter: 0, loss: 0, delay: 0 }));
  const totals = emptyCounts();
  for (const cdr of cdrs) {
    if (cdr.start < from || cdr.start >= to) continue;
    const i = Math.floor((cdr.start - from) / stepMs);
    count(counts[i]!, cdr);
    count(totals, cdr);
    addLegs(quality[i]!, cdr);
  }
  const buckets: StatsBucket[] = counts.map((c, i) => {
    const q = quality[i]!;
    return { start: from + i * stepMs, ...c, qualityLegs: q.legs, jitterMs: mean(q.jitter, q.legs), lossPercent: mean(q.loss, q.legs), delayMs: mean(q.delay, q.legs) };
  });
  return { from, to, stepS: stepMs / 1000, buckets, totals, truncated };
}
