/**
 * An RSA key pair for a peer, made by the API in Asterisk's format: the public key becomes one
 * of the peer's inkeys; the private key comes back once, is offered as a download once, and
 * is dropped from memory as soon as it is saved (the platform keeps no copy either).
 */
import { useState } from 'preact/hooks';
import { ApiFailure, apiPath } from '../api/client.ts';
import type { KeyPair, Peer } from '../api/types.ts';
import { Field } from '../components/field.tsx';
import { ErrorNotice, Notice } from '../components/states.tsx';
import { useSession } from '../session-context.ts';
import { useSubmit } from '../use-submit.ts';

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function PeerKeygen({ tenant, peer, onChanged }: { tenant: string; peer: Peer; onChanged: () => void }) {
  const { api } = useSession();
  const [keyName, setKeyName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [pair, setPair] = useState<KeyPair | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const { busy, error, run } = useSubmit();
  const fieldError = (field: string): string | undefined => (error instanceof ApiFailure && error.field === field ? error.message : undefined);

  const generate = async (event: Event): Promise<void> => {
    event.preventDefault();
    setSaved(undefined);
    await run(async () => {
      const body = { ...(keyName.trim() === '' ? {} : { name: keyName.trim() }), ...(passphrase === '' ? {} : { passphrase }) };
      setPair((await api.request<KeyPair>('POST', apiPath('tenants', tenant, 'peers', peer.name, 'keys'), { body })).body);
      setPassphrase('');
      onChanged();
    });
  };

  const savePrivateKey = (): void => {
    if (pair === undefined) return;
    download(`${pair.keyName}.key`, pair.privateKey);
    // Keep only what is public: the private key is gone from this page once saved.
    setSaved(pair.keyName);
    setPair(undefined);
  };

  return (
    <section class="card" aria-labelledby="keygen-title">
      <h2 id="keygen-title">RSA keys</h2>
      <p class="muted small">inkeys: {peer.inkeys.length === 0 ? 'none' : peer.inkeys.map((k) => <code key={k}>{k} </code>)}. A new pair's public key is added to them; put the private key on the box (<code>/var/lib/asterisk/keys/</code>) and name it in <code>outkey=</code>.</p>
      {error === undefined ? null : <ErrorNotice error={error} what="generate the key pair" />}
      {pair === undefined ? null : (
        <div class="secret-once" role="status">
          <strong>Key pair {pair.keyName} made{pair.encrypted ? ' (private key encrypted with your passphrase)' : ''}. Download the private key now: it is shown this once and the platform keeps no copy.</strong>
          <div class="actions">
            <button type="button" onClick={savePrivateKey}>Download {pair.keyName}.key</button>
            <button type="button" class="secondary" onClick={() => download(`${pair.keyName}.pub`, pair.publicKey)}>Download {pair.keyName}.pub</button>
          </div>
        </div>
      )}
      {saved === undefined ? null : <Notice kind="success"><strong>{saved}.key was downloaded and forgotten here.</strong><p>Generate a new pair if it is lost.</p></Notice>}
      <form onSubmit={(event) => void generate(event)} novalidate>
        <div class="grid">
          <Field id="keygen-name" label="Key name" hint={`Default: ${peer.name}.`} error={fieldError('name')}>
            {(aria) => <input {...aria} type="text" value={keyName} onInput={(event) => setKeyName(event.currentTarget.value)} spellcheck={false} />}
          </Field>
          <Field id="keygen-passphrase" label="Passphrase (optional)" hint="Encrypts the private key (3DES), as Asterisk can read it." error={fieldError('passphrase')}>
            {(aria) => <input {...aria} type="password" value={passphrase} onInput={(event) => setPassphrase(event.currentTarget.value)} autocomplete="new-password" />}
          </Field>
        </div>
        <div class="form-actions"><button type="submit" class="secondary" disabled={busy}>{busy ? 'Generating…' : 'Generate key pair'}</button></div>
      </form>
    </section>
  );
}
