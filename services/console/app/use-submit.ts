/**
 * A form's submission: busy while its request runs (the button says so and is disabled), and
 * the failure kept for the form to show, at the field the API named or as a notice. Cleared
 * when the next submission starts, or by clearError (a check the form makes itself failed).
 */
import { useState } from 'preact/hooks';

export interface Submission {
  busy: boolean;
  error: unknown;
  /** Runs `action` as the submission; a throw becomes `error`. */
  run: (action: () => Promise<void>) => Promise<void>;
  clearError: () => void;
}

export function useSubmit(): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return {
    busy,
    error,
    run: async (action) => {
      setBusy(true);
      setError(undefined);
      try {
        await action();
      } catch (failure) {
        setError(failure);
      } finally {
        setBusy(false);
      }
    },
    clearError: () => setError(undefined),
  };
}
