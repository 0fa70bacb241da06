/** A new route: context, pattern and dial strings (one a line), as `exten => pattern,1,Dial(...)` would say. */
import { useState } from 'preact/hooks';
import { parseDialString } from '../../../../shared/iaxconf/dial-string.ts';
import { ApiFailure, apiPath } from '../api/client.ts';
import { Field } from '../components/field.tsx';
import { ErrorNotice } from '../components/states.tsx';
import { useSession } from '../session-context.ts';
import { useSubmit } from '../use-submit.ts';

export function RouteForm({ tenant, onCreated }: { tenant: string; onCreated: () => void }) {
  const { api } = useSession();
  const [values, setValues] = useState({ context: '', pattern: '', dials: '', timeout: '' });
  const { busy, error, run } = useSubmit();
  const fieldError = (field: string): string | undefined => {
    if (!(error instanceof ApiFailure) || error.field === undefined) return undefined;
    const head = error.field.split('.')[0];
    return (head === 'destinations' ? 'dials' : head) === field ? error.message : undefined;
  };
  const set = (name: keyof typeof values) => (event: Event) => setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value });

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    await run(async () => {
      const timeoutS = values.timeout.trim() === '' ? undefined : Number(values.timeout);
      const lines = values.dials.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      const destinations = lines.map((dial, index) => {
        try {
          return { dial, target: parseDialString(dial), ...(timeoutS === undefined ? {} : { timeoutS }) };
        } catch (failure) {
          // The parser's own words, as the CLI and the import say them.
          throw new ApiFailure(400, 'STROWGER_ERR_DIAL_STRING', failure instanceof Error ? failure.message : String(failure), `destinations.${index}`);
        }
      });
      await api.request('POST', apiPath('tenants', tenant, 'routes'), { body: { context: values.context.trim(), pattern: values.pattern.trim(), destinations } });
      onCreated();
    });
  };

  return (
    <form class="card" onSubmit={(event) => void submit(event)} novalidate aria-labelledby="new-route">
      <h2 id="new-route">New route</h2>
      {error === undefined ? null : <ErrorNotice error={error} what="add the route" />}
      <div class="grid">
        <Field id="route-context" label="Context" hint="As in extensions.conf, e.g. fromiax." error={fieldError('context')}>
          {(aria) => <input {...aria} type="text" value={values.context} onInput={set('context')} spellcheck={false} />}
        </Field>
        <Field id="route-pattern" label="Pattern" hint="A number, or _NXXX. style." error={fieldError('pattern')}>
          {(aria) => <input {...aria} type="text" value={values.pattern} onInput={set('pattern')} spellcheck={false} />}
        </Field>
        <Field id="route-timeout" label="Ring timeout (s)" hint="Optional, per destination." error={fieldError('timeoutS')}>
          {(aria) => <input {...aria} type="text" inputMode="numeric" value={values.timeout} onInput={set('timeout')} />}
        </Field>
        <Field id="route-dials" label="Destinations" hint="One Dial() string a line, tried in order: IAX2/peer/${EXTEN}" error={fieldError('dials')} wide>
          {(aria) => <textarea {...aria} rows={3} class="short" value={values.dials} onInput={set('dials')} spellcheck={false} />}
        </Field>
      </div>
      <div class="form-actions"><button type="submit" disabled={busy}>{busy ? 'Adding…' : 'Add route'}</button></div>
    </form>
  );
}
