// The console is browser code with a tsconfig of its own (the DOM, JSX for Preact), which the
// root `tsc --noEmit` leaves out: it is type-checked here, against the API's own schemas.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

describe('the console\'s types', () => {
  it('type-check with services/console/tsconfig.json', () => {
    const run = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'services/console/tsconfig.json'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  });
});
