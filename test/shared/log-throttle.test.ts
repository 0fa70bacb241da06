import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogThrottle } from '../../shared/log-throttle.ts';

describe('log throttle', () => {
  it('lets a few lines per key through per window, counts the rest and reports them with the next line', () => {
    let now = 0;
    const throttle = new LogThrottle(() => now, { linesPerWindow: 2, windowMs: 1000 });
    const verdicts = Array.from({ length: 5 }, () => throttle.admit('no-user').write);
    assert.deepEqual(verdicts, [true, true, false, false, false]);
    assert.deepEqual(throttle.admit('auth-failed'), { write: true, suppressed: 0 }, 'keys are independent');
    now = 1000;
    assert.deepEqual(throttle.admit('no-user'), { write: true, suppressed: 3 });
    assert.deepEqual(throttle.admit('no-user'), { write: true, suppressed: 0 });
  });

  it('keeps at most maxKeys windows', () => {
    const throttle = new LogThrottle(() => 0, { linesPerWindow: 1, maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd']) throttle.admit(key);
    assert.equal(throttle.admit('a').write, true, 'the oldest window was forgotten');
    assert.equal(throttle.admit('d').write, false);
  });
});
