// A store outage, end to end: a worker whose DynamoDB (dynalite) sits behind a TCP proxy the
// test black-holes (connections accepted, nothing ever answered: no mock of the SDK), three
// PBX endpoints registered with 2 s grants over real UDP. Through the outage the boxes keep
// refreshing (granted from memory) and keep calling each other (routes, tenant limits, peers
// and registrations served from what was last read), /healthz stays 200 but says the store is
// degraded, /metrics says so too; once the store is back every queued registration and CDR
// lands, none lost, and the health says ok again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StoreHealth } from '../../services/worker/store-health.ts';
import { queuedWrites } from '../../services/worker/store-metrics.ts';
import { SystemClock } from '../../shared/clock.ts';
import type { Cdr } from '../../shared/model/cdr.ts';
import { createDynamoClient } from '../../shared/store/dynamo-client.ts';
import { openStores } from '../../shared/store/stores.ts';
import { startBlackholeProxy, type BlackholeProxy } from '../helpers/blackhole-proxy.ts';
import { watch } from '../helpers/call-watch.ts';
import type { PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorkerFixture, type WorkerFixture } from '../helpers/worker-fixture.ts';

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
  let f: WorkerFixture;
  let proxy: BlackholeProxy;
  const pbxes: PbxEndpoint[] = [];
  const startedAt = Date.now();
  let outage = { tried: 0, connected: 0, refreshes: 0, fromMemory: 0 };

  const statusUrl = (path: string): string => `http://127.0.0.1:${f.worker.status.port}${path}`;
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
    await waitFor('the round\'s calls to end', () => (f.worker.switch.activeCount === 0 ? true : undefined), 5000);
    return results;
  }

  async function cdrsSince(from: number): Promise<Cdr[]> {
    const found: Cdr[] = [];
    let cursor: string | undefined;
    do {
      const page = await f.stores.cdrs.list('acme', from, Date.now() + 1000, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      found.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return found;
  }

  before(async () => {
    f = await startWorkerFixture({
      limits: { callsPerSecond: 500, maxConcurrentCalls: 500 },
      conf: { iax: IAX_CONF, extensions: EXTENSIONS_CONF },
      worker: async ({ engine, control, logger, onClose }) => {
        // The worker reaches the store only through the proxy; the test reads it directly.
        proxy = await startBlackholeProxy(engine.endpoint);
        onClose(() => proxy.close());
        const clock = new SystemClock();
        const storeHealth = new StoreHealth({ clock, logger: logger.child({ component: 'store' }) });
        const client = createDynamoClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'strowgertest', secretAccessKey: 'strowgertest' }, observer: storeHealth });
        return {
          workerId: 'w-outage',
          stores: openStores(client, control.names),
          storeHealth,
          clock,
          minExpireS: GRANT_S,
          maxExpireS: GRANT_S,
          heartbeatMs: 1000,
          // Short cache ages, so the outage is served from stale entries, not merely fresh ones.
          caches: { peerMaxAgeMs: 1000, routeMaxAgeMs: 1000, tenantMaxAgeMs: 1000 },
          writeBehind: { maxBackoffMs: 1000 },
        };
      },
    });
    for (const [name, secret] of [['foo', 'foo-secret'], ['bar', 'bar-secret'], ['baz', 'baz-secret']] as const) {
      pbxes.push(await f.pbx(name, secret, { refreshS: GRANT_S }));
    }
    await Promise.all(pbxes.map((pbx) => pbx.registered()));
  });

  after(async () => {
    await f?.close();
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
    f.worker.registrar.events.on('registered', () => refreshes++);
    const deferredBefore = f.worker.registrar.stats.deferred;

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
    outage = { tried, connected, refreshes, fromMemory: f.worker.registrar.stats.deferred - deferredBefore };
    console.log(`outage: ${connected}/${tried} calls connected, ${refreshes} registrations granted (${outage.fromMemory} from memory), ${proxy.swallowed} store connections swallowed`);
    // Rounds take longer on a loaded machine (the full suite runs files side by side).
    assert.ok(tried >= 30, `enough calls to mean something (${tried})`);
    assert.ok(connected >= Math.ceil(tried * 0.99), `${connected} of ${tried} calls connected`);
    assert.ok(refreshes >= pbxes.length * 5, `several refreshes per box (${refreshes})`);
    assert.ok(outage.fromMemory >= pbxes.length * 4, 'the refreshes were granted from memory');
    assert.deepEqual(unhealthy, [], 'no box lost its registration');
    assert.ok(pbxes.every((pbx) => pbx.registration.state !== 'Unregistered'));
    assert.ok(f.worker.store().health.degraded);
    assert.ok(f.logs.some((line) => line.includes('the store is failing')), 'the outage is logged');
    const storeErrorLines = f.logs.filter((line) => line.includes('"store call failed"')).length;
    assert.ok(storeErrorLines > 0 && storeErrorLines < 60, `store errors are logged, rate-limited (${storeErrorLines} lines)`);
  });

  it('the store back: every queued registration and CDR lands, none lost, and the store is ok again', async () => {
    proxy.restore();
    await waitFor('the queues to drain', () => (queuedWrites(f.worker.store()) === 0 && !f.worker.store().health.degraded ? true : undefined), 20_000);
    const { registrations, cdrs } = f.worker.store().queues;
    console.log(`after: registrations queued ${registrations!.queued}, written ${registrations!.written}, coalesced ${registrations!.coalesced}, dropped ${registrations!.dropped}; CDR writes queued ${cdrs!.queued}, written ${cdrs!.written}, coalesced ${cdrs!.coalesced}, dropped ${cdrs!.dropped}`);
    assert.ok(registrations!.queued >= outage.fromMemory && registrations!.written >= pbxes.length, JSON.stringify(registrations));
    assert.equal(registrations!.dropped, 0);
    assert.equal(registrations!.queued, registrations!.written + registrations!.coalesced);
    assert.equal(cdrs!.dropped, 0);
    assert.equal(cdrs!.queued, cdrs!.written + cdrs!.coalesced);
    // Each box's registration in the store is one this worker granted during or after the outage.
    for (const pbx of pbxes) {
      const stored = await f.stores.registrations.get(pbx.name);
      assert.equal(stored?.workerId, 'w-outage');
      assert.ok(stored !== undefined && stored.registeredAt > startedAt);
    }
    // One complete CDR per call routed, the outage's included.
    const routed = f.worker.switch.stats.routed;
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
    assert.ok(f.logs.some((line) => line.includes('the store answers again')));
    // And calls go on as before.
    assert.deepEqual(await round(), [true, true, true, true, true, true]);
  });
});
