/**
 * A tenant's API keys: listed by prefix only; a new key is shown once, here, and never again
 * (only its hash is stored); revoking removes it at once.
 */
import { useState } from 'preact/hooks';
import { apiPath } from '../api/client.ts';
import type { ApiKey, NewApiKey } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Page } from '../components/page.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { formatDateTime } from '../format.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';

export function KeysView({ tenant }: { tenant: string }) {
  const { api } = useSession();
  const [created, setCreated] = useState<NewApiKey | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const keys = useApi((signal) => api.get<{ items: ApiKey[] }>(apiPath('tenants', tenant, 'keys'), undefined, signal), [tenant]);

  const act = async (what: () => Promise<unknown>): Promise<void> => {
    setActionError(undefined);
    try {
      await what();
      keys.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <Page title="API keys" intro={<>Keys of tenant <strong>{tenant}</strong>. A key is shown once, when it is created; the platform keeps only its hash.</>} actions={
      <button type="button" onClick={() => void act(async () => setCreated((await api.request<NewApiKey>('POST', apiPath('tenants', tenant, 'keys'))).body))}>Create key</button>
    }>
      {created === undefined ? null : (
        <div class="secret-once" role="status">
          <strong>New key {created.prefix}… — copy it now: it will not be shown again.</strong>
          <output data-testid="new-key">{created.key}</output>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => void navigator.clipboard?.writeText(created.key)}>Copy</button>
            <button type="button" class="secondary" onClick={() => setCreated(undefined)}>I have stored it</button>
          </div>
        </div>
      )}
      {actionError === undefined ? null : <ErrorNotice error={actionError} what="change the keys" />}
      {keys.state === 'loading' ? <Loading what="keys" /> : null}
      {keys.state === 'error' ? <ErrorNotice error={keys.error} what={`list the keys of tenant ${tenant}`} onRetry={keys.reload} /> : null}
      {keys.state === 'ok' ? (
        <div class="card table-wrap">
          {keys.data.items.length === 0 ? <Empty title="No keys."><p>Create one to give this tenant access to the API and this console.</p></Empty> : (
            <table class="stack">
              <thead><tr><th>Key</th><th>Id</th><th>Created</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {keys.data.items.map((key) => (
                  <tr key={key.id}>
                    <td data-label="Key"><code>{key.prefix}…</code></td>
                    <td data-label="Id"><code>{key.id}</code></td>
                    <td data-label="Created">{formatDateTime(key.createdAt)}</td>
                    <td class="row-actions"><ConfirmButton label="Revoke" confirm={`Revoke ${key.prefix}…`} onConfirm={() => act(() => api.request('DELETE', apiPath('tenants', tenant, 'keys', key.id)))} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ) : null}
    </Page>
  );
}
