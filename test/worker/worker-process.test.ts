// services/worker/main.ts as ECS runs it: configured from the environment, healthy on its
// status port, heartbeating into the workers table, draining and exiting 0 on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { parseBind } from '../../services/worker/bind-address.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores } from '../../shared/store/stores.ts';
import { engineEnv, startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { freeTcpPort, startWorkerProcess } from '../helpers/worker-process.ts';

describe('worker settings', () => {
  it('reads host:port binds, and names the setting when one is wrong', () => {
    assert.deepEqual(parseBind('X', undefined, '0.0.0.0:4569'), { address: '0.0.0.0', port: 4569 });
    assert.deepEqual(parseBind('X', '[::]:4570', ''), { address: '::', port: 4570 });
    assert.deepEqual(parseBind('X', ':8081', ''), { address: '0.0.0.0', port: 8081 });
    assert.throws(() => parseBind('STROWGER_IAX_BIND', 'example.com:4569', ''), /STROWGER_IAX_BIND="example.com:4569" is not an IP:port/);
    assert.throws(() => parseBind('STROWGER_IAX_BIND', '127.0.0.1:99999', ''), /not an IP:port/);
  });
});

describe('the worker process', () => {
  let engine: DynamoEngine;
  let env: Record<string, string> = {};
  const names = prefixedTableNames(`wp${Math.floor(Math.random() * 1e9)}`);

  before(async () => {
    engine = await startDynalite();
    await createTables(engine.client, names);
    env = {
      ...engineEnv(engine, names),
      STROWGER_IAX_BIND: '127.0.0.1:0',
      STROWGER_WORKER_ID: 'w-proc',
      STROWGER_PRIVATE_ADDRESS: '127.0.0.1',
    };
  });
  after(async () => {
    await engine?.stop();
  });

  it('serves /healthz, heartbeats, and exits 0 on SIGTERM', async () => {
    const statusPort = await freeTcpPort();
    const { child, stdout, exited } = await startWorkerProcess(['--import', 'tsx', 'services/worker/main.ts'], { env: { ...env, STROWGER_HEALTH_BIND: `127.0.0.1:${statusPort}` } });
    try {
      const health = await fetch(`http://127.0.0.1:${statusPort}/healthz`);
      assert.deepEqual([health.status, ((await health.json()) as { workerId: string }).workerId], [200, 'w-proc']);
      const stores = openStores(engine.client, names);
      const row = await stores.workers.get('w-proc');
      assert.deepEqual([row?.privateAddress, row?.httpPort], ['127.0.0.1', statusPort]);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(stdout(), /"message":"draining"/);
      assert.match(stdout(), /"message":"stopped"/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a missing setting stops it at once, naming the setting', async () => {
    const { STROWGER_TABLE_PEERS: _omitted, ...partial } = env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/worker/main.ts'], { env: partial });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 1);
    assert.match(stderr, /missing table names: STROWGER_TABLE_PEERS/);
  });
});
