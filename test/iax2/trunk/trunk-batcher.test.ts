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
  const batcher = new TrunkBatcher(clock, (datagram, to) => sent.push({ datagram: Buffer.from(datagram), to, at: clock.now() }), options);
  return { clock, sent, batcher };
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
});
