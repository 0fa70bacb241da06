// The call's state table on its own, and the named moves that are the only way through it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { silentLogger } from '../../../shared/logger.ts';
import { Call } from '../../../services/iax2/call/call.ts';
import { CallState, CallStateError, canTransition, isStarted } from '../../../services/iax2/call/call-state.ts';
import { IaxCommand } from '../../../services/iax2/codec/index.ts';

const ALL = Object.values(CallState);

/** Every edge the table allows, as "from>to". */
function edges(): Set<string> {
  const allowed = new Set<string>();
  for (const from of ALL) for (const to of ALL) if (canTransition(from, to)) allowed.add(`${from}>${to}`);
  return allowed;
}

function newCall(direction: 'inbound' | 'outbound' = 'outbound') {
  const sent: Buffer[] = [];
  const call = new Call({
    localCall: 100,
    remote: { address: '192.0.2.1', port: 4569 },
    direction,
    clock: new ManualClock(),
    logger: silentLogger,
    send: (d) => {
      sent.push(Buffer.from(d));
    },
    setup: () => ({ handle: () => false }),
  });
  return { call, sent };
}

describe('call state table', () => {
  it('lists exactly the edges of the caller\'s and the callee\'s life, and Closed from anywhere', () => {
    const expected = new Set([
      'Idle>NewSent', 'Idle>NewReceived', 'Idle>Closed',
      'NewSent>NewSent', 'NewSent>AuthRepSent', 'NewSent>Accepted', 'NewSent>HangingUp', 'NewSent>Closed',
      'AuthRepSent>Accepted', 'AuthRepSent>HangingUp', 'AuthRepSent>Closed',
      'NewReceived>AuthReqSent', 'NewReceived>Authenticated', 'NewReceived>HangingUp', 'NewReceived>Closed',
      'AuthReqSent>Authenticated', 'AuthReqSent>HangingUp', 'AuthReqSent>Closed',
      'Authenticated>Accepted', 'Authenticated>HangingUp', 'Authenticated>Closed',
      'Accepted>Answered', 'Accepted>HangingUp', 'Accepted>Closed',
      'Answered>HangingUp', 'Answered>Closed',
      'HangingUp>Closed',
    ]);
    assert.deepEqual([...edges()].sort(), [...expected].sort());
  });

  it('media flows only once started: Accepted and Answered', () => {
    assert.deepEqual(ALL.filter(isStarted), ['Accepted', 'Answered']);
  });

  it('the caller\'s moves: request, answer, started, answer, hang-up', () => {
    const { call, sent } = newCall();
    call.sendRequest(IaxCommand.NEW, []);
    call.sendRequest(IaxCommand.NEW, []); // sent again with the token: still NewSent
    assert.equal(call.state, CallState.NewSent);
    call.sendAnswer(IaxCommand.AUTHREP, []);
    assert.equal(call.state, CallState.AuthRepSent);
    call.started(4n);
    assert.deepEqual([call.state, call.format], [CallState.Accepted, 4n]);
    call.answer();
    assert.equal(call.state, CallState.Answered);
    call.hangup(16);
    assert.equal(call.state, CallState.HangingUp);
    call.close('hangup-sent');
    call.close('hangup-sent');
    assert.equal(call.state, CallState.Closed);
    assert.equal(sent.length, 5, 'NEW, NEW, AUTHREP, ANSWER, HANGUP');
  });

  it('the callee\'s moves: request received, challenge, authenticated, started', () => {
    const { call } = newCall('inbound');
    call.requestReceived();
    call.sendChallenge(IaxCommand.AUTHREQ, []);
    assert.equal(call.state, CallState.AuthReqSent);
    call.authenticated();
    call.started(4n);
    assert.equal(call.state, CallState.Accepted);
  });

  it('a move the table does not list throws a coded error and changes nothing', () => {
    const { call } = newCall();
    assert.throws(() => call.sendAnswer(IaxCommand.AUTHREP, []), (e: unknown) => e instanceof CallStateError && e.code === 'IAX2_ERR_CALL_STATE' && /Idle to AuthRepSent/.test(e.message));
    assert.equal(call.state, CallState.Idle);
    assert.throws(() => call.authenticated(), CallStateError);
    call.sendRequest(IaxCommand.NEW, []);
    assert.throws(() => call.sendChallenge(IaxCommand.AUTHREQ, []), CallStateError, 'a caller cannot challenge');
  });

  it('hanging up a call that never sent anything closes it without a frame', () => {
    const { call, sent } = newCall();
    call.hangup();
    assert.equal(call.state, CallState.Closed);
    assert.equal(sent.length, 0);
  });
});
