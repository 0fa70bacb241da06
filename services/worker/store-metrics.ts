/**
 * The store's side of the worker's figures, for /metrics and /healthz: whether the store is
 * degraded, its calls' latency and errors, the writes waiting for it (registrations granted
 * from memory, CDRs) and the reads answered from the last value read.
 */
import type { WriteBehindStats } from './write-behind.ts';
import { STORE_LATENCY_BOUNDS_MS, type StoreHealthFigures } from './store-health.ts';

export interface StoreFigures {
  health: StoreHealthFigures;
  /** Each write-behind queue: what it holds now, and its counts since the start. */
  queues: Record<string, WriteBehindStats & { size: number }>;
  /** Reads served from the last value because the store failed or was slow, by what was read. */
  servedStale: Record<string, number>;
}

/** Writes waiting for the store, across the queues. */
export function queuedWrites(figures: StoreFigures): number {
  return Object.values(figures.queues).reduce((sum, queue) => sum + queue.size, 0);
}

/** Prometheus text lines. */
export function storeMetricLines(figures: StoreFigures): string[] {
  const { health } = figures;
  const lines: string[] = [
    '# HELP strowger_store_degraded 1 while the store fails (reads are served from the last value, writes queued)',
    '# TYPE strowger_store_degraded gauge',
    `strowger_store_degraded ${health.degraded ? 1 : 0}`,
    '# HELP strowger_store_queued_writes Writes waiting for the store (registrations and CDRs)',
    '# TYPE strowger_store_queued_writes gauge',
    `strowger_store_queued_writes ${queuedWrites(figures)}`,
    '# HELP strowger_store_errors_total Store calls that failed, by kind (timeout, network, throttle, server: an outage; client: a refused request)',
    '# TYPE strowger_store_errors_total counter',
  ];
  for (const [kind, count] of Object.entries(health.errors)) lines.push(`strowger_store_errors_total{kind="${kind}"} ${count}`);
  lines.push('# HELP strowger_store_call_duration_seconds Store calls, retries included', '# TYPE strowger_store_call_duration_seconds histogram');
  STORE_LATENCY_BOUNDS_MS.forEach((bound, i) => lines.push(`strowger_store_call_duration_seconds_bucket{le="${bound / 1000}"} ${health.latencyBucketCounts[i] ?? 0}`));
  lines.push(
    `strowger_store_call_duration_seconds_bucket{le="+Inf"} ${health.calls}`,
    `strowger_store_call_duration_seconds_sum ${health.latencySumMs / 1000}`,
    `strowger_store_call_duration_seconds_count ${health.calls}`,
    '# HELP strowger_store_write_behind_total Writes through the write-behind queues, by queue and outcome',
    '# TYPE strowger_store_write_behind_total counter',
  );
  for (const [queue, stats] of Object.entries(figures.queues)) {
    for (const outcome of ['queued', 'written', 'dropped', 'coalesced', 'failures'] as const) {
      lines.push(`strowger_store_write_behind_total{queue="${queue}",outcome="${outcome}"} ${stats[outcome]}`);
    }
  }
  lines.push('# HELP strowger_store_stale_reads_total Reads answered with the last value because the store failed or was slow', '# TYPE strowger_store_stale_reads_total counter');
  for (const [what, count] of Object.entries(figures.servedStale)) lines.push(`strowger_store_stale_reads_total{what="${what}"} ${count}`);
  return lines;
}
