// Config import through the API: the seed recipe's iax.conf, dialplans, all or nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runImport } from '../../services/control/import/conf-import.ts';
import { silentLogger } from '../../shared/logger.ts';
import { parseAllowedNetworks } from '../../shared/model/peer-address-policy.ts';
import { availableEngines, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { capturesDir } from '../helpers/fixture-paths.ts';
import { peeringRecipeConfs } from '../helpers/seed-confs.ts';

const [fooIax = '', barIax = ''] = peeringRecipeConfs();
const DIALPLAN = `[fromiax]
exten => _X.,1,Dial(IAX2/bar/\${EXTEN},30)
 same => n,Hangup()
exten => 23,1,Dial(IAX2/bar/23)
`;
const captureDialplan = readFileSync(`${capturesDir}box1-extensions.conf`, 'utf8');
// The seed recipe peers two boxes on a LAN (host=192.168.2.3): an operator who runs the
// platform inside that network allows it (hostile-input.test.ts covers the refusals).
const SEED_LAN = parseAllowedNetworks('test', '192.168.0.0/16');

for (const start of await availableEngines()) {
  describe(`config import on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let h: ControlHarness;
    let key = '';
    const peerNames = async (tenant: string) => (await h.control.stores.peers.listByTenant(tenant)).items.map((p) => p.name).sort();

    before(async () => {
      engine = await start();
      h = await startControl(engine, { settings: { allowedPeerNetworks: SEED_LAN } });
      key = await h.addTenant('foo', { maxPeers: 3 });
      await h.addTenant('other');
    });
    after(async () => {
      await h?.close();
      await engine?.stop();
    });

    it('the seed recipe: foo\'s iax.conf and a dialplan become a peer and routes; host-level lines are warnings with their line', async () => {
      const dry = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'iax.conf', text: fooIax }, { name: 'extensions.conf', text: DIALPLAN }], dryRun: true } });
      assert.deepEqual([dry.status, dry.body.dryRun, dry.body.peers.created], [200, true, ['bar']]);
      assert.deepEqual(await peerNames('foo'), [], 'a dry run writes nothing');

      const done = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'iax.conf', text: fooIax }, { name: 'extensions.conf', text: DIALPLAN }] } });
      assert.equal(done.status, 200);
      assert.deepEqual(done.body.peers, { created: ['bar'], updated: [] });
      assert.deepEqual(done.body.routes.created.sort(), ['23@fromiax', '_X.@fromiax']);
      assert.ok(done.body.warnings.some((w: { file: string; line: number; reason: string }) => w.file === 'iax.conf' && w.line === fooIax.split('\n').findIndex((l) => l.startsWith('bindport')) + 1 && /bindport/.test(w.reason)));
      const bar = (await h.call('GET', '/v1/tenants/foo/peers/bar', { key })).body;
      assert.deepEqual([bar.host, bar.username, bar.auth, bar.trunk, bar.qualify, bar.contexts, bar.secretCount], ['192.168.2.3', 'foo', ['plaintext'], true, 2000, ['fromiax'], 1]);
      assert.ok(!JSON.stringify(done.body).includes('password123'));
      const route = (await h.call('GET', `/v1/tenants/foo/routes/fromiax/${encodeURIComponent('_X.')}`, { key })).body;
      assert.deepEqual([route.destinations[0].target.peer, route.destinations[0].timeoutS], ['bar', 30]);
    });

    it('importing again updates in place', async () => {
      const again = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'iax.conf', text: fooIax.replace('qualify=yes', 'qualify=no') }] } });
      assert.deepEqual([again.status, again.body.peers], [200, { created: [], updated: ['bar'] }]);
      const bar = (await h.call('GET', '/v1/tenants/foo/peers/bar', { key })).body;
      assert.deepEqual([bar.qualify, bar.version], [false, 2]);
    });

    it('a refused line anywhere refuses everything: every problem with file:line, nothing written', async () => {
      const refused = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'lab-iax.conf', text: barIax }, { name: 'box1-extensions.conf', text: captureDialplan }] } });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'STROWGER_ERR_CONF_IMPORT');
      const gosubLine = captureDialplan.split('\n').findIndex((line) => line.startsWith('exten => 100,1,Gosub')) + 1;
      assert.ok(refused.body.problems.some((p: { file: string; line: number }) => p.file === 'box1-extensions.conf' && p.line === gosubLine), JSON.stringify(refused.body.problems.slice(0, 3)));
      assert.match(refused.body.error.message, new RegExp(`box1-extensions.conf:${gosubLine}: Gosub`));
      assert.deepEqual(await peerNames('foo'), ['bar'], 'foo (from lab-iax.conf) was not created');
    });

    it('a name another tenant owns, or passing the peer limit, is a 409 and writes nothing', async () => {
      await h.control.stores.peers.create({ name: 'taken', tenant: 'other', type: 'user' });
      const taken = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'iax.conf', text: '[newone]\ntype=user\n\n[taken]\ntype=user\n' }] } });
      assert.deepEqual([taken.status, taken.body.error.code], [409, 'STROWGER_ERR_CONFLICT']);
      const many = '[a1]\ntype=user\n[a2]\ntype=user\n[a3]\ntype=user\n';
      const limited = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'iax.conf', text: many }] } });
      assert.deepEqual([limited.status, limited.body.error.code], [409, 'STROWGER_ERR_LIMIT']);
      assert.deepEqual(await peerNames('foo'), ['bar']);
    });

    it('a file whose kind cannot be told is named in the error', async () => {
      const unknown = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'notes.txt', text: '[x]\ntype=user\n' }] } });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.problems[0].file, 'notes.txt');
      const told = await h.call('POST', '/v1/tenants/foo/import', { key, body: { files: [{ name: 'notes.txt', kind: 'iax', text: '[x1]\ntype=user\n' }], dryRun: true } });
      assert.deepEqual(told.body.peers.created, ['x1']);
    });

    it('a write failing midway undoes the writes already made', async () => {
      const { stores } = h.control;
      const before = await stores.peers.get('bar');
      let routeWrites = 0;
      const failingRoutes = Object.create(stores.routes) as typeof stores.routes;
      failingRoutes.put = async (...args: Parameters<typeof stores.routes.put>) => {
        if (++routeWrites === 2) throw new Error('injected: the second route write fails');
        return stores.routes.put(...args);
      };
      const files = [
        { name: 'iax.conf', text: fooIax.replace('context=fromiax', 'context=changed') + '\n[fresh]\ntype=user\n' },
        { name: 'extensions.conf', text: '[newctx]\nexten => 1,1,Dial(IAX2/bar/1)\nexten => 2,1,Dial(IAX2/bar/2)\n' },
      ];
      await assert.rejects(runImport({ ...stores, routes: failingRoutes }, 'foo', files, { dryRun: false, logger: silentLogger, peerHosts: SEED_LAN }), /injected/);
      assert.equal(await stores.peers.get('fresh'), undefined, 'the created peer was removed');
      assert.deepEqual((await stores.peers.get('bar'))?.contexts, before?.contexts, 'the updated peer was restored');
      assert.deepEqual(await stores.routes.listContext('foo', 'newctx'), [], 'the first route was removed');
    });
  });
}
