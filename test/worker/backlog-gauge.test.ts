import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BacklogGauge, READS_PER_CALLBACK } from '../../services/worker/backlog-gauge.ts';

const checkPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('backlog gauge (how long a datagram may have waited in the socket)', () => {
  it('says nothing while batches end short of libuv\'s 32, then the time since the socket was last seen empty', async () => {
    let now = 1000;
    const gauge = new BacklogGauge(() => now, () => 0);
    for (let i = 0; i < 5; i++) assert.equal(gauge.read(), 0);
    await checkPhase();
    assert.equal(gauge.isBehind, false);
    const emptyAt = now;
    now += 300; // a stall: the loop ran nothing for 300 ms
    for (let i = 0; i < READS_PER_CALLBACK; i++) assert.equal(gauge.read(), 0, 'the first batch after a stall is read before anyone knows');
    await checkPhase();
    assert.equal(gauge.isBehind, true);
    now += 5;
    assert.equal(gauge.read(), now - emptyAt, 'everything read now came after the socket was last empty');
    await checkPhase();
    assert.equal(gauge.isBehind, false, 'a short batch: the socket is empty again');
    assert.equal(gauge.read(), 0);
    await checkPhase();
  });

  it('stays behind through a standing queue of full batches, and the bound keeps growing', async () => {
    let now = 0;
    const gauge = new BacklogGauge(() => now, () => 0);
    const waited: number[] = [];
    for (let batch = 0; batch < 4; batch++) {
      for (let i = 0; i < READS_PER_CALLBACK; i++) waited.push(gauge.read());
      await checkPhase();
      now += 10;
    }
    assert.deepEqual([waited[0], waited[32], waited[64], waited[96]], [0, 10, 20, 30]);
  });

  it('a full batch that emptied the socket: once the loop has waited idle, the next batch is not behind', async () => {
    let now = 0;
    let idle = 0;
    const gauge = new BacklogGauge(() => now, () => idle);
    for (let i = 0; i < READS_PER_CALLBACK; i++) gauge.read();
    await checkPhase();
    assert.equal(gauge.isBehind, true);
    now += 500;
    idle += 480; // nothing came for a while: the loop blocked in its poll
    assert.equal(gauge.read(), 0);
    assert.equal(gauge.isBehind, false);
    await checkPhase();
  });

  it('a short standing queue, drained as fast as it fills, reads as the little it waited, not the time since it last emptied', async () => {
    let now = 0;
    const gauge = new BacklogGauge(() => now, () => 0);
    // Keeping up: 10 datagrams every 10 ms for 200 ms sets the arrival rate (1 a ms).
    for (let batch = 0; batch < 20; batch++) {
      now += 10;
      for (let i = 0; i < 10; i++) gauge.read();
      await checkPhase();
    }
    // Then 32 datagrams stay queued: every batch is full, each 32 ms after the last, for a second.
    const waited: number[] = [];
    for (let batch = 0; batch < 32; batch++) {
      now += 32;
      for (let i = 0; i < READS_PER_CALLBACK; i++) waited.push(gauge.read());
      await checkPhase();
    }
    assert.equal(gauge.isBehind, true);
    assert.ok(Math.max(...waited) < 40, `at most ${Math.max(...waited)} ms, where the time since the socket was empty is a second`);
  });
});
