// How npm test judges a run: the outcome reporter, run by a real node --test over small test
// files written here, counts cancelled tests (a suite's failed before(), a timeout) and a
// failing after() where Node 20's summary says "fail 0"; judgeRun fails the run for each.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { judgeRun, type Outcome } from './outcome-summary.ts';

const reporter = fileURLToPath(new URL('./outcome-reporter.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'strowger-outcome-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'passing.test.mjs': "import { it } from 'node:test';\nit('passes', () => {});\nit.skip('skipped', () => {});\nit.todo('todo');\n",
  'set-up-fails.test.mjs': "import { before, describe, it } from 'node:test';\ndescribe('needs a store', () => {\n  before(() => { throw new Error('no jar'); });\n  it('one', () => {});\n  it('two', () => {});\n});\n",
  'times-out.test.mjs': "import { it } from 'node:test';\nit('hangs', { timeout: 200 }, () => new Promise((resolve) => setTimeout(resolve, 3000)));\n",
  'tear-down-fails.test.mjs': "import { after, describe, it } from 'node:test';\ndescribe('leaks', () => {\n  after(() => { throw new Error('could not stop'); });\n  it('fine', () => {});\n});\n",
};
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

/** node --test over `files` with the spec reporter (as npm test runs it) and ours. */
function runTests(files: string[]): { status: number | null; spec: string; outcome: Outcome } {
  const outcomeFile = join(dir, `outcome-${files.length}.json`);
  // Inside a test file NODE_TEST_CONTEXT is set, which would make a nested runner report to us.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${reporter}`, `--test-reporter-destination=${outcomeFile}`, ...files],
    { cwd: dir, encoding: 'utf8', env },
  );
  return { status: run.status, spec: run.stdout, outcome: JSON.parse(readFileSync(outcomeFile, 'utf8')) as Outcome };
}

describe('the outcome reporter under a real node --test', () => {
  it('counts what passed, was skipped and was todo', () => {
    const { status, outcome } = runTests(['passing.test.mjs']);
    assert.equal(status, 0);
    assert.deepEqual(outcome, { passed: 1, failed: 0, cancelled: 0, skipped: 1, todo: 1, failures: [] });
    assert.equal(judgeRun(outcome, status, dir).ok, true);
  });

  it('counts tests that never ran as cancelled where Node\'s own summary says "fail 0", and the run fails', () => {
    const { status, spec, outcome } = runTests(Object.keys(FILES));
    assert.match(spec, /ℹ fail 0\n/, 'Node 20 itself counts none of these as failed');
    assert.equal(outcome.passed, 2);
    assert.equal(outcome.cancelled, 3);
    // The suite whose before() threw and the suite whose after() threw.
    assert.equal(outcome.failed, 2);
    assert.deepEqual(
      outcome.failures.map((f) => `${f.kind} ${f.name}`).sort(),
      ['cancelled hangs', 'cancelled one', 'cancelled two', 'failed leaks', 'failed needs a store'],
    );
    const verdict = judgeRun(outcome, status, dir);
    assert.equal(verdict.ok, false);
    assert.match(verdict.lines[0] ?? '', /^2 passed, 2 failed, 3 cancelled \(timed out, or their suite's set-up failed: counted as failures\)/);
    assert.ok(verdict.lines.includes('  cancelled: set-up-fails.test.mjs › one'), verdict.lines.join('\n'));
    assert.equal(verdict.lines.at(-1), 'FAILED: 5 tests did not pass');
  });
});

describe('judgeRun', () => {
  const clean: Outcome = { passed: 3, failed: 0, cancelled: 0, skipped: 0, todo: 0, failures: [] };

  it('fails a run that reported no outcome, or exited non-zero with nothing failed, or ran nothing', () => {
    assert.equal(judgeRun(undefined, 1, dir).ok, false);
    assert.match(judgeRun(clean, 1, dir).lines.at(-1) ?? '', /^FAILED: node --test exited with 1 although no test failed/);
    assert.equal(judgeRun({ ...clean, passed: 0 }, 0, dir).ok, false);
    assert.deepEqual(judgeRun(clean, 0, dir), { ok: true, lines: ['3 passed, 0 failed, 0 cancelled (timed out, or their suite\'s set-up failed: counted as failures), 0 skipped, 0 todo', 'ok'] });
  });
});
