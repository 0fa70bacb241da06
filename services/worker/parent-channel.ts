/**
 * A worker started by `npm start` (services/local/worker-children.ts) has an IPC channel to the
 * platform process; on ECS it has none, and everything here does nothing. Over it the worker
 * says when it is up and where (ports picked by the kernel included), how its stop goes (for
 * the operator's lines), and why it could not start (a port in use, named by its code). When
 * the channel closes without a stop (the platform crashed or was killed), the worker is an
 * orphan holding the platform's ports: it hangs up its calls and goes, so the platform's next
 * start can bind them.
 */
import type { RemoteAddress } from '../iax2/transport.ts';
import type { DrainEnd } from './drain-wait.ts';
import type { DrainOutcome } from './worker.ts';

export type WorkerReport =
  | { type: 'ready'; workerId: string; iax: RemoteAddress; status: RemoteAddress }
  | { type: 'hanging-up'; calls: number; legs: number; end: DrainEnd }
  | { type: 'stopped'; outcome: DrainOutcome }
  | { type: 'failed'; message: string; code?: string; syscall?: string; port?: number };

/** True when a platform process started this one with an IPC channel. */
export const hasParent = (): boolean => process.send !== undefined && process.connected;

/** Resolves once the report is written (so one sent just before exit gets out); at once without a parent. */
export function reportToParent(report: WorkerReport): Promise<void> {
  if (!hasParent()) return Promise.resolve();
  return new Promise((resolve) => {
    process.send!(report, undefined, {}, () => resolve());
  });
}

/** Calls `gone` once if the channel closes while the worker is running. */
export function onParentGone(gone: () => void): void {
  if (!hasParent()) return;
  process.once('disconnect', gone);
}
