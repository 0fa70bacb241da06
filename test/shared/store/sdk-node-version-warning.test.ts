// Under Node 20 the AWS SDK prints an 8-line NodeVersionSupportWarning when a process builds
// its first DynamoDB client; createDynamoClient turns that one warning off. The worker (started
// alone, with nothing in its environment to silence it) and `npm start` must print no such
// lines. (On Node 22 and later the SDK never prints it, so there these cannot fail.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTables } from '../../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../../shared/store/store-config.ts';
import { engineEnv, startDynalite, type DynamoEngine } from '../../helpers/dynamo-engines.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { freeTcpPort, startWorkerProcess } from '../../helpers/worker-process.ts';

const WARNING = /NodeVersionSupportWarning|AWS SDK for JavaScript \(v3\)/;

describe('no NodeVersionSupportWarning from the AWS SDK', () => {
  let engine: DynamoEngine;
  const names = prefixedTableNames(`nw${Math.floor(Math.random() * 1e9)}`);
  before(async () => {
    engine = await startDynalite();
    await createTables(engine.client, names);
  });
  after(async () => {
    await engine?.stop();
  });

  it('the worker process, once it has used the store', async () => {
    const statusPort = await freeTcpPort();
    const { child, stdout, exited } = await startWorkerProcess(['--import', 'tsx', 'services/worker/main.ts'], {
      env: {
        ...engineEnv(engine, names),
        STROWGER_IAX_BIND: '127.0.0.1:0',
        STROWGER_HEALTH_BIND: `127.0.0.1:${statusPort}`,
        STROWGER_WORKER_ID: 'w-quiet',
        STROWGER_PRIVATE_ADDRESS: '127.0.0.1',
      },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      // "worker started" comes after its first heartbeat row is written: the client has run.
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.doesNotMatch(`${stdout()}${stderr}`, WARNING);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('npm start (the supervisor and its platform process)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strowger-quiet-'));
    const [apiPort, statusPort] = [await freeTcpPort(), await freeTcpPort()];
    const supervisor = spawn(process.execPath, ['--import', 'tsx', 'services/local/start.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        STROWGER_DATA_DIR: dataDir,
        STROWGER_IAX_BIND: '127.0.0.1:0',
        STROWGER_API_BIND: `127.0.0.1:${apiPort}`,
        STROWGER_HEALTH_BIND: `127.0.0.1:${statusPort}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    supervisor.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    supervisor.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => supervisor.on('exit', (code) => resolve(code)));
    try {
      await waitFor('npm start to answer /healthz', () => fetch(`http://127.0.0.1:${statusPort}/healthz`).then((r) => r.ok || undefined, () => undefined), 60_000);
      supervisor.kill('SIGINT');
      await exited;
      assert.match(output, /healthz/, 'the quick start was printed');
      assert.doesNotMatch(output, WARNING);
    } finally {
      supervisor.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
