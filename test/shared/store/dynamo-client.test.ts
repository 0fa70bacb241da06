// The worker's DynamoDB client (dynalite behind a TCP proxy the test black-holes): a dead store
// costs a call the request deadline twice (one retry) and no more, the failure is a timeout, and
// the observer sees every call, the document client's included, a refused condition as an answer.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDynamoClient, STORE_MAX_ATTEMPTS, STORE_REQUEST_TIMEOUT_MS, type StoreCallObserver } from '../../../shared/store/dynamo-client.ts';
import { createTables } from '../../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../../shared/store/store-config.ts';
import { classifyStoreFailure } from '../../../shared/store/store-failure.ts';
import { openStores, type Stores } from '../../../shared/store/stores.ts';
import { startBlackholeProxy, type BlackholeProxy } from '../../helpers/blackhole-proxy.ts';
import { startDynalite, type DynamoEngine } from '../../helpers/dynamo-engines.ts';

const credentials = { accessKeyId: 'strowgertest', secretAccessKey: 'strowgertest' };

function recorder() {
  const seen: string[] = [];
  const observer: StoreCallObserver = {
    succeeded: (command) => seen.push(`ok ${command}`),
    failed: (command, _ms, error) => seen.push(`failed ${command} ${classifyStoreFailure(error)}`),
  };
  return { seen, observer };
}

describe('the worker\'s DynamoDB client', () => {
  let engine: DynamoEngine;
  let proxy: BlackholeProxy;
  const names = prefixedTableNames(`dc${Math.floor(Math.random() * 1e9)}`);

  before(async () => {
    engine = await startDynalite();
    await createTables(engine.client, names);
    proxy = await startBlackholeProxy(engine.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await engine?.stop();
  });

  it('a store that answers: every call is observed, a refused conditional write as an answer', async () => {
    const { seen, observer } = recorder();
    const client = createDynamoClient({ endpoint: proxy.url, region: 'us-east-1', credentials, observer });
    const stores: Stores = openStores(client, names);
    await stores.tenants.create({ tenantId: 'acme', name: 'acme' });
    await assert.rejects(stores.tenants.create({ tenantId: 'acme', name: 'acme' }), /exists/);
    assert.equal((await stores.tenants.get('acme'))?.tenantId, 'acme');
    assert.deepEqual(seen, ['ok PutItemCommand', 'ok PutItemCommand', 'ok GetItemCommand']);
    client.destroy();
  });

  it(`black-holed: a read gives up after ${STORE_MAX_ATTEMPTS} × ${STORE_REQUEST_TIMEOUT_MS} ms, as a timeout, and is observed once`, async () => {
    const { seen, observer } = recorder();
    const client = createDynamoClient({ endpoint: proxy.url, region: 'us-east-1', credentials, observer });
    const stores = openStores(client, names);
    proxy.blackhole();
    try {
      const started = Date.now();
      const error = await stores.tenants.get('acme').then(() => undefined, (e: unknown) => e);
      const elapsed = Date.now() - started;
      assert.equal(classifyStoreFailure(error), 'timeout', String(error));
      assert.ok(elapsed >= STORE_REQUEST_TIMEOUT_MS && elapsed < STORE_MAX_ATTEMPTS * STORE_REQUEST_TIMEOUT_MS + 1500, `${elapsed} ms`);
      assert.deepEqual(seen, ['failed GetItemCommand timeout']);
      assert.ok(proxy.swallowed >= STORE_MAX_ATTEMPTS, 'the retry went out too');
    } finally {
      proxy.restore();
    }
    assert.equal((await stores.tenants.get('acme'))?.tenantId, 'acme', 'restored: answered again');
    client.destroy();
  });

  it('nothing listening: the call fails at once, as a network failure', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const { seen, observer } = recorder();
    const client = createDynamoClient({ endpoint: `http://127.0.0.1:${closed}`, region: 'us-east-1', credentials, observer });
    const started = Date.now();
    await assert.rejects(openStores(client, names).tenants.get('acme'));
    assert.ok(Date.now() - started < 1500);
    assert.deepEqual(seen, ['failed GetItemCommand network']);
    client.destroy();
  });
});
