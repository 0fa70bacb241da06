// The expiry sweeper, driven by the injected clock, and the peers stream consumer (through the
// local stream emulation, and as Lambda gets it), on dynalite and DynamoDB Local.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { ExpirySweeper } from '../../services/control/jobs/expiry-sweeper.ts';
import { makePeerStreamHandler } from '../../services/control/jobs/peer-stream-consumer.ts';
import { availableEngines, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';

for (const start of await availableEngines()) {
  describe(`control jobs on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let h: ControlHarness;
    let key = '';

    before(async () => {
      engine = await start();
      h = await startControl(engine);
      key = await h.addTenant('acme');
    });
    after(async () => {
      await h?.close();
      await engine?.stop();
    });

    it('the sweeper expires a registration within one sweep of expiresAt and marks the peer UNREACHABLE', async () => {
      const { registrations, peers } = h.control.stores;
      h.clock.frozenAt = Date.now();
      await peers.create({ name: 'r1', tenant: 'acme', type: 'friend', host: 'dynamic' });
      const t0 = h.clock.now();
      await registrations.put({ name: 'r1', tenant: 'acme', address: '192.0.2.1', port: 4569, workerId: 'w1', registeredAt: t0, expiresAt: t0 + 70_000, refreshS: 60, qualify: { status: 'OK', latencyMs: 8 } });
      await registrations.put({ name: 'r2', tenant: 'acme', address: '192.0.2.2', port: 4569, workerId: 'w1', registeredAt: t0, expiresAt: t0 + 70_000, refreshS: 60 });

      h.clock.shiftMs += 69_999;
      assert.deepEqual((await h.control.sweeper.sweep()).expired, [], 'not yet');
      // r2 refreshes just before its expiry: the sweep must leave it.
      await registrations.put({ name: 'r2', tenant: 'acme', address: '192.0.2.2', port: 4569, workerId: 'w1', registeredAt: h.clock.now(), expiresAt: h.clock.now() + 70_000, refreshS: 60 });
      h.clock.shiftMs += 1;
      assert.deepEqual((await h.control.sweeper.sweep()).expired, ['r1']);
      assert.deepEqual((await h.control.sweeper.sweep()).expired, [], 'idempotent');
      assert.ok((await registrations.get('r2')) !== undefined, 'the refreshed registration stands');

      const status = await h.call('GET', '/v1/tenants/acme/peers/r1/status', { key });
      assert.deepEqual([status.body.registered, status.body.qualify, status.body.address, status.body.expiredAt], [false, { status: 'UNREACHABLE' }, '192.0.2.1', h.clock.now()]);
      // Registering again clears the mark.
      await registrations.put({ name: 'r1', tenant: 'acme', address: '192.0.2.9', port: 4569, workerId: 'w2', registeredAt: h.clock.now(), expiresAt: h.clock.now() + 70_000, refreshS: 60 });
      const back = await h.call('GET', '/v1/tenants/acme/peers/r1/status', { key });
      assert.deepEqual([back.body.registered, back.body.expiredAt, back.body.address], [true, undefined, '192.0.2.9']);
    });

    it('a new sweeper (a cold start) closes the CDRs a dead worker left open, at its last heartbeat, and only those', async () => {
      const { cdrs, workers } = h.control.stores;
      // The harness's sweeper has run, and never saw the dead worker live: a warm run of it would
      // leave these to its next full run (expiry-sweeper.test.ts). A new one runs full first.
      const sweeper = new ExpirySweeper({ stores: h.control.stores, now: () => h.clock.now() });
      const now = h.clock.now();
      const lastBeat = now - 45_000;
      await workers.heartbeat({ workerId: 'dead', privateAddress: '10.0.0.1', meshPort: 4570, heartbeatAt: lastBeat, activeCalls: 2, registrations: 0, draining: false });
      await workers.heartbeat({ workerId: 'alive', privateAddress: '10.0.0.2', meshPort: 4570, heartbeatAt: now, activeCalls: 1, registrations: 0, draining: false });
      const start = now - 120_000;
      await cdrs.write({ tenant: 'acme', callId: 'talking', dst: '100', dcontext: 'fromiax', channel: 'IAX2/a-1', start, answer: start + 10_000, workerId: 'dead' });
      await cdrs.write({ tenant: 'acme', callId: 'ringing', dst: '101', dcontext: 'fromiax', channel: 'IAX2/a-2', start: start + 1, workerId: 'dead' });
      await cdrs.write({ tenant: 'acme', callId: 'healthy', dst: '102', dcontext: 'fromiax', channel: 'IAX2/a-3', start: start + 2, workerId: 'alive' });
      assert.deepEqual((await sweeper.sweep()).closedCdrs.sort(), ['ringing', 'talking']);
      assert.deepEqual((await sweeper.sweep()).closedCdrs, []);
      assert.deepEqual((await new ExpirySweeper({ stores: h.control.stores, now: () => h.clock.now() }).sweep()).closedCdrs, [], 'idempotent across sweepers too');
      const listed = (await h.call('GET', '/v1/tenants/acme/cdrs', { key })).body.items;
      const byId = Object.fromEntries(listed.map((c: { callId: string }) => [c.callId, c]));
      assert.deepEqual([byId.talking.end, byId.talking.disposition, byId.talking.billsec, byId.talking.duration, byId.talking.hangupCause], [lastBeat, 'ANSWERED', 65, 75, 38]);
      assert.deepEqual([byId.ringing.disposition, byId.ringing.billsec], ['FAILED', undefined]);
      assert.equal(byId.healthy.end, undefined, 'a live worker\'s call stays open');
    });

    it('deleting a peer removes its registration and its dbsecret, unless another peer uses it', async () => {
      const { registrations, astdb } = h.control.stores;
      const now = h.clock.now();
      for (const [name, dbsecret] of [['d1', 'iax/d1'], ['d2', 'iax/shared'], ['d3', 'iax/shared']] as const) {
        assert.equal((await h.call('POST', '/v1/tenants/acme/peers', { key, body: { name, type: 'friend', host: 'dynamic', dbsecret } })).status, 201);
        await registrations.put({ name, tenant: 'acme', address: '192.0.2.3', port: 4569, workerId: 'w1', registeredAt: now, expiresAt: now + 70_000, refreshS: 60 });
      }
      await astdb.put({ tenant: 'acme', family: 'iax', key: 'd1', value: 'one' });
      await astdb.put({ tenant: 'acme', family: 'iax', key: 'shared', value: 'two' });
      assert.equal((await h.call('DELETE', '/v1/tenants/acme/peers/d1', { key })).status, 204);
      assert.deepEqual([await registrations.get('d1', { ignoreExpiry: true }), await astdb.get('acme', 'iax', 'd1')], [undefined, undefined]);
      assert.equal((await h.call('DELETE', '/v1/tenants/acme/peers/d2', { key })).status, 204);
      assert.equal(await astdb.get('acme', 'iax', 'shared'), 'two', 'd3 still uses it');
      assert.ok((await registrations.get('d3')) !== undefined);
      assert.equal((await h.call('DELETE', '/v1/tenants/acme/peers/d3', { key })).status, 204);
      assert.equal(await astdb.get('acme', 'iax', 'shared'), undefined);
    });

    it('as Lambda gets it: a newer registration survives, other events are ignored, a failing record is reported alone', async () => {
      const { stores } = h.control;
      const now = h.clock.now();
      await stores.registrations.put({ name: 'reborn', tenant: 'acme', address: '192.0.2.4', port: 4569, workerId: 'w1', registeredAt: now, expiresAt: now + 70_000, refreshS: 60 });
      const record = (seq: string, eventName: 'REMOVE' | 'INSERT', name: string, deletedAtS: number) => ({
        eventID: seq, eventName, eventSource: 'aws:dynamodb',
        dynamodb: { SequenceNumber: seq, ApproximateCreationDateTime: deletedAtS, OldImage: marshall({ name, tenant: 'acme', type: 'friend', version: 1 }) as never },
      });
      const failing = { ...stores, registrations: Object.assign(Object.create(stores.registrations) as typeof stores.registrations, {
        get: async (name: string, options?: { ignoreExpiry?: boolean }) => {
          if (name === 'boom') throw new Error('injected');
          return stores.registrations.get(name, options);
        },
      }) };
      const handler = makePeerStreamHandler({ stores: failing });
      const event: DynamoDBStreamEvent = { Records: [record('1', 'REMOVE', 'reborn', (now - 1000) / 1000), record('2', 'REMOVE', 'boom', now / 1000), record('3', 'INSERT', 'reborn', now / 1000)] };
      const result = await handler(event);
      assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: '2' }]);
      assert.ok((await stores.registrations.get('reborn')) !== undefined, 'registered after the delete: kept');
    });
  });
}
