// The control-plane API over real HTTP (local adapter, authorizer included) on dynalite and
// DynamoDB Local.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadPrivateKey, loadPublicKey, rsaSign, rsaVerify } from '../../services/iax2/crypto/index.ts';
import { availableEngines, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

const SECRET = 'n0t-for-your-eyes';

for (const start of await availableEngines()) {
  describe(`control API on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let h: ControlHarness;
    let acmeKey = '';
    let globexKey = '';

    before(async () => {
      engine = await start();
      h = await startControl(engine);
      for (const [tenantId, name] of [['acme', 'Acme'], ['globex', 'Globex']]) {
        const created = await h.call('POST', '/v1/tenants', { key: h.operatorKey, body: { tenantId, name } });
        assert.equal(created.status, 201);
      }
      acmeKey = (await h.call('POST', '/v1/tenants/acme/keys', { key: h.operatorKey })).body.key;
      globexKey = (await h.call('POST', '/v1/tenants/globex/keys', { key: h.operatorKey })).body.key;
    });

    after(async () => {
      await h?.close();
      await engine?.stop();
    });

    it('no key, a malformed key or a revoked key: the same 401', async () => {
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers')).status, 401);
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers', { key: 'stg_acme_nope' })).status, 401);
      const spare = (await h.call('POST', '/v1/tenants/acme/keys', { key: acmeKey })).body;
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers', { key: spare.key })).status, 200);
      assert.equal((await h.call('DELETE', `/v1/tenants/acme/keys/${spare.id}`, { key: acmeKey })).status, 204);
      const revoked = await h.call('GET', '/v1/tenants/acme/peers', { key: spare.key });
      assert.deepEqual([revoked.status, revoked.body.error.code], [401, 'STROWGER_ERR_UNAUTHORIZED']);
    });

    it('keys are listed by prefix only; tenant keys may not manage tenants', async () => {
      const keys = await h.call('GET', '/v1/tenants/acme/keys', { key: acmeKey });
      assert.ok(keys.body.items.length >= 1 && keys.body.items.every((k: Record<string, unknown>) => k.key === undefined && k.hash === undefined && typeof k.prefix === 'string'));
      assert.equal((await h.call('POST', '/v1/tenants', { key: acmeKey, body: { tenantId: 'evil', name: 'x' } })).status, 403);
      assert.equal((await h.call('GET', '/v1/tenants', { key: acmeKey })).status, 403);
    });

    it('peers: create (201, ETag), get and list without secrets, 409 for a taken name, 404 for a missing one', async () => {
      const created = await h.call('POST', '/v1/tenants/acme/peers', { key: acmeKey, body: { name: 'acme-pbx1', type: 'friend', host: 'dynamic', secrets: [SECRET], contexts: ['fromiax'] } });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('etag'), '"1"');
      assert.deepEqual([created.body.secretCount, created.body.secrets], [1, undefined]);
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey })).body.tenant, 'acme');
      assert.deepEqual((await h.call('GET', '/v1/tenants/acme/peers', { key: acmeKey })).body.items.map((p: { name: string }) => p.name), ['acme-pbx1']);
      const taken = await h.call('POST', '/v1/tenants/globex/peers', { key: globexKey, body: { name: 'acme-pbx1', type: 'user' } });
      assert.deepEqual([taken.status, taken.body.error.code], [409, 'STROWGER_ERR_CONFLICT']);
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers/nosuch', { key: acmeKey })).status, 404);
    });

    it('validation errors name the field and the rule', async () => {
      const bad = await h.call('POST', '/v1/tenants/acme/peers', { key: acmeKey, body: { name: 'p2', type: 'friend', host: 'dynamic', port: 99999 } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, 'port');
      assert.match(bad.body.error.message, /port: Too big/);
      assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key: acmeKey, body: '{nope' })).status, 400);
    });

    it('replace and patch need If-Match; a stale version is a 409; secrets are kept when not sent', async () => {
      const noMatch = await h.call('PATCH', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey, body: { qualify: 2000 } });
      assert.equal(noMatch.status, 428);
      const patched = await h.call('PATCH', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey, body: { qualify: 2000 }, headers: { 'if-match': '"1"' } });
      assert.deepEqual([patched.status, patched.body.qualify, patched.body.version, patched.body.secretCount], [200, 2000, 2, 1]);
      const stale = await h.call('PUT', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey, body: { type: 'friend', host: 'dynamic' }, headers: { 'if-match': '1' } });
      assert.equal(stale.status, 409);
      const replaced = await h.call('PUT', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey, body: { type: 'friend', host: 'dynamic', contexts: ['other'] }, headers: { 'if-match': '2' } });
      assert.deepEqual([replaced.status, replaced.body.contexts, replaced.body.secretCount], [200, ['other'], 1]);
    });

    it('status shows the registration and qualify state', async () => {
      const none = await h.call('GET', '/v1/tenants/acme/peers/acme-pbx1/status', { key: acmeKey });
      assert.deepEqual(none.body, { name: 'acme-pbx1', registered: false, qualify: { status: 'UNKNOWN' } });
      const now = Date.now();
      await h.control.stores.registrations.put({ name: 'acme-pbx1', address: '192.0.2.5', port: 4569, workerId: 'w7', registeredAt: now, expiresAt: now + 70_000, refreshS: 60, qualify: { status: 'OK', latencyMs: 9 } });
      const live = await h.call('GET', '/v1/tenants/acme/peers/acme-pbx1/status', { key: acmeKey });
      assert.deepEqual([live.body.registered, live.body.address, live.body.workerId, live.body.qualify], [true, '192.0.2.5', 'w7', { status: 'OK', latencyMs: 9 }]);
      const listed = await h.call('GET', '/v1/tenants/acme/peers?status=true', { key: acmeKey });
      assert.deepEqual([listed.body.items[0].status.registered, listed.body.items[0].status.qualify.latencyMs], [true, 9]);
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers', { key: acmeKey })).body.items[0].status, undefined);
    });

    it('keygen: a 1024-bit pair in Asterisk\'s format; the engine\'s RSA check accepts what the returned key signs', async () => {
      for (const passphrase of [undefined, 'open sesame']) {
        const made = await h.call('POST', '/v1/tenants/acme/peers/acme-pbx1/keys', { key: acmeKey, body: passphrase === undefined ? {} : { passphrase, name: 'enc' } });
        assert.equal(made.status, 201);
        if (passphrase !== undefined) assert.match(made.body.privateKey, /DEK-Info: DES-EDE3-CBC/);
        const stored = (await h.call('GET', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey })).body;
        assert.ok(stored.inkeys.includes(made.body.keyName));
        const publicKey = loadPublicKey(stored.publicKeys[made.body.keyName]);
        const signature = rsaSign('123456789', loadPrivateKey(made.body.privateKey, passphrase));
        assert.equal(rsaVerify('123456789', signature, [publicKey]), 0);
        assert.equal(stored.privateKey, undefined, 'the private key is stored nowhere');
      }
    });

    it('a tenant key cannot read, list, change or delete another tenant\'s anything', async () => {
      const route = { context: 'fromiax', pattern: '100', destinations: [{ dial: 'IAX2/acme-pbx1/100', target: { peer: 'acme-pbx1', extension: '100' } }] };
      assert.equal((await h.call('POST', '/v1/tenants/acme/routes', { key: acmeKey, body: route })).status, 201);
      assert.equal((await h.call('PUT', '/v1/tenants/acme/astdb/secrets/acme-pbx1', { key: acmeKey, body: { value: 'the-real-one' } })).status, 204);
      const cdrStart = Date.now() - 60_000;
      await h.control.stores.cdrs.write({ tenant: 'acme', callId: 'acme-call', dst: '100', dcontext: 'fromiax', channel: 'IAX2/acme-pbx1-1', start: cdrStart, workerId: 'w1' });
      const attempts: Array<[string, string, unknown?]> = [
        ['GET', '/v1/tenants/acme'],
        ['GET', '/v1/tenants/acme/peers'],
        ['GET', '/v1/tenants/acme/peers/acme-pbx1'],
        ['GET', '/v1/tenants/acme/peers/acme-pbx1/status'],
        ['POST', '/v1/tenants/acme/peers', { name: 'planted', type: 'user' }],
        ['PATCH', '/v1/tenants/acme/peers/acme-pbx1', { qualify: false }],
        ['PUT', '/v1/tenants/acme/peers/acme-pbx1', { type: 'user' }],
        ['DELETE', '/v1/tenants/acme/peers/acme-pbx1'],
        ['POST', '/v1/tenants/acme/peers/acme-pbx1/keys', {}],
        ['GET', '/v1/tenants/acme/keys'],
        ['POST', '/v1/tenants/acme/keys'],
        ['DELETE', '/v1/tenants/acme/keys/whatever'],
        ['GET', '/v1/tenants/acme/routes'],
        ['GET', '/v1/tenants/acme/routes?context=fromiax'],
        ['POST', '/v1/tenants/acme/routes', { context: 'fromiax', pattern: '_X.', destinations: [{ dial: 'IAX2/acme-pbx1/${EXTEN}', target: { peer: 'acme-pbx1' } }] }],
        ['GET', '/v1/tenants/acme/routes/fromiax/100'],
        ['PUT', '/v1/tenants/acme/routes/fromiax/100', { destinations: [{ dial: 'IAX2/x', target: { peer: 'x' } }] }],
        ['DELETE', '/v1/tenants/acme/routes/fromiax/100'],
        ['PUT', '/v1/tenants/acme/astdb/secrets/acme-pbx1', { value: 'planted' }],
        ['GET', '/v1/tenants/acme/astdb/secrets/acme-pbx1'],
        ['GET', '/v1/tenants/acme/astdb/secrets'],
        ['DELETE', '/v1/tenants/acme/astdb/secrets/acme-pbx1'],
        ['GET', '/v1/tenants/acme/cdrs'],
        ['GET', '/v1/tenants/acme/calls'],
        ['POST', '/v1/tenants/acme/import', { files: [{ name: 'iax.conf', text: '[planted]\ntype=user\n' }] }],
      ];
      for (const [method, path, body] of attempts) {
        const r = await h.call(method, path, { key: globexKey, body, headers: { 'if-match': '"99"' } });
        assert.equal(r.status, 404, `${method} ${path} gave ${r.status}`);
      }
      // Globex using its own path with acme's peer name sees nothing either.
      assert.equal((await h.call('GET', '/v1/tenants/globex/peers/acme-pbx1', { key: globexKey })).status, 404);
      const untouched = (await h.call('GET', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey })).body;
      assert.equal(untouched.version, 5);
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers/planted', { key: acmeKey })).status, 404);
      assert.equal((await h.control.stores.routes.get('acme', 'fromiax', '100'))?.version, 1);
      assert.equal(await h.control.stores.astdb.get('acme', 'secrets', 'acme-pbx1'), 'the-real-one');
      assert.deepEqual((await h.call('GET', '/v1/tenants/acme/cdrs', { key: acmeKey })).body.items.map((c: { callId: string }) => c.callId), ['acme-call']);
      assert.deepEqual((await h.call('GET', '/v1/tenants/globex/cdrs', { key: globexKey })).body.items, []);
      // The operator may read any tenant's things.
      assert.equal((await h.call('GET', '/v1/tenants/acme/routes/fromiax/100', { key: h.operatorKey })).status, 200);
    });

    it('delete, then gone; unknown routes and methods give 404 and 405', async () => {
      assert.equal((await h.call('DELETE', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey, headers: { 'if-match': '4' } })).status, 409);
      assert.equal((await h.call('DELETE', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey })).status, 204);
      assert.equal((await h.call('GET', '/v1/tenants/acme/peers/acme-pbx1', { key: acmeKey })).status, 404);
      assert.equal((await h.call('GET', '/v1/nowhere', { key: acmeKey })).status, 404);
      assert.equal((await h.call('PATCH', '/v1/tenants', { key: h.operatorKey })).status, 405);
    });

    it('no secret ever appears in any response or log line', () => {
      assert.ok(h.bodies.length > 30);
      const logged = h.logLines.filter((line) => line.includes('"message":"request"')).length;
      assert.ok(logged >= h.bodies.length, `every request is logged (${logged} of ${h.bodies.length})`);
      for (const text of [...h.bodies, ...h.logLines]) {
        for (const secret of [SECRET, 'the-real-one']) assert.ok(!text.includes(secret), `a secret leaked: ${text.slice(0, 200)}`);
      }
      // API keys appear once, in the response that created them, and never in a log line.
      for (const line of h.logLines) for (const key of [acmeKey, globexKey, h.operatorKey]) assert.ok(!line.includes(key), `a key was logged: ${line}`);
      assert.equal(h.bodies.filter((body) => body.includes(acmeKey)).length, 1);
    });
  });
}
