// `STROWGER_WORKERS=2 npm start`'s platform: two workers, each a process of its own from the
// worker's own entry, both in one mesh over the embedded store. A box on each; each calls
// the other across the mesh. A worker that dies is started again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startPlatform, type Platform } from '../../services/local/platform.ts';
import { jsonLogger } from '../../shared/logger.ts';
import { watch } from '../helpers/call-watch.ts';
import { freeUdpRun } from '../helpers/free-ports.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('the local platform with two workers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strowger-many-'));
  let platform: Platform | undefined;
  const boxes: PbxEndpoint[] = [];
  const logs: string[] = [];
  after(async () => {
    for (const box of boxes) await box.close();
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a box on each worker; each calls the other through the mesh; a dead worker is started again and the log says so', async () => {
    const base = await freeUdpRun();
    platform = await startPlatform({
      dataDir,
      workers: 2,
      iax: { address: '127.0.0.1', port: base },
      api: { address: '127.0.0.1', port: 0 },
      // TCP: worker 1 on base, worker 2 on base + 1 (free, most likely, where the UDP ports were).
      status: { address: '127.0.0.1', port: base },
      logger: jsonLogger({ service: 'test', level: 'info', write: (line) => logs.push(line) }),
    });
    assert.equal(statSync(join(dataDir, 'mesh-secret')).mode & 0o777, 0o600, 'the mesh secret is kept like the operator key');
    const ports = platform.workers.map((w) => w.iax.port);
    assert.deepEqual(ports, [base, base + 2]);
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${platform!.control.url}${path}`, { method, headers: { authorization: `Bearer ${platform!.operatorKey}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    assert.equal((await api('POST', '/v1/tenants', { tenantId: 'acme', name: 'Acme', limits: { callsPerSecond: 50 } })).status, 201);
    const conf = '[one]\ntype=friend\nhost=dynamic\nsecret=s1\ncontext=in\n\n[two]\ntype=friend\nhost=dynamic\nsecret=s2\ncontext=in\n';
    const routes = '[in]\nexten => _1X,1,Dial(IAX2/one/${EXTEN})\nexten => _2X,1,Dial(IAX2/two/${EXTEN})\n';
    assert.equal((await api('POST', '/v1/tenants/acme/import', { files: [{ name: 'iax.conf', text: conf }, { name: 'extensions.conf', text: routes }] })).status, 200);
    // Worker 2 is a process that takes a moment to start: its box retries until it answers.
    const one = await startPbx('one', 's1', { address: '127.0.0.1', port: ports[0]! });
    const two = await startPbx('two', 's2', { address: '127.0.0.1', port: ports[1]! }, () => 'answer', 60);
    boxes.push(one, two);
    await one.registered();
    await waitFor('two registered through worker 2', async () => ((await platform!.control.stores.registrations.get('two')) === undefined ? (two.registration.start(), undefined) : true), 20_000);
    const owners = await Promise.all(['one', 'two'].map(async (n) => (await platform!.control.stores.registrations.get(n))?.workerId));
    assert.notEqual(owners[0], owners[1], `each box has its own worker: ${owners.join(', ')}`);

    for (const [from, to, dialled] of [[one, two, '21'], [two, one, '11']] as const) {
      const seen = watch(from.dial(dialled));
      const delivered = await waitFor(`${to.name} rings`, () => to.incoming.find((c) => c.info.calledNumber === dialled));
      await waitFor('answer', () => (seen.answered ? true : undefined));
      // What Ctrl-C's "draining: N calls" counts: each worker carries half of this call, and it is one.
      assert.equal(await platform.activeCalls(), 1);
      delivered.call.hangup(16);
      await waitFor('the hang-up', () => (seen.ended ? true : undefined));
    }

    const worker2 = await platform.control.stores.workers.live();
    assert.equal(worker2.length, 2);
    const status = platform.workers[1]!.status;
    const pid = (await (await fetch(`http://${status.address}:${status.port}/admin`)).json()) as { pid?: number };
    assert.ok(typeof pid.pid === 'number', JSON.stringify(pid));
    process.kill(pid.pid, 'SIGKILL');
    await waitFor('the log to say so', () => logs.find((l) => l.includes('a worker died; starting it again')), 5000);
    await waitFor('worker 2 answers again', async () => (await fetch(`http://${status.address}:${status.port}/healthz`).then((r) => r.ok, () => false)) || undefined, 20_000);
  });
});
