/**
 * The three states every view has besides its data: loading, nothing there yet, and failed.
 * Each says what to do next; a failure shows the API's own message and code.
 */
import type { ComponentChildren } from 'preact';
import { ApiFailure } from '../api/client.ts';

export function Loading({ what }: { what: string }) {
  return <p class="loading" role="status">Loading {what}…</p>;
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** What to do about a refusal, by status: the API's message says what went wrong. */
function remedy(error: ApiFailure): string {
  switch (error.status) {
    case 0: return 'Nothing was changed.';
    case 401: return 'The key was not accepted (revoked, or mistyped). Sign out and sign in with a valid key.';
    case 403: return 'This needs the operator key.';
    case 404: return 'It does not exist, or this key may not see it.';
    case 409: return 'Reload to see the current state, then try again.';
    case 503: return 'The platform is busy or starting: try again in a few seconds.';
    default: return error.status >= 500 ? 'The platform failed to answer; try again, and tell the operator if it persists.' : 'Correct the input and try again.';
  }
}

export function ErrorNotice({ error, what, onRetry }: { error: unknown; what: string; onRetry?: () => void }) {
  const failure = error instanceof ApiFailure ? error : undefined;
  const message = failure?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div class="notice error" role="alert">
      <strong>Could not {what}.</strong>
      <p data-testid="api-error">{message}</p>
      {failure === undefined ? null : <p class="small">{remedy(failure)} <span class="code">({failure.status === 0 ? 'no answer' : `${failure.status} ${failure.code}`})</span></p>}
      {onRetry === undefined ? null : <button type="button" class="secondary" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function Notice({ kind, children }: { kind: 'info' | 'success'; children: ComponentChildren }) {
  return <div class={`notice ${kind}`} role="status">{children}</div>;
}
