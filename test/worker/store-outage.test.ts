// A store outage, end to end: a worker whose DynamoDB (dynalite) sits behind a TCP proxy the
// test black-holes (connections accepted, nothing ever answered: no mock of the SDK), three
// PBX endpoints registered with 2 s grants over real UDP. Through the outage the boxes keep
// refreshing (granted from memory) and keep calling each other (routes, tenant limits, peers
// and registrations served from what was last read), /healthz stays 200 but says the store is
// degraded, /metrics says so too; once the store is back every queued registration and CDR
// lands, none lost, and the health says ok again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWorker, type Worker } from '../../services/worker/worker.ts';
import { StoreHealth } from '../../services/worker/store-health.ts';
import { queuedWrites } from '../../services/worker/store-metrics.ts';
import { SystemClock } from '../../shared/clock.ts';
import { jsonLogger } from '../../shared/logger.ts';
import type { Cdr } from '../../shared/model/cdr.ts';
import { createDynamoClient } from '../../shared/store/dynamo-client.ts';
import { openStores } from '../../shared/store/stores.ts';
import { startBlackholeProxy, type BlackholeProxy } from '../helpers/blackhole-proxy.ts';
import { watch } from '../helpers/call-watch.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

const IAX_CONF = `[general]
disallow=all
allow=ulaw

[pbx](!)
type=friend
host=dynamic
auth=md5
trunk=yes
qualify=yes
context=fromiax

[foo](pbx)
secret=foo-secret

[bar](pbx)
secret=bar-secret

[baz](pbx)
secret=baz-secret
`;

const EXTENSIONS_CONF = `[fromiax]
exten => _2X,1,Dial(IAX2/bar/\${EXTEN})
exten => _4X,1,Dial(IAX2/foo/\${EXTEN})
exten => _6X,1,Dial(IAX2/baz/\${EXTEN})
`;

