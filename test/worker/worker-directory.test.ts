// The switch's view of the live workers: read at most every refreshMs; when a read fails the
// last good read answers at once (the next read runs behind it) instead of every call waiting
// out the store client's deadline; logged once when reads start failing and once when they
// come back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../shared/clock.ts';
import { jsonLogger } from '../../shared/logger.ts';
import type { WorkerRecord } from '../../shared/model/worker.ts';
import { WorkerDirectory, type LiveWorkers } from '../../services/worker/mesh/worker-directory.ts';

const record = (workerId: string): WorkerRecord => ({ workerId, privateAddress: '10.0.0.1', meshPort: 4570, heartbeatAt: 0, activeCalls: 0, registrations: 0, draining: false });

/** A workers table whose reads the test settles by hand. */
class HeldReads implements LiveWorkers {
  reads = 0;
  private pending: Array<{ resolve: (w: WorkerRecord[]) => void; reject: (e: Error) => void }> = [];
  live(): Promise<WorkerRecord[]> {
    this.reads++;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  answer(workers: WorkerRecord[]): void {
    for (const p of this.pending.splice(0)) p.resolve(workers);
  }
  fail(): void {
    for (const p of this.pending.splice(0)) p.reject(new Error('store timed out'));
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

const settled = async <T>(promise: Promise<T>): Promise<{ done: boolean; value?: T }> => {
  let state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => (state = { done: true, value }));
  await flush();
  return state;
};

describe('WorkerDirectory', () => {
  it('waits for a read while the store answers, answers from the last read while it does not', async () => {
    const clock = new ManualClock();
    const source = new HeldReads();
    const lines: string[] = [];
    const directory = new WorkerDirectory(source, () => clock.now(), jsonLogger({ service: 't', level: 'info', write: (l) => lines.push(l) }), 2000);

    const first = directory.get('w1');
    assert.equal((await settled(first)).done, false, 'the first read is waited for');
    source.answer([record('w1')]);
    assert.equal((await first)?.workerId, 'w1');

    clock.advance(1000);
    assert.equal((await directory.get('w1'))?.workerId, 'w1');
    assert.equal(source.reads, 1, 'fresh: served from memory');

    clock.advance(1500);
    const stale = directory.get('w1');
    assert.equal((await settled(stale)).done, false, 'a healthy store is waited for when the read is old');
    source.fail();
    assert.equal((await stale)?.workerId, 'w1', 'the failed read leaves the last good one');

    // The store is still out: the next call is answered at once from the last read while another read runs.
    const during = await settled(directory.get('w1'));
    assert.equal(during.done, true, 'not held on a store that just failed');
    assert.equal(during.value?.workerId, 'w1');
    assert.equal(source.reads, 3, 'a read is still attempted behind the answer');
    source.fail();
    await settled(directory.get('w1'));
    source.fail();
    assert.equal(lines.filter((l) => l.includes('could not be read')).length, 1, 'the outage is logged once');

    // Back: the read behind the answer lands and the next stale read is waited for again.
    await settled(directory.get('w2'));
    source.answer([record('w1'), record('w2')]);
    await flush();
    assert.equal((await directory.get('w2'))?.workerId, 'w2');
    assert.equal(lines.filter((l) => l.includes('read again')).length, 1);
    clock.advance(2000);
    assert.equal((await settled(directory.get('w2'))).done, false);
  });
});
