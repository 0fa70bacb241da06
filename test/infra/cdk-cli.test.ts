// `npm run synth` as an operator runs it: the CDK CLI, cdk.json's app, no AWS credentials, no
// Docker. It must produce all three stacks, and a bad context value must stop it by name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const repoRoot = join(import.meta.dirname, '..', '..');
// Only what a fresh shell has: no AWS_* settings, no profile, no Docker on the path.
const offlineEnv = { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'strowger-home-')), CDK_DISABLE_VERSION_CHECK: '1' };

describe('npm run synth', () => {
  it('synthesizes every stack offline, with no credentials and no Docker', () => {
    const out = mkdtempSync(join(tmpdir(), 'strowger-synth-'));
    const run = spawnSync('npm', ['run', '--silent', 'synth', '--', '--output', out], { cwd: repoRoot, env: offlineEnv, encoding: 'utf8', timeout: 180_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const templates = readdirSync(out).filter((f) => f.endsWith('.template.json')).sort();
    assert.deepEqual(templates, ['StrowgerControl.template.json', 'StrowgerData.template.json', 'StrowgerEdge.template.json']);
  });

  it('a wrong context value stops synth, naming it', () => {
    const out = mkdtempSync(join(tmpdir(), 'strowger-synth-'));
    const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out, '-c', 'workerArchitecture=sparc'], { cwd: repoRoot, env: offlineEnv, encoding: 'utf8', timeout: 180_000 });
    assert.notEqual(run.status, 0);
    assert.match(`${run.stdout}${run.stderr}`, /context workerArchitecture="sparc": expected arm64 or x86_64/);
  });
});
