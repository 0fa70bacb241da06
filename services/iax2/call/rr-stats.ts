import { ieNumber } from '../codec/ie-access.ts';
import type { Ie } from '../codec/ie.ts';
import { IeId } from '../codec/ie-table.ts';

/**
 * Receive statistics for the RR IEs of a PONG (protocol.md §10.2): jitter (RFC 3550 protocol.md §6.4.1
 * estimator over voice timestamps versus arrival times), loss from gaps in the voice timeline,
 * packets received, a playout delay estimate, frames dropped and frames out of order.
 */
export interface RrReport {
  jitterMs: number;
  lossPercent: number;
  lostFrames: number;
  packets: number;
  delayMs: number;
  dropped: number;
  outOfOrder: number;
}

export class RrStats {
  private packets = 0;
  private dropped = 0;
  private outOfOrder = 0;
  private jitter = 0;
  private lastTransit: number | undefined;
  private highestTs: number | undefined;
  private firstTs: number | undefined;
  private frameMs = 20;

  /** One voice frame arrived at local time `arrivalMs` carrying peer timestamp `ts`. */
  voice(ts: number, arrivalMs: number, frameMs?: number): void {
    this.packets++;
    if (frameMs !== undefined && frameMs > 0) this.frameMs = frameMs;
    if (this.firstTs === undefined) this.firstTs = ts;
    if (this.highestTs !== undefined && ts <= this.highestTs) this.outOfOrder++;
    else this.highestTs = ts;
    const transit = arrivalMs - ts;
    if (this.lastTransit !== undefined) this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16;
    this.lastTransit = transit;
  }

  /** A frame we could not use (for example a mini frame before any full voice frame). */
  drop(): void {
    this.dropped++;
  }

  report(): RrReport {
    const expected =
      this.firstTs === undefined || this.highestTs === undefined ? 0 : Math.round((this.highestTs - this.firstTs) / this.frameMs) + 1;
    const received = this.packets - this.outOfOrder;
    const lost = Math.max(0, expected - received);
    const jitterMs = Math.round(this.jitter);
    return {
      jitterMs,
      lostFrames: lost,
      lossPercent: expected > 0 ? Math.min(100, Math.round((lost * 100) / expected)) : 0,
      // Asterisk reports 1 when nothing arrived (protocol.md §10.2).
      packets: Math.max(1, this.packets),
      delayMs: Math.min(0xffff, 2 * jitterMs + this.frameMs),
      dropped: this.dropped,
      outOfOrder: this.outOfOrder,
    };
  }
}

/** The RR IEs of a PONG: RR_LOSS packs the percent in its top byte over a 24-bit count. */
export function rrToIes(r: RrReport): Ie[] {
  return [
    { id: IeId.RR_JITTER, value: r.jitterMs },
    { id: IeId.RR_LOSS, value: (((r.lossPercent & 0xff) << 24) | (r.lostFrames & 0xffffff)) >>> 0 },
    { id: IeId.RR_PKTS, value: r.packets },
    { id: IeId.RR_DELAY, value: r.delayMs },
    { id: IeId.RR_DROPPED, value: r.dropped },
    { id: IeId.RR_OOO, value: r.outOfOrder },
  ];
}

/** The peer's report from a PONG, or undefined when it carried none. */
export function rrFromIes(ies: readonly Ie[]): RrReport | undefined {
  const jitter = ieNumber(ies, IeId.RR_JITTER);
  if (jitter === undefined) return undefined;
  const loss = ieNumber(ies, IeId.RR_LOSS) ?? 0;
  return {
    jitterMs: jitter,
    lossPercent: loss >>> 24,
    lostFrames: loss & 0xffffff,
    packets: ieNumber(ies, IeId.RR_PKTS) ?? 0,
    delayMs: ieNumber(ies, IeId.RR_DELAY) ?? 0,
    dropped: ieNumber(ies, IeId.RR_DROPPED) ?? 0,
    outOfOrder: ieNumber(ies, IeId.RR_OOO) ?? 0,
  };
}
