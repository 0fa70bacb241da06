// Runs every test file under test/ through node:test with an explicit file list: on Node 20
// `node --test` takes no globs, and `tsx --test` with no arguments runs nothing and exits 0.
// Finding no test files is a failure, never a silent pass.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const testRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(testRoot, '..');

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

// `npm test -- test/iax2` narrows the run to files under the given paths.
const filters = process.argv.slice(2).map((p) => relative(repoRoot, join(process.cwd(), p)));
const files = findTests(testRoot)
  .map((f) => relative(repoRoot, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)));

if (files.length === 0) {
  console.error(`test/run.ts: no *.test.ts files found${filters.length > 0 ? ` under ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: repoRoot,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
