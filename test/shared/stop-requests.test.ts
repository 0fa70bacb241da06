// Ctrl-C reaches `npm start`'s processes by several ways at once (the terminal signals the
// process group; the supervisor, npm and tsx pass signals on): one press must count once, a
// second press twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../shared/clock.ts';
import { SAME_REQUEST_WITHIN_MS, StopRequests } from '../../shared/stop-requests.ts';

describe('stop requests', () => {
  it('counts copies of one request arriving together as one, and a later request as the next', () => {
    const clock = new ManualClock(5000);
    const requests = new StopRequests(() => clock.now());
    assert.equal(requests.request(), 1);
    clock.advance(2);
    assert.equal(requests.request(), 0, 'the same Ctrl-C, passed on by the supervisor');
    clock.advance(SAME_REQUEST_WITHIN_MS - 3);
    assert.equal(requests.request(), 0, 'still the same one, just inside the window');
    clock.advance(1);
    assert.equal(requests.request(), 2, 'a second Ctrl-C');
    clock.advance(50);
    assert.equal(requests.request(), 0);
    clock.advance(1000);
    assert.equal(requests.request(), 3);
  });

  it('takes the first request at any time, the clock\'s zero included', () => {
    const clock = new ManualClock(0);
    assert.equal(new StopRequests(() => clock.now()).request(), 1);
  });
});
