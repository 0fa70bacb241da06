// A burst of our calls to one callee: the callee refuses a NEW beyond its maxauthreq
// unanswered AUTHREQs (21), so the caller keeps at most a window of them waiting on its
// challenge; the rest start as challenges are answered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Format } from '../../../services/iax2/codec/index.ts';
import { ChallengeWindow } from '../../../services/iax2/dialog/challenge-window.ts';
import { CALLEE_ADDRESS, harness, user } from '../../helpers/engine-harness.ts';

function burst(window: number | undefined, calls: number) {
  const h = harness({
    users: [user('alice', { secrets: ['s3cret'], maxAuthReq: 3 })],
    ...(window === undefined ? {} : { caller: { outboundChallengeWindow: window } }),
  });
  const outcome = { accepted: 0, rejected: [] as Array<number | undefined> };
  for (let i = 0; i < calls; i++) {
    const call = h.caller.call({ remote: CALLEE_ADDRESS, calledNumber: '100', username: 'alice', secret: 's3cret', capability: Format.ULAW, format: Format.ULAW });
    call.events.on('accepted', () => outcome.accepted++);
    call.events.on('rejected', ({ causeCode }) => outcome.rejected.push(causeCode));
  }
  for (let i = 0; i < 50; i++) h.clock.advance(10);
  h.close();
  return outcome;
}

describe('outbound bursts and the callee\'s maxauthreq', () => {
  it('30 calls placed at once to a callee with maxauthreq=3 are all accepted', () => {
    assert.deepEqual(burst(undefined, 30), { accepted: 30, rejected: [] });
  });

  it('without the window the same burst is refused by the callee (cause 21): the window is what makes it pass', () => {
    const outcome = burst(1000, 30);
    assert.ok(outcome.rejected.length > 0 && outcome.rejected.every((cause) => cause === 21), JSON.stringify(outcome));
  });

  it('the window: a slot per call, the next waiting call starts when one is released, a queued call can leave the queue', () => {
    const window = new ChallengeWindow(2);
    const started: string[] = [];
    const releases = ['a', 'b', 'c', 'd'].map((name) => window.acquire('box', () => started.push(name)));
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(window.waiting, 2);
    releases[3]!(); // d gives up while queued
    releases[0]!();
    releases[0]!(); // idempotent
    assert.deepEqual(started, ['a', 'b', 'c']);
    assert.equal(window.waiting, 0);
    const other = window.acquire('another-box', () => started.push('x'));
    assert.deepEqual(started, ['a', 'b', 'c', 'x'], 'each callee has its own window');
    other();
  });
});
