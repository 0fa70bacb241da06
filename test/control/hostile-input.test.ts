// Hostile input over real HTTP (local adapter, authorizer included) on dynalite and DynamoDB
// Local: every out-of-range number, oversized array or string, malformed query, version or
// body is a 400 naming the field (or 409/413 as the API documents), never a 500; nothing is
// written; no secret sent in a refused request comes back or reaches a log line.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { controlSettingsFromEnv, DEFAULT_CONTROL_SETTINGS } from '../../services/control/control-settings.ts';
import { availableEngines, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

/** Sent inside refused requests: must never come back or be logged. */
const PLANTED = 'planted-secret-7f3a';
const LONG = 'a'.repeat(10_000);
const cursorOf = (key: unknown): string => Buffer.from(JSON.stringify(key)).toString('base64url');

for (const start of await availableEngines()) {
  describe(`hostile input on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let h: ControlHarness;
    let key = '';

    /** The request is refused with `status` and, for a 400, names `field`. */
    async function refused(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; key?: string }, status: number, field?: string): Promise<void> {
      const r = await h.call(method, path, { key: options.key ?? key, ...options });
      const label = `${method} ${path.slice(0, 120)}`;
      assert.equal(r.status, status, `${label}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      assert.equal(typeof r.body.error.code, 'string', label);
      assert.equal(typeof r.body.error.message, 'string', label);
      if (field !== undefined) assert.equal(r.body.error.field, field, `${label}: ${JSON.stringify(r.body.error).slice(0, 300)}`);
    }

    before(async () => {
      engine = await start();
      h = await startControl(engine);
      key = await h.addTenant('acme');
      assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'pbx1', type: 'friend', host: 'dynamic', secrets: ['kept-secret'] } })).status, 201);
      const route = { context: 'fromiax', pattern: '100', destinations: [{ dial: 'IAX2/pbx1/100', target: { peer: 'pbx1', extension: '100' } }] };
      assert.equal((await h.call('POST', '/v1/tenants/acme/routes', { key, body: route })).status, 201);
    });

    after(async () => {
      await h?.close();
      await engine?.stop();
    });

    it('CDR queries: out-of-range or malformed from, to, limit and cursor are 400s naming the parameter', async () => {
      for (const [query, field] of [
        ['to=99999999999999999999', 'to'],
        ['from=99999999999999999999', 'from'],
        ['to=9999999999999999', 'to'],
        ['to=253402300800000', 'to'],
        ['from=-5', 'from'],
        ['from=1e12', 'from'],
        ['from=0x10', 'from'],
        ['to=10000-01-01T00:00:00Z', 'to'],
        ['from=yesterday', 'from'],
        [`from=${'9'.repeat(5000)}`, 'from'],
        ['limit=99999999999999999999', 'limit'],
        ['limit=0', 'limit'],
        ['limit=-1', 'limit'],
        ['limit=1.5', 'limit'],
        ['limit=0x10', 'limit'],
        ['limit=1e3', 'limit'],
        ['limit=1001', 'limit'],
        ['cursor=not*base64', 'cursor'],
        [`cursor=${'A'.repeat(2000)}`, 'cursor'],
        [`cursor=${cursorOf({ tenant: 'acme', foo: 1 })}`, 'cursor'],
        [`cursor=${cursorOf({ tenant: 'acme', startCallId: 'zzz' })}`, 'cursor'],
        [`cursor=${cursorOf({ tenant: 'acme', startCallId: 1e308 })}`, 'cursor'],
        [`cursor=${cursorOf({ tenant: 'globex', startCallId: '2026-01-01T00:00:00.000Z#x' })}`, 'cursor'],
        [`cursor=${cursorOf([1, 2])}`, 'cursor'],
      ] as const) {
        await refused('GET', `/v1/tenants/acme/cdrs?${query}`, {}, 400, field);
      }
      // The edges still work.
      assert.equal((await h.call('GET', '/v1/tenants/acme/cdrs?from=0&to=253402300799999&limit=1000', { key })).status, 200);
      assert.equal((await h.call('GET', '/v1/tenants/acme/cdrs?from=2026-11-01T00:00:00Z&limit=1', { key })).status, 200);
    });

    it('other listings: forged cursors, oversized contexts and bad flags are 400s', async () => {
      for (const [path, field] of [
        [`/v1/tenants/acme/peers?cursor=${cursorOf({ tenant: 'acme', name: 'x'.repeat(1000) })}`, 'cursor'],
        [`/v1/tenants/acme/peers?cursor=${cursorOf({ tenant: 'acme', nope: 'x' })}`, 'cursor'],
        [`/v1/tenants/acme/routes?cursor=${cursorOf({ tenant: 'acme', tenantContext: 7 })}`, 'cursor'],
        [`/v1/tenants/acme/routes?context=${LONG}`, 'context'],
        ['/v1/tenants/acme/routes?context=a%20b', 'context'],
        ['/v1/tenants/acme/peers?status=maybe', 'status'],
      ] as const) {
        await refused('GET', path, {}, 400, field);
      }
    });

    it('path parameters: 10,000-character names and ids are 400s naming the parameter', async () => {
      for (const [method, path, field, body] of [
        ['GET', `/v1/tenants/acme/peers/${LONG}`, 'name'],
        ['DELETE', `/v1/tenants/acme/peers/${LONG}`, 'name'],
        ['GET', `/v1/tenants/acme/peers/${LONG}/status`, 'name'],
        ['GET', `/v1/tenants/acme/routes/${LONG}/100`, 'context'],
        ['GET', `/v1/tenants/acme/routes/fromiax/${LONG.replace(/a/g, '1')}`, 'pattern'],
        ['PUT', `/v1/tenants/acme/astdb/${LONG}/k`, 'family', { value: PLANTED }],
        ['GET', `/v1/tenants/acme/astdb/f/${LONG}`, 'key'],
        ['DELETE', `/v1/tenants/acme/keys/${LONG}`, 'id'],
        ['GET', `/v1/tenants/${LONG}`, 'tenant'],
      ] as const) {
        await refused(method, path, { key: h.operatorKey, ...(body === undefined ? {} : { body }) }, 400, field);
      }
    });

    it('API keys of any shape and length are a 401, never a table read that fails', async () => {
      for (const presented of [`stg_${'a'.repeat(5000)}_${'A'.repeat(43)}`, `stg_acme_${'A'.repeat(5000)}`, `stg_op_${'A'.repeat(42)}`, 'stg__x', `Bearer ${'x'.repeat(8000)}`]) {
        const r = await h.call('GET', '/v1/tenants/acme', { key: presented });
        assert.deepEqual([r.status, r.body.error.code], [401, 'STROWGER_ERR_UNAUTHORIZED']);
      }
    });

    it('If-Match: versions are bounded whole numbers; anything else is a 400 naming If-Match and writes nothing', async () => {
      for (const header of ['"99999999999999999999"', '"2147483648"', '"0"', '"-1"', '"1e3"', '"1.0"', 'W/"abc"', '"1", "2"', '*', '"1', `"${'9'.repeat(5000)}"`]) {
        await refused('PATCH', '/v1/tenants/acme/peers/pbx1', { body: { qualify: 2000 }, headers: { 'if-match': header } }, 400, 'If-Match');
        await refused('PUT', '/v1/tenants/acme/routes/fromiax/100', { body: { destinations: [{ dial: 'IAX2/pbx1', target: { peer: 'pbx1' } }] }, headers: { 'if-match': header } }, 400, 'If-Match');
        await refused('PATCH', '/v1/tenants/acme', { key: h.operatorKey, body: { name: 'x' }, headers: { 'if-match': header } }, 400, 'If-Match');
      }
      // The largest version is accepted as a version (and is simply stale).
      assert.equal((await h.call('PATCH', '/v1/tenants/acme/peers/pbx1', { key, body: { qualify: 2000 }, headers: { 'if-match': '"2147483647"' } })).status, 409);
      assert.equal((await h.control.stores.peers.get('pbx1'))?.version, 1);
    });

    it('tenant limits: every limit has a sane maximum; 1e308 calls per second is a 400 naming it', async () => {
      const version = (await h.control.stores.tenants.get('acme'))?.version ?? 0;
      for (const [limits, field] of [
        [{ callsPerSecond: 1e308 }, 'limits.callsPerSecond'],
        [{ callsPerSecond: 1e-300 }, 'limits.callsPerSecond'],
        [{ callsPerSecond: 0 }, 'limits.callsPerSecond'],
        [{ maxPeers: 1e20 }, 'limits.maxPeers'],
        [{ maxPeers: 100_001 }, 'limits.maxPeers'],
        [{ maxConcurrentCalls: -1 }, 'limits.maxConcurrentCalls'],
        [{ maxConcurrentCalls: 1.5 }, 'limits.maxConcurrentCalls'],
      ] as const) {
        await refused('PATCH', '/v1/tenants/acme', { key: h.operatorKey, body: { limits }, headers: { 'if-match': `"${version}"` } }, 400, field);
        await refused('POST', '/v1/tenants', { key: h.operatorKey, body: { tenantId: 'newco', name: 'x', limits } }, 400, field);
      }
      assert.equal((await h.control.stores.tenants.get('acme'))?.version, version, 'the tenant was not written');
      assert.equal(await h.control.stores.tenants.get('newco'), undefined);
    });

    it('tenant ids that would make a key ambiguous (op, underscores) are refused at creation, naming tenantId', async () => {
      for (const tenantId of ['op', 'a_b', 'op_x', 'Acme', 'x', 'a'.repeat(41), '-ab']) {
        await refused('POST', '/v1/tenants', { key: h.operatorKey, body: { tenantId, name: 'x' } }, 400, 'tenantId');
      }
      assert.deepEqual((await h.control.stores.tenants.list()).map((t) => t.tenantId), ['acme']);
      // "op-" and "ops" are not "op": fine.
      assert.equal((await h.call('POST', '/v1/tenants', { key: h.operatorKey, body: { tenantId: 'ops', name: 'Ops Ltd' } })).status, 201);
    });

    it('peers: every array and string is bounded; each oversized one is a 400 naming it and nothing is written', async () => {
      const peer = (extra: Record<string, unknown>) => ({ name: 'hostile', type: 'friend', host: 'dynamic', ...extra });
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ secrets: Array.from({ length: 17 }, (_, i) => `${PLANTED}-${i}`) }, 'secrets'],
        // About 0.9 MiB of secrets: under the body limit, far over the array's.
        [{ secrets: Array.from({ length: 22_000 }, () => `${PLANTED}-xxxxxxxxxxxxxxxx`) }, 'secrets'],
        [{ secrets: [`${PLANTED}${'s'.repeat(129)}`] }, 'secrets.0'],
        [{ secrets: [''] }, 'secrets.0'],
        [{ name: LONG }, 'name'],
        [{ name: 'a'.repeat(81) }, 'name'],
        [{ name: 'bad name' }, 'name'],
        [{ description: LONG }, 'description'],
        [{ username: LONG }, 'username'],
        [{ host: `${'h'.repeat(250)}.example.com` }, 'host'],
        [{ defaultip: LONG }, 'defaultip'],
        [{ inkeys: Array.from({ length: 17 }, (_, i) => `k${i}`) }, 'inkeys'],
        [{ inkeys: [LONG] }, 'inkeys.0'],
        [{ contexts: Array.from({ length: 33 }, (_, i) => `c${i}`) }, 'contexts'],
        [{ contexts: [LONG] }, 'contexts.0'],
        [{ peercontext: LONG }, 'peercontext'],
        [{ codecs: Array.from({ length: 65 }, () => ({ allow: true, codec: 'ulaw' })) }, 'codecs'],
        [{ acl: Array.from({ length: 101 }, () => ({ action: 'deny', network: '0.0.0.0/0' })) }, 'acl'],
        [{ acl: [{ action: 'deny', network: `${'1'.repeat(200)}` }] }, 'acl.0.network'],
        [{ auth: ['md5', 'md5', 'md5', 'md5'] }, 'auth'],
        [{ publicKeys: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, '-----BEGIN PUBLIC KEY-----'])) }, 'publicKeys'],
        [{ publicKeys: { k: `-----BEGIN PUBLIC KEY-----${LONG}` } }, 'publicKeys.k'],
        [{ callerid: { name: LONG } }, 'callerid.name'],
        [{ mailbox: LONG }, 'mailbox'],
        [{ outkey: LONG }, 'outkey'],
        [{ dbsecret: `${LONG}/k` }, 'dbsecret'],
        [{ qualifyfreqok: 1e20 }, 'qualifyfreqok'],
        [{ qualifyfreqnotok: 3_600_001 }, 'qualifyfreqnotok'],
        [{ maxcalls: 1e9 }, 'maxcalls'],
        [{ callsPerSecond: 1e308 }, 'callsPerSecond'],
      ];
      for (const [extra, field] of cases) {
        await refused('POST', '/v1/tenants/acme/peers', { body: peer(extra) }, 400, field);
        // A patch cannot rename (name is not in its body): every other field is refused the same way.
        if (field !== 'name') await refused('PATCH', '/v1/tenants/acme/peers/pbx1', { body: extra, headers: { 'if-match': '"1"' } }, 400, field);
      }
      assert.deepEqual((await h.control.stores.peers.listByTenant('acme')).items.map((p) => [p.name, p.version, p.secrets]), [['pbx1', 1, ['kept-secret']]]);
      // What iax.conf says (qualify=yes) is named in the refusal, not "Invalid input".
      const qualifyYes = await h.call('POST', '/v1/tenants/acme/peers', { key, body: peer({ qualify: true }) });
      assert.deepEqual([qualifyYes.status, qualifyYes.body.error.message], [400, 'qualify: expected false (no) or the most milliseconds a reply may take, 1 to 60000 (yes is 2000)']);
      await refused('POST', '/v1/tenants/acme/peers/pbx1/keys', { body: { name: LONG } }, 400, 'name');
      await refused('POST', '/v1/tenants/acme/peers/pbx1/keys', { body: { passphrase: LONG } }, 400, 'passphrase');
    });

    it('routes: 20,000 destinations, 33 destinations, long dial strings, patterns and contexts are 400s naming them', async () => {
      const dest = { dial: 'IAX2/p', target: { peer: 'p' } };
      const route = (extra: Record<string, unknown>) => ({ context: 'hostile', pattern: '_X.', destinations: [dest], ...extra });
      for (const [extra, field] of [
        [{ destinations: Array.from({ length: 20_000 }, () => dest) }, 'destinations'],
        [{ destinations: Array.from({ length: 33 }, () => dest) }, 'destinations'],
        [{ destinations: [] }, 'destinations'],
        [{ destinations: [{ dial: `IAX2/u:${PLANTED}@p/${'1'.repeat(300)}`, target: { peer: 'p' } }] }, 'destinations.0.dial'],
        [{ destinations: [{ dial: 'IAX2/p', target: { peer: 'p', secret: `${PLANTED}${'s'.repeat(200)}` } }] }, 'destinations.0.target.secret'],
        [{ destinations: [{ dial: 'IAX2/p', target: { peer: LONG } }] }, 'destinations.0.target.peer'],
        [{ destinations: [{ dial: 'IAX2/p', target: { peer: 'p', extension: LONG } }] }, 'destinations.0.target.extension'],
        [{ context: LONG }, 'context'],
        [{ pattern: '1'.repeat(81) }, 'pattern'],
        [{ callerIdRewrite: { number: LONG } }, 'callerIdRewrite.number'],
      ] as const) {
        await refused('POST', '/v1/tenants/acme/routes', { body: route(extra) }, 400, field);
      }
      assert.deepEqual((await h.control.stores.routes.listTenant('acme')).items.map((r) => `${r.pattern}@${r.context}`), ['100@fromiax']);
    });

    it('imports: at most 16 files, each bounded; a burst of problems is answered with a bounded list', async () => {
      const files = Array.from({ length: 17 }, (_, i) => ({ name: `iax${i}.conf`, text: '[x]\ntype=user\n' }));
      await refused('POST', '/v1/tenants/acme/import', { body: { files } }, 400, 'files');
      await refused('POST', '/v1/tenants/acme/import', { body: { files: [{ name: LONG, text: '' }] } }, 400, 'files.0.name');
      // 10,000 refused lines: the answer names the first 100 and how many more there are.
      const junk = Array.from({ length: 10_000 }, (_, i) => `junk line ${i} secret ${PLANTED}`).join('\n');
      const many = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: junk }] } });
      assert.equal(many.status, 400);
      assert.equal(many.body.problems.length, 101);
      assert.match(many.body.problems[100].reason, /and 9900 more problems/);
      assert.ok(JSON.stringify(many.body).length < 40_000, `a bounded answer (${JSON.stringify(many.body).length} characters)`);
      // More peers or routes than one request can write and still undo: refused before any write.
      const peers = Array.from({ length: 501 }, (_, i) => `[bulk${i}]\ntype=user\n`).join('');
      const routes = `[bulk]\n${Array.from({ length: 2001 }, (_, i) => `exten => ${i},1,Dial(IAX2/pbx1/1)`).join('\n')}\n`;
      const bulk = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: peers }, { name: 'extensions.conf', text: routes }] } });
      assert.equal(bulk.status, 400);
      assert.deepEqual(bulk.body.problems.map((p: { reason: string }) => p.reason), ['this import defines 501 peers: one import takes at most 500; split the files', 'this import defines 2001 routes: one import takes at most 2000; split the files']);
      // Warnings are bounded the same way.
      const noisy = `[general]\n${'bindport=4569\n'.repeat(150)}`;
      const warned = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: noisy }], dryRun: true } });
      assert.deepEqual([warned.status, warned.body.warnings.length, warned.body.warnings[100].reason], [200, 101, 'and 50 more warnings']);
      assert.deepEqual((await h.control.stores.peers.listByTenant('acme')).items.map((p) => p.name), ['pbx1']);
      assert.deepEqual((await h.control.stores.routes.listTenant('acme')).items.map((r) => `${r.pattern}@${r.context}`), ['100@fromiax']);
    });

    it('bodies over 1 MiB: a 413 naming the body, before any parsing, from the local adapter and from the handler API Gateway calls', async () => {
      const big = { name: 'big', type: 'user', description: 'x'.repeat(2 << 20), secrets: [PLANTED] };
      await refused('POST', '/v1/tenants/acme/peers', { body: big }, 413, 'body');
      // The connection is closed after a 413: the next requests still work.
      for (let i = 0; i < 3; i++) assert.equal((await h.call('GET', '/v1/tenants/acme', { key })).status, 200);
      // API Gateway passes bodies up to 10 MB to the Lambda: the API refuses them itself.
      const principal = { role: 'tenant' as const, tenant: 'acme', keyId: 'k' };
      const direct = await h.control.api.handle({ method: 'POST', path: '/v1/tenants/acme/peers', query: {}, headers: { 'content-type': 'application/json' }, body: JSON.stringify(big), principal });
      assert.deepEqual([direct.statusCode, (direct.body as { error: { field: string } }).error.field], [413, 'body']);
      // Just under the limit is read and validated (a 400 for the description, not a 413).
      const under = { name: 'big', type: 'user', description: 'x'.repeat((1 << 20) - 100) };
      await refused('POST', '/v1/tenants/acme/peers', { body: under }, 400, 'description');
      assert.equal(await h.control.stores.peers.get('big'), undefined);
    });

    it('nothing above was a 500, and no planted secret came back in a response or reached a log line', () => {
      assert.ok(!h.logLines.some((line) => line.includes('"level":"error"')), h.logLines.filter((line) => line.includes('"level":"error"')).join('\n').slice(0, 2000));
      assert.ok(!h.bodies.some((body) => body.includes('STROWGER_ERR_INTERNAL')));
      for (const text of [...h.bodies, ...h.logLines]) {
        for (const secret of [PLANTED, 'kept-secret']) assert.ok(!text.includes(secret), `a secret leaked: ${text.slice(0, 300)}`);
      }
    });
  });
}

