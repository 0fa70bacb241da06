// The OpenAPI document: served without a key, covering every route, generated from the very
// schemas the handlers validate with.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

describe('OpenAPI document', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let doc: any;

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    const served = await h.call('GET', '/v1/openapi.json');
    assert.equal(served.status, 200, 'served without an API key');
    doc = served.body;
  });
  after(async () => {
    await h?.close();
    await engine?.stop();
  });

  it('is OpenAPI 3.1 and lists every route the API serves, with its method', () => {
    assert.equal(doc.openapi, '3.1.0');
    for (const spec of h.control.api.specs) {
      assert.ok(doc.paths[spec.path]?.[spec.method.toLowerCase()], `${spec.method} ${spec.path} is documented`);
    }
    const documented = Object.values(doc.paths).reduce((n: number, ops: any) => n + Object.keys(ops).length, 0);
    assert.equal(documented, h.control.api.specs.length);
    assert.deepEqual(doc.paths['/v1/openapi.json'].get.security, [], 'the document itself needs no key');
    assert.deepEqual(doc.security, [{ bearer: [] }]);
  });

  it('request schemas are the enforced ones: the documented bounds are the bounds the API applies', async () => {
    const peerBody = doc.paths['/v1/tenants/{tenant}/peers'].post.requestBody.content['application/json'].schema;
    assert.equal(peerBody.properties.port.maximum, 65535);
    assert.ok(peerBody.required.includes('name') && peerBody.required.includes('type'));
    assert.equal(peerBody.properties.tenant, undefined, 'the tenant comes from the path');
    assert.equal(peerBody.properties.secrets.writeOnly, true);
    const key = await h.addTenant('acme');
    const tooBig = await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'p', type: 'user', port: peerBody.properties.port.maximum + 1 } });
    const justRight = await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'p', type: 'user', port: peerBody.properties.port.maximum } });
    assert.deepEqual([tooBig.status, justRight.status], [400, 201]);
    const typeEnum = peerBody.properties.type.enum;
    assert.deepEqual(typeEnum, ['user', 'peer', 'friend']);
    assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name: 'q', type: 'trunk' } })).status, 400);
  });

  it('responses never document a secret; parameters and headers are described', () => {
    const peer = doc.paths['/v1/tenants/{tenant}/peers/{name}'].get.responses['200'].content['application/json'].schema;
    assert.equal(peer.properties.secrets, undefined);
    assert.equal(peer.properties.secretCount.type, 'integer');
    const put = doc.paths['/v1/tenants/{tenant}/peers/{name}'].put;
    assert.deepEqual(put.parameters.map((p: any) => `${p.in}:${p.name}`), ['path:tenant', 'path:name', 'header:If-Match']);
    const cdrs = doc.paths['/v1/tenants/{tenant}/cdrs'].get.parameters.map((p: any) => p.name);
    assert.deepEqual(cdrs.sort(), ['cursor', 'from', 'limit', 'tenant', 'to']);
    assert.ok(doc.paths['/v1/tenants/{tenant}/peers'].post.responses['409']);
    assert.ok(doc.components.schemas.Error.properties.error);
  });
});
