/** The peer form's fields, each labelled with its iax.conf word. */
import { Field } from '../components/field.tsx';
import type { PeerForm } from './peer-fields.ts';

interface Props {
  form: PeerForm;
  setForm: (form: PeerForm) => void;
  creating: boolean;
  secretCount: number;
  errorField: keyof PeerForm | undefined;
  errorMessage: string | undefined;
}

const AUTH_METHODS = ['md5', 'rsa', 'plaintext'] as const;

export function PeerFormFields({ form, setForm, creating, secretCount, errorField, errorMessage }: Props) {
  const errorOf = (field: keyof PeerForm): string | undefined => (errorField === field ? errorMessage : undefined);
  const text = (field: keyof PeerForm) => (event: Event) => setForm({ ...form, [field]: (event.currentTarget as HTMLInputElement).value });
  const flag = (field: 'trunk' | 'encryption') => (event: Event) => setForm({ ...form, [field]: (event.currentTarget as HTMLInputElement).checked });
  const word = (name: string) => <code>{name}=</code>;
  return (
    <div class="grid">
      {creating ? (
        <Field id="peer-name" label={<>Name <code>[section]</code></>} hint="The name the box registers and calls with." error={errorOf('name')}>
          {(aria) => <input {...aria} type="text" name="name" value={form.name} onInput={text('name')} autocomplete="off" spellcheck={false} />}
        </Field>
      ) : null}
      <Field id="peer-type" label={word('type')} hint="friend: calls both ways; peer: we call it; user: it calls us." error={errorOf('type')}>
        {(aria) => (
          <select {...aria} name="type" value={form.type} onChange={text('type')}>
            <option value="friend">friend</option>
            <option value="peer">peer</option>
            <option value="user">user</option>
          </select>
        )}
      </Field>
      <Field id="peer-host" label={word('host')} hint="dynamic (the box registers) or its address." error={errorOf('host')}>
        {(aria) => <input {...aria} type="text" name="host" value={form.host} onInput={text('host')} spellcheck={false} />}
      </Field>
      <Field id="peer-port" label={word('port')} hint="For a static host (default 4569)." error={errorOf('port')}>
        {(aria) => <input {...aria} type="text" inputMode="numeric" name="port" value={form.port} onInput={text('port')} />}
      </Field>
      <Field id="peer-secret" label={word('secret')} hint={creating ? 'The shared secret the box authenticates with.' : `Leave blank to keep the ${secretCount === 1 ? 'stored secret' : `${secretCount} stored secrets`} (never shown).`} error={errorOf('secret')}>
        {(aria) => <input {...aria} type="password" name="secret" value={form.secret} onInput={text('secret')} autocomplete="new-password" placeholder={creating ? '' : '•••••••• (unchanged)'} />}
      </Field>
      <fieldset class="field" aria-describedby="peer-auth-hint">
        <legend>{word('auth')}</legend>
        <div class="checks">
          {AUTH_METHODS.map((method) => (
            <label key={method}>
              <input type="checkbox" name="auth" value={method} checked={form.auth.includes(method)} onChange={(event) => setForm({ ...form, auth: event.currentTarget.checked ? [...form.auth, method] : form.auth.filter((m) => m !== method) })} />
              {method}
            </label>
          ))}
        </div>
        <span class="hint" id="peer-auth-hint">What the platform accepts from the box.</span>
        {errorOf('auth') === undefined ? null : <span class="error" data-testid="error-peer-auth">{errorOf('auth')}</span>}
      </fieldset>
      <Field id="peer-context" label={word('context')} hint="Where its calls go in the dialplan; several with commas." error={errorOf('context')}>
        {(aria) => <input {...aria} type="text" name="context" value={form.context} onInput={text('context')} spellcheck={false} />}
      </Field>
      <Field id="peer-username" label={word('username')} hint="The name we log in as when calling it." error={errorOf('username')}>
        {(aria) => <input {...aria} type="text" name="username" value={form.username} onInput={text('username')} spellcheck={false} />}
      </Field>
      <Field id="peer-qualify" label={word('qualify')} hint="yes (2000 ms), no, or the most milliseconds an answer may take." error={errorOf('qualify')}>
        {(aria) => <input {...aria} type="text" name="qualify" value={form.qualify} onInput={text('qualify')} spellcheck={false} />}
      </Field>
      <Field id="peer-requirecalltoken" label={word('requirecalltoken')} error={errorOf('requirecalltoken')}>
        {(aria) => (
          <select {...aria} name="requirecalltoken" value={form.requirecalltoken} onChange={text('requirecalltoken')}>
            <option value="yes">yes</option>
            <option value="auto">auto</option>
            <option value="no">no</option>
          </select>
        )}
      </Field>
      <Field id="peer-allow" label={<>{word('allow')} <span class="muted">(after disallow=all)</span></>} hint="Codecs in order, e.g. ulaw,alaw; blank for the defaults." error={errorOf('allow')}>
        {(aria) => <input {...aria} type="text" name="allow" value={form.allow} onInput={text('allow')} spellcheck={false} />}
      </Field>
      <Field id="peer-description" label={word('description')} error={errorOf('description')}>
        {(aria) => <input {...aria} type="text" name="description" value={form.description} onInput={text('description')} />}
      </Field>
      <fieldset class="field">
        <legend>Options</legend>
        <div class="checks">
          <label><input type="checkbox" name="trunk" checked={form.trunk} onChange={flag('trunk')} /> <code>trunk=yes</code></label>
          <label><input type="checkbox" name="encryption" checked={form.encryption} onChange={flag('encryption')} /> <code>encryption=yes</code></label>
        </div>
        {errorOf('trunk') ?? errorOf('encryption') ? <span class="error">{errorOf('trunk') ?? errorOf('encryption')}</span> : null}
      </fieldset>
    </div>
  );
}
