import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { ReliableSender, type QueuedFrame } from '../../../services/iax2/call/reliable-sender.ts';

function sender(pingtimeMs?: number) {
  const clock = new ManualClock();
  const sent: Array<{ at: number; bytes: Buffer }> = [];
  const gaveUp: QueuedFrame[] = [];
  const finals: QueuedFrame[] = [];
  let iseqno = 5;
  const s = new ReliableSender(clock, {
    transmit: (plain) => sent.push({ at: clock.now(), bytes: Buffer.from(plain) }),
    currentIseqno: () => iseqno,
    gaveUp: (f) => gaveUp.push(f),
    finalAcked: (f) => finals.push(f),
  }, pingtimeMs);
  return { clock, s, sent, gaveUp, finals, setIseqno: (n: number) => (iseqno = n) };
}

const frame = (oseqno: number) => Buffer.from([0x92, 0x34, 0x0b, 0xcd, 0, 0, 0, 3, oseqno, 0, 6, 1]);

describe('reliable delivery (protocol.md §4.4)', () => {
  it('retransmits at 2, 12 and 22 s with the R bit and the current ISeqno, then gives up at 32 s', () => {
    const t = sender();
    t.s.send(0, frame(0), false, undefined);
    t.setIseqno(9);
    t.clock.advance(40_000);
    assert.deepEqual(t.sent.map((s) => s.at), [0, 2000, 12_000, 22_000]);
    assert.equal(t.sent[0]!.bytes[2], 0x0b, 'the first transmission has no R bit');
    for (const retry of t.sent.slice(1)) {
      assert.equal(retry.bytes[2], 0x8b, 'R bit set');
      assert.equal(retry.bytes[9], 9, 'ISeqno rewritten');
    }
    assert.equal(t.gaveUp.length, 1);
    assert.equal(t.s.pending, 0);
    assert.equal(t.clock.pendingTimers, 0);
  });

  it('derives the first gap from pingtime: POKE-like pingtime 250 ms retransmits at 0.5 and 5.5 s', () => {
    const t = sender(250);
    t.s.send(0, frame(0), false, undefined);
    t.clock.advance(6000);
    assert.deepEqual(t.sent.map((s) => s.at), [0, 500, 5500]);
  });

  it('clamps the RTO to 100 ms at least', () => {
    const t = sender(10);
    t.s.send(0, frame(0), false, undefined);
    t.clock.advance(150);
    assert.deepEqual(t.sent.map((s) => s.at), [0, 100]);
  });

  it('stops retransmitting what the peer\'s ISeqno acknowledges, and only that', () => {
    const t = sender();
    t.s.send(254, frame(254), false, undefined);
    t.s.send(255, frame(255), false, undefined);
    t.s.send(0, frame(0), false, undefined);
    t.s.acknowledge(0); // expects 0 next: 254 and 255 arrived (across the wrap)
    assert.equal(t.s.pending, 1);
    t.clock.advance(2000);
    assert.deepEqual(t.sent.slice(3).map((s) => s.bytes[8]), [0]);
  });

  it('reports an acknowledged final frame', () => {
    const t = sender();
    t.s.send(3, frame(3), true, undefined);
    t.s.acknowledge(4);
    assert.equal(t.finals.length, 1);
  });

  it('retransmitNow sends every queued frame again at once, as a retransmission, and restarts its gap', () => {
    const t = sender();
    t.s.send(1, frame(1), true, undefined);
    t.clock.advance(500);
    t.setIseqno(7);
    t.s.retransmitNow();
    assert.deepEqual(t.sent.map((s) => [s.at, s.bytes[2], s.bytes[9]]), [[0, 0x0b, 0], [500, 0x8b, 7]]);
    // The next gap is the second one of the schedule (RTO x 10, capped at 10 s), counted from now.
    t.clock.advance(10_000);
    assert.deepEqual(t.sent.map((s) => s.at), [0, 500, 10_500]);
    // A frame sent four times is not sent a fifth: it waits for its give-up.
    t.s.retransmitNow();
    assert.equal(t.sent.length, 4);
    t.s.retransmitNow();
    assert.equal(t.sent.length, 4);
    t.clock.advance(10_000);
    assert.deepEqual([t.gaveUp.length, t.s.pending, t.clock.pendingTimers], [1, 0, 0]);
  });

  it('VNAK re-sends every queued frame from its ISeqno on, unchanged and at once', () => {
    const t = sender();
    for (const n of [1, 2, 3]) t.s.send(n, frame(n), false, undefined);
    t.s.resendFrom(2);
    assert.deepEqual(t.sent.slice(3).map((s) => [s.bytes[8], s.bytes[2]]), [[2, 0x0b], [3, 0x0b]]);
  });
});
