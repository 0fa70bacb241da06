// What the switch reads on a call's path, when the store fails or is slow (manual clock): the
// last value read, at once once the store failed, after a short wait while it merely seems
// slow, and asked again only now and then until it answers; the route cache and the
// registration reads on top of it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LastGood } from '../../services/worker/switch/last-good.ts';
import { RegistrationReads } from '../../services/worker/switch/registration-reads.ts';
import { RouteCache } from '../../services/worker/switch/route-cache.ts';
import { ManualClock } from '../../shared/clock.ts';
import type { Registration } from '../../shared/model/registration.ts';
import type { RouteRecord } from '../../shared/store/routes-table.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));
const down = () => Promise.reject(Object.assign(new Error('no answer'), { name: 'TimeoutError' }));
const never = () => new Promise<never>(() => {});

function cache(clock: ManualClock, maxAgeMs = 1000) {
  const errors: string[] = [];
  const last = new LastGood<string>({ now: () => clock.now(), maxAgeMs, timers: clock, staleWaitMs: 300, retryAfterMs: 2000, onError: (_e, key) => errors.push(key) });
  return { last, errors };
}

describe('last good value', () => {
  it('fresh: no read; stale: the new value when the store answers in time', async () => {
    const clock = new ManualClock();
    const { last } = cache(clock);
    let reads = 0;
    const read = (value: string) => () => {
      reads++;
      return Promise.resolve(value);
    };
    assert.equal(await last.get('k', read('v1')), 'v1');
    clock.advance(999);
    assert.equal(await last.get('k', read('v2')), 'v1');
    clock.advance(1);
    assert.equal(await last.get('k', read('v2')), 'v2');
    assert.equal(reads, 2);
    assert.equal(last.stats.servedStale, 0);
  });

  it('a slow store: the last value after staleWaitMs, and the late answer is there for the next caller', async () => {
    const clock = new ManualClock();
    const { last } = cache(clock);
    await last.get('k', () => Promise.resolve('v1'));
    clock.advance(1000);
    let answer: ((value: string) => void) | undefined;
    const pending = last.lookup('k', () => new Promise<string>((resolve) => (answer = resolve)));
    clock.advance(299);
    await flush();
    clock.advance(1);
    assert.deepEqual(await pending, { value: 'v1', fresh: false });
    answer!('v2');
    await flush();
    assert.equal(await last.get('k', never), 'v2', 'fresh again: no read');
  });

  it('a failed store: the last value at once, asked again only every retryAfterMs, until it answers', async () => {
    const clock = new ManualClock();
    const { last, errors } = cache(clock);
    await last.get('k', () => Promise.resolve('v1'));
    clock.advance(1000);
    let reads = 0;
    const failing = () => {
      reads++;
      return down();
    };
    assert.deepEqual(await last.lookup('k', failing), { value: 'v1', fresh: false });
    assert.deepEqual([reads, errors], [1, ['k']]);
    // Failed once: nobody waits (no timer), and the store is not asked again before 2 s.
    for (let i = 0; i < 5; i++) assert.deepEqual(await last.lookup('k', failing), { value: 'v1', fresh: false });
    assert.equal(reads, 1);
    assert.equal(clock.pendingTimers, 0);
    clock.advance(2000);
    assert.equal(await last.get('k', failing), 'v1');
    assert.equal(reads, 2, 'asked again in the background');
    await flush();
    clock.advance(2000);
    assert.equal(await last.get('k', () => Promise.resolve('v2')), 'v1', 'the answer lands in the background');
    await flush();
    assert.equal(await last.get('k', never), 'v2');
    assert.equal(last.stats.failures, 2);
  });

  it('never read: a failed read is the caller\'s failure, and nothing is kept', async () => {
    const clock = new ManualClock();
    const { last } = cache(clock);
    await assert.rejects(last.get('k', down), /no answer/);
    assert.equal(await last.get('k', () => Promise.resolve('v1')), 'v1');
  });

  it('the route cache: the last routes read keep routing while the store is out', async () => {
    const clock = new ManualClock();
    let up = true;
    const route = { tenant: 'acme', context: 'fromiax', pattern: '_2X', destinations: [{ dial: 'IAX2/bar/${EXTEN}' }], version: 1 } as unknown as RouteRecord;
    const routes = new RouteCache({ listContext: () => (up ? Promise.resolve([route]) : down()) }, () => clock.now(), 1000, { timers: clock, staleWaitMs: 300 });
    assert.equal((await routes.routesFor('acme', 'fromiax')).length, 1);
    up = false;
    clock.advance(5000);
    assert.equal((await routes.routesFor('acme', 'fromiax'))[0]?.route.pattern, '_2X');
    await assert.rejects(routes.routesFor('acme', 'other'), /no answer/, 'a context never read cannot be routed');
    assert.equal(routes.stats.servedStale, 1);
  });

  it('registration reads: every call reads the store; when it fails, a box held here wins over the last read', async () => {
    const clock = new ManualClock();
    let up = true;
    const held = new Map<string, { address: string; port: number }>();
    const stored = (name: string, address: string, workerId: string): Registration => ({ name, address, port: 4569, workerId, registeredAt: 0, expiresAt: 70_000, refreshS: 60 });
    const reads = new RegistrationReads({
      read: (name) => (up ? Promise.resolve(name === 'gone' ? undefined : stored(name, '192.0.2.1', 'w2')) : down()),
      workerId: 'w1',
      heldHere: (name) => held.get(name),
      now: () => clock.now(),
      timers: clock,
      staleWaitMs: 300,
    });
    assert.deepEqual(await reads.get('bar'), stored('bar', '192.0.2.1', 'w2'));
    assert.equal(await reads.get('gone'), undefined);
    up = false;
    assert.equal((await reads.get('bar'))?.address, '192.0.2.1', 'the last read: held by another worker');
    held.set('bar', { address: '198.51.100.7', port: 4570 });
    assert.deepEqual(await reads.get('bar'), { address: '198.51.100.7', port: 4570, workerId: 'w1' }, 'registered here since: this worker knows better');
    assert.equal(await reads.get('gone'), undefined, 'not registered, as last read');
    await assert.rejects(reads.get('never-read'), /no answer/);
    held.set('never-read', { address: '203.0.113.9', port: 4569 });
    assert.deepEqual(await reads.get('never-read'), { address: '203.0.113.9', port: 4569, workerId: 'w1' });
  });
});
