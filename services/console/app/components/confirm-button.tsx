/**
 * A destructive action in two presses: the first turns the button into "Confirm …" beside a
 * Cancel, so a stray click or Enter deletes nothing, and no modal dialog traps the keyboard.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export function ConfirmButton({ label, confirm, onConfirm, disabled }: { label: string; confirm: string; onConfirm: () => void | Promise<void>; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmButton.current?.focus();
  }, [asking]);
  if (!asking) return <button type="button" class="danger" disabled={disabled} onClick={() => setAsking(true)}>{label}</button>;
  return (
    <span class="actions inline">
      <button type="button" class="danger confirming" disabled={busy} ref={confirmButton} onClick={() => {
        setBusy(true);
        void Promise.resolve(onConfirm()).finally(() => {
          setBusy(false);
          setAsking(false);
        });
      }}>{confirm}</button>
      <button type="button" class="secondary" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}
