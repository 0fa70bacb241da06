// The data layer against real DynamoDB-compatible engines: dynalite always, and AWS's
// DynamoDB Local whenever java is present (always in CI).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PeerConfigInput } from '../../../shared/model/peer.ts';
import type { Registration } from '../../../shared/model/registration.ts';
import { AstdbTable } from '../../../shared/store/astdb-table.ts';
import { createTables } from '../../../shared/store/create-tables.ts';
import { PeerCache } from '../../../shared/store/peer-cache.ts';
import { PeersTable, validatePeer } from '../../../shared/store/peers-table.ts';
import { RegistrationsTable } from '../../../shared/store/registrations-table.ts';
import { prefixedTableNames } from '../../../shared/store/store-config.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/store/store-errors.ts';
import { expiryBucket, TABLES, TOKEN_EXEMPT_ATTRIBUTE } from '../../../shared/store/table-definitions.ts';
import { availableEngines, type DynamoEngine } from '../../helpers/dynamo-engines.ts';

const peer = (name: string, tenant = 't1', extra: Partial<PeerConfigInput> = {}): PeerConfigInput => ({
  name, tenant, type: 'friend', host: 'dynamic', secrets: ['s3cret'], contexts: ['fromiax'], ...extra,
});

const registration = (name: string, registeredAt: number, fields: Partial<Registration> = {}): Registration => ({
  name, address: '192.0.2.1', port: 4569, workerId: 'w1', registeredAt, expiresAt: registeredAt + 70_000, refreshS: 60, ...fields,
});

