// Calls over a network that loses, duplicates and reorders, and a far side that vanishes:
// all on the manual clock, without one real sleep.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallState } from '../../../services/iax2/call/call-state.ts';
import { CALLNO_HOLD_OFF_MS } from '../../../services/iax2/call/call-numbers.ts';
import { decodeDatagram, Format, FrameType } from '../../../services/iax2/codec/index.ts';
import { CALLEE_ADDRESS, harness, record, user } from '../../helpers/engine-harness.ts';

const alice = user('alice', { secrets: ['labsecret'] });
const dialOptions = {
  remote: CALLEE_ADDRESS,
  calledNumber: '100',
  username: 'alice',
  secret: 'labsecret',
  capability: Format.ULAW,
  format: Format.ULAW,
};

describe('an unreliable network', () => {
  it('calls complete under 20 % loss, 10 % duplication and reordering; a failure is only the protocol giving up', () => {
    const h = harness({
      users: [alice],
      seed: 99,
      conditions: { lossRate: 0.2, duplicateRate: 0.1, minDelayMs: 5, maxDelayMs: 80 },
      onIncoming: (call, _info, engine) => {
        engine.accept(call);
        call.answer();
      },
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const call = h.caller.call(dialOptions);
      const events = record(call);
      // Setup may need retransmissions (2 s, then 10 s gaps) and fresh tokens; give it time.
      for (let t = 0; t < 150 && call.state !== CallState.Answered && !call.closed; t++) h.clock.advance(1000);
      if (call.state === CallState.Answered) {
        for (let f = 0; f < 50; f++) {
          call.sendVoice(Buffer.alloc(160, f));
          h.clock.advance(20);
        }
        call.hangup();
        h.clock.advance(40_000);
        outcomes.push(call.closed && events.some(([n]) => n === 'accepted') ? 'completed' : `left ${call.state}`);
      } else {
        // Four lost round trips in a row (0.36^4, about 1.7 % per exchange with 20 % loss each
        // way): Asterisk's own rule ends the call with cause 27 and sends nothing.
        const hangup = events.find(([n]) => n === 'hangup')?.[1] as { causeCode?: number } | undefined;
        outcomes.push(call.closed && hangup?.causeCode === 27 ? 'gave up' : `stuck in ${call.state}`);
      }
    }
    const completed = outcomes.filter((o) => o === 'completed').length;
    assert.ok(completed >= 18, `completed ${completed} of 20: ${outcomes.join(', ')}`);
    assert.deepEqual(outcomes.filter((o) => o !== 'completed' && o !== 'gave up'), []);
    assert.ok(h.network.stats.dropped > 100, `the network did lose datagrams (${h.network.stats.dropped})`);
    assert.ok(h.network.stats.duplicated > 50);
    // Both sides end clean once the hang-ups and give-ups settle.
    h.clock.advance(60_000);
    assert.equal(h.callee.activeCalls.size, 0);
    assert.equal(h.caller.activeCalls.size, 0);
    h.close();
  });

  it('when the far side vanishes, delivery gives up on Asterisk\'s schedule and the number returns after the hold-off', () => {
    const h = harness({ users: [alice], onIncoming: (call, _info, engine) => { engine.accept(call); call.answer(); } });
    const call = h.caller.call(dialOptions);
    const events = record(call);
    h.clock.advance(100);
    assert.equal(call.state, CallState.Answered);
    h.network.endpoint(CALLEE_ADDRESS).setReachable(false);
    const start = h.clock.now();
    const sentBefore = h.sentByCaller.length;
    call.sendDtmf('7', 'end');
    h.clock.advance(40_000);
    const dtmfSends = h.sentByCaller
      .map((d, i) => ({ frame: decodeDatagram(d), at: h.sentByCallerAt[i]! - start }))
      .slice(sentBefore)
      .filter(({ frame }) => frame.kind === 'full' && frame.frameType === FrameType.DTMF_END);
    assert.deepEqual(dtmfSends.map(({ at }) => at), [0, 2000, 12_000, 22_000]);
    assert.ok(dtmfSends.slice(1).every(({ frame }) => frame.kind === 'full' && frame.retransmitted));
    assert.deepEqual(events.find(([n]) => n === 'hangup'), ['hangup', { causeCode: 27, cause: 'delivery gave up' }]);
    assert.deepEqual(events.find(([n]) => n === 'closed'), ['closed', { reason: 'gave-up' }]);
    assert.equal(h.caller.activeCalls.size, 0);
    const number = call.localCall;
    assert.equal(h.caller.callNumbers.stats.holdingOff, 1, 'held off, not free');
    h.clock.advance(CALLNO_HOLD_OFF_MS);
    assert.equal(h.caller.callNumbers.stats.holdingOff, 0);
    assert.equal(h.caller.callNumbers.countFor(CALLEE_ADDRESS.address), 0, `call ${number} released`);
    h.close();
  });

  it('PING every 21 s and LAGRQ every 10 s keep a quiet call alive, and PONG carries RR statistics', () => {
    const h = harness({ users: [alice], onIncoming: (call, _info, engine) => { engine.accept(call); call.answer(); } });
    const call = h.caller.call(dialOptions);
    const events = record(call);
    h.clock.advance(100);
    for (let f = 0; f < 500; f++) {
      h.incoming[0]!.call.sendVoice(Buffer.alloc(160, 1));
      h.clock.advance(20);
    }
    h.clock.advance(30_000);
    const pongs = events.filter(([n]) => n === 'pong').map(([, p]) => p as { rttMs: number; rr?: { packets: number; jitterMs: number } });
    assert.ok(pongs.length >= 1, 'a PONG came back');
    assert.ok(pongs.every((p) => p.rr !== undefined && p.rr.packets >= 1));
    const commands = h.sentByCaller.map((d) => decodeDatagram(d)).filter((f) => f.kind === 'full' && f.frameType === FrameType.IAX).map((f) => f.kind === 'full' && f.subclass);
    assert.ok(commands.filter((c) => c === 2).length >= 1, 'PING sent');
    assert.ok(commands.filter((c) => c === 11).length >= 3, 'LAGRQ sent every 10 s');
    assert.equal(call.state, CallState.Answered);
    h.close();
  });
});
