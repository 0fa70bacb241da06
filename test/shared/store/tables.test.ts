// Routes, tenants, workers and CDRs against dynalite and DynamoDB Local.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CdrsTable } from '../../../shared/store/cdrs-table.ts';
import { createTables } from '../../../shared/store/create-tables.ts';
import { RoutesTable } from '../../../shared/store/routes-table.ts';
import { prefixedTableNames } from '../../../shared/store/store-config.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/store/store-errors.ts';
import { TenantsTable } from '../../../shared/store/tenants-table.ts';
import { WorkersTable } from '../../../shared/store/workers-table.ts';
import { availableEngines, type DynamoEngine } from '../../helpers/dynamo-engines.ts';

const route = (pattern: string, peers: string[], context = 'fromiax', tenant = 't1') => ({
  tenant, context, pattern,
  destinations: peers.map((peer) => ({ dial: `IAX2/${peer}/\${EXTEN}`, target: { peer, extension: '${EXTEN}' } })),
});

for (const start of await availableEngines()) {
  describe(`routes, tenants, workers and CDRs on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let routes: RoutesTable;
    let tenants: TenantsTable;
    let workers: WorkersTable;
    let cdrs: CdrsTable;
    // Near the real time: DynamoDB Local really deletes items whose TTL has passed, so a fixed
    // date in the past makes a fresh heartbeat vanish whenever its TTL sweep runs first.
    let now = Date.now();

    before(async () => {
      engine = await start();
      const names = prefixedTableNames(`tables${Math.floor(Math.random() * 1e9)}`);
      await createTables(engine.client, names);
      const doc = DynamoDBDocumentClient.from(engine.client, { marshallOptions: { removeUndefinedValues: true } });
      routes = new RoutesTable(doc, names.routes);
      tenants = new TenantsTable(doc, names.tenants);
      workers = new WorkersTable(doc, names.workers, () => now);
      cdrs = new CdrsTable(doc, names.cdrs);
    });

    after(async () => {
      await engine?.stop();
    });

    it('routes: create once, list a context, replace at the version, delete', async () => {
      await routes.put(route('_X.', ['carrier1']));
      await routes.put(route('100', ['pbx2']));
      await routes.put(route('_X.', ['elsewhere'], 'other'));
      await routes.put(route('_X.', ['t2peer'], 'fromiax', 't2'));
      await assert.rejects(routes.put(route('_X.', ['dup'])), ConflictError);
      assert.deepEqual((await routes.listContext('t1', 'fromiax')).map((r) => r.pattern).sort(), ['100', '_X.']);
      const replaced = await routes.put(route('_X.', ['carrier1', 'carrier2']), 1);
      assert.equal(replaced.version, 2);
      await assert.rejects(routes.put(route('_X.', ['x']), 1), (e: unknown) => e instanceof ConflictError && /version 2, not 1/.test(e.message));
      await assert.rejects(routes.put(route('999', ['x']), 3), NotFoundError);
      await assert.rejects(routes.put({ ...route('_X.', []), pattern: '_X.' }), ValidationError);
      await routes.delete('t1', 'fromiax', '100');
      await assert.rejects(routes.delete('t1', 'fromiax', '100'), NotFoundError);
      assert.deepEqual((await routes.get('t2', 'fromiax', '_X.'))?.destinations.map((d) => d.target.peer), ['t2peer']);
    });

    it('tenants: created once, updated at the version', async () => {
      await tenants.create({ tenantId: 'acme', name: 'Acme' });
      await assert.rejects(tenants.create({ tenantId: 'acme', name: 'Again' }), ConflictError);
      await assert.rejects(tenants.create({ tenantId: 'Bad Id', name: 'x' }), (e: unknown) => e instanceof ValidationError && /tenantId: /.test(e.message));
      const updated = await tenants.update('acme', 1, (t) => ({ ...t, status: 'suspended' }));
      assert.deepEqual([updated.status, updated.version, updated.limits.maxConcurrentCalls], ['suspended', 2, 30]);
      await assert.rejects(tenants.update('acme', 1, (t) => t), ConflictError);
      await assert.rejects(tenants.update('nobody', 1, (t) => t), NotFoundError);
    });

    it('workers: a stale heartbeat reads as gone', async () => {
      await workers.heartbeat({ workerId: 'w1', privateAddress: '10.0.1.5', meshPort: 4570, heartbeatAt: now, activeCalls: 3, registrations: 10, draining: false });
      await workers.heartbeat({ workerId: 'w2', privateAddress: '10.0.1.6', meshPort: 4570, heartbeatAt: now - 60_000, activeCalls: 0, registrations: 0, draining: false });
      assert.deepEqual((await workers.live()).map((w) => w.workerId), ['w1']);
      assert.equal((await workers.get('w1'))?.activeCalls, 3);
      assert.equal(await workers.get('w2'), undefined);
      now += 31_000;
      assert.deepEqual(await workers.live(), []);
    });

    it('CDRs: written once, finished once, listed by time with paging', async () => {
      const base = Date.UTC(2026, 10, 23, 9, 0, 0);
      for (let i = 0; i < 5; i++) {
        await cdrs.write({ tenant: 't1', callId: `c${i}`, dst: '100', dcontext: 'fromiax', channel: `IAX2/pbx1-${i}`, start: base + i * 60_000, workerId: 'w1' });
      }
      await assert.rejects(cdrs.write({ tenant: 't1', callId: 'c0', dst: '100', dcontext: 'fromiax', channel: 'x', start: base, workerId: 'w1' }), ConflictError);
      assert.deepEqual((await cdrs.listOpen()).map((c) => c.callId).sort(), ['c0', 'c1', 'c2', 'c3', 'c4']);
      assert.equal(await cdrs.finish('t1', base, 'c0', { end: base + 30_000, answer: base + 5_000, disposition: 'ANSWERED', hangupCause: 16 }), true);
      assert.equal(await cdrs.finish('t1', base, 'c0', { end: base + 99_000, disposition: 'FAILED' }), false, 'a finished CDR is not finished again');
      assert.deepEqual((await cdrs.listOpen()).map((c) => c.callId).sort(), ['c1', 'c2', 'c3', 'c4'], 'a finished CDR leaves the open index');
      const firstPage = await cdrs.list('t1', base, base + 4 * 60_000, { limit: 2 });
      const secondPage = await cdrs.list('t1', base, base + 4 * 60_000, { limit: 2, cursor: firstPage.cursor });
      assert.deepEqual([...firstPage.items, ...secondPage.items].map((c) => c.callId), ['c0', 'c1', 'c2', 'c3'], 'the call starting exactly at `to` is excluded');
      assert.deepEqual([firstPage.items[0]?.duration, firstPage.items[0]?.billsec, firstPage.items[0]?.disposition, firstPage.items[0]?.hangupCause], [30, 25, 'ANSWERED', 16]);
      assert.deepEqual((await cdrs.list('t2', base, base + 10 * 60_000)).items, []);
      await assert.rejects(cdrs.list('t2', base, base + 4 * 60_000, { cursor: firstPage.cursor }), /cursor/, 't1\'s cursor cannot page through t2');
      await assert.rejects(cdrs.list('t1', base, base + 4 * 60_000, { cursor: 'not-a-cursor' }), /cursor/);
    });
  });
}
