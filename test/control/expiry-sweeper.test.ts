// The expiry sweeper's warm runs, on real engines with a clock the test moves: what a run reads
// (every request the store client sends is recorded, with its index and key) and that reading
// less misses no expiry and no orphaned CDR. jobs.test.ts has its end-to-end cases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ExpirySweeper, type SweeperOptions } from '../../services/control/jobs/expiry-sweeper.ts';
import type { Registration } from '../../shared/model/registration.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { openStores, type Stores } from '../../shared/store/stores.ts';
import { expiryBucket } from '../../shared/store/table-definitions.ts';
import { availableEngines, type DynamoEngine } from '../helpers/dynamo-engines.ts';

interface StoreRequest {
  command: string;
  index: string | undefined;
  /** The partition a query asked for: an expiry bucket or a worker id. */
  partition: number | string | undefined;
}

/** Every request `client` sends from now on, as the store built it. */
function recordRequests(client: DynamoDBClient): StoreRequest[] {
  const requests: StoreRequest[] = [];
  const plain = (value: unknown): number | string | undefined => {
    if (typeof value === 'number' || typeof value === 'string') return value;
    const attribute = value as { N?: string; S?: string } | undefined;
    return attribute?.N !== undefined ? Number(attribute.N) : attribute?.S;
  };
  client.middlewareStack.add((next, context) => async (args) => {
    const input = args.input as { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> };
    const values = input.ExpressionAttributeValues ?? {};
    requests.push({ command: context.commandName ?? 'unknown', index: input.IndexName, partition: plain(values[':bucket'] ?? values[':worker']) });
    return next(args);
  }, { step: 'initialize', name: 'recordSweeperTestRequests' });
  return requests;
}

const MINUTE = 60_000;
const STALE_MS = 30_000;

