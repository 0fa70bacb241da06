// The summary routes: calls, failures and mean quality per time bucket from the CDRs (RR
// figures of the caller and callee legs), and usage beside each limit; bad ranges and steps
// are 400s naming the field, another tenant's key gets 404s, and both are in the OpenAPI
// document.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ActiveCall } from '../../shared/model/active-call.ts';
import type { CdrInput } from '../../shared/model/cdr.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

const HOUR = 3_600_000;
const rr = (jitterMs: number, lossPercent: number, delayMs: number) => ({ jitterMs, lossPercent, lostFrames: 0, packets: 500, delayMs, dropped: 0, outOfOrder: 0 });

describe('stats and usage', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let acme = '';
  let globex = '';
  let server: Server | undefined;
  // Whole hours, so buckets line up with the CDRs written below.
  const t0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    acme = await h.addTenant('acme', { maxPeers: 7, maxConcurrentCalls: 4 });
    globex = await h.addTenant('globex');
    const cdr = (callId: string, start: number, extra: Partial<CdrInput>): CdrInput => ({ tenant: 'acme', callId, dst: '100', dcontext: 'in', channel: `IAX2/foo-${callId}`, start, workerId: 'w1', ...extra });
    const writes: CdrInput[] = [
      cdr('a1', t0 + 60_000, { disposition: 'ANSWERED', end: t0 + 120_000, rrCaller: rr(10, 0, 40), rrCallee: rr(20, 2, 60) }),
      cdr('a2', t0 + 120_000, { disposition: 'ANSWERED', end: t0 + 180_000, rrCaller: rr(30, 4, 80), rrMesh: rr(500, 50, 500) }),
      cdr('b1', t0 + 600_000, { disposition: 'BUSY', end: t0 + 601_000 }),
      cdr('f1', t0 + HOUR + 5000, { disposition: 'FAILED', end: t0 + HOUR + 6000 }),
      cdr('c1', t0 + HOUR + 9000, { disposition: 'CONGESTION', end: t0 + HOUR + 9500 }),
      cdr('n1', t0 + 2 * HOUR + 1, { disposition: 'NO ANSWER', end: t0 + 2 * HOUR + 30_000 }),
      cdr('open', t0 + 2 * HOUR + 2, {}),
      { ...cdr('g1', t0 + 60_000, { disposition: 'FAILED', end: t0 + 61_000 }), tenant: 'globex' },
    ];
    for (const item of writes) await h.control.stores.cdrs.write(item);
  });
  after(async () => {
    server?.close();
    await h?.close();
    await engine?.stop();
  });

  it('buckets count calls by how they ended and average the box legs\' RR figures (not the mesh leg)', async () => {
    const r = await h.call('GET', `/v1/tenants/acme/stats?from=${t0}&to=${t0 + 3 * HOUR}&step=3600`, { key: acme });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.from, r.body.to, r.body.stepS, r.body.truncated], [t0, t0 + 3 * HOUR, 3600, false]);
    assert.deepEqual(r.body.buckets.map((b: any) => b.start), [t0, t0 + HOUR, t0 + 2 * HOUR]);
    const [first, second, third] = r.body.buckets;
    assert.deepEqual(first, { start: t0, calls: 3, answered: 2, busy: 1, noAnswer: 0, failed: 0, inProgress: 0, qualityLegs: 3, jitterMs: 20, lossPercent: 2, delayMs: 60 });
    assert.deepEqual([second.calls, second.failed, second.qualityLegs, second.jitterMs], [2, 2, 0, null]);
    assert.deepEqual([third.calls, third.noAnswer, third.inProgress], [2, 1, 1]);
    assert.deepEqual(r.body.totals, { calls: 7, answered: 2, busy: 1, noAnswer: 1, failed: 2, inProgress: 1 });
    // ISO times work as in the CDR listing; a short last bucket is still a bucket.
    const iso = await h.call('GET', `/v1/tenants/acme/stats?from=${new Date(t0).toISOString()}&to=${new Date(t0 + HOUR + 1).toISOString()}&step=1800`, { key: acme });
    assert.deepEqual(iso.body.buckets.map((b: any) => b.calls), [3, 0, 0]);
  });

  it('bad input is a 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      [`from=${t0}&to=${t0}`, 'from'],
      [`from=${t0}&to=${t0 + 40 * 24 * HOUR}`, 'from'],
      ['from=yesterday', 'from'],
      ['to=-5', 'to'],
      ['step=59', 'step'],
      ['step=1e3', 'step'],
      ['step=86401', 'step'],
      [`from=${t0}&to=${t0 + 30 * 24 * HOUR}&step=60`, 'step'],
    ];
    for (const [query, field] of cases) {
      const r = await h.call('GET', `/v1/tenants/acme/stats?${query}`, { key: acme });
      assert.deepEqual([r.status, r.body.error.field], [400, field], `${query}: ${JSON.stringify(r.body)}`);
    }
    const tooFine = await h.call('GET', `/v1/tenants/acme/stats?from=${t0}&to=${t0 + 30 * 24 * HOUR}&step=60`, { key: acme });
    assert.match(tooFine.body.error.message, /at least 2592 seconds/);
  });

  it('usage: peers and keys against their limits; calls in progress counted from caller legs on the live workers', async () => {
    const none = await h.call('GET', '/v1/tenants/acme/usage', { key: acme });
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, { tenant: 'acme', status: 'active', peers: { used: 0, limit: 7 }, apiKeys: { used: 1, limit: 20 }, calls: { inProgress: null, limit: 4, perSecondLimit: 5 } });
    await h.call('POST', '/v1/tenants/acme/peers', { key: acme, body: { name: 'foo', type: 'friend', host: 'dynamic' } });
    const leg = (callId: string, extra: Partial<ActiveCall>): ActiveCall => ({
      tenant: 'acme', callId, workerId: 'w1', channel: `IAX2/foo-${callId}`, peerAddress: '192.0.2.1:4569', localCallNumber: 2, remoteCallNumber: 3,
      txSeq: 1, rxSeq: 1, format: 'ulaw', firstMessageAt: 1, lastMessageAt: 2, state: 'up', ...extra,
    });
    // Two calls from boxes (one of them to another worker over the mesh), and a mesh arrival's legs, which count where the call came in.
    const legs = [leg('1', { leg: 'caller' }), leg('2', { leg: 'callee' }), leg('3', { leg: 'caller' }), leg('4', { leg: 'callee', meshWorker: 'w2' }), leg('5', { leg: 'caller', meshWorker: 'w2' }), leg('6', { leg: 'callee' })];
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: legs })));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    await h.control.stores.workers.heartbeat({ workerId: 'w1', privateAddress: '127.0.0.1', meshPort: 4570, httpPort: (server.address() as AddressInfo).port, heartbeatAt: h.clock.now(), activeCalls: 2, registrations: 0, draining: false });
    const busy = await h.call('GET', '/v1/tenants/acme/usage', { key: acme });
    assert.deepEqual([busy.body.peers.used, busy.body.calls.inProgress], [1, 2]);
  });

  it('another tenant\'s key gets 404 on both, and sees none of acme\'s figures; the operator sees any tenant', async () => {
    for (const path of ['/v1/tenants/acme/stats', '/v1/tenants/acme/usage', `/v1/tenants/acme/stats?from=${t0}&step=1`]) {
      const r = await h.call('GET', path, { key: globex });
      assert.deepEqual([r.status, r.body.error.code], [404, 'STROWGER_ERR_NOT_FOUND'], path);
    }
    const own = await h.call('GET', `/v1/tenants/globex/stats?from=${t0}&to=${t0 + 3 * HOUR}`, { key: globex });
    assert.deepEqual(own.body.totals, { calls: 1, answered: 0, busy: 0, noAnswer: 0, failed: 1, inProgress: 0 });
    assert.equal((await h.call('GET', '/v1/tenants/acme/usage', { key: h.operatorKey })).status, 200);
    assert.equal((await h.call('GET', '/v1/tenants/nobody/usage', { key: h.operatorKey })).status, 404);
    assert.equal((await h.call('GET', '/v1/tenants/acme/stats')).status, 401);
  });

  it('both are documented with their parameters and bounds', async () => {
    const doc = (await h.call('GET', '/v1/openapi.json')).body;
    const stats = doc.paths['/v1/tenants/{tenant}/stats'].get;
    const params = Object.fromEntries(stats.parameters.map((p: any) => [p.name, p.schema]));
    assert.deepEqual(Object.keys(params).sort(), ['from', 'step', 'tenant', 'to']);
    assert.equal(params.step.pattern, '^\\d{1,6}$');
    const bucket = stats.responses['200'].content['application/json'].schema.properties.buckets.items;
    assert.deepEqual(bucket.required.sort(), ['answered', 'busy', 'calls', 'delayMs', 'failed', 'inProgress', 'jitterMs', 'lossPercent', 'noAnswer', 'qualityLegs', 'start']);
    const usage = doc.paths['/v1/tenants/{tenant}/usage'].get.responses['200'].content['application/json'].schema;
    assert.ok(usage.properties.calls.properties.inProgress);
  });
});
