import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { decodeMetaTrunkFrame } from '../../../services/iax2/codec/index.ts';
import { TrunkBatcher } from '../../../services/iax2/trunk/trunk-batcher.ts';
import type { RemoteAddress } from '../../../services/iax2/transport.ts';

const PEER_A: RemoteAddress = { address: '192.0.2.1', port: 4569 };
const PEER_B: RemoteAddress = { address: '192.0.2.2', port: 4569 };

function setup(options: ConstructorParameters<typeof TrunkBatcher>[2] = {}) {
  const clock = new ManualClock();
  const sent: Array<{ datagram: Buffer; to: RemoteAddress; at: number }> = [];
  const batcher = new TrunkBatcher(clock, (datagram, to) => {
    sent.push({ datagram: Buffer.from(datagram), to, at: clock.now() });
  }, options);
  return { clock, sent, batcher };
}

/** A clock whose timers all fire `lateMs` after they are due: an event loop that runs late. */
class LateClock extends ManualClock {
  constructor(private readonly lateMs: number) {
    super();
  }

  override setTimer(delayMs: number, fn: () => void) {
    return super.setTimer(delayMs + this.lateMs, fn);
  }
}

const voice = (call: number, i: number): Buffer => Buffer.alloc(160, (call * 7 + i) & 0xff);

