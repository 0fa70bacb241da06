import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../shared/clock.ts';
import type { Logger, LogContext } from '../../shared/logger.ts';
import { MemoryNetwork, type NetworkConditions } from '../../services/iax2/memory-network.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import { SeededRandom } from '../helpers/seeded-random.ts';

const A: RemoteAddress = { address: '10.0.0.1', port: 4569 };
const B: RemoteAddress = { address: '10.0.0.2', port: 4569 };
const C: RemoteAddress = { address: '2001:db8::3', port: 4570 };

interface Arrival {
  bytes: Buffer;
  at: number;
  from: string;
}

function setup(seed: number, conditions: NetworkConditions = {}, logger?: Logger) {
  const clock = new ManualClock();
  const rng = new SeededRandom(seed);
  const network = new MemoryNetwork({ clock, random: () => rng.next(), conditions, logger });
  const a = network.endpoint(A);
  const b = network.endpoint(B);
  const c = network.endpoint(C);
  const got: { atA: Arrival[]; atB: Arrival[]; atC: Arrival[] } = { atA: [], atB: [], atC: [] };
  a.onDatagram((bytes, from) => got.atA.push({ bytes, at: clock.now(), from: `${from.address}:${from.port}` }));
  b.onDatagram((bytes, from) => got.atB.push({ bytes, at: clock.now(), from: `${from.address}:${from.port}` }));
  c.onDatagram((bytes, from) => got.atC.push({ bytes, at: clock.now(), from: `${from.address}:${from.port}` }));
  return { clock, network, a, b, c, got };
}

/** Sends `count` numbered datagrams a -> b and lets all of them land; returns the numbers as they arrived. */
function sendNumbered(t: ReturnType<typeof setup>, count: number, settleMs: number): number[] {
  for (let i = 0; i < count; i++) t.a.send(Buffer.from([i >> 8, i & 0xff]), B);
  t.clock.advance(settleMs);
  return t.got.atB.map((g) => g.bytes.readUInt16BE(0));
}

