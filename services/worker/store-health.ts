/**
 * How the store is doing, as this worker sees its calls (every call through the DynamoDB
 * client, shared/store/dynamo-client.ts): each one's duration (a histogram for /metrics), its
 * errors by kind, and whether the store is degraded: the latest call to end in an outage
 * (timeout, no connection, throttling, 5xx) started after the latest call that was answered.
 * Ordering by start keeps a call that was already hanging when the store came back from
 * calling it degraded again. Outage errors are logged, a few per command and kind a window;
 * the turn to degraded and back is logged once each. A store outage does not fail /healthz: every worker
 * sees the same outage, and taking them all out of the load balancer would end every call.
 */
import type { Clock } from '../../shared/clock.ts';
import { LogThrottle } from '../../shared/log-throttle.ts';
import type { Logger } from '../../shared/logger.ts';
import type { StoreCallObserver } from '../../shared/store/dynamo-client.ts';
import { classifyStoreFailure, type StoreFailureKind } from '../../shared/store/store-failure.ts';

/** Histogram bounds in milliseconds (Prometheus `le`, in seconds on /metrics). */
export const STORE_LATENCY_BOUNDS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export interface StoreHealthFigures {
  degraded: boolean;
  /** Since when (monotonic ms), while degraded. */
  degradedSince: number | undefined;
  /** Calls that ended, and their durations: cumulative counts per bound (the last one is +Inf). */
  calls: number;
  latencyBucketCounts: number[];
  latencySumMs: number;
  /** Errors by kind (refused conditional writes are answers, not errors). */
  errors: Record<Exclude<StoreFailureKind, 'condition'>, number>;
}

export interface StoreHealthOptions {
  clock: Pick<Clock, 'now'>;
  logger: Logger;
}

export class StoreHealth implements StoreCallObserver {
  private readonly bucketCounts = new Array<number>(STORE_LATENCY_BOUNDS_MS.length + 1).fill(0);
  private calls = 0;
  private sumMs = 0;
  private readonly errors: StoreHealthFigures['errors'] = { client: 0, throttle: 0, server: 0, timeout: 0, network: 0 };
  private lastAnsweredStart = -Infinity;
  private lastOutageStart = -Infinity;
  private degradedSince: number | undefined;
  private outageErrors = 0;
  private readonly throttle: LogThrottle;
  private readonly recoveredListeners: Array<() => void> = [];

  constructor(private readonly options: StoreHealthOptions) {
    this.throttle = new LogThrottle(() => options.clock.now(), { linesPerWindow: 3 });
  }

  get degraded(): boolean {
    return this.degradedSince !== undefined;
  }

  /** Called when the store answers again after being degraded (queues retry at once). */
  onRecovered(listener: () => void): void {
    this.recoveredListeners.push(listener);
  }

  succeeded(_command: string, durationMs: number): void {
    const startedAt = this.record(durationMs);
    this.lastAnsweredStart = Math.max(this.lastAnsweredStart, startedAt);
    this.update();
  }

  failed(command: string, durationMs: number, error: unknown): void {
    const kind = classifyStoreFailure(error);
    if (kind === 'condition') return this.succeeded(command, durationMs);
    const startedAt = this.record(durationMs);
    this.errors[kind]++;
    const admitted = this.throttle.admit(`${command}/${kind}`);
    if (admitted.write) {
      // A refused request is the caller's to report (a table probed before it is created, a bad item): only counted here.
      this.options.logger[kind === 'client' ? 'debug' : 'warn']('store call failed', { command, kind, durationMs: Math.round(durationMs), error, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
    }
    // A client error is an answer: the store is there, the request was wrong.
    if (kind === 'client') this.lastAnsweredStart = Math.max(this.lastAnsweredStart, startedAt);
    else {
      this.outageErrors++;
      this.lastOutageStart = Math.max(this.lastOutageStart, startedAt);
    }
    this.update();
  }

  figures(): StoreHealthFigures {
    let cumulative = 0;
    return {
      degraded: this.degraded,
      degradedSince: this.degradedSince,
      calls: this.calls,
      latencyBucketCounts: this.bucketCounts.map((count) => (cumulative += count)),
      latencySumMs: this.sumMs,
      errors: { ...this.errors },
    };
  }

  /** Counts the call; returns when it started. */
  private record(durationMs: number): number {
    this.calls++;
    this.sumMs += durationMs;
    const bucket = STORE_LATENCY_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
    this.bucketCounts[bucket === -1 ? STORE_LATENCY_BOUNDS_MS.length : bucket]!++;
    return this.options.clock.now() - durationMs;
  }

  private update(): void {
    const now = this.options.clock.now();
    const degraded = this.lastOutageStart > this.lastAnsweredStart;
    if (degraded && this.degradedSince === undefined) {
      this.degradedSince = now;
      this.outageErrors = 1;
      this.options.logger.error('the store is failing: serving what was last read, queuing writes', {});
    } else if (!degraded && this.degradedSince !== undefined) {
      this.options.logger.info('the store answers again', { degradedForMs: Math.round(now - this.degradedSince), failedCalls: this.outageErrors });
      this.degradedSince = undefined;
      for (const listener of this.recoveredListeners) listener();
    }
  }
}
