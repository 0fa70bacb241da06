/**
 * CloudWatch metrics from the worker's JSON logs (Embedded Metric Format): once a minute one
 * log line whose `_aws` block tells CloudWatch Logs to extract the listed fields as metrics.
 * No PutMetricData calls, no agent, no extra IAM: the awslogs driver ships stdout and
 * CloudWatch does the rest. One dimension (Service), so autoscaling can read ActiveCalls
 * averaged over the service's tasks; the worker id rides along as a plain property, which
 * keeps the metric count (and its cost) independent of how many tasks come and go.
 */
import type { Clock, TimerHandle } from '../../../shared/clock.ts';
import type { CounterName, WorkerFigures } from '../worker-figures.ts';

export interface EmfOptions {
  namespace: string;
  /** The Service dimension's value: the stack sets it and scales on the same value. */
  service: string;
  workerId: string;
}

const GAUGES = [
  ['ActiveCalls', 'activeCalls'],
  ['RegistrationsHeld', 'registrationsHeld'],
] as const;

/** 1 while the store is out for this worker, else 0: the stack alarms on its maximum. */
export const STORE_DEGRADED_METRIC = 'StoreDegraded';

/** Per-interval sums of the worker's counters. */
const COUNTERS: ReadonlyArray<readonly [string, CounterName]> = [
  ['CallsRouted', 'callsRouted'],
  ['CallsRefused', 'callsRefused'],
  ['Refusals', 'refusalsTotal'],
  ['RegistrationsGranted', 'registrationsGranted'],
  ['AuthFailures', 'authFailures'],
  ['DecodeErrors', 'decodeErrors'],
  ['Retransmits', 'retransmits'],
  ['DatagramsIn', 'datagramsIn'],
  ['DatagramsOut', 'datagramsOut'],
  ['UdpSendErrors', 'udpSendErrors'],
  ['StoreErrors', 'storeErrors'],
];

export const EMF_METRIC_NAMES: readonly string[] = [...GAUGES.map(([name]) => name), STORE_DEGRADED_METRIC, ...COUNTERS.map(([name]) => name)];

/** One EMF document: gauges as they are now, counters as the change since `previous`. */
export function emfDocument(options: EmfOptions, figures: WorkerFigures, previous: WorkerFigures | undefined, timestampMs: number): Record<string, unknown> {
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [{
        Namespace: options.namespace,
        Dimensions: [['Service']],
        Metrics: EMF_METRIC_NAMES.map((Name) => ({ Name, Unit: 'Count' })),
      }],
    },
    Service: options.service,
    WorkerId: options.workerId,
    Draining: figures.draining,
  };
  for (const [name, field] of GAUGES) document[name] = figures[field];
  document[STORE_DEGRADED_METRIC] = figures.storeDegraded ? 1 : 0;
  // A counter that went backwards (a restarted process) reports what it has now.
  for (const [name, field] of COUNTERS) document[name] = previous === undefined || figures[field] < previous[field] ? figures[field] : figures[field] - previous[field];
  return document;
}

export interface EmfPublisherOptions extends EmfOptions {
  clock: Clock;
  figures: () => WorkerFigures;
  write: (line: string) => void;
  intervalMs?: number;
}

/** Writes one EMF line per interval (60 s: CloudWatch's standard resolution). */
export class EmfPublisher {
  private previous: WorkerFigures | undefined;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly options: EmfPublisherOptions) {}

  start(): void {
    this.schedule();
  }

  publish(): void {
    const figures = this.options.figures();
    this.options.write(`${JSON.stringify(emfDocument(this.options, figures, this.previous, this.options.clock.wallNow()))}\n`);
    this.previous = figures;
  }

  /** The last line on the way out, so the final minute's calls are counted. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.clock.clearTimer(this.timer);
    this.publish();
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimer(this.options.intervalMs ?? 60_000, () => {
      if (this.closed) return;
      this.publish();
      this.schedule();
    });
  }
}
