import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../shared/clock.ts';
import { MemoryNetwork } from '../../services/iax2/memory-network.ts';
import { SeededRandom } from '../helpers/seeded-random.ts';

const A = { address: '10.0.0.1', port: 1 };
const B = { address: '10.0.0.2', port: 2 };

function pair(seed: number, conditions = {}) {
  const clock = new ManualClock();
  const rng = new SeededRandom(seed);
  const network = new MemoryNetwork({ clock, random: () => rng.next(), conditions });
  const a = network.endpoint(A);
  const b = network.endpoint(B);
  const got: Array<{ bytes: Buffer; at: number; from: string }> = [];
  b.onDatagram((bytes, from) => got.push({ bytes, at: clock.now(), from: `${from.address}:${from.port}` }));
  return { clock, network, a, b, got };
}

describe('in-memory network', () => {
  it('delivers only when the clock moves, after the delay, as a copy, with the sender\'s address', () => {
    const t = pair(1, { minDelayMs: 30 });
    const buf = Buffer.from('hello');
    t.a.send(buf, B);
    buf[0] = 0x58;
    assert.equal(t.got.length, 0);
    t.clock.advance(29);
    assert.equal(t.got.length, 0);
    t.clock.advance(1);
    assert.deepEqual(t.got, [{ bytes: Buffer.from('hello'), at: 30, from: '10.0.0.1:1' }]);
  });

  it('loses about the configured share, the same way for the same seed', () => {
    const run = (seed: number) => {
      const t = pair(seed, { lossRate: 0.2 });
      for (let i = 0; i < 10_000; i++) t.a.send(Buffer.from([i & 0xff]), B);
      t.clock.advance(1);
      return t.got.length;
    };
    const delivered = run(42);
    assert.ok(delivered > 7700 && delivered < 8300, `delivered ${delivered}`);
    assert.equal(run(42), delivered);
    assert.notEqual(run(43), delivered);
  });

  it('duplicates and reorders by chance', () => {
    const t = pair(7, { duplicateRate: 0.1, minDelayMs: 0, maxDelayMs: 50 });
    for (let i = 0; i < 1000; i++) t.a.send(Buffer.from([i >> 8, i & 0xff]), B);
    t.clock.advance(100);
    const order = t.got.map((g) => g.bytes.readUInt16BE(0));
    assert.ok(order.length > 1050, `duplicates: ${order.length}`);
    assert.ok(order.some((n, i) => i > 0 && n < order[i - 1]!), 'some arrive out of order');
  });

  it('an unreachable or unknown host receives nothing, and a throwing listener stops nothing', () => {
    const t = pair(3);
    t.b.setReachable(false);
    t.a.send(Buffer.from('x'), B);
    t.a.send(Buffer.from('y'), { address: '10.9.9.9', port: 9 });
    t.clock.advance(1);
    assert.equal(t.got.length, 0);
    assert.equal(t.network.stats.dropped, 2);
    t.b.setReachable(true);
    t.b.onDatagram(() => {
      throw new Error('listener bug');
    });
    t.a.send(Buffer.from('1'), B);
    t.a.send(Buffer.from('2'), B);
    t.clock.advance(1);
    assert.equal(t.network.stats.delivered, 2);
  });
});
