/**
 * A per-source token bucket for stateless replies that are bigger than the request that
 * caused them (a CALLTOKEN answering a short REGREQ). Anyone can spoof a source address, so
 * such replies are rationed per address: whatever an attacker sends, a victim receives at
 * most `burst` of them and then `perSecond`.
 */
import type { Clock } from '../../../shared/clock.ts';

export class ReplyBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly perSecond = 10,
    private readonly burst = 20,
    private readonly maxSources = 100_000,
  ) {}

  /** True (and one token spent) when `source` may be sent one more oversize reply. */
  take(source: string): boolean {
    const now = this.clock.now();
    let bucket = this.buckets.get(source);
    if (bucket === undefined) {
      // Bounded memory: forget everyone when the table is full; the worst case is a fresh burst.
      if (this.buckets.size >= this.maxSources) this.buckets.clear();
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(source, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
