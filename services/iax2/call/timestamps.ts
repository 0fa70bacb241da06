/**
 * Call timestamps (protocol.md §5). Each direction has its own clock: we stamp what we send in
 * ms since our transmit epoch (the first send, rounded down to 20 ms), and rebuild the peer's
 * 32-bit timestamps from the 16 bits a mini frame carries.
 */
import type { Clock } from '../../../shared/clock.ts';

/** Within this distance of the last stamp, non-voice frames take last + 3 (protocol.md §5.1). */
const SKEW_LIMIT_MS = 160;

export class TxTimestamps {
  private epoch: number | undefined;
  /** The last timestamp put on a frame we computed (echoes do not count). */
  last = 0;
  private lastVoice: number | undefined;

  constructor(private readonly clock: Clock) {}

  /** ms since the transmit epoch (starting it if nothing was sent yet). */
  elapsed(): number {
    const now = this.clock.now();
    if (this.epoch === undefined) this.epoch = now - (now % 20);
    return Math.floor(now - this.epoch);
  }

  /** IAX frames: ms since the epoch, but always above the last stamp (last + 3). */
  forIax(): number {
    const t = this.elapsed();
    this.last = t > this.last ? t : this.last + 3;
    return this.last >>> 0;
  }

  /** CONTROL, DTMF, TEXT and the like: last + 3 while the clock is close to it, else the clock. */
  forSignal(): number {
    const t = this.elapsed();
    this.last = Math.abs(t - this.last) <= SKEW_LIMIT_MS ? this.last + 3 : Math.max(t, this.last + 3);
    return this.last >>> 0;
  }

  /**
   * Voice: the prediction (last voice + frame duration) while the clock stays within 160 ms of
   * it, else the clock rounded up to a whole frame; or the sender's own stamp when relaying.
   */
  forVoice(durationMs: number, relayed?: number): number {
    let t: number;
    if (relayed !== undefined) t = relayed;
    else {
      const now = this.elapsed();
      const predicted = this.lastVoice === undefined ? undefined : this.lastVoice + durationMs;
      if (predicted !== undefined && Math.abs(now - predicted) <= SKEW_LIMIT_MS) t = predicted;
      else t = durationMs > 0 ? Math.ceil(now / durationMs) * durationMs : now;
    }
    if (this.lastVoice !== undefined && t <= this.lastVoice) t = this.lastVoice + 1;
    this.lastVoice = t;
    if (t > this.last) this.last = t;
    return t >>> 0;
  }
}

/** Rebuilds a 32-bit timestamp from its low `bits` bits next to `last` (protocol.md §5.3). */
export function rebuildTimestamp(last: number, low: number, bits: 16 | 15): number {
  const span = bits === 16 ? 0x10000 : 0x8000;
  const threshold = bits === 16 ? 50_000 : 25_000;
  let candidate = last - (last % span) + low;
  if (candidate - last < -threshold) candidate += span;
  else if (candidate - last > threshold) candidate -= span;
  return candidate < 0 ? candidate + span : candidate;
}