describe('meta trunk batching', () => {
  it('one datagram per peer per trunkfreq with every call\'s frame in it, in order', () => {
    const { clock, sent, batcher } = setup();
    const a = batcher.sinkFor(PEER_A);
    const b = batcher.sinkFor(PEER_B);
    for (let i = 0; i < 3; i++) {
      for (let call = 1; call <= 7; call++) a.add(call, i * 20, voice(call, i));
      b.add(99, i * 20, voice(99, i));
      clock.advance(20);
    }
    const toA = sent.filter((s) => s.to === PEER_A);
    assert.equal(toA.length, 3, 'not 21 mini frames: 3 trunk datagrams (7 G.711 entries fit the default 1240-byte trunkmtu)');
    assert.equal(sent.filter((s) => s.to === PEER_B).length, 3);
    const frame = decodeMetaTrunkFrame(toA[1]!.datagram);
    assert.equal(frame.withTimestamps, false);
    assert.deepEqual(frame.entries.map((e) => e.call), Array.from({ length: 7 }, (_, i) => i + 1));
    assert.ok(frame.entries.every((e, i) => e.payload.equals(voice(i + 1, 1))));
    assert.equal(frame.timestamp, 40, 'the trunk clock: ms since the batcher started');
    assert.equal(batcher.stats.entries, 24);
  });

  it('trunktimestamps: each entry carries its call\'s low 16 timestamp bits', () => {
    const { clock, sent, batcher } = setup();
    const sink = batcher.sinkFor(PEER_A, true);
    sink.add(5, 0x1_2345 & 0xffff, voice(5, 0));
    sink.add(6, 0xfff0, voice(6, 0));
    clock.advance(20);
    const frame = decodeMetaTrunkFrame(sent[0]!.datagram);
    assert.equal(frame.withTimestamps, true);
    assert.deepEqual(frame.entries.map((e) => [e.call, e.timestamp]), [[5, 0x2345], [6, 0xfff0]]);
  });

  it('splits at trunkmtu, sending a full buffer early; drops beyond trunkmaxsize per interval', () => {
    const { clock, sent, batcher } = setup({ mtu: 8 + 3 * 164, maxSize: 5 * 164 });
    const sink = batcher.sinkFor(PEER_A);
    for (let call = 1; call <= 7; call++) sink.add(call, 0, voice(call, 0));
    assert.equal(sent.length, 1, 'three entries filled the MTU: sent before the interval ends');
    assert.ok(sent[0]!.datagram.length <= 8 + 3 * 164);
    clock.advance(20);
    assert.equal(sent.length, 2);
    const total = sent.reduce((n, s) => n + decodeMetaTrunkFrame(s.datagram).entries.length, 0);
    assert.deepEqual([total, batcher.stats.dropped], [5, 2]);
    // The next interval has its own allowance.
    sink.add(1, 20, voice(1, 1));
    clock.advance(20);
    assert.equal(decodeMetaTrunkFrame(sent.at(-1)!.datagram).entries.length, 1);
  });

  it('sends nothing when no call has voice, and flushes on close', () => {
    const { clock, sent, batcher } = setup();
    const sink = batcher.sinkFor(PEER_A);
    clock.advance(200);
    assert.equal(sent.length, 0);
    sink.add(1, 0, voice(1, 0));
    batcher.close();
    assert.equal(sent.length, 1);
  });

  it('keeps time: late timers do not push later ticks back, and stamps step by trunkfreq', () => {
    const clock = new LateClock(3);
    const sent: number[] = [];
    const stamps: number[] = [];
    const batcher = new TrunkBatcher(clock, (datagram) => {
      sent.push(clock.now());
      stamps.push(datagram.readUInt32BE(4));
    });
    const sink = batcher.sinkFor(PEER_A);
    // Voice 5 ms after each grid point, so every tick is the timer's (3 ms late), not taken on arrival.
    clock.advance(5);
    for (let i = 0; i < 50; i++) {
      sink.add(1, i * 20, voice(1, i));
      clock.advance(20);
    }
    // A timer re-armed for 20 ms from each late firing would be 3 ms later every tick (150 ms by the 50th).
    assert.deepEqual(sent.slice(0, 5), [23, 43, 63, 83, 103]);
    assert.equal(sent.at(-1), 20 * sent.length + 3);
    assert.deepEqual(stamps.slice(0, 5), [20, 40, 60, 80, 100]);
  });

  it('takes a tick that is due when voice arrives, rather than holding the batch for the late timer', () => {
    const clock = new LateClock(15);
    const sent: number[] = [];
    const batcher = new TrunkBatcher(clock, () => {
      sent.push(clock.now());
    });
    const sink = batcher.sinkFor(PEER_A);
    sink.add(1, 0, voice(1, 0));
    clock.advance(25);
    assert.deepEqual(sent, [], 'due at 20, its timer not run by 25');
    sink.add(2, 20, voice(2, 0));
    assert.deepEqual(sent, [25], 'the first frame went when the second came, not at 35');
    clock.advance(30);
    assert.deepEqual(sent, [25, 55], 'the second, at the next grid point (40) as late as its timer');
  });

  it('writes into a fresh buffer when the transport keeps the one it was given', () => {
    const clock = new ManualClock();
    const kept: Buffer[] = [];
    const batcher = new TrunkBatcher(clock, (datagram) => {
      kept.push(datagram);
      return true;
    });
    const sink = batcher.sinkFor(PEER_A);
    sink.add(1, 0, voice(1, 0));
    clock.advance(20);
    sink.add(2, 20, voice(2, 1));
    clock.advance(20);
    assert.equal(kept.length, 2);
    assert.equal(decodeMetaTrunkFrame(kept[0]!).entries[0]!.call, 1, 'the first datagram is untouched by the second');
  });
  it('a peer idle for 10 s is forgotten and comes back with its next entry, sent at the next tick', () => {
    const { clock, sent, batcher } = setup();
    const a = batcher.sinkFor(PEER_A);
    a.add(1, 0, voice(1, 0));
    clock.advance(20);
    clock.advance(20 * 502);
    assert.equal(sent.length, 1);
    a.add(1, 20, voice(1, 1));
    clock.advance(20);
    assert.equal(sent.length, 2, 'the returning peer is ticked again, its entry not left in its buffer');
    assert.ok(decodeMetaTrunkFrame(sent[1]!.datagram).entries[0]!.payload.equals(voice(1, 1)));
  });

  it('a sink made for a forgotten peer\'s address and the old one\'s calls both get their entries sent', () => {
    const { clock, sent, batcher } = setup();
    const old = batcher.sinkFor(PEER_A);
    old.add(1, 0, voice(1, 0));
    clock.advance(20 * 503);
    const fresh = batcher.sinkFor(PEER_A);
    fresh.add(2, 0, voice(2, 0));
    old.add(1, 20, voice(1, 1));
    fresh.add(2, 20, voice(2, 1));
    clock.advance(20);
    clock.advance(20);
    const entries = sent.slice(1).flatMap((s) => decodeMetaTrunkFrame(s.datagram).entries.map((e) => `${e.call}:${e.payload[0]}`));
    assert.deepEqual(entries.sort(), [`1:${voice(1, 1)[0]}`, `2:${voice(2, 0)[0]}`, `2:${voice(2, 1)[0]}`].sort(), 'every entry sent once, none stranded');
  });
  describe('passing through', () => {
    const burstEnd = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

    it('one datagram\'s entries making a batch of half trunkmtu or more leave at the end of that datagram, not at the tick', async () => {
      const { clock, sent, batcher } = setup();
      const sink = batcher.sinkFor(PEER_A);
      clock.advance(7);
      for (let call = 1; call <= 7; call++) sink.add(call, 0, voice(call, 0));
      await burstEnd();
      assert.equal(sent.length, 1, 'sent as it came, 13 ms before the tick');
      assert.equal(sent[0]!.at, 7);
      const frame = decodeMetaTrunkFrame(sent[0]!.datagram);
      assert.deepEqual(frame.entries.map((e) => e.call), [1, 2, 3, 4, 5, 6, 7]);
      assert.equal(frame.timestamp, 7, 'stamped with the trunk clock when it left');
      clock.advance(13);
      assert.equal(sent.length, 1, 'the tick finds nothing left to send');
    });

    it('a small batch waits for the tick, so many small ones still make one datagram', async () => {
      const { clock, sent, batcher } = setup();
      const sink = batcher.sinkFor(PEER_A);
      clock.advance(3);
      sink.add(1, 0, voice(1, 0));
      sink.add(2, 0, voice(2, 0));
      await burstEnd();
      assert.equal(sent.length, 0);
      clock.advance(17);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.at, 20);
    });

    it('entries joining a batch another datagram began wait for the tick (many boxes calling one)', async () => {
      const { clock, sent, batcher } = setup();
      const sink = batcher.sinkFor(PEER_A);
      sink.add(1, 0, voice(1, 0));
      sink.add(2, 0, voice(2, 0));
      await burstEnd();
      for (let call = 3; call <= 5; call++) sink.add(call, 0, voice(call, 0));
      await burstEnd();
      assert.equal(sent.length, 0, 'five entries from two datagrams: one datagram at the tick');
      clock.advance(20);
      assert.deepEqual(decodeMetaTrunkFrame(sent[0]!.datagram).entries.map((e) => e.call), [1, 2, 3, 4, 5]);
    });

    it('trunk timestamps keep rising across frames passed through and frames sent by the tick', async () => {
      const { clock, sent, batcher } = setup();
      const sink = batcher.sinkFor(PEER_A);
      for (let round = 0; round < 4; round++) {
        // Three full frames arriving in the same millisecond, then a lone entry for the tick.
        for (let frame = 0; frame < 3; frame++) {
          for (let call = 1; call <= 7; call++) sink.add(frame * 7 + call, round * 20, voice(call, round));
          await burstEnd();
        }
        sink.add(99, round * 20, voice(99, round));
        clock.advance(20);
      }
      const stamps = sent.map((s) => decodeMetaTrunkFrame(s.datagram).timestamp);
      assert.equal(sent.length, 16);
      for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]! > stamps[i - 1]!, `stamps rise: ${stamps.join(', ')}`);
    });
  });
});
