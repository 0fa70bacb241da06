/**
 * Add or change a peer in iax.conf's words. The API validates; a refusal is shown as the API
 * wrote it, at the top and under the field it names. Secrets are write-only: the form never
 * shows a stored one, only how many there are.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, apiPath } from '../api/client.ts';
import type { Peer } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorNotice, Loading } from '../components/states.tsx';
import { href, navigate } from '../routing.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';
import { bodyOf, formFieldOf, formOf, NEW_PEER, type PeerForm } from './peer-fields.ts';
import { PeerFormFields } from './peer-form-fields.tsx';
import { PeerKeygen } from './peer-keygen.tsx';

export function PeerEditor({ tenant, name }: { tenant: string; name?: string }) {
  const { api } = useSession();
  const creating = name === undefined;
  const loaded = useApi(async (signal) => (creating ? undefined : (await api.request<Peer>('GET', apiPath('tenants', tenant, 'peers', name), { signal })).body), [tenant, name]);
  if (!creating && loaded.state === 'loading') return <Page title={`Peer ${name}`}><Loading what="the peer" /></Page>;
  if (loaded.state === 'error') {
    return <Page title={creating ? 'New peer' : `Peer ${name}`}><ErrorNotice error={loaded.error} what={`load peer ${name ?? ''}`} onRetry={loaded.reload} /><a href={href('t', tenant, 'peers')}>Back to the peers</a></Page>;
  }
  const peer = loaded.state === 'ok' ? loaded.data : undefined;
  return <PeerEditorForm tenant={tenant} peer={peer} onChanged={loaded.reload} />;
}

function PeerEditorForm({ tenant, peer, onChanged }: { tenant: string; peer: Peer | undefined; onChanged: () => void }) {
  const { api } = useSession();
  const [form, setForm] = useState<PeerForm>(peer === undefined ? NEW_PEER : formOf(peer));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const failedField = error instanceof ApiFailure ? formFieldOf(error.field) : undefined;

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (peer === undefined) await api.request('POST', apiPath('tenants', tenant, 'peers'), { body: bodyOf(form, true) });
      else await api.request('PATCH', apiPath('tenants', tenant, 'peers', peer.name), { body: bodyOf(form, false), ifMatch: peer.version });
      navigate('t', tenant, 'peers');
    } catch (failure) {
      setError(failure);
      setBusy(false);
      // The summary is announced (role=alert); focus goes to the field the API named.
      const field = failure instanceof ApiFailure ? formFieldOf(failure.field) : undefined;
      if (field !== undefined) window.setTimeout(() => document.getElementById(`peer-${field}`)?.focus(), 0);
    }
  };

  return (
    <Page title={peer === undefined ? 'New peer' : `Peer ${peer.name}`} intro={<>Options as in <code>iax.conf</code>; the platform checks them as an import would.</>}>
      <form class="card" onSubmit={(event) => void submit(event)} novalidate>
        {error === undefined ? null : <ErrorNotice error={error} what={peer === undefined ? 'create the peer' : 'save the peer'} />}
        <PeerFormFields form={form} setForm={setForm} creating={peer === undefined} secretCount={peer?.secretCount ?? 0} errorField={failedField} errorMessage={error instanceof ApiFailure ? error.message : undefined} />
        <div class="form-actions">
          <button type="submit" disabled={busy}>{busy ? 'Saving…' : peer === undefined ? 'Create peer' : 'Save changes'}</button>
          <a class="button secondary" href={href('t', tenant, 'peers')}>Cancel</a>
        </div>
      </form>
      {peer === undefined ? null : <PeerKeygen tenant={tenant} peer={peer} onChanged={onChanged} />}
    </Page>
  );
}
