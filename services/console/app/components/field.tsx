/**
 * A labelled form field: the label names the iax.conf word where there is one, the hint says
 * what it means, and the API's message for this field (if it refused it) sits under it, tied
 * to the input for screen readers.
 */
import type { ComponentChildren } from 'preact';

export interface FieldProps {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | undefined;
  wide?: boolean;
  children: (aria: { id: string; 'aria-invalid': 'true' | undefined; 'aria-describedby': string | undefined }) => ComponentChildren;
}

export function Field({ id, label, hint, error, wide, children }: FieldProps) {
  const described = [hint === undefined ? undefined : `${id}-hint`, error === undefined ? undefined : `${id}-error`].filter((x) => x !== undefined).join(' ');
  return (
    <div class={`field${wide === true ? ' wide' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': error === undefined ? undefined : 'true', 'aria-describedby': described === '' ? undefined : described })}
      {hint === undefined ? null : <span class="hint" id={`${id}-hint`}>{hint}</span>}
      {error === undefined ? null : <span class="error" id={`${id}-error`} data-testid={`error-${id}`}>{error}</span>}
    </div>
  );
}
