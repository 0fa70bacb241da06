// The `strowger` bin runs a prebuilt bundle that npm's prepare script (so `npm ci`) builds, and
// falls back to the sources through tsx when the bundle is missing or older than a source it
// was built from. Both paths must answer alike, and neither may print the AWS SDK's Node
// version warning.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildFolderName, currentBundle, publishBuild } from '../../shared/prebuilt-bundle.mjs';
import { freeTcpPort } from '../helpers/worker-process.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(repoRoot, 'services', 'cli', 'bin.mjs');
const NEW = '92 34 00 00 00 00 00 03 00 00 06 01 0B 02 00 02 01 03 31 30 30 06 05 61 6C 69 63 65 37 09 00 00 00 00 00 00 00 00 0C 12 10 02 00 11 D9 C0 00 02 0A 00 00 00 00 00 00 00 00 1F 04 30 6F 6D AF 36 00';

interface Run {
  status: number | null;
  stdout: string;
  /** stderr without the trace line. */
  stderr: string;
  /** What the bin said it ran (STROWGER_CLI_TRACE). */
  ran: string;
}

function strowger(args: string[], fromSource: boolean): Run {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', STROWGER_CLI_TRACE: '1', ...(fromSource ? { STROWGER_CLI_FROM_SOURCE: '1' } : {}) },
  });
  const lines = run.stderr.split('\n');
  const trace = lines.find((line) => line.startsWith('strowger: running ')) ?? '';
  return { status: run.status, stdout: run.stdout, stderr: lines.filter((line) => line !== trace).join('\n'), ran: trace };
}

describe('the prebuilt strowger bundle', () => {
  before(() => {
    const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.prepare ?? '', /build-cli\.ts/, 'npm ci builds the CLI through the prepare script');
    // Exactly what `npm ci` runs after installing.
    const prepare = spawnSync('npm', ['run', 'prepare'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(prepare.status, 0, `${prepare.stdout}${prepare.stderr}`);
  });

  it('is current after the prepare script, and the bin runs from it', () => {
    const bundle = currentBundle();
    assert.ok('url' in bundle, 'reason' in bundle ? bundle.reason : '');
    assert.match(bundle.url, /\/dist\/cli\/build-\d+-\d+\/strowger\.mjs$/);
    const run = strowger(['decode', NEW], false);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.ran, `strowger: running the bundle ${bundle.url}`);
  });

  it('answers as the sources do: dump, JSON, a bad datagram, usage', () => {
    for (const args of [['decode', NEW, '12:34:02:08:ff:ff'], ['decode', '--json', NEW, '0000 0101 00000064 0001 1234 86a0 ff'], ['decode', '00'], ['--help'], ['frobnicate']]) {
      const bundled = strowger(args, false);
      const source = strowger(args, true);
      assert.match(bundled.ran, /running the bundle/);
      assert.equal(source.ran, 'strowger: running the sources through tsx: STROWGER_CLI_FROM_SOURCE=1');
      assert.deepEqual({ status: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }, { status: source.status, stdout: source.stdout, stderr: source.stderr }, args.join(' '));
    }
    assert.match(strowger(['decode', NEW], false).stdout, /Subclass: NEW .*USERNAME\(0x06\)="alice"/);
    // Commands are looked up by name in an object: one of Object's own methods is no command.
    assert.equal(strowger(['constructor'], false).status, 2);
  });

  it('prints no AWS SDK NodeVersionSupportWarning, by either path, offline or not', async () => {
    const closed = `http://127.0.0.1:${await freeTcpPort()}`;
    for (const fromSource of [false, true]) {
      for (const args of [['decode', NEW], ['tenant', 'list', '--api', closed, '--key', `stg_op_${'k'.repeat(43)}`]]) {
        const run = strowger(args, fromSource);
        assert.doesNotMatch(`${run.stdout}${run.stderr}`, /NodeVersionSupportWarning|Warning:/, args.join(' '));
      }
    }
  });
});

describe('when the bundle is current', () => {
  const root = mkdtempSync(join(tmpdir(), 'strowger-cli-stamp-'));
  const dir = join(root, 'dist');
  const builtAtMs = Date.now() - 30_000;
  const entry = join(dir, buildFolderName(builtAtMs), 'strowger.mjs');
  after(() => rmSync(root, { recursive: true, force: true }));
  const past = (seconds: number): Date => new Date(Date.now() - seconds * 1000);

  before(() => {
    mkdirSync(join(dir, buildFolderName(builtAtMs)), { recursive: true });
    writeFileSync(entry, 'export const main = async () => 0;\n');
    for (const source of ['a.ts', 'b.ts']) {
      writeFileSync(join(root, source), '');
      utimesSync(join(root, source), past(60), past(60));
    }
    publishBuild(dir, { builtAtMs, entry: `${buildFolderName(builtAtMs)}/strowger.mjs`, inputs: ['a.ts', 'b.ts'] });
  });

  it('while no input changed since the build began', () => {
    assert.deepEqual(currentBundle({ dir, root }), { url: pathToFileURL(entry).href });
  });

  it('not once an input was saved after the build began', () => {
    utimesSync(join(root, 'b.ts'), past(10), past(10));
    assert.deepEqual(currentBundle({ dir, root }), { reason: 'b.ts changed after the bundle was built' });
    utimesSync(join(root, 'b.ts'), past(60), past(60));
    assert.ok('url' in currentBundle({ dir, root }));
  });

  it('not once an input is gone, the build is gone, or there is no stamp', () => {
    rmSync(join(root, 'a.ts'));
    assert.deepEqual(currentBundle({ dir, root }), { reason: 'a.ts is gone since the bundle was built' });
    writeFileSync(join(root, 'a.ts'), '');
    utimesSync(join(root, 'a.ts'), past(60), past(60));
    rmSync(entry);
    assert.deepEqual(currentBundle({ dir, root }), { reason: `${entry} is missing` });
    rmSync(join(dir, 'build-stamp.json'));
    assert.deepEqual(currentBundle({ dir, root }), { reason: `no build stamp in ${dir} (npm ci, or npm run prepare, builds the bundle)` });
  });
});

describe('publishing a build', () => {
  it('keeps the build it replaces (a CLI may have just read its stamp) and any begun since; deletes older ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-cli-builds-'));
    try {
      const times = [1000, 2000, 3000, 4000, 5000];
      for (const t of times) mkdirSync(join(dir, buildFolderName(t)));
      const publish = (t: number) => publishBuild(dir, { builtAtMs: t, entry: `${buildFolderName(t)}/strowger.mjs`, inputs: [] });
      publish(2000);
      // 5000 began before 3000 was published (another build running at the same time).
      publish(3000);
      const left = (): number[] => readdirSync(dir).filter((name) => /^build-\d/.test(name)).map((name) => Number(name.split('-')[1])).sort((a, b) => a - b);
      assert.deepEqual(left(), [2000, 3000, 4000, 5000]);
      publish(4000);
      assert.deepEqual(left(), [3000, 4000, 5000]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
