/**
 * Calls in progress, as `iax2 show channels` lists them: each leg with its peer, address,
 * state, codec, lag and jitter, gathered from the live workers every two seconds.
 */
import { apiPath } from '../api/client.ts';
import type { CallListBody } from '../api/types.ts';
import { Elapsed } from '../components/countdown.tsx';
import { Page } from '../components/page.tsx';
import { Pill } from '../components/pill.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';

const REFRESH_MS = 2000;
const STATE_TONE = { up: 'ok', ringing: 'warn', setup: 'idle', hangup: 'idle' } as const;

export function CallsView({ tenant }: { tenant: string }) {
  const { api } = useSession();
  const calls = useApi((signal) => api.get<CallListBody>(apiPath('tenants', tenant, 'calls'), undefined, signal), [tenant], REFRESH_MS);
  const calling = calls.state === 'ok' ? calls.data.items.filter((c) => c.leg === 'caller' && c.meshWorker === undefined).length : 0;
  return (
    <Page title="Calls in progress" intro={calls.state === 'ok' ? `${calling} ${calling === 1 ? 'call' : 'calls'}, ${calls.data.items.length} channels, from ${calls.data.workers.answered} of ${calls.data.workers.asked} workers. Refreshed every ${REFRESH_MS / 1000} s.` : 'Every leg of every call, from the live workers.'}>
      {calls.state === 'loading' ? <Loading what="calls" /> : null}
      {calls.state === 'error' ? <ErrorNotice error={calls.error} what="gather the calls in progress" onRetry={calls.reload} /> : null}
      {calls.state === 'ok' ? (
        <div class="card table-wrap">
          {calls.data.workers.unreachable.length === 0 ? null : <p class="notice error">Not answering: {calls.data.workers.unreachable.join(', ')}; their calls are not listed.</p>}
          {calls.data.items.length === 0 ? <Empty title="No calls in progress."><p>Calls appear here while they ring and while they are up.</p></Empty> : (
            <table class="stack">
              <thead><tr><th>Channel</th><th>Leg</th><th>State</th><th>Address</th><th>Codec</th><th class="num">Lag</th><th class="num">Jitter</th><th>Duration</th><th>Worker</th></tr></thead>
              <tbody>
                {calls.data.items.map((call) => (
                  <tr key={`${call.workerId}/${call.callId}`} data-channel={call.channel}>
                    <td data-label="Channel"><code>{call.channel}</code>{call.username === undefined ? null : <span class="sub">user {call.username}</span>}</td>
                    <td data-label="Leg">{call.meshWorker === undefined ? (call.leg ?? '—') : `mesh to ${call.meshWorker}`}</td>
                    <td data-label="State"><Pill tone={STATE_TONE[call.state]}>{call.state}</Pill></td>
                    <td data-label="Address" class="mono">{call.peerAddress}</td>
                    <td data-label="Codec">{call.format}</td>
                    <td data-label="Lag" class="num">{call.lagMs === undefined ? '—' : `${call.lagMs} ms`}</td>
                    <td data-label="Jitter" class="num">{call.jitterMs === undefined ? '—' : `${call.jitterMs} ms`}</td>
                    <td data-label="Duration"><Elapsed since={call.firstMessageAt} /></td>
                    <td data-label="Worker" class="mono">{call.workerId}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {calls.error === undefined ? null : <ErrorNotice error={calls.error} what="refresh the calls (showing the last list)" />}
        </div>
      ) : null}
    </Page>
  );
}