for (const start of await availableEngines()) {
  describe(`data layer on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let peers: PeersTable;
    let registrations: RegistrationsTable;
    let astdb: AstdbTable;
    // Near the real time: DynamoDB Local deletes items whose TTL has passed.
    let now = Date.now();

    before(async () => {
      engine = await start();
      const names = prefixedTableNames(`test${Math.floor(Math.random() * 1e9)}`);
      await createTables(engine.client, names);
      await createTables(engine.client, names); // idempotent
      const doc = DynamoDBDocumentClient.from(engine.client, { marshallOptions: { removeUndefinedValues: true } });
      peers = new PeersTable(doc, names.peers, () => now);
      registrations = new RegistrationsTable(doc, names.registrations, () => now, 'worker-host-1');
      astdb = new AstdbTable(doc, names.astdb);
    });

    after(async () => {
      await engine?.stop();
    });

    it('peers: create, get, list by tenant with paging', async () => {
      for (let i = 0; i < 5; i++) await peers.create(peer(`p${i}`, i < 3 ? 't1' : 't2'));
      assert.equal((await peers.get('p0'))?.version, 1);
      const first = await peers.listByTenant('t1', { limit: 2 });
      assert.equal(first.items.length, 2);
      const rest = await peers.listByTenant('t1', { limit: 2, cursor: first.cursor });
      assert.deepEqual([...first.items, ...rest.items].map((p) => p.name).sort(), ['p0', 'p1', 'p2']);
      assert.equal((await peers.listByTenant('t2')).items.length, 2);
    });

    it('peers: the names with requirecalltoken=no are listed from the sparse index, follow replaces, and never show in reads', async () => {
      await peers.create(peer('modem1', 't1', { requirecalltoken: 'no' }));
      await peers.create(peer('box1', 't1'));
      const modem2 = await peers.create(peer('modem2', 't2', { requirecalltoken: 'no' }));
      assert.deepEqual((await peers.tokenExemptNames()).sort(), ['modem1', 'modem2']);
      await peers.replace({ ...peer('modem2', 't2'), requirecalltoken: 'yes' }, modem2.version);
      assert.deepEqual(await peers.tokenExemptNames(), ['modem1']);
      const read = await peers.get('modem1');
      assert.deepEqual(Object.keys(read ?? {}).filter((k) => k === TOKEN_EXEMPT_ATTRIBUTE), [], 'the index key is bookkeeping, not a field');
      assert.ok((await peers.listByTenant('t1')).items.every((p) => !(TOKEN_EXEMPT_ATTRIBUTE in p)));
      await peers.delete('modem1', 't1');
      assert.deepEqual(await peers.tokenExemptNames(), []);
    });

    it('a local table made before an index existed is rebuilt with it, its items kept and upgraded', async () => {
      const names = prefixedTableNames(`old${Math.floor(Math.random() * 1e9)}`);
      const peersBefore = { ...TABLES.peers, indexes: TABLES.peers.indexes.filter((index) => index.name !== 'tokenExempt') };
      await engine.client.send(new CreateTableCommand({
        TableName: names.peers,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }, { AttributeName: 'tenant', AttributeType: 'S' }],
        GlobalSecondaryIndexes: peersBefore.indexes.map((index) => ({ IndexName: index.name, KeySchema: [{ AttributeName: 'tenant', KeyType: 'HASH' }, { AttributeName: 'name', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } })),
      }));
      const doc = DynamoDBDocumentClient.from(engine.client, { marshallOptions: { removeUndefinedValues: true } });
      // Items as an older version wrote them: no index key.
      for (const name of ['old-modem', 'old-box']) {
        await doc.send(new PutCommand({ TableName: names.peers, Item: { ...validatePeer(peer(name, 't1', name === 'old-modem' ? { requirecalltoken: 'no' } : {})), version: 3, updatedAt: now } }));
      }
      await createTables(engine.client, names);
      const upgraded = new PeersTable(doc, names.peers, () => now);
      assert.deepEqual(await upgraded.tokenExemptNames(), ['old-modem']);
      assert.deepEqual((await upgraded.listByTenant('t1')).items.map((p) => [p.name, p.version]).sort(), [['old-box', 3], ['old-modem', 3]]);
    });

    it('peers: a taken name is a conflict, invalid input names the field', async () => {
      await assert.rejects(peers.create(peer('p0', 't2')), ConflictError);
      await assert.rejects(peers.create({ ...peer('bad name'), port: 99999 }), (e: unknown) => e instanceof ValidationError && /name: /.test(e.message) && /port: /.test(e.message));
    });

    it('peers: replace at the expected version only; another tenant sees nothing to change', async () => {
      const replaced = await peers.replace(peer('p1', 't1', { qualify: 2000 }), 1);
      assert.equal(replaced.version, 2);
      await assert.rejects(peers.replace(peer('p1', 't1'), 1), (e: unknown) => e instanceof ConflictError && /version 2, not 1/.test(e.message));
      await assert.rejects(peers.replace(peer('p1', 't2'), 2), NotFoundError);
      assert.equal(await peers.get('p1', 't2'), undefined, 'another tenant\'s peer reads as absent');
      assert.equal((await peers.version('p1')), 2);
    });

    it('peers: delete within the tenant and at the version', async () => {
      await assert.rejects(peers.delete('p2', 't2'), NotFoundError);
      await assert.rejects(peers.delete('p2', 't1', 7), ConflictError);
      await peers.delete('p2', 't1', 1);
      assert.equal(await peers.get('p2'), undefined);
      await assert.rejects(peers.delete('p2', 't1'), NotFoundError);
    });

    it('registrations: write and read back; expired ones read as absent though still stored', async () => {
      await registrations.put(registration('r1', now));
      assert.equal((await registrations.get('r1'))?.workerId, 'w1');
      now += 70_001;
      assert.equal(await registrations.get('r1'), undefined);
      assert.deepEqual((await registrations.expiringIn(expiryBucket(now - 1))).map((r) => r.name), ['r1']);
    });

    it('registrations: two writers at once, the later registration wins and nothing is lost', async () => {
      const older = registration('r2', now, { workerId: 'w-old', address: '192.0.2.7' });
      const newer = registration('r2', now + 5, { workerId: 'w-new', address: '198.51.100.9' });
      const results = await Promise.all([registrations.write(newer), registrations.write(older)]);
      assert.equal((await registrations.get('r2'))?.workerId, 'w-new');
      assert.ok(results[0], 'the newer write succeeded');
      assert.equal(await registrations.write(older), false, 'an older write never replaces a newer one');
    });

    it('registrations: removal by expiry only removes that very registration; qualify updates only by the owning worker', async () => {
      await registrations.put(registration('r3', now));
      const owner = (await registrations.get('r3'))!.workerId;
      assert.equal(await registrations.updateQualify('r3', { status: 'OK', latencyMs: 12 }, owner), true);
      assert.deepEqual((await registrations.get('r3'))?.qualify, { status: 'OK', latencyMs: 12 });
      assert.equal(await registrations.updateQualify('r3', { status: 'UNREACHABLE' }, 'a-worker-it-moved-away-from'), false, 'a former owner cannot overwrite it');
      assert.deepEqual((await registrations.get('r3'))?.qualify, { status: 'OK', latencyMs: 12 });
      assert.equal(await registrations.remove('r3', now + 1), false, 'a refreshed registration is not expired');
      assert.equal(await registrations.remove('r3', now + 70_000), true);
      assert.equal(await registrations.remove('r3'), false);
      assert.equal(await registrations.updateQualify('r3', { status: 'UNREACHABLE' }, owner), false, 'gone: nothing to update, not an error');
    });

    it('astdb: each tenant has its own; the same family/key in two tenants are two values', async () => {
      await astdb.put({ family: 'secrets', key: 'p0', value: 'fromdb', tenant: 't1' });
      assert.equal(await astdb.get('t1', 'secrets', 'p0'), 'fromdb');
      assert.equal(await astdb.get('t2', 'secrets', 'p0'), undefined);
      await astdb.put({ family: 'secrets', key: 'p0', value: 'mine', tenant: 't2' });
      assert.deepEqual([await astdb.get('t1', 'secrets', 'p0'), await astdb.get('t2', 'secrets', 'p0')], ['fromdb', 'mine']);
      await astdb.put({ family: 'secrets', key: 'p1', value: 'x', tenant: 't1' });
      assert.deepEqual((await astdb.keys('t1', 'secrets')).sort(), ['p0', 'p1']);
      await astdb.delete('t2', 'secrets', 'p0');
      await assert.rejects(astdb.delete('t2', 'secrets', 'p0'), NotFoundError);
      assert.equal(await astdb.get('t1', 'secrets', 'p0'), 'fromdb', 'deleting t2\'s entry left t1\'s');
      await assert.rejects(astdb.put({ family: 'a/b', key: 'k', value: 'v', tenant: 't1' }), (e: unknown) => e instanceof ValidationError && /family: /.test(e.message));
    });

    it('the peer cache over the real table refreshes when the version changes', async () => {
      let clock = 0;
      const cache = new PeerCache({ get: (n) => peers.get(n), version: (n) => peers.version(n) }, { maxAgeMs: 1000, now: () => clock });
      assert.equal((await cache.get('p3'))?.qualify, false);
      await peers.replace(peer('p3', 't2', { qualify: 500 }), 1);
      assert.equal((await cache.get('p3'))?.qualify, false, 'still fresh: served from the cache');
      clock = 2000;
      assert.equal((await cache.get('p3'))?.qualify, 500, 'stale, version moved: refetched');
      clock = 4000;
      await cache.get('p3');
      assert.equal(cache.stats.revalidated, 1, 'stale, same version: kept');
    });
  });
}
