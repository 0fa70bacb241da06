// A draining worker's wait for its calls, on the injected clock: it ends when the calls are
// gone, at the deadline with calls still up, or at once when cut short (a second Ctrl-C).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../shared/clock.ts';
import { DrainWait, type DrainEnd } from '../../services/worker/drain-wait.ts';

function settled(promise: Promise<DrainEnd>): { value: DrainEnd | undefined } {
  const seen: { value: DrainEnd | undefined } = { value: undefined };
  void promise.then((value) => (seen.value = value));
  return seen;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the drain wait', () => {
  it('ends once the last call is gone, at the next look', async () => {
    const clock = new ManualClock();
    let calls = 2;
    const result = settled(new DrainWait(clock, () => calls, 200).wait(5000));
    clock.advance(1000);
    calls = 0;
    clock.advance(199);
    await turn();
    assert.equal(result.value, undefined, 'not before it looks again');
    clock.advance(1);
    await turn();
    assert.equal(result.value, 'calls-ended');
    assert.equal(clock.pendingTimers, 0);
  });

  it('ends at the deadline with calls still up, not a poll later', async () => {
    const clock = new ManualClock();
    const result = settled(new DrainWait(clock, () => 1, 300).wait(1000));
    clock.advance(999);
    await turn();
    assert.equal(result.value, undefined);
    clock.advance(1);
    await turn();
    assert.equal(result.value, 'deadline');
    assert.equal(clock.pendingTimers, 0);
  });

  it('with no call up, ends at once', async () => {
    const result = settled(new DrainWait(new ManualClock(), () => 0).wait(5000));
    await turn();
    assert.equal(result.value, 'calls-ended');
  });

  it('cut short, ends at once; and a wait that starts after that does not wait at all', async () => {
    const clock = new ManualClock();
    const drain = new DrainWait(clock, () => 3);
    const result = settled(drain.wait(110_000));
    clock.advance(2500);
    drain.cutShort();
    await turn();
    assert.equal(result.value, 'cut-short');
    assert.equal(clock.pendingTimers, 0);
    const later = settled(drain.wait(110_000));
    await turn();
    assert.equal(later.value, 'cut-short');
  });
});
