/**
 * The operator's view: every tenant with its limits and what it uses of them, suspend and
 * resume, and a new tenant. Usage is asked per tenant (GET .../usage), beside the list.
 */
import { useState } from 'preact/hooks';
import { apiPath } from '../api/client.ts';
import type { Tenant, Usage } from '../api/types.ts';
import { Meter } from '../components/meter.tsx';
import { Page } from '../components/page.tsx';
import { Pill } from '../components/pill.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { href } from '../routing.ts';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';
import { TenantForm } from './tenant-form.tsx';

interface TenantRow { tenant: Tenant; usage: Usage | undefined }

export function TenantsView() {
  const { api } = useSession();
  const [adding, setAdding] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const tenants = useApi(async (signal): Promise<TenantRow[]> => {
    const { items } = await api.get<{ items: Tenant[] }>(apiPath('tenants'), undefined, signal);
    const usage = await Promise.all(items.map((t) => api.get<Usage>(apiPath('tenants', t.tenantId, 'usage'), undefined, signal).catch(() => undefined)));
    return items.map((tenant, i) => ({ tenant, usage: usage[i] }));
  }, [], 10_000);

  const setStatus = async (tenant: Tenant, status: 'active' | 'suspended'): Promise<void> => {
    setActionError(undefined);
    try {
      await api.request('PATCH', apiPath('tenants', tenant.tenantId), { body: { status }, ifMatch: tenant.version });
      tenants.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <Page title="Tenants" intro="Each tenant's limits and what it uses of them. Open a tenant to see its peers, routes and calls." actions={
      <button type="button" onClick={() => setAdding(!adding)} aria-expanded={adding}>{adding ? 'Close' : 'Add tenant'}</button>
    }>
      {adding ? <TenantForm onCreated={() => { setAdding(false); tenants.reload(); }} /> : null}
      {actionError === undefined ? null : <ErrorNotice error={actionError} what="change the tenant" />}
      {tenants.state === 'loading' ? <Loading what="tenants" /> : null}
      {tenants.state === 'error' ? <ErrorNotice error={tenants.error} what="list the tenants" onRetry={tenants.reload} /> : null}
      {tenants.state === 'ok' && tenants.data.length === 0 ? (
        <div class="card"><Empty title="No tenants yet."><p>Add the first tenant, then create an API key for it.</p></Empty></div>
      ) : null}
      {tenants.state === 'ok' && tenants.data.length > 0 ? (
        <div class="card table-wrap">
          <table class="stack">
            <thead>
              <tr><th>Tenant</th><th>Status</th><th>Peers</th><th>Calls in progress</th><th class="num">Calls/s limit</th><th class="num">API keys</th><th><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {tenants.data.map(({ tenant, usage }) => (
                <tr key={tenant.tenantId} data-tenant={tenant.tenantId}>
                  <td data-label="Tenant"><a href={href('t', tenant.tenantId, 'peers')}><strong>{tenant.tenantId}</strong></a><span class="sub">{tenant.name}</span></td>
                  <td data-label="Status"><Pill tone={tenant.status === 'active' ? 'ok' : 'bad'}>{tenant.status === 'active' ? 'Active' : 'Suspended'}</Pill></td>
                  <td data-label="Peers"><Meter used={usage?.peers.used ?? null} limit={tenant.limits.maxPeers} label="peers" /></td>
                  <td data-label="Calls in progress"><Meter used={usage?.calls.inProgress ?? null} limit={tenant.limits.maxConcurrentCalls} label="concurrent calls" /></td>
                  <td data-label="Calls/s limit" class="num">{tenant.limits.callsPerSecond}</td>
                  <td data-label="API keys" class="num">{tenant.apiKeys.length}</td>
                  <td class="row-actions">
                    <a class="button secondary" href={href('t', tenant.tenantId, 'keys')}>Keys</a>{' '}
                    {tenant.status === 'active'
                      ? <button type="button" class="danger" onClick={() => void setStatus(tenant, 'suspended')}>Suspend</button>
                      : <button type="button" class="secondary" onClick={() => void setStatus(tenant, 'active')}>Resume</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {tenants.error === undefined ? null : <ErrorNotice error={tenants.error} what="refresh the list (showing the last one)" />}
        </div>
      ) : null}
    </Page>
  );
}
