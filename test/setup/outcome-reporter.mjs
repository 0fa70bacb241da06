// A node:test reporter that writes one JSON object (the Outcome of outcome-summary.ts) when the
// run ends, for test/run.ts to judge the run by. It exists because Node 20's own summary counts
// a test that timed out, or whose suite's before() hook failed, as "cancelled" and not under
// "fail": a run can end "fail 0" with dozens of tests that never ran. Here those count as
// failures. Plain JavaScript: node --test loads reporters without the tsx loader.

/** Node's failure types for a test that did not finish rather than one that asserted wrongly. */
const CANCELLED_TYPES = new Set(['cancelledByParent', 'testTimeoutFailure']);

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* outcomeReporter(source) {
  const outcome = { passed: 0, failed: 0, cancelled: 0, skipped: 0, todo: 0, failures: [] };
  for await (const event of source) {
    if (event.type === 'test:pass') {
      if (event.data.details.type === 'suite') continue;
      if (event.data.skip !== undefined && event.data.skip !== false) outcome.skipped++;
      else if (event.data.todo !== undefined && event.data.todo !== false) outcome.todo++;
      else outcome.passed++;
    } else if (event.type === 'test:fail') {
      const failureType = event.data.details.error?.failureType ?? '';
      // A suite fails when a test inside it did (already counted); it counts itself only when
      // its own code or a hook threw (an after() hook fails a suite whose tests all passed).
      if (event.data.details.type === 'suite' && failureType === 'subtestsFailed') continue;
      const kind = CANCELLED_TYPES.has(failureType) ? 'cancelled' : 'failed';
      outcome[kind]++;
      outcome.failures.push({ file: event.data.file ?? '', name: event.data.name, kind });
    }
  }
  yield `${JSON.stringify(outcome)}\n`;
}
