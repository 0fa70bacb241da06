/**
 * Active calls live on the workers, not in a table: the control plane asks every live worker
 * (workers table) on its status port, `GET /calls?tenant=T`, with a short timeout. Answers are
 * validated and filtered by tenant again here, so a confused worker cannot leak another
 * tenant's calls.
 */
import { z } from 'zod';
import { ActiveCall } from '../../../shared/model/active-call.ts';
import type { WorkerRecord } from '../../../shared/model/worker.ts';

export interface WorkerCallSource {
  /** The worker's calls for `tenant` (all tenants when undefined); rejects when it cannot be asked. */
  callsOf(worker: WorkerRecord, tenant: string | undefined): Promise<ActiveCall[]>;
}

export interface GatheredCalls {
  items: ActiveCall[];
  workers: { asked: number; answered: number; unreachable: string[] };
}

const WorkerAnswer = z.object({ items: z.array(z.unknown()) });

export function httpWorkerCallSource(timeoutMs = 1500): WorkerCallSource {
  return {
    async callsOf(worker, tenant) {
      if (worker.httpPort === undefined) throw new Error(`worker ${worker.workerId} has no status port`);
      const host = worker.privateAddress.includes(':') ? `[${worker.privateAddress}]` : worker.privateAddress;
      const query = tenant === undefined ? '' : `?tenant=${encodeURIComponent(tenant)}`;
      const response = await fetch(`http://${host}:${worker.httpPort}/calls${query}`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`worker ${worker.workerId} answered ${response.status}`);
      const answer = WorkerAnswer.parse(await response.json());
      return answer.items.flatMap((item) => {
        const call = ActiveCall.safeParse(item);
        return call.success ? [call.data] : [];
      });
    },
  };
}

export async function gatherCalls(workers: readonly WorkerRecord[], source: WorkerCallSource, tenant: string | undefined): Promise<GatheredCalls> {
  const answers = await Promise.allSettled(workers.map((worker) => source.callsOf(worker, tenant)));
  const items: ActiveCall[] = [];
  const unreachable: string[] = [];
  answers.forEach((answer, i) => {
    if (answer.status === 'fulfilled') items.push(...answer.value.filter((call) => tenant === undefined || call.tenant === tenant));
    else unreachable.push(workers[i]?.workerId ?? '?');
  });
  items.sort((a, b) => a.firstMessageAt - b.firstMessageAt);
  return { items, workers: { asked: workers.length, answered: workers.length - unreachable.length, unreachable } };
}
