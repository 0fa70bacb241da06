import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { rebuildTimestamp, TxTimestamps } from '../../../services/iax2/call/timestamps.ts';

describe('timestamps (protocol.md §5)', () => {
  it('TV6: a mini frame 0x0004 after last 0x0001FFF0 is 0x00020004, 20 ms later', () => {
    assert.equal(rebuildTimestamp(0x0001fff0, 0x0004, 16), 0x00020004);
  });

  it('a late frame from before the wrap goes back a span', () => {
    assert.equal(rebuildTimestamp(0x00020004, 0xfff0, 16), 0x0001fff0);
  });

  it('follows 94 s of 20 ms frames across the 65.536 s wrap without a full frame', () => {
    let last = 0;
    for (let t = 0; t <= 94_000; t += 20) {
      const rebuilt = rebuildTimestamp(last, t & 0xffff, 16);
      assert.equal(rebuilt, t);
      last = Math.max(last, rebuilt);
    }
  });

  it('video uses 15 bits and a 25 s window', () => {
    assert.equal(rebuildTimestamp(0x7ff0, 0x0010, 15), 0x8010);
  });

  it('IAX frames take the clock, or last + 3 when the clock has not moved past it', () => {
    const clock = new ManualClock(1000);
    const tx = new TxTimestamps(clock);
    assert.equal(tx.forIax(), 3, 'the first NEW carries a small value such as 3');
    assert.equal(tx.forIax(), 6);
    clock.advance(100);
    assert.equal(tx.forIax(), 100);
  });

  it('voice follows the prediction while the clock stays within 160 ms, and resyncs after silence', () => {
    const clock = new ManualClock(0);
    const tx = new TxTimestamps(clock);
    tx.forIax();
    clock.advance(40);
    assert.equal(tx.forVoice(20), 40);
    clock.advance(25);
    assert.equal(tx.forVoice(20), 60, 'predicted, not the clock (65)');
    clock.advance(2000);
    assert.equal(tx.forVoice(20), 2080, 'clock rounded up to a whole frame after a jump');
    assert.equal(tx.forVoice(20, 5000), 5000, 'a relayed stamp is kept');
  });
});
