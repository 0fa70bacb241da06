// The worker process as ECS stops it (services/worker/main.ts, SIGTERM) with a call still up at
// its drain deadline (STROWGER_DRAIN_SECONDS): both boxes get a HANGUP (16) before the process
// exits 0, the log says so, and the CDR is closed. The store and its tenant come from the local
// platform run in this process; the worker under test is a process of its own, as on ECS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Call } from '../../services/iax2/call/call.ts';
import { startPlatform, type Platform } from '../../services/local/platform.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';
import { watch } from '../helpers/call-watch.ts';
import { freeUdpPort } from '../helpers/npm-start.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { freeTcpPort, startWorkerProcess } from '../helpers/worker-process.ts';

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
    assert.equal((await api('POST', '/v1/tenants', { tenantId: 'acme', name: 'Acme' })).status, 201);
    const conf = '[foo]\ntype=friend\nhost=dynamic\nsecret=s1\ncontext=in\n\n[bar]\ntype=friend\nhost=dynamic\nsecret=s2\ncontext=in\n';
    const routes = '[in]\nexten => _2X,1,Dial(IAX2/bar/${EXTEN})\n';
    assert.equal((await api('POST', '/v1/tenants/acme/import', { files: [{ name: 'iax.conf', text: conf }, { name: 'extensions.conf', text: routes }] })).status, 200);

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
    const worker = { address: '127.0.0.1', port: iaxPort };
    const foo = await startPbx('foo', 's1', worker);
    const bar = await startPbx('bar', 's2', worker);
    pbxes.push(foo, bar);
    await Promise.all([foo.registered(), bar.registered()]);
    const fooCall = foo.dial('21');
    const seen = watch(fooCall);
    const barCall = (await waitFor('bar rings', () => bar.incoming[0])).call;
    await waitFor('the answer', () => (seen.answered ? true : undefined));
    const endings = new Map<string, { at: number; cause: number | undefined }>();
    const record = (name: string, call: Call): void => void call.events.on('hangup', ({ causeCode }) => endings.set(name, { at: performance.now(), cause: causeCode }));
    record('foo', fooCall);
    record('bar', barCall);

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
