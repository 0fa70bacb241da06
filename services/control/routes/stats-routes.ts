/**
 * Summaries for dashboards and the CLI: a tenant's calls, failures and call quality over time
 * (from its CDRs), and its usage against its limits. Tenant-scoped like every route: another
 * tenant's key gets the same 404 as a tenant that does not exist.
 */
import type { Cdr } from '../../../shared/model/cdr.ts';
import type { Stores } from '../../../shared/store/stores.ts';
import { gatherCalls, type WorkerCallSource } from '../calls/worker-calls.ts';
import { badRequest, notFound } from '../http/api-error.ts';
import type { Router } from '../http/router.ts';
import { MAX_STATS_BUCKETS, MAX_STATS_RANGE_MS, StatsQuery, StatsResult, UsageResult } from '../http/stats-schemas.ts';
import { cdrStats } from '../stats/cdr-stats.ts';
import { tenantScope } from './access.ts';

const DAY_MS = 86_400_000;
/** One answer reads at most this many CDRs (20 queries of 1000): a busy month is summarised in part, and says so. */
export const MAX_STATS_CDRS = 20_000;

type StatsStores = Pick<Stores, 'cdrs' | 'workers' | 'tenants' | 'peers'>;

export function statsRoutes(router: Router, stores: StatsStores, callSource: WorkerCallSource, now: () => number, limits: { maxKeysPerTenant: number }): void {
  router
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/stats',
      summary: 'Calls, failures and mean call quality (jitter, loss, delay from the CDRs\' RR figures) per time bucket in [from, to) (default: the last 24 hours by the hour)',
      query: StatsQuery,
      response: { status: 200, description: 'The buckets, oldest first, and the totals', schema: StatsResult },
      handler: async (req) => {
        const tenant = tenantScope(req);
        const to = req.query.to ?? now();
        const from = req.query.from ?? to - DAY_MS;
        const stepMs = (req.query.step ?? 3600) * 1000;
        if (from >= to) throw badRequest('from must be before to', 'from');
        if (to - from > MAX_STATS_RANGE_MS) throw badRequest(`from and to may be at most ${MAX_STATS_RANGE_MS / DAY_MS} days apart`, 'from');
        if (Math.ceil((to - from) / stepMs) > MAX_STATS_BUCKETS) throw badRequest(`step is too small for the range: at most ${MAX_STATS_BUCKETS} buckets (use a step of at least ${Math.ceil((to - from) / MAX_STATS_BUCKETS / 1000)} seconds)`, 'step');
        const cdrs: Cdr[] = [];
        let cursor: string | undefined;
        do {
          const page = await stores.cdrs.list(tenant, from, to, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
          cdrs.push(...page.items);
          cursor = page.cursor;
        } while (cursor !== undefined && cdrs.length < MAX_STATS_CDRS);
        return { statusCode: 200, body: cdrStats(cdrs, from, to, stepMs, cursor !== undefined) };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/usage', summary: 'What the tenant uses of its limits: peers, API keys, calls in progress',
      response: { status: 200, description: 'Usage beside each limit', schema: UsageResult },
      handler: async (req) => {
        const id = tenantScope(req);
        const tenant = await stores.tenants.get(id);
        if (tenant === undefined) throw notFound(`tenant "${id}"`);
        const [peers, inProgress] = await Promise.all([stores.peers.countByTenant(id), callsInProgress(stores, callSource, id)]);
        return {
          statusCode: 200,
          body: {
            tenant: id,
            status: tenant.status,
            peers: { used: peers, limit: tenant.limits.maxPeers },
            apiKeys: { used: tenant.apiKeys.filter((k) => k.revokedAt === undefined).length, limit: limits.maxKeysPerTenant },
            calls: { inProgress, limit: tenant.limits.maxConcurrentCalls, perSecondLimit: tenant.limits.callsPerSecond },
          },
        };
      },
    });
}

/**
 * Calls as the tenant's limit counts them: one per caller leg that came from a box (a call
 * through the worker mesh also has a caller leg on the owning worker, from the mesh). Null when
 * no worker could be asked.
 */
async function callsInProgress(stores: StatsStores, callSource: WorkerCallSource, tenant: string): Promise<number | null> {
  const workers = await stores.workers.live();
  if (workers.length === 0) return null;
  const gathered = await gatherCalls(workers, callSource, tenant);
  if (gathered.workers.answered === 0) return null;
  return gathered.items.filter((call) => call.leg === 'caller' && call.meshWorker === undefined).length;
}
