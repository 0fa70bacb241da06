/**
 * How late the event loop runs, for `/metrics`: a flood that starves the loop shows here
 * before it shows anywhere else. Node's histogram is read and reset every `windowMs`, and the
 * last full window is what is reported, so any number of readers see the same figures.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopDelay {
  /** Over the last window, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: EventLoopDelay = { p50Ms: 0, p99Ms: 0, maxMs: 0 };

  constructor(windowMs = 10_000) {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  get delay(): EventLoopDelay {
    // Before the first window ends, what there is so far.
    return this.last.maxMs === 0 && this.histogram.count > 0 ? this.read() : this.last;
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private roll(): void {
    this.last = this.read();
    this.histogram.reset();
  }

  private read(): EventLoopDelay {
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    return { p50Ms: ms(this.histogram.percentile(50)), p99Ms: ms(this.histogram.percentile(99)), maxMs: ms(this.histogram.max) };
  }
}
