// The write-behind queue on the manual clock: order per key, back-off while the store fails
// (doubling, capped, one pause for writes that failed together), coalescing, the bound, items
// that are not ready yet, and the counts that say nothing was lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteBehindQueue, type WriteBehindOptions, type WriteOutcome } from '../../services/worker/write-behind.ts';
import { ManualClock } from '../../shared/clock.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A store the test switches off and on; every attempt is recorded with its time. */
function store(clock: ManualClock) {
  const state = { up: true, attempts: [] as Array<{ at: number; key: string; item: string }>, written: [] as string[], outcome: (_item: string): WriteOutcome => 'done' };
  const write = (key: string, item: string): Promise<WriteOutcome> => {
    state.attempts.push({ at: clock.now(), key, item });
    if (!state.up) return Promise.reject(Object.assign(new Error('no answer'), { name: 'TimeoutError' }));
    const outcome = state.outcome(item);
    if (outcome === 'done') state.written.push(item);
    return Promise.resolve(outcome);
  };
  return { state, write };
}

function queue(clock: ManualClock, write: WriteBehindOptions<string>['write'], options: Partial<WriteBehindOptions<string>> = {}) {
  return new WriteBehindQueue<string>({ clock, write, random: () => 0.5, initialBackoffMs: 500, maxBackoffMs: 4000, ...options });
}

async function advance(clock: ManualClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

describe('write-behind queue', () => {
  it('with the store up every item is written at once; one key\'s items in order', async () => {
    const clock = new ManualClock();
    const s = store(clock);
    const q = queue(clock, s.write, { concurrency: 4 });
    for (const item of ['a1', 'a2', 'a3']) q.enqueue('a', item);
    q.enqueue('b', 'b1');
    await flush();
    await flush();
    await flush();
    assert.deepEqual(s.state.written, ['a1', 'b1', 'a2', 'a3']);
    assert.deepEqual(q.stats, { queued: 4, written: 4, dropped: 0, coalesced: 0, failures: 0 });
    assert.equal(q.size, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('the store down: one pause for the writes that failed together, doubling to the cap; the first success resumes; nothing lost', async () => {
    const clock = new ManualClock();
    const s = store(clock);
    const q = queue(clock, s.write, { concurrency: 2 });
    s.state.up = false;
    q.enqueue('a', 'a1');
    q.enqueue('b', 'b1');
    q.enqueue('a', 'a2');
    await flush();
    assert.ok(q.failing);
    await advance(clock, 12_000);
    // a1 and b1 fail together at 0: one pause of 500, then 1000, 2000, 4000, 4000 (capped).
    const times = [...new Set(s.state.attempts.map((a) => a.at))];
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11_500]);
    assert.equal(q.size, 3);
    s.state.up = true;
    await advance(clock, 4000);
    assert.deepEqual(s.state.written.sort(), ['a1', 'a2', 'b1']);
    assert.equal(s.state.written.indexOf('a1') < s.state.written.indexOf('a2'), true, 'a key\'s items keep their order');
    assert.ok(!q.failing);
    const stats = q.stats;
    assert.equal(stats.queued, stats.written + stats.dropped + stats.coalesced);
    assert.equal(stats.dropped, 0);
  });

  it('retryNow ends the back-off at once (the store was seen answering elsewhere)', async () => {
    const clock = new ManualClock();
    const s = store(clock);
    const q = queue(clock, s.write, { initialBackoffMs: 5000, maxBackoffMs: 5000 });
    s.state.up = false;
    q.enqueue('a', 'a1');
    await flush();
    s.state.up = true;
    await advance(clock, 1000);
    assert.deepEqual(s.state.written, []);
    q.retryNow();
    await flush();
    assert.deepEqual(s.state.written, ['a1']);
  });

  it('coalescing replaces what waits, never the item in flight', async () => {
    const clock = new ManualClock();
    let release: (() => void) | undefined;
    const written: string[] = [];
    const q = queue(clock, (_key, item) => new Promise<WriteOutcome>((resolve) => {
      release = () => {
        written.push(item);
        resolve('done');
      };
    }), { coalesce: (_waiting, next) => [next] });
    q.enqueue('peer', 'r1'); // in flight at once
    q.enqueue('peer', 'r2');
    q.enqueue('peer', 'r3'); // replaces r2
    assert.equal(q.size, 2);
    await flush();
    release!();
    await flush();
    release!();
    await flush();
    assert.deepEqual(written, ['r1', 'r3']);
    assert.deepEqual(q.stats, { queued: 3, written: 2, dropped: 0, coalesced: 1, failures: 0 });
  });

  it('bounded: past maxItems new items are dropped and counted; settled and idle resolve when the writes land', async () => {
    const clock = new ManualClock();
    const s = store(clock);
    const dropped: string[] = [];
    const q = queue(clock, s.write, { maxItems: 2, onDrop: (_key, item, why) => dropped.push(`${item}: ${why}`) });
    s.state.up = false;
    assert.equal(q.enqueue('a', 'a1'), true);
    assert.equal(q.enqueue('b', 'b1'), true);
    assert.equal(q.enqueue('c', 'c1'), false);
    assert.equal(q.enqueue('a', 'a2'), false);
    assert.deepEqual(dropped, ['c1: the queue is full', 'a2: the queue is full']);
    let settled = false;
    let idle = false;
    void q.settled('a').then(() => (settled = true));
    void q.idle().then(() => (idle = true));
    await flush();
    assert.deepEqual([settled, idle], [false, false]);
    s.state.up = true;
    await advance(clock, 1000);
    assert.deepEqual([settled, idle], [true, true]);
    // Both writes in flight failed: two failures, one pause.
    assert.deepEqual(q.stats, { queued: 2, written: 2, dropped: 2, coalesced: 0, failures: 2 });
  });

  it('an item not ready yet goes behind the others after a pause; a hopeless one is dropped and counted', async () => {
    const clock = new ManualClock();
    const s = store(clock);
    let tries = 0;
    s.state.outcome = (item) => (item === 'later' ? (++tries < 3 ? 'later' : 'done') : item === 'never' ? 'dropped' : 'done');
    const q = queue(clock, s.write, { concurrency: 1 });
    q.enqueue('x', 'later');
    q.enqueue('y', 'y1');
    q.enqueue('z', 'never');
    await flush();
    await advance(clock, 2000);
    assert.deepEqual(s.state.attempts.map((a) => `${a.at}:${a.item}`), ['0:later', '0:y1', '0:never', '500:later', '1000:later']);
    assert.deepEqual(q.stats, { queued: 3, written: 2, dropped: 1, coalesced: 0, failures: 0 });
    assert.ok(!q.failing, 'not ready is an answer, not a store failure');
  });

  it('cancel forgets what waits; close drops the rest, counts it and resolves every waiter', async () => {
    const clock = new ManualClock();
    const s = store(clock);
    const q = queue(clock, s.write);
    s.state.up = false;
    q.enqueue('a', 'a1');
    q.enqueue('b', 'b1');
    await flush();
    q.cancel('b');
    assert.equal(q.has('b'), false);
    const waiting = q.settled('a');
    assert.equal(q.close(), 1);
    await waiting;
    assert.equal(q.enqueue('c', 'c1'), false);
    assert.deepEqual(q.stats, { queued: 2, written: 0, dropped: 2, coalesced: 1, failures: 2 });
    assert.equal(clock.pendingTimers, 0);
  });
});
