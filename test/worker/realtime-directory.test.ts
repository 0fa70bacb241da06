// The realtime path end to end on dynalite: peers provisioned in the table call in and
// register through a real engine on UDP loopback; registrations land in the table (rtupdate).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SystemClock } from '../../shared/clock.ts';
import { AstdbTable } from '../../shared/store/astdb-table.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { PeerCache } from '../../shared/store/peer-cache.ts';
import { PeersTable, type PeerRecord } from '../../shared/store/peers-table.ts';
import { RegistrationsTable } from '../../shared/store/registrations-table.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import { Registrar, RegistrationClient } from '../../services/iax2/registrar/index.ts';
import { capabilityOf, RealtimeDirectory, toIaxPeer } from '../../services/worker/realtime-directory.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';
import { directoryOf } from '../helpers/engine-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 4000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('realtime directory on dynalite', () => {
  let engine: DynamoEngine;
  let server: Iax2Engine;
  let client: Iax2Engine;
  let registrar: Registrar;
  let registrations: RegistrationsTable;
  let cache: PeerCache<PeerRecord>;
  let directory: RealtimeDirectory;
  const transports: UdpTransport[] = [];

  before(async () => {
    engine = await startDynalite();
    const names = prefixedTableNames(`rt${Math.floor(Math.random() * 1e9)}`);
    await createTables(engine.client, names);
    const doc = DynamoDBDocumentClient.from(engine.client, { marshallOptions: { removeUndefinedValues: true } });
    const peers = new PeersTable(doc, names.peers);
    const astdb = new AstdbTable(doc, names.astdb);
    registrations = new RegistrationsTable(doc, names.registrations);
    await peers.create({ name: 'pbx1', tenant: 't1', type: 'friend', host: 'dynamic', dbsecret: 'iax/pbx1', contexts: ['fromiax'], qualify: 1000, codecs: [{ allow: false, codec: 'all' }, { allow: true, codec: 'ulaw' }] });
    await peers.create({ name: 'onlyuser', tenant: 't1', type: 'user', secrets: ['u'], contexts: ['x'] });
    await astdb.put({ family: 'iax', key: 'pbx1', value: 'fromastdb', tenant: 't1' });
    cache = new PeerCache({ get: (n) => peers.get(n), version: (n) => peers.version(n) });
    directory = new RealtimeDirectory(cache, astdb);
    const clock = new SystemClock();
    const st = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const ct = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    transports.push(st, ct);
    server = new Iax2Engine({ transport: st, clock, directory });
    client = new Iax2Engine({ transport: ct, clock, directory: directoryOf([]) });
    registrar = new Registrar({ engine: server, clock, store: registrations, findPeer: (n) => directory.findPeer(n), resolveDbSecret: (f, k, owner) => directory.resolveDbSecret(f, k, owner), workerId: 'worker-1' });
    server.events.on('incomingCall', ({ call }) => server.accept(call));
  });

  after(async () => {
    registrar?.close();
    server?.close();
    client?.close();
    for (const t of transports) t.close();
    await engine?.stop();
  });

  it('a stored friend calls in with MD5 against its dbsecret; the codec list applies', async () => {
    const call = client.call({ remote: transports[0]!.localAddress(), calledNumber: '100', username: 'pbx1', secret: 'fromastdb', capability: Format.ULAW | Format.GSM, format: Format.GSM });
    const accepted = await new Promise<bigint>((resolve, reject) => {
      call.events.on('accepted', ({ format }) => resolve(format));
      call.events.on('rejected', (r) => reject(new Error(`rejected: ${JSON.stringify(r)}`)));
    });
    assert.equal(accepted, Format.ULAW, 'disallow=all, allow=ulaw');
    call.hangup();
  });

  it('it registers, the registration is in the table with this worker, and qualify reaches the table', async () => {
    const c = new RegistrationClient({ engine: client, clock: new SystemClock(), remote: transports[0]!.localAddress(), username: 'pbx1', secret: 'fromastdb' });
    c.start();
    await until(() => c.state === 'Registered', 'registration');
    const stored = await registrations.get('pbx1');
    assert.deepEqual([stored?.workerId, stored?.port, stored?.refreshS], ['worker-1', transports[1]!.localAddress().port, 60]);
    await until(async () => (await registrations.get('pbx1'))?.qualify?.status === 'OK', 'qualify status in the table');
    await c.stop();
    assert.equal(await registrations.get('pbx1'), undefined);
  });

  it('a user-only entry cannot register, and a cached lookup answers without a read', async () => {
    assert.equal(await directory.findPeer('onlyuser'), undefined);
    const readsBefore = cache.stats.misses + cache.stats.revalidated + cache.stats.refreshed;
    const sync = directory.findUser('pbx1');
    assert.ok(!(sync instanceof Promise), 'a fresh cache entry answers synchronously');
    assert.equal(sync?.name, 'pbx1');
    assert.equal(cache.stats.misses + cache.stats.revalidated + cache.stats.refreshed, readsBefore, 'no table read');
  });

  it('allow/disallow apply in order from full bandwidth, and a peer keeps only its last secret', () => {
    assert.deepEqual(capabilityOf([]), { capability: 0xffffn, prefs: [] });
    assert.deepEqual(capabilityOf([{ allow: false, codec: 'all' }, { allow: true, codec: 'gsm' }, { allow: true, codec: 'ulaw' }, { allow: false, codec: 'gsm' }]), { capability: Format.ULAW, prefs: [Format.ULAW] });
    const record = { name: 'p', tenant: 't', type: 'peer', secrets: ['a', 'b'], inkeys: [], publicKeys: {}, acl: [], host: 'dynamic', qualify: false, codecs: [] } as unknown as PeerRecord;
    assert.deepEqual(toIaxPeer(record).secrets, ['b']);
  });
});
