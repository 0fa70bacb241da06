// The machine check npm test runs first: it finds what is missing on PATH, names the packages
// that provide it in one install command, and (through the real entry point, test/run.ts)
// stops the run within seconds, before type-checking or any test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { installRemedy, missingTools, rootProblem, SYSTEM_TOOLS } from './system-prerequisites.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A folder of do-nothing executables named `commands`: all a PATH lookup can see. */
function stubPath(commands: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'strowger-stub-path-'));
  for (const command of commands) {
    writeFileSync(join(dir, command), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, command), 0o755);
  }
  return dir;
}

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const stub = (commands: readonly string[]): string => {
  const dir = stubPath(commands);
  made.push(dir);
  return dir;
};

const allButTsharkAndIaxmodem = SYSTEM_TOOLS.map((tool) => tool.command).filter((c) => c !== 'tshark' && c !== 'iaxmodem');

describe('missingTools', () => {
  it('finds nothing missing when every tool is an executable on PATH', () => {
    assert.deepEqual(missingTools(`/nonexistent:${stub(SYSTEM_TOOLS.map((tool) => tool.command))}`), []);
  });

  it('names the tools no PATH folder holds, in the list\'s order', () => {
    assert.deepEqual(missingTools(stub(allButTsharkAndIaxmodem)).map((tool) => tool.command), ['tshark', 'iaxmodem']);
  });

  it('does not count a file that is not executable', () => {
    const dir = stub(SYSTEM_TOOLS.map((tool) => tool.command));
    chmodSync(join(dir, 'nft'), 0o644);
    assert.deepEqual(missingTools(dir).map((tool) => tool.command), ['nft']);
  });
});

describe('the remedies', () => {
  it('one apt-get command installs every missing package', () => {
    const remedy = installRemedy(SYSTEM_TOOLS.filter((tool) => tool.command === 'tshark' || tool.command === 'ip'));
    assert.match(remedy, /^missing: tshark, ip\.\n/);
    assert.match(remedy, /Install them with: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y tshark iproute2 \(or run \.ci\/run, which does it\)$/);
  });

  it('root is required, and its remedy says how', () => {
    assert.equal(rootProblem(0), undefined);
    assert.match(rootProblem(1000) ?? '', /not running as root.*sudo npm test/);
  });

  it('.ci/run checks for and installs every tool the check asks for', () => {
    const ciRun = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    for (const tool of SYSTEM_TOOLS) {
      assert.match(ciRun, new RegExp(`command -v ${tool.command} .*\\b${tool.aptPackage}\\b`), `.ci/run does not install ${tool.aptPackage} for ${tool.command}`);
    }
  });
});

describe('npm test on a machine without tshark and iaxmodem', () => {
  it('stops within seconds with the install command, before type-checking or running a test', () => {
    const started = Date.now();
    // A filter that matches no file: were the check not first, this would end "no test files".
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'run.ts'), 'test/no-such-folder'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: stub(allButTsharkAndIaxmodem), HOME: process.env.HOME ?? tmpdir() },
      timeout: 60_000,
    });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.status, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.match(run.stderr, /missing: tshark, iaxmodem\./);
    assert.match(run.stderr, /Install them with: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y tshark iaxmodem \(or run \.ci\/run, which does it\)/);
    assert.doesNotMatch(`${run.stdout}${run.stderr}`, /type-checking|no \*\.test\.ts files|DynamoDB Local/);
    assert.ok(seconds < 15, `took ${seconds} s`);
  });
});
