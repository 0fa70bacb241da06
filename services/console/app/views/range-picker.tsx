/** A time range: presets (last hour, day, week) or from/to in local time; an open end means "until now". */
import { useState } from 'preact/hooks';
import { Field } from '../components/field.tsx';
import { fromLocalInput, toLocalInput } from '../format.ts';

export interface Range { from: number; to: number | undefined }

const PRESETS: Array<[string, number]> = [['Last hour', 3_600_000], ['Last 24 hours', 86_400_000], ['Last 7 days', 7 * 86_400_000]];

export function RangePicker({ value, onChange }: { value: Range; onChange: (range: Range) => void }) {
  const [from, setFrom] = useState(toLocalInput(value.from));
  const [to, setTo] = useState(value.to === undefined ? '' : toLocalInput(value.to));
  const [problem, setProblem] = useState<string | undefined>();
  const apply = (event: Event): void => {
    event.preventDefault();
    const start = fromLocalInput(from);
    const end = to === '' ? undefined : fromLocalInput(to);
    if (start === undefined) return setProblem('Give a start time.');
    if (end !== undefined && end <= start) return setProblem('The end must be after the start.');
    setProblem(undefined);
    onChange({ from: start, to: end });
  };
  return (
    <form class="card" onSubmit={apply} aria-label="Time range">
      <div class="grid">
        <Field id="range-from" label="From" error={problem}>
          {(aria) => <input {...aria} type="datetime-local" value={from} onInput={(event) => setFrom(event.currentTarget.value)} />}
        </Field>
        <Field id="range-to" label="To" hint="Leave empty for now.">
          {(aria) => <input {...aria} type="datetime-local" value={to} onInput={(event) => setTo(event.currentTarget.value)} />}
        </Field>
      </div>
      <div class="form-actions">
        <button type="submit">Show</button>
        {PRESETS.map(([label, span]) => (
          <button key={label} type="button" class="secondary" onClick={() => {
            const now = Date.now();
            setFrom(toLocalInput(now - span));
            setTo('');
            setProblem(undefined);
            onChange({ from: now - span, to: undefined });
          }}>{label}</button>
        ))}
      </div>
    </form>
  );
}
