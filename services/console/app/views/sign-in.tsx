/**
 * Sign in with an API key: the key is checked against the API (the operator's by listing
 * tenants, a tenant's by reading its own tenant) before it is kept, in this tab only.
 */
import { useState } from 'preact/hooks';
import { ApiClient, apiPath } from '../api/client.ts';
import { Field } from '../components/field.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { identityOf } from '../session.ts';
import { useSubmit } from '../use-submit.ts';

export function SignIn({ apiUrl, onSignedIn }: { apiUrl: string; onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const { busy, error, run, clearError } = useSubmit();

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    clearError();
    const trimmed = key.trim();
    const identity = identityOf(trimmed);
    if (identity === undefined) {
      setProblem('That is not a Strowger API key: keys read stg_op_… (the operator) or stg_<tenant>_… (a tenant).');
      return;
    }
    setProblem(undefined);
    await run(async () => {
      const api = new ApiClient(apiUrl, trimmed);
      await api.get(identity.role === 'operator' ? apiPath('tenants') : apiPath('tenants', identity.tenant));
      onSignedIn(trimmed);
    });
  };

  return (
    <main class="signin" id="main">
      <div class="card">
        <h1><span class="brand-mark" aria-hidden="true">S</span> Strowger console</h1>
        <p class="muted">Sign in with an API key: the operator's key manages tenants and their keys; a tenant's key manages that tenant's peers, routes and calls. The key stays in this browser tab only and goes nowhere but the Strowger API.</p>
        {error === undefined ? null : <ErrorNotice error={error} what="sign in with that key" />}
        <form onSubmit={(event) => void submit(event)} novalidate>
          <Field id="api-key" label="API key" hint="Paste the key you were given when it was created (strowger key add prints one)." error={problem}>
            {(aria) => <input {...aria} type="password" name="api-key" autocomplete="off" spellcheck={false} value={key} onInput={(event) => setKey(event.currentTarget.value)} required />}
          </Field>
          <div class="form-actions">
            <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
          </div>
        </form>
      </div>
    </main>
  );
}
