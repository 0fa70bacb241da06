// `npm start`'s platform, stopped and started again on the same data folder: peers, routes,
// registrations and CDRs survive, and the PBXes re-register within one refresh.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startPlatform, type Platform } from '../../services/local/platform.ts';
import { freeUdpPort } from '../helpers/free-ports.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';

describe('the local platform across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strowger-data-'));
  let platform: Platform | undefined;
  const pbxes: PbxEndpoint[] = [];
  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps its data and its operator key; PBXes re-register within one refresh', async () => {
    const iaxPort = await freeUdpPort();
    const options = { dataDir, iax: { address: '127.0.0.1', port: iaxPort }, api: { address: '127.0.0.1', port: 0 }, status: { address: '127.0.0.1', port: 0 }, minExpireS: 2 };
    platform = await startPlatform(options);
    assert.equal(platform.operatorKeyCreated, true);
    assert.equal(statSync(join(dataDir, 'operator-key')).mode & 0o777, 0o600);
    const firstKey = platform.operatorKey;
    const api = (p: Platform, method: string, path: string, body?: unknown) =>
      fetch(`${p.control.url}${path}`, { method, headers: { authorization: `Bearer ${p.operatorKey}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    assert.equal((await api(platform, 'POST', '/v1/tenants', { tenantId: 'acme', name: 'Acme', limits: { callsPerSecond: 50 } })).status, 201);
    const conf = '[foo]\ntype=friend\nhost=dynamic\nsecret=s1\nauth=md5\ncontext=in\n\n[bar]\ntype=friend\nhost=dynamic\nsecret=s2\nauth=md5\ncontext=in\n';
    const routes = '[in]\nexten => _2X,1,Dial(IAX2/bar/${EXTEN})\n';
    assert.equal((await api(platform, 'POST', '/v1/tenants/acme/import', { files: [{ name: 'iax.conf', text: conf }, { name: 'extensions.conf', text: routes }] })).status, 200);
    const platformAddress = { address: '127.0.0.1', port: iaxPort };
    const foo = await startPbx('foo', 's1', platformAddress, () => 'answer', 3);
    const bar = await startPbx('bar', 's2', platformAddress, () => 'answer', 3);
    pbxes.push(foo, bar);
    await Promise.all([foo.registered(), bar.registered()]);
    const call = foo.dial('21');
    await waitFor('bar rings', () => Promise.resolve(bar.incoming[0]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    call.hangup(16);
    const stores = () => platform!.control.stores;
    await waitFor('the CDR', async () => (await stores().cdrs.list('acme', Date.now() - 60_000, Date.now() + 1000)).items.find((c) => c.end !== undefined));

    await platform.close();
    const restartedAt = Date.now();
    platform = await startPlatform(options);
    assert.deepEqual([platform.operatorKeyCreated, platform.operatorKey], [false, firstKey]);
    assert.deepEqual((await stores().peers.listByTenant('acme')).items.map((p) => p.name).sort(), ['bar', 'foo']);
    assert.equal((await stores().routes.listContext('acme', 'in')).length, 1);
    assert.equal((await stores().cdrs.list('acme', Date.now() - 60_000, Date.now() + 1000)).items.length, 1);
    // Within one refresh (2.5 s for a 3 s grant) both PBXes have registered with the new process.
    for (const name of ['foo', 'bar']) {
      await waitFor(`${name} re-registers`, async () => {
        const registration = await stores().registrations.get(name);
        return registration !== undefined && registration.registeredAt >= restartedAt ? true : undefined;
      }, 4000);
    }
    const again = foo.dial('22');
    await waitFor('bar rings after the restart', () => Promise.resolve(bar.incoming.find((c) => c.info.calledNumber === '22')));
    again.hangup(16);
  });
});
