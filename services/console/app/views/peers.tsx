/**
 * A tenant's peers with their live registration and qualify status, as `iax2 show peers`
 * tells it: where each box registered from, which worker holds its flow, how fast it answers
 * qualify, and when its registration runs out (counting down). Refreshed every few seconds.
 */
import { apiPath } from '../api/client.ts';
import type { Page as ApiPage, Peer } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Countdown } from '../components/countdown.tsx';
import { Page } from '../components/page.tsx';
import { Pill, qualifyTone } from '../components/pill.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { href } from '../routing.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';
import { useState } from 'preact/hooks';

const REFRESH_MS = 3000;

function StatusCell({ peer }: { peer: Peer }) {
  const status = peer.status;
  if (status === undefined) return <Pill tone="idle">UNKNOWN</Pill>;
  const word = status.qualify.status;
  return (
    <>
      <Pill tone={qualifyTone(word)}>{word}</Pill>
      {status.qualify.latencyMs === undefined ? null : <span class="sub">{status.qualify.latencyMs} ms</span>}
      {status.registered ? null : <span class="sub">{peer.host === 'dynamic' ? 'not registered' : 'static host'}</span>}
    </>
  );
}

export function PeersView({ tenant }: { tenant: string }) {
  const { api } = useSession();
  const [actionError, setActionError] = useState<unknown>();
  const peers = useApi(async (signal) => {
    const all: Peer[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.get<ApiPage<Peer>>(apiPath('tenants', tenant, 'peers'), { status: 'true', limit: 1000, cursor }, signal);
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return all;
  }, [tenant], REFRESH_MS);

  const remove = async (peer: Peer): Promise<void> => {
    setActionError(undefined);
    try {
      await api.request('DELETE', apiPath('tenants', tenant, 'peers', peer.name), { ifMatch: peer.version });
      peers.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <Page title="Peers" intro="Boxes, users and friends, with their registration and qualify status, live." actions={
      <a class="button" href={href('t', tenant, 'peers', 'new')}>Add peer</a>
    }>
      {actionError === undefined ? null : <ErrorNotice error={actionError} what="delete the peer" />}
      {peers.state === 'loading' ? <Loading what="peers" /> : null}
      {peers.state === 'error' ? <ErrorNotice error={peers.error} what={`list the peers of tenant ${tenant}`} onRetry={peers.reload} /> : null}
      {peers.state === 'ok' && peers.data.length === 0 ? (
        <div class="card">
          <Empty title="No peers yet.">
            <p>Add a peer for each Asterisk box, or import your iax.conf.</p>
            <div class="actions"><a class="button" href={href('t', tenant, 'peers', 'new')}>Add peer</a><a class="button secondary" href={href('t', tenant, 'import')}>Import iax.conf</a></div>
          </Empty>
        </div>
      ) : null}
      {peers.state === 'ok' && peers.data.length > 0 ? (
        <div class="card table-wrap">
          <table class="stack" aria-describedby="peers-refresh">
            <thead>
              <tr><th>Peer</th><th>Status</th><th>Address</th><th>Worker</th><th>Expires</th><th><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {peers.data.map((peer) => (
                <tr key={peer.name} data-peer={peer.name}>
                  <td data-label="Peer"><a href={href('t', tenant, 'peers', 'edit', peer.name)}><strong>{peer.name}</strong></a><span class="sub">{peer.type}{peer.host === undefined ? '' : `, host=${peer.host}`}{peer.trunk ? ', trunk' : ''}</span></td>
                  <td data-label="Status" data-testid="peer-status"><StatusCell peer={peer} /></td>
                  <td data-label="Address" class="mono">{peer.status?.registered === true ? `${peer.status.address ?? ''}:${peer.status.port ?? ''}` : <span class="muted">—</span>}</td>
                  <td data-label="Worker" class="mono">{peer.status?.registered === true ? peer.status.workerId : <span class="muted">—</span>}</td>
                  <td data-label="Expires">{peer.status?.registered === true && peer.status.expiresAt !== undefined ? <Countdown until={peer.status.expiresAt} /> : <span class="muted">—</span>}</td>
                  <td class="row-actions">
                    <a class="button secondary" href={href('t', tenant, 'peers', 'edit', peer.name)}>Edit</a>{' '}
                    <ConfirmButton label="Delete" confirm={`Delete ${peer.name}`} onConfirm={() => remove(peer)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="small muted" id="peers-refresh">Refreshed every {REFRESH_MS / 1000} s.</p>
          {peers.error === undefined ? null : <ErrorNotice error={peers.error} what="refresh the peers (showing the last list)" />}
        </div>
      ) : null}
    </Page>
  );
}
