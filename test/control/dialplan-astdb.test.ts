// Routes and astdb through the API over real HTTP, on dynalite and DynamoDB Local.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableEngines, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

const dialTo = (peer: string, extension = '${EXTEN}') => ({ dial: `IAX2/${peer}/${extension}`, target: { peer, extension } });

for (const start of await availableEngines()) {
  describe(`routes and astdb on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let h: ControlHarness;
    let key = '';

    before(async () => {
      engine = await start();
      h = await startControl(engine);
      key = await h.addTenant('acme');
      // Routes must dial peers the tenant has (route-peers.test.ts covers the refusal).
      for (const name of ['pbx1', 'pbx2', 'upstream', 'backup', 'x']) {
        assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name, type: 'user' } })).status, 201);
      }
    });
    after(async () => {
      await h?.close();
      await engine?.stop();
    });

    it('routes: create, 409 for the same pattern, list by context and across contexts with paging', async () => {
      for (const [context, pattern] of [['fromiax', '_1XX'], ['fromiax', '_2XX'], ['outbound', '_9.'], ['outbound', '911']]) {
        const created = await h.call('POST', '/v1/tenants/acme/routes', { key, body: { context, pattern, destinations: [dialTo('pbx1')] } });
        assert.deepEqual([created.status, created.body.version, created.body.tenant, created.headers.get('etag')], [201, 1, 'acme', '"1"']);
      }
      const again = await h.call('POST', '/v1/tenants/acme/routes', { key, body: { context: 'fromiax', pattern: '_1XX', destinations: [dialTo('pbx2')] } });
      assert.equal(again.status, 409);
      const fromiax = await h.call('GET', '/v1/tenants/acme/routes?context=fromiax', { key });
      assert.deepEqual(fromiax.body.items.map((r: { pattern: string }) => r.pattern).sort(), ['_1XX', '_2XX']);
      const first = await h.call('GET', '/v1/tenants/acme/routes?limit=3', { key });
      assert.equal(first.body.items.length, 3);
      const rest = await h.call('GET', `/v1/tenants/acme/routes?limit=3&cursor=${first.body.cursor}`, { key });
      const all = [...first.body.items, ...rest.body.items].map((r: { context: string; pattern: string }) => `${r.pattern}@${r.context}`).sort();
      assert.deepEqual(all, ['911@outbound', '_1XX@fromiax', '_2XX@fromiax', '_9.@outbound']);
    });

    it('routes: a secret in a dial string is stored for calls but never shown', async () => {
      const dial = 'IAX2/acme:hush-hush@upstream/${EXTEN}';
      const created = await h.call('POST', '/v1/tenants/acme/routes', { key, body: { context: 'secret', pattern: '_X.', destinations: [{ dial, target: { user: 'acme', secret: 'hush-hush', peer: 'upstream', extension: '${EXTEN}' } }] } });
      assert.equal(created.body.destinations[0].dial, 'IAX2/acme:********@upstream/${EXTEN}');
      assert.equal(created.body.destinations[0].target.secret, undefined);
      assert.equal((await h.control.stores.routes.get('acme', 'secret', '_X.'))?.destinations[0]?.target.secret, 'hush-hush');
      await h.call('GET', '/v1/tenants/acme/routes?context=secret', { key });
      assert.ok(h.bodies.every((body) => !body.includes('hush-hush')));
      assert.equal((await h.call('DELETE', `/v1/tenants/acme/routes/secret/${encodeURIComponent('_X.')}`, { key })).status, 204);
    });

    it('routes: bad patterns and dial targets are refused naming the field', async () => {
      const bad = await h.call('POST', '/v1/tenants/acme/routes', { key, body: { context: 'fromiax', pattern: '_X(', destinations: [dialTo('pbx1')] } });
      assert.deepEqual([bad.status, bad.body.error.field], [400, 'pattern']);
      const none = await h.call('POST', '/v1/tenants/acme/routes', { key, body: { context: 'fromiax', pattern: '300', destinations: [] } });
      assert.deepEqual([none.status, none.body.error.field], [400, 'destinations']);
      const badLimit = await h.call('GET', '/v1/tenants/acme/routes?limit=0', { key });
      assert.deepEqual([badLimit.status, badLimit.body.error.field], [400, 'limit']);
      const badCursor = await h.call('GET', '/v1/tenants/acme/routes?cursor=eyJub3BlIjp0cnVlfQ', { key });
      assert.deepEqual([badCursor.status, badCursor.body.error.field], [400, 'cursor']);
    });

    it('routes: a pattern with "." travels percent-encoded; replace needs If-Match; delete, then 404', async () => {
      const path = `/v1/tenants/acme/routes/outbound/${encodeURIComponent('_9.')}`;
      assert.equal((await h.call('GET', path, { key })).body.pattern, '_9.');
      assert.equal((await h.call('PUT', path, { key, body: { destinations: [dialTo('upstream')] } })).status, 428);
      const replaced = await h.call('PUT', path, { key, body: { destinations: [dialTo('upstream'), dialTo('backup')] }, headers: { 'if-match': '"1"' } });
      assert.deepEqual([replaced.status, replaced.body.version, replaced.body.destinations.length], [200, 2, 2]);
      assert.equal((await h.call('PUT', path, { key, body: { destinations: [dialTo('x')] }, headers: { 'if-match': '"1"' } })).status, 409);
      assert.equal((await h.call('DELETE', path, { key })).status, 204);
      assert.equal((await h.call('GET', path, { key })).status, 404);
      assert.equal((await h.call('DELETE', path, { key })).status, 404);
    });

    it('astdb: values are write-only; reads say whether a key is set; family listing gives keys', async () => {
      assert.equal((await h.call('PUT', '/v1/tenants/acme/astdb/iax/pbx1', { key, body: { value: 'sekrit-value' } })).status, 204);
      assert.equal((await h.call('PUT', '/v1/tenants/acme/astdb/iax/pbx2', { key, body: { value: 'other' } })).status, 204);
      const read = await h.call('GET', '/v1/tenants/acme/astdb/iax/pbx1', { key });
      assert.deepEqual(read.body, { family: 'iax', key: 'pbx1', set: true });
      assert.deepEqual((await h.call('GET', '/v1/tenants/acme/astdb/iax', { key })).body, { family: 'iax', keys: ['pbx1', 'pbx2'] });
      assert.equal(await h.control.stores.astdb.get('acme', 'iax', 'pbx1'), 'sekrit-value', 'the value is stored for dbsecret');
      const missing = await h.call('PUT', '/v1/tenants/acme/astdb/iax/pbx3', { key, body: {} });
      assert.deepEqual([missing.status, missing.body.error.field], [400, 'value']);
      assert.equal((await h.call('DELETE', '/v1/tenants/acme/astdb/iax/pbx1', { key })).status, 204);
      assert.equal((await h.call('GET', '/v1/tenants/acme/astdb/iax/pbx1', { key })).status, 404);
      assert.ok(h.bodies.every((body) => !body.includes('sekrit-value')));
    });

    it('a body that is not JSON is refused, and a body where none belongs', async () => {
      const text = await h.call('POST', '/v1/tenants/acme/routes', { key, body: 'exten => 1,1,Dial(IAX2/x)', headers: { 'content-type': 'text/plain' } });
      assert.equal(text.status, 415);
      const extra = await h.call('POST', '/v1/tenants/acme/keys', { key, body: { a: 1 } });
      assert.equal(extra.status, 400);
    });
  });
}
