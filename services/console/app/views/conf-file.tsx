/**
 * One config file for the import: pasted into a text area or read from a file the user picks
 * (read in the browser; nothing is uploaded but through the API), and, after a refusal, shown
 * with line numbers and each refused line marked with its reason.
 */
import type { ConfProblem } from '../api/client.ts';

export interface ConfFile {
  name: string;
  text: string;
  /** Which slot (iax.conf or extensions.conf) the file was given in, when its own name differs. */
  slot?: string;
}

const placeholders: Record<string, string> = {
  'iax.conf': '[pbx1]\ntype=friend\nhost=dynamic\nsecret=…\ncontext=fromiax',
  'extensions.conf': '[fromiax]\nexten => _2XX,1,Dial(IAX2/pbx2/${EXTEN})',
};

export function ConfFileInput({ slot, file, problems, onChange }: { slot: string; file: ConfFile; problems: readonly ConfProblem[]; onChange: (file: ConfFile) => void }) {
  const id = slot.replace(/\W/g, '-');
  const pick = async (input: HTMLInputElement): Promise<void> => {
    const chosen = input.files?.[0];
    if (chosen !== undefined) onChange({ name: chosen.name, text: await chosen.text(), slot });
  };
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{slot}{file.name === slot ? '' : <span class="muted small"> ({file.name})</span>}</h2>
      <div class="field">
        <label for={`${id}-text`}>Paste {slot}</label>
        <textarea id={`${id}-text`} value={file.text} placeholder={placeholders[slot]} spellcheck={false} aria-invalid={problems.length > 0 ? 'true' : undefined}
          onInput={(event) => onChange({ ...file, text: event.currentTarget.value })} />
      </div>
      <div class="field">
        <label for={`${id}-file`}>or upload it</label>
        <input id={`${id}-file`} type="file" accept=".conf,text/plain" onChange={(event) => void pick(event.currentTarget)} />
      </div>
      {problems.length === 0 ? null : <MarkedText text={file.text} problems={problems} />}
    </section>
  );
}

/** A secret= line as the API quotes it: the value masked (the user typed it, but a screen is seen by others). */
const masked = (line: string): string => line.replace(/^(\s*(?:secret|dbsecret)\s*=>?\s*).+$/i, '$1********');

/** The file with line numbers; refused lines marked, their reasons right under them. */
function MarkedText({ text, problems }: { text: string; problems: readonly ConfProblem[] }) {
  const byLine = new Map<number, string[]>();
  for (const p of problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p.reason]);
  const lines = text.split(/\r?\n/);
  return (
    <div class="conf-view" aria-label="The file with its refused lines marked">
      <ol>
        {lines.map((line, i) => {
          const reasons = byLine.get(i + 1);
          return (
            <li key={i} class={reasons === undefined ? undefined : 'bad'} id={reasons === undefined ? undefined : `line-${i + 1}`}>
              <span class="ln">{i + 1}</span>
              <span class="tx">{line === '' ? ' ' : masked(line)}</span>
              {reasons?.map((r, j) => <span class="why" key={j}>{r}</span>)}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** Every problem as file:line: reason (line 0 is the whole file; file '-' is a summary line). */
export function ConfProblems({ problems }: { problems: readonly ConfProblem[] }) {
  return (
    <div class="notice error" role="alert">
      <strong>Nothing was imported: {problems.length === 1 ? 'one line was' : `${problems.length} problems were`} refused.</strong>
      <ul class="problems" data-testid="import-problems">
        {problems.map((p, i) => (
          <li key={i}>{p.file === '-' ? p.reason : <><code>{p.file}{p.line > 0 ? `:${p.line}` : ' (whole file)'}</code>: {p.reason}</>}</li>
        ))}
      </ul>
      <p class="small">Correct the marked lines below and check again.</p>
    </div>
  );
}
