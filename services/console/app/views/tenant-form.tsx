/** A new tenant: its id (the owner part of its keys), a name and its limits; the API checks them all. */
import { useState } from 'preact/hooks';
import { ApiFailure, apiPath } from '../api/client.ts';
import { Field } from '../components/field.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useSession } from '../session-context.ts';
import { useSubmit } from '../use-submit.ts';

export function TenantForm({ onCreated }: { onCreated: () => void }) {
  const { api } = useSession();
  const [values, setValues] = useState({ tenantId: '', name: '', maxPeers: '100', maxConcurrentCalls: '30', callsPerSecond: '5' });
  const { busy, error, run } = useSubmit();
  const fieldError = (field: string): string | undefined => (error instanceof ApiFailure && error.field?.replace(/^limits\./, '') === field ? error.message : undefined);
  const set = (name: keyof typeof values) => (event: Event) => setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value });

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    await run(async () => {
      const limits = { maxPeers: Number(values.maxPeers), maxConcurrentCalls: Number(values.maxConcurrentCalls), callsPerSecond: Number(values.callsPerSecond) };
      await api.request('POST', apiPath('tenants'), { body: { tenantId: values.tenantId.trim(), name: values.name.trim() || values.tenantId.trim(), limits } });
      onCreated();
    });
  };

  return (
    <form class="card" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="new-tenant">
      <h2 id="new-tenant">New tenant</h2>
      {error === undefined ? null : <ErrorNotice error={error} what="create the tenant" />}
      <div class="grid">
        <Field id="tenant-id" label="Tenant id" hint="Lower-case letters, digits and -; it starts the tenant's keys." error={fieldError('tenantId')}>
          {(aria) => <input {...aria} type="text" value={values.tenantId} onInput={set('tenantId')} autocomplete="off" />}
        </Field>
        <Field id="tenant-name" label="Name" error={fieldError('name')}>
          {(aria) => <input {...aria} type="text" value={values.name} onInput={set('name')} />}
        </Field>
        <Field id="tenant-max-peers" label="Peers at most" error={fieldError('maxPeers')}>
          {(aria) => <input {...aria} type="number" min={0} value={values.maxPeers} onInput={set('maxPeers')} />}
        </Field>
        <Field id="tenant-max-calls" label="Concurrent calls at most" error={fieldError('maxConcurrentCalls')}>
          {(aria) => <input {...aria} type="number" min={0} value={values.maxConcurrentCalls} onInput={set('maxConcurrentCalls')} />}
        </Field>
        <Field id="tenant-cps" label="New calls per second at most" error={fieldError('callsPerSecond')}>
          {(aria) => <input {...aria} type="number" min={0} step="any" value={values.callsPerSecond} onInput={set('callsPerSecond')} />}
        </Field>
      </div>
      <div class="form-actions"><button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create tenant'}</button></div>
    </form>
  );
}
