// CDRs by time range with paging, and active calls gathered from workers' status ports (here
// small real HTTP servers answering as a worker does).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ActiveCall } from '../../shared/model/active-call.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

function call(tenant: string, callId: string, workerId: string, firstMessageAt: number): ActiveCall {
  return {
    tenant, callId, workerId, firstMessageAt,
    channel: `IAX2/${tenant}-pbx-${callId}`, peerAddress: '192.0.2.10:4569', peerName: `${tenant}-pbx`, username: `${tenant}-pbx`,
    localCallNumber: 7, remoteCallNumber: 3, txSeq: 4, rxSeq: 5, lagMs: 12, jitterMs: 3, format: 'ulaw', lastMessageAt: firstMessageAt + 1000, state: 'up',
  };
}

/** A worker's status port: answers GET /calls?tenant=T from `calls` (ignoring the filter if `careless`). */
async function fakeWorker(calls: ActiveCall[], careless = false): Promise<{ server: Server; port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    asked.push(url.search);
    const tenant = url.searchParams.get('tenant');
    const items = careless ? calls : calls.filter((c) => c.tenant === tenant);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [...items, { not: 'a call' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, asked };
}

describe('CDRs and active calls', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let key = '';
  const servers: Server[] = [];

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    key = await h.addTenant('acme');
    await h.addTenant('globex');
  });
  after(async () => {
    for (const server of servers) server.close();
    await h?.close();
    await engine?.stop();
  });

  it('CDRs: the last 24 hours by default, a range by ISO time or epoch ms, paged', async () => {
    const now = h.clock.now();
    for (let i = 0; i < 5; i++) {
      await h.control.stores.cdrs.write({ tenant: 'acme', callId: `c${i}`, dst: '100', dcontext: 'fromiax', channel: `IAX2/pbx-${i}`, start: now - (i + 1) * 3_600_000, workerId: 'w1' });
    }
    await h.control.stores.cdrs.write({ tenant: 'acme', callId: 'old', dst: '100', dcontext: 'fromiax', channel: 'IAX2/pbx-old', start: now - 3 * 86_400_000, workerId: 'w1' });
    const recent = await h.call('GET', '/v1/tenants/acme/cdrs', { key });
    assert.deepEqual(recent.body.items.map((c: { callId: string }) => c.callId), ['c4', 'c3', 'c2', 'c1', 'c0']);
    const from = new Date(now - 4 * 86_400_000).toISOString();
    const page1 = await h.call('GET', `/v1/tenants/acme/cdrs?from=${from}&to=${now}&limit=4`, { key });
    const page2 = await h.call('GET', `/v1/tenants/acme/cdrs?from=${from}&to=${now}&limit=4&cursor=${page1.body.cursor}`, { key });
    assert.deepEqual([...page1.body.items, ...page2.body.items].map((c: { callId: string }) => c.callId), ['old', 'c4', 'c3', 'c2', 'c1', 'c0']);
    assert.equal(page2.body.cursor, undefined);
    const bad = await h.call('GET', '/v1/tenants/acme/cdrs?from=yesterday', { key });
    assert.deepEqual([bad.status, bad.body.error.field], [400, 'from']);
    const backwards = await h.call('GET', `/v1/tenants/acme/cdrs?from=${now}&to=${now - 1}`, { key });
    assert.equal(backwards.status, 400);
  });

  it('calls: 503 while no worker runs; then gathered from every live worker, only the tenant\'s', async () => {
    const none = await h.call('GET', '/v1/tenants/acme/calls', { key });
    assert.deepEqual([none.status, none.body.error.code], [503, 'STROWGER_ERR_UNAVAILABLE']);
    const t0 = h.clock.now();
    const w1 = await fakeWorker([call('acme', 'a1', 'w1', t0 - 5000), call('globex', 'g1', 'w1', t0 - 4000)]);
    // A careless worker that ignores the filter: its other tenants' calls must still not show.
    const w2 = await fakeWorker([call('acme', 'a2', 'w2', t0 - 9000), call('globex', 'g2', 'w2', t0 - 1000)], true);
    servers.push(w1.server, w2.server);
    const { workers } = h.control.stores;
    await workers.heartbeat({ workerId: 'w1', privateAddress: '127.0.0.1', meshPort: 4570, httpPort: w1.port, heartbeatAt: t0, activeCalls: 2, registrations: 0, draining: false });
    await workers.heartbeat({ workerId: 'w2', privateAddress: '127.0.0.1', meshPort: 4570, httpPort: w2.port, heartbeatAt: t0, activeCalls: 2, registrations: 0, draining: false });
    // A worker whose port answers nothing: reported, not fatal.
    await workers.heartbeat({ workerId: 'w3', privateAddress: '127.0.0.1', meshPort: 4570, httpPort: 1, heartbeatAt: t0, activeCalls: 0, registrations: 0, draining: false });
    const calls = await h.call('GET', '/v1/tenants/acme/calls', { key });
    assert.equal(calls.status, 200);
    assert.deepEqual(calls.body.items.map((c: ActiveCall) => c.callId), ['a2', 'a1'], 'oldest first, acme only, junk dropped');
    assert.deepEqual(calls.body.workers, { asked: 3, answered: 2, unreachable: ['w3'] });
    assert.deepEqual(w1.asked, ['?tenant=acme']);
  });
});
