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

  it('every new bound is in the document, and the documented bound is the enforced one', async () => {
    const peerBody = doc.paths['/v1/tenants/{tenant}/peers'].post.requestBody.content['application/json'].schema;
    assert.deepEqual([peerBody.properties.secrets.maxItems, peerBody.properties.secrets.items.maxLength], [16, 128]);
    assert.deepEqual([peerBody.properties.inkeys.maxItems, peerBody.properties.contexts.maxItems, peerBody.properties.codecs.maxItems, peerBody.properties.acl.maxItems], [16, 32, 64, 100]);
    assert.equal(peerBody.properties.publicKeys.maxProperties, 16);
    assert.equal(peerBody.properties.name.pattern, '^[A-Za-z0-9][A-Za-z0-9_.+-]{0,79}$');
    assert.equal(peerBody.properties.contexts.items.pattern, '^[A-Za-z0-9_.+-]{1,79}$');
    assert.equal(peerBody.properties.host.maxLength, 255);
    assert.equal(peerBody.properties.description.maxLength, 200);
    assert.equal(peerBody.properties.callsPerSecond.maximum, 100_000);
    assert.equal(peerBody.properties.qualifyfreqok.maximum, 3_600_000);
    const routeBody = doc.paths['/v1/tenants/{tenant}/routes'].post.requestBody.content['application/json'].schema;
    assert.deepEqual([routeBody.properties.destinations.maxItems, routeBody.properties.destinations.items.properties.dial.maxLength], [32, 256]);
    assert.equal(routeBody.properties.destinations.items.properties.target.properties.secret.maxLength, 128);
    assert.equal(routeBody.properties.pattern.maxLength, 80);
    const tenantBody = doc.paths['/v1/tenants'].post.requestBody.content['application/json'].schema;
    assert.deepEqual([tenantBody.properties.limits.properties.callsPerSecond.maximum, tenantBody.properties.limits.properties.maxPeers.maximum], [100_000, 100_000]);
    assert.ok(!new RegExp(tenantBody.properties.tenantId.pattern).test('op') && new RegExp(tenantBody.properties.tenantId.pattern).test('ops'), 'the tenantId pattern refuses "op"');
    assert.equal(doc.paths['/v1/tenants/{tenant}/import'].post.requestBody.content['application/json'].schema.properties.files.maxItems, 16);
    const cdrParams = Object.fromEntries(doc.paths['/v1/tenants/{tenant}/cdrs'].get.parameters.map((p: any) => [p.name, p.schema]));
    assert.equal(cdrParams.limit.pattern, '^\\d{1,4}$');
    assert.match(cdrParams.limit.description, /1 to 1000/);
    assert.deepEqual([cdrParams.cursor.maxLength, cdrParams.from.maxLength], [1024, 40]);
    assert.match(cdrParams.tenant.pattern, /\{1,39\}/);
    const put = doc.paths['/v1/tenants/{tenant}/peers/{name}'].put;
    assert.equal(put.parameters.find((p: any) => p.name === 'name').schema.pattern, peerBody.properties.name.pattern);
    assert.equal(put.parameters.find((p: any) => p.name === 'name').schema.$schema, undefined);
    assert.match(put.parameters.find((p: any) => p.name === 'If-Match').schema.pattern, /\{0,9\}/);
    assert.ok(doc.paths['/v1/tenants/{tenant}/peers'].post.responses['413']);
    const key = await h.addTenant('bounds');
    const secrets = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);
    const atMost = await h.call('POST', '/v1/tenants/bounds/peers', { key, body: { name: 'b1', type: 'user', secrets: secrets(peerBody.properties.secrets.maxItems) } });
    const beyond = await h.call('POST', '/v1/tenants/bounds/peers', { key, body: { name: 'b2', type: 'user', secrets: secrets(peerBody.properties.secrets.maxItems + 1) } });
    assert.deepEqual([atMost.status, beyond.status, beyond.body.error.field], [201, 400, 'secrets']);
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
