/**
 * Import iax.conf and extensions.conf, pasted or uploaded: checked first (a dry run) or
 * imported, all or nothing. Refused lines are shown as file:line and marked in the text itself.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, apiPath, type ConfProblem } from '../api/client.ts';
import type { Imported } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorNotice, Notice } from '../components/states.tsx';
import { useSession } from '../session-context.ts';
import { ConfFileInput, ConfProblems, type ConfFile } from './conf-file.tsx';
import { useSubmit } from '../use-submit.ts';

const FILES: ConfFile[] = [{ name: 'iax.conf', text: '' }, { name: 'extensions.conf', text: '' }];

export function ImportView({ tenant }: { tenant: string }) {
  const { api } = useSession();
  const [files, setFiles] = useState<ConfFile[]>(FILES);
  const [result, setResult] = useState<Imported | undefined>();
  const { busy, error, run } = useSubmit();
  const problems: readonly ConfProblem[] = error instanceof ApiFailure ? error.problems ?? [] : [];

  const send = async (dryRun: boolean): Promise<void> => {
    setResult(undefined);
    await run(async () => {
      const chosen = files.filter((f) => f.text.trim() !== '');
      if (chosen.length === 0) throw new ApiFailure(400, 'EMPTY', 'Paste or upload an iax.conf or an extensions.conf first.');
      const kinds = (name: string): 'iax' | 'extensions' => (name === 'extensions.conf' ? 'extensions' : 'iax');
      const body = { files: chosen.map((f) => ({ name: f.name, kind: kinds(f.slot ?? f.name), text: f.text })), dryRun };
      setResult((await api.request<Imported>('POST', apiPath('tenants', tenant, 'import'), { body })).body);
    });
  };

  return (
    <Page title="Import" intro="Bring peers and routes over from Asterisk: nothing is written unless every line is accepted.">
      {error === undefined ? null : problems.length > 0 ? <ConfProblems problems={problems} /> : <ErrorNotice error={error} what="import" />}
      {result === undefined ? null : <ImportSummary result={result} />}
      <div class="split">
        {files.map((file, i) => (
          <ConfFileInput key={i} slot={FILES[i]?.name ?? file.name} file={file} problems={problems.filter((p) => p.file === file.name)} onChange={(next) => setFiles(files.map((f, j) => (j === i ? next : f)))} />
        ))}
      </div>
      <div class="form-actions">
        <button type="button" class="secondary" disabled={busy} onClick={() => void send(true)}>Check (dry run)</button>
        <button type="button" disabled={busy} onClick={() => void send(false)}>{busy ? 'Working…' : 'Import'}</button>
      </div>
    </Page>
  );
}

function ImportSummary({ result }: { result: Imported }) {
  const list = (names: string[]): string => (names.length === 0 ? 'none' : names.join(', '));
  return (
    <Notice kind="success">
      <strong>{result.dryRun ? 'Everything would be accepted (dry run: nothing was written).' : 'Imported.'}</strong>
      <p>Peers created: {list(result.peers.created)}; updated: {list(result.peers.updated)}.</p>
      <p>Routes created: {list(result.routes.created)}; updated: {list(result.routes.updated)}.</p>
      {result.warnings.length === 0 ? null : (
        <ul class="problems">{result.warnings.map((w, i) => <li key={i}><code>{w.file}:{w.line}</code> {w.reason}</li>)}</ul>
      )}
    </Notice>
  );
}