function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; context?: LogContext }> } {
  const lines: Array<{ level: string; message: string; context?: LogContext }> = [];
  const at = (level: string) => (message: string, context?: LogContext) => lines.push({ level, message, context });
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

describe('in-memory network', () => {
  it('delivers nothing inside send(), even at 0 ms: only when the clock moves', () => {
    const t = setup(1);
    t.a.send(Buffer.from('now'), B);
    assert.equal(t.got.atB.length, 0);
    assert.equal(t.clock.pendingTimers, 1);
    t.clock.advance(0);
    assert.deepEqual(t.got.atB, [{ bytes: Buffer.from('now'), at: 0, from: '10.0.0.1:4569' }]);
  });

  it('delivers after the delay, with the sender\'s address, in both directions and to IPv6 endpoints', () => {
    const t = setup(1, { minDelayMs: 30 });
    t.a.send(Buffer.from('to b'), B);
    t.b.send(Buffer.from('to a'), A);
    t.a.send(Buffer.from('to c'), C);
    t.clock.advance(29);
    assert.equal(t.got.atA.length + t.got.atB.length + t.got.atC.length, 0);
    t.clock.advance(1);
    assert.deepEqual(t.got.atB, [{ bytes: Buffer.from('to b'), at: 30, from: '10.0.0.1:4569' }]);
    assert.deepEqual(t.got.atA, [{ bytes: Buffer.from('to a'), at: 30, from: '10.0.0.2:4569' }]);
    assert.deepEqual(t.got.atC, [{ bytes: Buffer.from('to c'), at: 30, from: '10.0.0.1:4569' }]);
    assert.deepEqual(t.network.stats, { sent: 3, delivered: 3, dropped: 0, duplicated: 0, listenerErrors: 0 });
  });

  it('draws each delay from [minDelayMs, maxDelayMs], covering the range', () => {
    const t = setup(5, { minDelayMs: 20, maxDelayMs: 40 });
    sendNumbered(t, 2000, 19);
    assert.equal(t.got.atB.length, 0, 'nothing before minDelayMs');
    t.clock.advance(21);
    const times = t.got.atB.map((g) => g.at);
    assert.equal(times.length, 2000, 'everything by maxDelayMs');
    assert.ok(Math.min(...times) >= 20 && Math.max(...times) <= 40);
    assert.ok(Math.min(...times) < 22 && Math.max(...times) > 38, `spread ${Math.min(...times)}..${Math.max(...times)}`);
  });

  it('loses about lossRate of 10,000 datagrams, the same ones for the same seed', () => {
    const run = (seed: number): number[] => sendNumbered(setup(seed, { lossRate: 0.2 }), 10_000, 1);
    const first = run(42);
    const lostShare = 1 - first.length / 10_000;
    assert.ok(lostShare > 0.17 && lostShare < 0.23, `lost ${(lostShare * 100).toFixed(1)} %`);
    assert.deepEqual(run(42), first, 'same seed, same survivors');
    assert.notDeepEqual(run(43), first, 'another seed, other survivors');

    const t = setup(42, { lossRate: 0.2 });
    sendNumbered(t, 10_000, 1);
    assert.equal(t.network.stats.sent, 10_000);
    assert.equal(t.network.stats.delivered, first.length);
    assert.equal(t.network.stats.dropped, 10_000 - first.length);
  });

  it('duplicates about duplicateRate, each copy with its own delay', () => {
    const t = setup(7, { duplicateRate: 0.1, minDelayMs: 0, maxDelayMs: 50 });
    const order = sendNumbered(t, 10_000, 50);
    const { sent, delivered, dropped, duplicated } = t.network.stats;
    assert.ok(duplicated > 850 && duplicated < 1150, `duplicated ${duplicated}`);
    assert.equal(order.length, 10_000 + duplicated);
    assert.equal(sent + duplicated, delivered + dropped);
    const timesOf = new Map<number, number[]>();
    for (const g of t.got.atB) {
      const n = g.bytes.readUInt16BE(0);
      timesOf.set(n, [...(timesOf.get(n) ?? []), g.at]);
    }
    const pairs = [...timesOf.values()].filter((times) => times.length === 2);
    assert.equal(pairs.length, duplicated, 'each duplicated datagram arrives exactly twice');
    assert.ok(pairs.some(([x, y]) => x !== y), 'the two copies do not share one delay');
  });

  it('reorders when delays spread, and keeps order when they do not', () => {
    const spread = sendNumbered(setup(9, { minDelayMs: 0, maxDelayMs: 50 }), 1000, 50);
    assert.equal(spread.length, 1000);
    assert.ok(spread.some((n, i) => i > 0 && n < spread[i - 1]!), 'some arrive out of order');
    const fixed = sendNumbered(setup(9, { minDelayMs: 20 }), 1000, 20);
    assert.deepEqual(fixed, Array.from({ length: 1000 }, (_, i) => i));
  });

  it('hands each receiver its own copy: the sender may reuse its buffer, copies do not share bytes', () => {
    const t = setup(11, { duplicateRate: 1 });
    const buf = Buffer.from('hello');
    t.a.send(buf, B);
    buf.write('XXXXX');
    t.clock.advance(0);
    const [first, second] = t.got.atB;
    assert.ok(first !== undefined && second !== undefined);
    assert.equal(first.bytes.toString(), 'hello');
    first.bytes[0] = 0x4a;
    assert.equal(second.bytes.toString(), 'hello');
    assert.equal(buf.toString(), 'XXXXX');
  });

  it('an unreachable endpoint loses everything to and from it, in flight too, until it is back', () => {
    const t = setup(3, { minDelayMs: 10 });
    t.a.send(Buffer.from('in flight'), B);
    t.clock.advance(5);
    t.b.setReachable(false);
    assert.equal(t.b.isReachable, false);
    t.a.send(Buffer.from('to b'), B);
    t.b.send(Buffer.from('from b'), A);
    t.c.send(Buffer.from('c to a'), A);
    t.clock.advance(10);
    t.b.setReachable(true);
    t.clock.advance(100);
    assert.equal(t.got.atB.length, 0);
    assert.deepEqual(t.got.atA.map((g) => g.bytes.toString()), ['c to a'], 'others still talk');
    assert.equal(t.network.stats.dropped, 3);
    t.a.send(Buffer.from('back'), B);
    t.clock.advance(10);
    assert.deepEqual(t.got.atB.map((g) => g.bytes.toString()), ['back']);
  });

  it('a partition cuts only the pair, both ways, until it is lifted', () => {
    const t = setup(4);
    t.network.partition(A, B, true);
    t.a.send(Buffer.from('a-b'), B);
    t.b.send(Buffer.from('b-a'), A);
    t.a.send(Buffer.from('a-c'), C);
    t.b.send(Buffer.from('b-c'), C);
    t.clock.advance(0);
    assert.equal(t.got.atA.length + t.got.atB.length, 0);
    assert.deepEqual(t.got.atC.map((g) => g.bytes.toString()), ['a-c', 'b-c']);
    t.network.partition(B, A, false);
    t.a.send(Buffer.from('a-b'), B);
    t.clock.advance(0);
    assert.equal(t.got.atB.length, 1);
  });

  it('a datagram to an unknown or closed address is silently lost and counted; a closed endpoint sends nothing', () => {
    const t = setup(6);
    t.a.send(Buffer.from('nobody'), { address: '10.9.9.9', port: 9 });
    t.b.close();
    t.b.close();
    assert.equal(t.b.isClosed, true);
    t.a.send(Buffer.from('closed'), B);
    t.b.send(Buffer.from('from closed'), A);
    t.clock.advance(0);
    assert.equal(t.got.atB.length + t.got.atA.length, 0);
    assert.deepEqual(t.network.stats, { sent: 2, delivered: 0, dropped: 2, duplicated: 0, listenerErrors: 0 });
  });

  it('gives the same endpoint for an address until it is closed, then a fresh one', () => {
    const t = setup(8);
    assert.equal(t.network.endpoint({ ...A }), t.a);
    t.a.close();
    const again = t.network.endpoint(A);
    assert.notEqual(again, t.a);
    const got: string[] = [];
    again.onDatagram((bytes) => got.push(bytes.toString()));
    t.b.send(Buffer.from('to the new one'), A);
    t.clock.advance(0);
    assert.deepEqual(got, ['to the new one']);
    assert.equal(t.got.atA.length, 0, 'the closed endpoint hears nothing');
  });

  it('a throwing listener is logged and counted, and later datagrams are still delivered', () => {
    const logger = recordingLogger();
    const t = setup(3, {}, logger);
    const heard: string[] = [];
    t.b.onDatagram((bytes) => {
      heard.push(bytes.toString());
      if (bytes.toString() === '1') throw new Error('listener bug');
    });
    t.a.send(Buffer.from('1'), B);
    t.a.send(Buffer.from('2'), B);
    t.clock.advance(0);
    assert.deepEqual(heard, ['1', '2']);
    assert.equal(t.network.stats.delivered, 2);
    assert.equal(t.network.stats.listenerErrors, 1);
    assert.equal(logger.lines.length, 1);
    assert.equal(logger.lines[0]?.level, 'error');
    assert.equal((logger.lines[0]?.context?.error as Error).message, 'listener bug');
  });

  it('setConditions applies to later sends; conditions out of range are refused', () => {
    const t = setup(12);
    t.network.setConditions({ lossRate: 1 });
    t.a.send(Buffer.from('lost'), B);
    t.network.setConditions({ minDelayMs: 5 });
    t.a.send(Buffer.from('late'), B);
    t.clock.advance(4);
    assert.equal(t.got.atB.length, 0);
    t.clock.advance(1);
    assert.deepEqual(t.got.atB.map((g) => g.bytes.toString()), ['late']);
    for (const bad of [{ lossRate: 1.5 }, { duplicateRate: -0.1 }, { lossRate: Number.NaN }, { minDelayMs: -1 }, { minDelayMs: 10, maxDelayMs: 5 }, { maxDelayMs: Infinity }]) {
      assert.throws(() => t.network.setConditions(bad), RangeError, JSON.stringify(bad));
      assert.throws(() => new MemoryNetwork({ clock: t.clock, conditions: bad }), RangeError);
    }
  });
});
