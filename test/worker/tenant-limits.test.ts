// Per-tenant admission on a real tenants table (dynalite): concurrent calls, calls per second
// as a token bucket on the injected clock, suspended tenants, and a store outage.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TenantLimiter } from '../../services/worker/switch/tenant-limits.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores, type Stores } from '../../shared/store/stores.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';

describe('tenant limits', () => {
  let engine: DynamoEngine;
  let stores: Stores;

  before(async () => {
    engine = await startDynalite();
    const names = prefixedTableNames(`lim${Math.floor(Math.random() * 1e9)}`);
    await createTables(engine.client, names);
    stores = openStores(engine.client, names);
    await stores.tenants.create({ tenantId: 'small', name: 'small', limits: { maxPeers: 5, maxConcurrentCalls: 2, callsPerSecond: 100 } });
    await stores.tenants.create({ tenantId: 'slow', name: 'slow', limits: { maxPeers: 5, maxConcurrentCalls: 100, callsPerSecond: 2 } });
    const off = await stores.tenants.create({ tenantId: 'off', name: 'off' });
    await stores.tenants.update('off', off.version, (t) => ({ ...t, status: 'suspended' }));
  });
  after(async () => {
    await engine?.stop();
  });

  it('concurrent calls: the third waits for a release', async () => {
    const limiter = new TenantLimiter(stores.tenants, () => 0);
    assert.deepEqual([await limiter.admit('small'), await limiter.admit('small'), await limiter.admit('small')], ['ok', 'ok', 'concurrent-limit']);
    limiter.release('small');
    assert.equal(await limiter.admit('small'), 'ok');
    assert.equal(limiter.activeCalls('small'), 2);
  });

  it('calls per second: a burst of the rate, then one more as each 1/rate s passes', async () => {
    let now = 0;
    const limiter = new TenantLimiter(stores.tenants, () => now);
    assert.deepEqual([await limiter.admit('slow'), await limiter.admit('slow'), await limiter.admit('slow')], ['ok', 'ok', 'rate-limit']);
    now += 499;
    assert.equal(await limiter.admit('slow'), 'rate-limit');
    now += 1;
    assert.equal(await limiter.admit('slow'), 'ok');
  });

  it('a suspended or unknown tenant gets nothing; concurrent first calls count once each', async () => {
    const limiter = new TenantLimiter(stores.tenants, () => 0);
    assert.equal(await limiter.admit('off'), 'suspended');
    assert.equal(await limiter.admit('nobody'), 'suspended');
    const racing = await Promise.all([limiter.admit('small'), limiter.admit('small'), limiter.admit('small')]);
    assert.deepEqual(racing.sort(), ['concurrent-limit', 'ok', 'ok']);
  });

  it('the store out: a tenant read before keeps being counted against its last limits; one never read is refused', async () => {
    let now = 0;
    let up = true;
    const limiter = new TenantLimiter({
      get: (tenant) => (up ? stores.tenants.get(tenant) : Promise.reject(Object.assign(new Error('no answer'), { name: 'TimeoutError' }))),
    }, () => now, 30_000, { staleWaitMs: 10 });
    assert.deepEqual([await limiter.admit('small'), await limiter.admit('slow')], ['ok', 'ok']);
    up = false;
    now += 60_000;
    assert.deepEqual([await limiter.admit('small'), await limiter.admit('small')], ['ok', 'concurrent-limit'], 'small: at most 2 at once, as last read');
    limiter.release('small');
    assert.equal(await limiter.admit('small'), 'ok');
    assert.deepEqual([await limiter.admit('slow'), await limiter.admit('slow'), await limiter.admit('slow')], ['ok', 'ok', 'rate-limit'], 'slow: 2 a second, as last read');
    await assert.rejects(limiter.admit('off'), /no answer/, 'never read: not admitted while the store is out');
    assert.ok(limiter.stats.servedStale >= 4);
  });
});
