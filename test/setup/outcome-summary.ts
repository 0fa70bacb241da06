// Turns the outcome reporter's JSON and node --test's exit status into the run's verdict and
// the last lines a person reads. A run passes only when every test passed (or was skipped on
// purpose): a cancelled test, a missing outcome or a non-zero exit with nothing failed all fail.
import { relative } from 'node:path';

/** What outcome-reporter.mjs writes when the run ends. */
export interface Outcome {
  passed: number;
  failed: number;
  /** Timed out, or never ran because a hook of their suite failed. */
  cancelled: number;
  skipped: number;
  todo: number;
  failures: Array<{ file: string; name: string; kind: 'failed' | 'cancelled' }>;
}

const MAX_LISTED = 30;

export interface Verdict {
  ok: boolean;
  lines: string[];
}

export function judgeRun(outcome: Outcome | undefined, exitStatus: number | null, repoRoot: string): Verdict {
  if (outcome === undefined) {
    return { ok: false, lines: [`FAILED: the test runner ended (exit ${exitStatus}) without reporting an outcome; see its output above`] };
  }
  const { passed, failed, cancelled, skipped, todo } = outcome;
  const lines = [
    `${passed} passed, ${failed} failed, ${cancelled} cancelled (timed out, or their suite's set-up failed: counted as failures), ${skipped} skipped, ${todo} todo`,
  ];
  for (const failure of outcome.failures.slice(0, MAX_LISTED)) {
    lines.push(`  ${failure.kind}: ${failure.file === '' ? '' : `${relative(repoRoot, failure.file)} › `}${failure.name}`);
  }
  if (outcome.failures.length > MAX_LISTED) lines.push(`  … and ${outcome.failures.length - MAX_LISTED} more (see above)`);
  if (failed + cancelled > 0) {
    lines.push(`FAILED: ${failed + cancelled} test${failed + cancelled === 1 ? '' : 's'} did not pass`);
    return { ok: false, lines };
  }
  if (exitStatus !== 0) {
    lines.push(`FAILED: node --test exited with ${exitStatus} although no test failed (an error outside any test? see above)`);
    return { ok: false, lines };
  }
  if (passed === 0) {
    lines.push('FAILED: no test ran');
    return { ok: false, lines };
  }
  lines.push('ok');
  return { ok: true, lines };
}
