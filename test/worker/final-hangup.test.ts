// The HANGUPs a stopping worker sends last, between two real engines on the in-memory network
// and the injected clock: acknowledged ones end the wait at once; unacknowledged ones go again
// every 500 ms, so one lost HANGUP does not leave a box holding a dead call, and the wait never
// passes 1.5 s (not the 2/12/22 s schedule of a live call).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Call } from '../../services/iax2/call/call.ts';
import { decodeDatagram, Format, FrameType, IaxCommand } from '../../services/iax2/codec/index.ts';
import { awaitHangups, type FinalHangupOutcome } from '../../services/worker/final-hangup.ts';
import { CALLEE_ADDRESS, CALLER_ADDRESS, harness, record, user } from '../helpers/engine-harness.ts';

/** An answered call: the callee's leg stands for the worker's, the caller for the box. */
function answeredCall() {
  const h = harness({ users: [user('alice', { secrets: ['s'] })] });
  const box = h.caller.call({ remote: CALLEE_ADDRESS, calledNumber: '100', username: 'alice', secret: 's', capability: Format.ULAW, format: Format.ULAW });
  const boxEvents = record(box);
  h.clock.advance(50);
  const leg = h.incoming[0]!.call;
  leg.answer();
  h.clock.advance(50);
  return { h, box, boxEvents, leg };
}

/** When (clock ms, from `from`) the worker's side put a HANGUP on the wire, and whether it was marked a retransmission. */
function hangupsSent(sent: Buffer[], at: number[]): Array<[number, boolean]> {
  return sent.flatMap((datagram, i) => {
    const frame = decodeDatagram(datagram);
    return frame.kind === 'full' && frame.frameType === FrameType.IAX && frame.subclass === IaxCommand.HANGUP ? [[at[i]!, frame.retransmitted] as [number, boolean]] : [];
  });
}

function outcomeOf(promise: Promise<FinalHangupOutcome>): { value: FinalHangupOutcome | undefined } {
  const seen: { value: FinalHangupOutcome | undefined } = { value: undefined };
  void promise.then((value) => (seen.value = value));
  return seen;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The worker side's datagrams from now on, each with the clock time it went (the harness times only the caller's). */
function timed(h: ReturnType<typeof harness>) {
  const log = { sent: [] as Buffer[], at: [] as number[] };
  const before = h.sentByCallee.length;
  const take = (): void => {
    while (before + log.sent.length < h.sentByCallee.length) {
      log.sent.push(h.sentByCallee[before + log.sent.length]!);
      log.at.push(h.clock.now());
    }
  };
  return Object.assign(log, {
    take,
    /** Advances in 10 ms steps, fine enough for 500 ms resends. */
    step(ms: number) {
      for (let t = 0; t < ms; t += 10) {
        h.clock.advance(10);
        take();
      }
    },
  });
}

describe('the final HANGUPs of a stopping worker', () => {
  it('an acknowledged HANGUP ends the wait at once; the box saw cause 16', async () => {
    const { h, boxEvents, leg } = answeredCall();
    const started = h.clock.now();
    leg.hangup(16);
    const result = outcomeOf(awaitHangups([leg], h.clock));
    h.clock.advance(10);
    await turn();
    assert.deepEqual(result.value, { acknowledged: 1, unanswered: 0 });
    assert.ok(h.clock.now() - started <= 10);
    assert.deepEqual(boxEvents.find(([n]) => n === 'hangup'), ['hangup', { causeCode: 16, cause: undefined }]);
    assert.ok(leg.closed);
    h.close();
  });

  it('sends an unacknowledged HANGUP again every 500 ms, and gives up at 1.5 s', async () => {
    const { h, box, leg } = answeredCall();
    h.network.partition(CALLER_ADDRESS, CALLEE_ADDRESS, true);
    const wire = timed(h);
    const from = h.clock.now();
    leg.hangup(16);
    wire.take();
    const result = outcomeOf(awaitHangups([leg], h.clock));
    wire.step(1490);
    await turn();
    assert.equal(result.value, undefined, 'still waiting at 1.49 s');
    wire.step(20);
    await turn();
    assert.deepEqual(result.value, { acknowledged: 0, unanswered: 1 });
    // Sent at once, then again at 0.5 and 1 s, marked as retransmissions (the schedule alone would wait 2 s).
    assert.deepEqual(hangupsSent(wire.sent, wire.at).map(([at, r]) => [at - from, r]), [[0, false], [500, true], [1000, true]]);
    assert.equal(box.closed, false, 'the box never heard it');
    h.close();
  });

  it('a HANGUP lost once gets through on a resend inside the wait, which then ends', async () => {
    const { h, boxEvents, leg } = answeredCall();
    h.network.partition(CALLER_ADDRESS, CALLEE_ADDRESS, true);
    leg.hangup(16);
    const result = outcomeOf(awaitHangups([leg], h.clock));
    h.clock.advance(700);
    h.network.partition(CALLER_ADDRESS, CALLEE_ADDRESS, false);
    h.clock.advance(299);
    await turn();
    assert.equal(result.value, undefined);
    h.clock.advance(11);
    await turn();
    assert.deepEqual(result.value, { acknowledged: 1, unanswered: 0 });
    assert.deepEqual(boxEvents.find(([n]) => n === 'hangup'), ['hangup', { causeCode: 16, cause: undefined }]);
    h.close();
  });

  it('legs that are already closed (or none at all) do not wait', async () => {
    const { h, leg } = answeredCall();
    leg.hangup(16);
    h.clock.advance(10);
    assert.ok(leg.closed);
    const closed = outcomeOf(awaitHangups([leg], h.clock));
    const none = outcomeOf(awaitHangups([] as Call[], h.clock));
    await turn();
    assert.deepEqual([closed.value, none.value], [{ acknowledged: 1, unanswered: 0 }, { acknowledged: 0, unanswered: 0 }]);
    h.close();
  });
});