for (const start of await availableEngines()) {
  describe(`expiry sweeper warm runs on ${start.engineName}`, () => {
    let engine: DynamoEngine;
    let requests: StoreRequest[];
    // A minute bucket a few ahead of now, so no engine's TTL sweep deletes what a test writes.
    const bucket0 = expiryBucket(Date.now()) + 5;
    const clock = { at: 0 };

    before(async () => {
      engine = await start();
      requests = recordRequests(engine.client);
    });
    after(() => engine?.stop());

    /** Fresh tables, the clock at `at`, and a sweeper over them. */
    async function fresh(at: number, options: Partial<SweeperOptions> = {}): Promise<{ stores: Stores; sweeper: ExpirySweeper }> {
      const names = prefixedTableNames(`swp${Math.floor(Math.random() * 1e9)}`);
      await createTables(engine.client, names);
      clock.at = at;
      const stores = openStores(engine.client, names, { now: () => clock.at, workerStaleMs: STALE_MS });
      return { stores, sweeper: new ExpirySweeper({ stores, now: () => clock.at, ...options }) };
    }

    /** One run, and the expiry buckets it read. */
    async function sweep(sweeper: ExpirySweeper): Promise<{ expired: string[]; closedCdrs: string[]; buckets: number[]; requests: StoreRequest[] }> {
      requests.length = 0;
      const report = await sweeper.sweep();
      const made = [...requests];
      const buckets = made.filter((r) => r.index === 'byExpiryBucket').map((r) => r.partition as number);
      return { expired: report.expired.sort(), closedCdrs: report.closedCdrs.sort(), buckets, requests: made };
    }

    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const registration = (name: string, expiresAt: number): Registration => ({ name, tenant: 'acme', address: '192.0.2.1', port: 4569, workerId: 'w1', registeredAt: expiresAt - 70_000, expiresAt, refreshS: 60 });
    const beat = (stores: Stores, workerId: string, at: number): Promise<void> =>
      stores.workers.heartbeat({ workerId, privateAddress: '10.0.0.1', meshPort: 4570, heartbeatAt: at, activeCalls: 0, registrations: 0, draining: false });
    const openScans = (made: StoreRequest[]): number => made.filter((r) => r.command === 'ScanCommand' && r.index === 'openByWorker').length;
    const openQueries = (made: StoreRequest[]): Array<StoreRequest['partition']> => made.filter((r) => r.command === 'QueryCommand' && r.index === 'openByWorker').map((r) => r.partition);

    it('a warm run reads from the bucket current at the last run to now, and expires what fell due in that bucket since', async () => {
      const b = bucket0;
      const { stores, sweeper } = await fresh(b * MINUTE + 10_000, { lookbackMinutes: 30 });
      await stores.registrations.put(registration('old', (b - 5) * MINUTE + 1));
      await stores.registrations.put(registration('late-in-b', b * MINUTE + 50_000));
      await stores.registrations.put(registration('in-b1', (b + 1) * MINUTE + 30_000));

      const first = await sweep(sweeper);
      assert.deepEqual([first.expired, first.buckets], [['old'], range(b - 30, b)], 'a new sweeper reads the whole lookback');
      clock.at = (b + 1) * MINUTE + 40_000;
      const second = await sweep(sweeper);
      assert.deepEqual(second.buckets, [b, b + 1], 'the last run\'s current bucket again, then the new one');
      assert.deepEqual(second.expired, ['in-b1', 'late-in-b'], 'not yet due at the last run, in the bucket current then');
      const third = await sweep(sweeper);
      assert.deepEqual([third.buckets, third.expired], [[b + 1], []]);
      assert.equal((await stores.registrations.get('late-in-b', { ignoreExpiry: true }))?.qualify?.status, 'UNREACHABLE');
    });

    it('a new sweeper (a cold Lambda container) and every 12th run of one read the whole lookback: a registration written late into a swept bucket is expired then', async () => {
      const b = bucket0 + 1;
      const { stores, sweeper } = await fresh(b * MINUTE + 1000, { lookbackMinutes: 30 });
      assert.deepEqual((await sweep(sweeper)).buckets, range(b - 30, b));
      // Written after its bucket was swept: a registration flushed late from a worker's queue.
      await stores.registrations.put(registration('flushed-late', (b - 2) * MINUTE + 5000));
      const warm: number[][] = [];
      for (let run = 2; run <= 12; run++) {
        clock.at += 4000;
        warm.push((await sweep(sweeper)).buckets);
      }
      assert.deepEqual(warm, Array.from({ length: 11 }, () => [b]), 'runs 2 to 12 read the current bucket only');
      const other = new ExpirySweeper({ stores, now: () => clock.at, lookbackMinutes: 30 });
      const cold = await sweep(other);
      assert.deepEqual([cold.buckets, cold.expired], [range(b - 30, b), ['flushed-late']], 'another instance\'s memory is not this one\'s');

      await stores.registrations.put(registration('flushed-later', (b - 3) * MINUTE + 5000));
      clock.at += 4000;
      const thirteenth = await sweep(sweeper);
      assert.deepEqual([thirteenth.buckets, thirteenth.expired], [range(b - 30, b), ['flushed-later']]);
    });

    it('a run that fails part way is not remembered: the next one reads again from the last good run\'s bucket', async () => {
      const b = bucket0 + 2;
      const { stores } = await fresh(b * MINUTE + 1000);
      let failAt: number | undefined;
      const registrations = Object.assign(Object.create(stores.registrations) as Stores['registrations'], {
        expiringIn: async (bucket: number) => {
          if (bucket === failAt) throw new Error('injected store failure');
          return stores.registrations.expiringIn(bucket);
        },
      });
      const sweeper = new ExpirySweeper({ stores: { ...stores, registrations }, now: () => clock.at });
      await sweep(sweeper);
      await stores.registrations.put(registration('due-in-b1', (b + 1) * MINUTE + 30_000));
      clock.at = (b + 2) * MINUTE + 1000;
      failAt = b + 1;
      await assert.rejects(sweeper.sweep(), /injected store failure/);
      failAt = undefined;
      const retried = await sweep(sweeper);
      assert.deepEqual([retried.buckets, retried.expired], [[b, b + 1, b + 2], ['due-in-b1']]);
    });

    it('a worker that stops heartbeating between runs: its open CDRs are closed by the first run after it goes stale, at its last heartbeat, read from its own index partition', async () => {
      const t0 = bucket0 * MINUTE;
      const { stores, sweeper } = await fresh(t0);
      await beat(stores, 'wA', t0);
      await beat(stores, 'wB', t0);
      const call = (callId: string, workerId: string, answered: boolean) => stores.cdrs.write({
        tenant: 'acme', callId, dst: '100', dcontext: 'fromiax', channel: `IAX2/a-${callId}`, start: t0 - 60_000, ...(answered ? { answer: t0 - 50_000 } : {}), workerId,
      });
      for (const [callId, workerId, answered] of [['a1', 'wA', true], ['a2', 'wA', false], ['b1', 'wB', true], ['b2', 'wB', false], ['b3', 'wB', true]] as const) await call(callId, workerId, answered);
      // wB hangs up b3 itself before it dies: the sweeper must leave that ending alone.
      await stores.cdrs.finish('acme', t0 - 60_000, 'b3', { end: t0 - 1000, disposition: 'ANSWERED', hangupCause: 16 });

      assert.deepEqual((await sweep(sweeper)).closedCdrs, [], 'both live');
      clock.at = t0 + 20_000;
      await beat(stores, 'wA', clock.at);
      const quiet = await sweep(sweeper);
      assert.deepEqual([quiet.closedCdrs, openScans(quiet.requests), openQueries(quiet.requests)], [[], 0, []], 'no worker went: no open CDR is read');

      clock.at = t0 + STALE_MS + 5000;
      await beat(stores, 'wA', clock.at);
      const gone = await sweep(sweeper);
      assert.deepEqual([gone.closedCdrs, openScans(gone.requests), openQueries(gone.requests)], [['b1', 'b2'], 0, ['wB']]);
      const after = await sweep(sweeper);
      assert.deepEqual([after.closedCdrs, openQueries(after.requests)], [[], []], 'once closed, the dead worker is not read again');

      const byId = new Map((await stores.cdrs.list('acme', t0 - 120_000, t0 + MINUTE)).items.map((cdr) => [cdr.callId, cdr]));
      const ending = (id: string) => [byId.get(id)?.end, byId.get(id)?.disposition, byId.get(id)?.hangupCause];
      assert.deepEqual(ending('b1'), [t0, 'ANSWERED', 38], 'ended at its worker\'s last heartbeat');
      assert.deepEqual(ending('b2'), [t0, 'FAILED', 38]);
      assert.deepEqual(ending('b3'), [t0 - 1000, 'ANSWERED', 16], 'the worker\'s own hang-up stands');
      assert.deepEqual([ending('a1'), ending('a2')], [[undefined, undefined, undefined], [undefined, undefined, undefined]], 'a live worker\'s calls stay open');
    });

    it('the safety net: a worker that came and went between two runs, never seen live, has its CDRs closed by the next full run', async () => {
      const t0 = bucket0 * MINUTE;
      const { stores, sweeper } = await fresh(t0);
      await sweep(sweeper);
      await beat(stores, 'wC', t0 + 1000);
      await stores.cdrs.write({ tenant: 'acme', callId: 'c1', dst: '100', dcontext: 'fromiax', channel: 'IAX2/a-c1', start: t0 + 500, workerId: 'wC' });
      clock.at = t0 + STALE_MS + 10_000;
      let scans = 0;
      for (let run = 2; run <= 12; run++) {
        clock.at += 1000;
        const warm = await sweep(sweeper);
        scans += openScans(warm.requests);
        assert.deepEqual(warm.closedCdrs, [], `run ${run}`);
      }
      assert.equal(scans, 0, 'warm runs scan no open CDR');
      clock.at += 1000;
      assert.deepEqual((await sweep(sweeper)).closedCdrs, ['c1'], 'the 13th run is full');
      const [c1] = (await stores.cdrs.list('acme', t0, t0 + MINUTE)).items;
      assert.deepEqual([c1?.end, c1?.hangupCause], [t0 + 1000, 38]);
    });

    it('two sweepers running at once (two Lambda containers) close each orphan once', async () => {
      const t0 = bucket0 * MINUTE;
      const { stores, sweeper } = await fresh(t0);
      await beat(stores, 'wD', t0 - STALE_MS - 1000);
      for (let i = 0; i < 10; i++) await stores.cdrs.write({ tenant: 'acme', callId: `d${i}`, dst: '100', dcontext: 'fromiax', channel: `IAX2/a-d${i}`, start: t0 - 90_000 + i, workerId: 'wD' });
      const other = new ExpirySweeper({ stores, now: () => clock.at });
      const [one, two] = await Promise.all([sweeper.sweep(), other.sweep()]);
      const closed = [...one.closedCdrs, ...two.closedCdrs].sort();
      assert.deepEqual(closed, Array.from({ length: 10 }, (_, i) => `d${i}`).sort());
    });
  });
}
