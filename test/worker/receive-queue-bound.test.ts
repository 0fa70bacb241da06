import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelBytesFor, ReceiveQueueBound } from '../../services/worker/receive-queue-bound.ts';

describe('the receive queue bound', () => {
  it('charges a datagram what the kernel does (measured on Linux loopback)', () => {
    assert.ok(Math.abs(kernelBytesFor(172) - 832) < 10);
    assert.ok(Math.abs(kernelBytesFor(1240) - 2304) < 10);
  });

  it('asks for targetMs of the read rate, within its floor and ceiling, and not for small changes', () => {
    const bound = new ReceiveQueueBound(0, 8 << 20, { targetMs: 50, minBytes: 512 << 10, maxBytes: 8 << 20 });
    // 40,000 mini frames a second (a worker behind, reading what it can): 2,000 in 50 ms.
    for (let i = 0; i < 10_000; i++) bound.read(172);
    const size = bound.adjust(250)!;
    assert.equal(size, Math.round(40 * 50 * kernelBytesFor(172)));
    // The same rate again: within a fifth of what it has, so no change.
    for (let i = 0; i < 10_000; i++) bound.read(172);
    assert.equal(bound.adjust(500), undefined);
    // Trunk frames at 6,000 a second: a bigger charge each, fewer of them.
    for (let i = 0; i < 1500; i++) bound.read(1240);
    assert.equal(bound.adjust(750), Math.round(6 * 50 * kernelBytesFor(1240)));
    // Quiet: the floor; a flood: the ceiling.
    assert.equal(bound.adjust(1000), 512 << 10);
    for (let i = 0; i < 200_000; i++) bound.read(1240);
    assert.equal(bound.adjust(1250), 8 << 20);
  });
});
