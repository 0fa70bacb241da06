/**
 * Per-tenant admission: concurrent calls and new calls per second (a token bucket), checked
 * before a call is routed. Limits come from the tenants table, cached for half a minute; a
 * suspended or unknown tenant gets nothing. The counting is this worker's own, so it goes on
 * through a store outage with the last limits read (LastGood); a tenant whose limits were
 * never read cannot be admitted then: `admit` rejects with the store's error.
 */
import type { TenantLimits } from '../../../shared/model/tenant.ts';
import type { TenantsTable } from '../../../shared/store/tenants-table.ts';
import { LastGood, type LastGoodStats, type LastGoodTiming } from './last-good.ts';

interface TenantState {
  limits: TenantLimits | undefined;
  active: number;
  tokens: number;
  refilledAt: number;
}

export type Admission = 'ok' | 'suspended' | 'concurrent-limit' | 'rate-limit';

export class TenantLimiter {
  private readonly tenants = new Map<string, TenantState>();
  private readonly limits: LastGood<TenantLimits | undefined>;

  constructor(
    private readonly source: Pick<TenantsTable, 'get'>,
    private readonly now: () => number = Date.now,
    maxAgeMs = 30_000,
    timing: LastGoodTiming = {},
  ) {
    this.limits = new LastGood({ ...timing, now, maxAgeMs });
  }

  get stats(): LastGoodStats {
    return this.limits.stats;
  }

  /** Admits one call (counting it until `release`) or says why not. */
  async admit(tenant: string): Promise<Admission> {
    const state = await this.state(tenant);
    if (state.limits === undefined) return 'suspended';
    if (state.active >= state.limits.maxConcurrentCalls) return 'concurrent-limit';
    const now = this.now();
    const rate = state.limits.callsPerSecond;
    state.tokens = Math.min(Math.max(1, rate), state.tokens + ((now - state.refilledAt) / 1000) * rate);
    state.refilledAt = now;
    if (state.tokens < 1) return 'rate-limit';
    state.tokens -= 1;
    state.active += 1;
    return 'ok';
  }

  release(tenant: string): void {
    const state = this.tenants.get(tenant);
    if (state !== undefined && state.active > 0) state.active -= 1;
  }

  activeCalls(tenant: string): number {
    return this.tenants.get(tenant)?.active ?? 0;
  }

  /** Calls in progress per tenant, for /metrics. */
  snapshot(): Array<[string, number]> {
    return [...this.tenants].map(([tenant, state]) => [tenant, state.active]);
  }

  private async state(tenant: string): Promise<TenantState> {
    const limits = await this.limits.get(tenant, async () => {
      const record = await this.source.get(tenant);
      return record?.status === 'active' ? record.limits : undefined;
    });
    // Another admission may have created the state while this one awaited the read.
    const now = this.now();
    const state = this.tenants.get(tenant) ?? { limits, active: 0, tokens: Math.max(1, limits?.callsPerSecond ?? 1), refilledAt: now };
    state.limits = limits;
    this.tenants.set(tenant, state);
    return state;
  }
}
