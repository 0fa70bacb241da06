/** What happened and what is happening: a tenant's CDRs by time, and its calls in progress. */
import type { Stores } from '../../../shared/store/stores.ts';
import { gatherCalls, type WorkerCallSource } from '../calls/worker-calls.ts';
import { ApiError, badRequest } from '../http/api-error.ts';
import { CallList, CdrPage, CdrQuery } from '../http/api-schemas.ts';
import type { Router } from '../http/router.ts';
import { tenantScope } from './access.ts';

const DAY_MS = 86_400_000;

export function activityRoutes(router: Router, stores: Pick<Stores, 'cdrs' | 'workers'>, callSource: WorkerCallSource, now: () => number): void {
  router
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/cdrs', summary: 'CDRs that started in [from, to), oldest first (default: the last 24 hours)',
      query: CdrQuery,
      response: { status: 200, description: 'A page of CDRs', schema: CdrPage },
      handler: async (req) => {
        const to = req.query.to ?? now();
        const from = req.query.from ?? to - DAY_MS;
        if (from >= to) throw badRequest('from must be before to', 'from');
        return { statusCode: 200, body: await stores.cdrs.list(tenantScope(req), from, to, req.query) };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/calls', summary: 'Calls in progress, gathered from the live workers (iax2 show channels)',
      response: { status: 200, description: 'The calls, and which workers answered', schema: CallList },
      handler: async (req) => {
        const tenant = tenantScope(req);
        const workers = await stores.workers.live();
        if (workers.length === 0) throw new ApiError('STROWGER_ERR_UNAVAILABLE', 'no worker is running', 503);
        const gathered = await gatherCalls(workers, callSource, tenant);
        if (gathered.workers.answered === 0) throw new ApiError('STROWGER_ERR_UNAVAILABLE', `no worker answered (${gathered.workers.unreachable.join(', ')})`, 503);
        return { statusCode: 200, body: gathered };
      },
    });
}
