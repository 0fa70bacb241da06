// The worker process as ECS stops it (services/worker/main.ts, SIGTERM) with a call still up at
// its drain deadline (STROWGER_DRAIN_SECONDS): both boxes get a HANGUP (16) before the process
// exits 0, the log says so, and the CDR is closed. The store and its tenant come from the local
// platform run in this process; the worker under test is a process of its own, as on ECS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startPlatform, type Platform } from '../../services/local/platform.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';
import { fooCallsBar, provisionFooAndBar } from '../helpers/foo-calls-bar.ts';
import { freeTcpPort, freeUdpPort } from '../helpers/free-ports.ts';
import type { PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { startWorkerProcess } from '../helpers/worker-process.ts';

describe('the worker process at its drain deadline', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strowger-drain-'));
  let platform: Platform | undefined;
  const pbxes: PbxEndpoint[] = [];
  let kill: (() => void) | undefined;
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    kill?.();
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('hangs up the call still up (both legs, cause 16) before it exits 0, and closes the CDR', async (t) => {
    platform = await startPlatform({ dataDir, iax: { address: '127.0.0.1', port: 0 }, api: { address: '127.0.0.1', port: 0 }, status: { address: '127.0.0.1', port: 0 } });
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${platform!.control.url}${path}`, { method, headers: { authorization: `Bearer ${platform!.operatorKey}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    await provisionFooAndBar(api);

    const iaxPort = await freeUdpPort();
    const { child, stdout, exited } = await startWorkerProcess(['--import', 'tsx', 'services/worker/main.ts'], {
      env: {
        ...process.env as Record<string, string>,
        ...tableNameEnv(prefixedTableNames('strowger')),
        STROWGER_DYNAMODB_ENDPOINT: platform.dynamo.endpoint,
        AWS_REGION: 'local',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        STROWGER_WORKER_ID: 'w-drain',
        STROWGER_IAX_BIND: `127.0.0.1:${iaxPort}`,
        STROWGER_HEALTH_BIND: `127.0.0.1:${await freeTcpPort()}`,
        STROWGER_PRIVATE_ADDRESS: '127.0.0.1',
        STROWGER_METRICS: 'off',
        STROWGER_DRAIN_SECONDS: '2',
      },
    });
    kill = () => child.kill('SIGKILL');
    const exitedAt = exited.then((code) => ({ code, at: performance.now() }));
    const { endings } = await fooCallsBar({ address: '127.0.0.1', port: iaxPort }, pbxes);

    const termAt = performance.now();
    const termWall = Date.now();
    child.kill('SIGTERM');
    const exit = await exitedAt;
    assert.equal(exit.code, 0, stdout());
    for (const name of ['foo', 'bar']) {
      const ending = endings.get(name);
      assert.ok(ending !== undefined, `${name} received a HANGUP`);
      assert.equal(ending.cause, 16);
      assert.ok(ending.at < exit.at, `${name}'s HANGUP came before the exit`);
      assert.ok(ending.at - termAt >= 1800, `at the 2 s deadline (${Math.round(ending.at - termAt)} ms)`);
    }
    t.diagnostic(`SIGTERM to HANGUP ${Math.round(endings.get('foo')!.at - termAt)} ms, to exit ${Math.round(exit.at - termAt)} ms`);
    assert.match(stdout(), /"message":"hanging up".*"calls":1,"legs":2,"why":"deadline"/);
    assert.match(stdout(), /"message":"stopped".*"legs":2,"acknowledged":2/);
    const { items } = await platform.control.stores.cdrs.list('acme', termWall - 600_000, Date.now() + 60_000);
    assert.equal(items.length, 1);
    assert.deepEqual([items[0]!.disposition, items[0]!.hangupCause, items[0]!.workerId], ['ANSWERED', 16, 'w-drain']);
    assert.ok(items[0]!.end !== undefined && items[0]!.end >= termWall + 1800);
  });
});