describe('API keys: at most the operator\'s number per tenant; a revoked key is gone', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  before(async () => {
    const [first] = await availableEngines();
    engine = await first!();
    h = await startControl(engine);
  });
  after(async () => {
    await h?.close();
    await engine?.stop();
  });

  it('the 21st active key is a 409 with a clear message; revoking one removes it from the record and frees a place', async () => {
    assert.equal(DEFAULT_CONTROL_SETTINGS.maxKeysPerTenant, 20);
    const first = await h.addTenant('acme');
    const made = [];
    for (let i = 0; i < 19; i++) {
      const created = await h.call('POST', '/v1/tenants/acme/keys', { key: first });
      assert.equal(created.status, 201, `key ${i + 2}`);
      made.push(created.body as { id: string; key: string });
    }
    const before = await h.control.stores.tenants.get('acme');
    const refused = await h.call('POST', '/v1/tenants/acme/keys', { key: first });
    assert.deepEqual([refused.status, refused.body.error.code], [409, 'STROWGER_ERR_LIMIT']);
    assert.match(refused.body.error.message, /already has 20 API keys, the most the operator allows \(20\): revoke one first/);
    assert.equal((await h.call('POST', '/v1/tenants/acme/keys', { key: h.operatorKey })).status, 409, 'the operator too');
    assert.equal((await h.control.stores.tenants.get('acme'))?.version, before?.version, 'nothing written');

    const gone = made[0]!;
    assert.equal((await h.call('DELETE', `/v1/tenants/acme/keys/${gone.id}`, { key: first })).status, 204);
    const record = await h.control.stores.tenants.get('acme');
    assert.equal(record?.apiKeys.length, 19);
    assert.ok(!record?.apiKeys.some((k) => k.id === gone.id), 'the revoked key is not in the record');
    assert.equal((await h.call('GET', '/v1/tenants/acme', { key: gone.key })).status, 401);
    assert.equal((await h.call('DELETE', `/v1/tenants/acme/keys/${gone.id}`, { key: first })).status, 404, 'revoking it again: no such key');
    assert.equal((await h.call('POST', '/v1/tenants/acme/keys', { key: first })).status, 201, 'a place was freed');
    assert.equal((await h.call('POST', '/v1/tenants/acme/keys', { key: first })).status, 409);
  });

  it('keys revoked before keys were removed (revokedAt in the record) are never listed or counted, and go at the next key change', async () => {
    const key = await h.addTenant('legacy');
    const current = (await h.control.stores.tenants.get('legacy'))!;
    await h.control.stores.tenants.update('legacy', current.version, (t) => ({
      ...t,
      apiKeys: [...t.apiKeys, ...Array.from({ length: 30 }, (_, i) => ({ id: `old${i}`, prefix: 'stg_legacy_x', hash: 'ab'.repeat(32), createdAt: 1, revokedAt: 2 }))],
    }));
    const listed = await h.call('GET', '/v1/tenants/legacy/keys', { key });
    assert.equal(listed.body.items.length, 1);
    assert.equal(listed.body.items[0].revokedAt, undefined);
    assert.equal((await h.call('POST', '/v1/tenants/legacy/keys', { key })).status, 201, '30 revoked keys do not count');
    assert.equal((await h.control.stores.tenants.get('legacy'))?.apiKeys.length, 2, 'and are gone from the record');
  });

  it('the limit is the operator\'s setting, read from the environment with bad values named', async () => {
    assert.deepEqual(controlSettingsFromEnv({}), { maxKeysPerTenant: 20, allowedPeerNetworks: [] });
    assert.equal(controlSettingsFromEnv({ STROWGER_MAX_KEYS_PER_TENANT: '3' }).maxKeysPerTenant, 3);
    for (const bad of ['0', '-1', '2.5', 'many', '1001', '1e3']) {
      assert.throws(() => controlSettingsFromEnv({ STROWGER_MAX_KEYS_PER_TENANT: bad }), new RegExp(`STROWGER_MAX_KEYS_PER_TENANT="${bad.replace('.', '\\.')}" is not a whole number from 1 to 1000`));
    }
    const small = await startControl(engine, { settings: { maxKeysPerTenant: 2 } });
    try {
      const key = await small.addTenant('tiny');
      assert.equal((await small.call('POST', '/v1/tenants/tiny/keys', { key })).status, 201);
      assert.equal((await small.call('POST', '/v1/tenants/tiny/keys', { key })).status, 409);
    } finally {
      await small.close();
    }
  });
});