/** Long enough for several 2 s registration cycles and the SDK's deadlines to have failed many times over. */
const OUTAGE_MS = 15_000;
const GRANT_S = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a store outage', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let proxy: BlackholeProxy;
  let worker: Worker;
  const pbxes: PbxEndpoint[] = [];
  const logs: string[] = [];
  const startedAt = Date.now();
  let outage = { tried: 0, connected: 0, refreshes: 0, fromMemory: 0 };

  const statusUrl = (path: string): string => `http://127.0.0.1:${worker.status.port}${path}`;
  const health = async (): Promise<{ status: number; body: { status: string; store: string } }> => {
    const response = await fetch(statusUrl('/healthz'));
    return { status: response.status, body: (await response.json()) as { status: string; store: string } };
  };

  /** One call from `from` to `extension`: true when the callee answered it. Then hung up. */
  async function call(from: PbxEndpoint, extension: string): Promise<boolean> {
    const placed = from.dial(extension);
    const seen = watch(placed);
    const answered = await waitFor(`${from.name} → ${extension}`, () => (seen.answered ? true : seen.ended ? false : undefined), 5000).catch(() => false);
    if (!placed.closed) placed.hangup(16);
    return answered;
  }

  /** A round of calls between every pair of boxes, all at once. */
  async function round(): Promise<boolean[]> {
    const [foo, bar, baz] = pbxes as [PbxEndpoint, PbxEndpoint, PbxEndpoint];
    const results = await Promise.all([call(foo, '21'), call(bar, '41'), call(baz, '22'), call(foo, '61'), call(bar, '62'), call(baz, '42')]);
    // Every routed call has ended (and queued its CDR) before the next round.
    await waitFor('the round\'s calls to end', () => (worker.switch.activeCount === 0 ? true : undefined), 5000);
    return results;
  }

  async function cdrsSince(from: number): Promise<Cdr[]> {
    const found: Cdr[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.control.stores.cdrs.list('acme', from, Date.now() + 1000, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      found.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return found;
  }

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    const key = await h.addTenant('acme', { callsPerSecond: 500, maxConcurrentCalls: 500 });
    const imported = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: IAX_CONF }, { name: 'extensions.conf', text: EXTENSIONS_CONF }] } });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    // The worker reaches the store only through the proxy; the test reads it directly.
    proxy = await startBlackholeProxy(engine.endpoint);
    const clock = new SystemClock();
    const logger = jsonLogger({ service: 'worker', level: 'info', write: (line) => logs.push(line) });
    const storeHealth = new StoreHealth({ clock, logger: logger.child({ component: 'store' }) });
    const client = createDynamoClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'strowgertest', secretAccessKey: 'strowgertest' }, observer: storeHealth });
    worker = await startWorker({
      workerId: 'w-outage',
      stores: openStores(client, h.names),
      storeHealth,
      iax: { address: '127.0.0.1', port: 0 },
      status: { address: '127.0.0.1', port: 0 },
      clock,
      logger,
      minExpireS: GRANT_S,
      maxExpireS: GRANT_S,
      heartbeatMs: 1000,
      // Short cache ages, so the outage is served from stale entries, not merely fresh ones.
      caches: { peerMaxAgeMs: 1000, routeMaxAgeMs: 1000, tenantMaxAgeMs: 1000 },
      writeBehind: { maxBackoffMs: 1000 },
    });
    const platform = worker.transport.localAddress();
    for (const [name, secret] of [['foo', 'foo-secret'], ['bar', 'bar-secret'], ['baz', 'baz-secret']] as const) {
      pbxes.push(await startPbx(name, secret, platform, () => 'answer', GRANT_S));
    }
    await Promise.all(pbxes.map((pbx) => pbx.registered()));
  });

  after(async () => {
    for (const pbx of pbxes) await pbx.close();
    await worker?.close();
    await proxy?.close();
    await h?.close();
    await engine?.stop();
  });

  it('with the store up: the boxes call each other, CDRs land, the store is ok', async () => {
    assert.deepEqual(await round(), [true, true, true, true, true, true]);
    await waitFor('the CDRs', async () => ((await cdrsSince(startedAt)).filter((c) => c.end !== undefined).length === 6 ? true : undefined));
    const { status, body } = await health();
    assert.deepEqual([status, body.status, body.store], [200, 'ok', 'ok']);
  });

  it(`black-holed for ${OUTAGE_MS / 1000} s: refreshes granted from memory, ≥ 99 % of calls connect, /healthz 200 but degraded`, async () => {
    const unhealthy: string[] = [];
    for (const pbx of pbxes) {
      pbx.registration.events.on('statechange', ({ state }) => {
        if (state === 'Rejected' || state === 'Timeout' || state === 'No Authentication') unhealthy.push(`${pbx.name}: ${state}`);
      });
    }
    let refreshes = 0;
    worker.registrar.events.on('registered', () => refreshes++);
    const deferredBefore = worker.registrar.stats.deferred;

    proxy.blackhole();
    const since = Date.now();
    let tried = 0;
    let connected = 0;
    let checked: Promise<void> | undefined;
    while (Date.now() - since < OUTAGE_MS) {
      const results = await round();
      tried += results.length;
      connected += results.filter(Boolean).length;
      // Half way through, once the SDK's deadlines have run out: what the status port says.
      if (checked === undefined && Date.now() - since > OUTAGE_MS / 2) {
        checked = (async () => {
          const { status, body } = await health();
          assert.equal(status, 200, 'a store outage does not take the worker out of the load balancer');
          assert.equal(body.store, 'degraded');
          const metrics = await (await fetch(statusUrl('/metrics'))).text();
          assert.match(metrics, /^strowger_store_degraded 1$/m);
          assert.match(metrics, /^strowger_store_queued_writes [1-9]\d*$/m);
          assert.match(metrics, /^strowger_store_errors_total\{kind="timeout"\} [1-9]\d*$/m);
          assert.match(metrics, /^strowger_store_call_duration_seconds_count [1-9]\d*$/m);
        })();
      }
      await sleep(250);
    }
    await checked;
    outage = { tried, connected, refreshes, fromMemory: worker.registrar.stats.deferred - deferredBefore };
    console.log(`outage: ${connected}/${tried} calls connected, ${refreshes} registrations granted (${outage.fromMemory} from memory), ${proxy.swallowed} store connections swallowed`);
    // Rounds take longer on a loaded machine (the full suite runs files side by side).
    assert.ok(tried >= 30, `enough calls to mean something (${tried})`);
    assert.ok(connected >= Math.ceil(tried * 0.99), `${connected} of ${tried} calls connected`);
    assert.ok(refreshes >= pbxes.length * 5, `several refreshes per box (${refreshes})`);
    assert.ok(outage.fromMemory >= pbxes.length * 4, 'the refreshes were granted from memory');
    assert.deepEqual(unhealthy, [], 'no box lost its registration');
    assert.ok(pbxes.every((pbx) => pbx.registration.state !== 'Unregistered'));
    assert.ok(worker.store().health.degraded);
    assert.ok(logs.some((line) => line.includes('the store is failing')), 'the outage is logged');
    const storeErrorLines = logs.filter((line) => line.includes('"store call failed"')).length;
    assert.ok(storeErrorLines > 0 && storeErrorLines < 60, `store errors are logged, rate-limited (${storeErrorLines} lines)`);
  });

  it('the store back: every queued registration and CDR lands, none lost, and the store is ok again', async () => {
    proxy.restore();
    await waitFor('the queues to drain', () => (queuedWrites(worker.store()) === 0 && !worker.store().health.degraded ? true : undefined), 20_000);
    const { registrations, cdrs } = worker.store().queues;
    console.log(`after: registrations queued ${registrations!.queued}, written ${registrations!.written}, coalesced ${registrations!.coalesced}, dropped ${registrations!.dropped}; CDR writes queued ${cdrs!.queued}, written ${cdrs!.written}, coalesced ${cdrs!.coalesced}, dropped ${cdrs!.dropped}`);
    assert.ok(registrations!.queued >= outage.fromMemory && registrations!.written >= pbxes.length, JSON.stringify(registrations));
    assert.equal(registrations!.dropped, 0);
    assert.equal(registrations!.queued, registrations!.written + registrations!.coalesced);
    assert.equal(cdrs!.dropped, 0);
    assert.equal(cdrs!.queued, cdrs!.written + cdrs!.coalesced);
    // Each box's registration in the store is one this worker granted during or after the outage.
    for (const pbx of pbxes) {
      const stored = await h.control.stores.registrations.get(pbx.name);
      assert.equal(stored?.workerId, 'w-outage');
      assert.ok(stored !== undefined && stored.registeredAt > startedAt);
    }
    // One complete CDR per call routed, the outage's included.
    const routed = worker.switch.stats.routed;
    const stored = await cdrsSince(startedAt);
    console.log(`CDRs: ${stored.length} in the store for ${routed} calls routed (${outage.tried} placed during the outage)`);
    assert.equal(stored.length, routed);
    assert.ok(stored.every((cdr) => cdr.end !== undefined && cdr.disposition === 'ANSWERED'), 'every record is complete');
    assert.equal(new Set(stored.map((cdr) => cdr.callId)).size, stored.length);
    const { status, body } = await health();
    assert.deepEqual([status, body.store], [200, 'ok']);
    const metrics = await (await fetch(statusUrl('/metrics'))).text();
    assert.match(metrics, /^strowger_store_degraded 0$/m);
    assert.match(metrics, /^strowger_store_queued_writes 0$/m);
    assert.ok(logs.some((line) => line.includes('the store answers again')));
    // And calls go on as before.
    assert.deepEqual(await round(), [true, true, true, true, true, true]);
  });
});
