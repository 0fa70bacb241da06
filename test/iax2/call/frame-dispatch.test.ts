// Frame dispatch on its own, against a recording stand-in call: what each frame in sequence
// makes a call do, without a Call, a clock or a socket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallEvents } from '../../../services/iax2/call/call-types.ts';
import { CallState } from '../../../services/iax2/call/call-state.ts';
import { dispatchFrame, updatesRxClock, type DispatchHooks } from '../../../services/iax2/call/frame-dispatch.ts';
import { ControlSubclass, FrameType, IaxCommand, IeId, type FullFrame, type Ie } from '../../../services/iax2/codec/index.ts';
import { TypedEvents } from '../../../services/iax2/typed-events.ts';

/** A stand-in call: what dispatch asked of it, in order. */
interface Recorded {
  state: CallState;
  events: TypedEvents<CallEvents>;
  setupTakes: boolean;
  did: string[];
}

const hooks: DispatchHooks<Recorded> = {
  state: (c) => c.state,
  events: (c) => c.events,
  offerToSetup: (c, f) => {
    c.did.push(`setup:${f.subclass}`);
    return c.setupTakes;
  },
  remoteAnswered: (c) => c.did.push('answered'),
  receiveKey: (c, key) => c.did.push(`key:${key.length}`),
  close: (c, reason) => c.did.push(`close:${reason}`),
  sendIax: (c, command, ies, options) => {
    c.did.push(`send:${command}:${ies.map((ie) => ie.id).join(',')}${options?.timestamp === undefined ? '' : `@${options.timestamp}`}`);
    return 0;
  },
  sendAck: (c, f) => c.did.push(`ack:${f.timestamp}`),
  receiveStats: () => ({ jitterMs: 0, lossPercent: 0, lostFrames: 0, packets: 7, delayMs: 0, dropped: 0, outOfOrder: 0 }),
  measuredRtt: (c, ms) => c.did.push(`rtt:${ms}`),
  voiceFrame: (c, format, payload, ts) => c.did.push(`voice:${format}:${payload.length}@${ts}`),
  iaxTimestamp: () => 1000,
  resendFrom: (c, n) => c.did.push(`resend:${n}`),
};

function target(state: CallState = CallState.Answered, setupTakes = false) {
  const did: string[] = [];
  const events = new TypedEvents<CallEvents>();
  for (const name of ['control', 'dtmf', 'text', 'cng', 'hangup', 'rejected', 'pong'] as const) events.on(name, (p) => did.push(`event:${name}:${JSON.stringify(p)}`));
  const t: Recorded = { state, events, setupTakes, did };
  return { t, did };
}

function frame(frameType: number, subclass: number, fields: { ies?: Ie[]; payload?: Buffer; timestamp?: number; iseqno?: number } = {}): FullFrame {
  return { kind: 'full', sourceCall: 7, destCall: 100, retransmitted: false, timestamp: fields.timestamp ?? 500, oseqno: 0, iseqno: fields.iseqno ?? 3, frameType, subclass, ies: fields.ies, payload: fields.payload };
}

describe('frame dispatch', () => {
  it('PING gets a PONG with the RR figures, stamped with the PING\'s own timestamp; LAGRQ a LAGRP likewise', () => {
    const { t, did } = target();
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.PING, { timestamp: 77 }));
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.LAGRQ, { timestamp: 78 }));
    assert.equal(did[0]?.startsWith(`send:${IaxCommand.PONG}:${IeId.RR_JITTER}`), true, did[0]);
    assert.ok(did[0]?.endsWith('@77'));
    assert.equal(did[1], `send:${IaxCommand.LAGRP}:@78`);
  });

  it('a PONG measures the round trip against our clock now', () => {
    const { t, did } = target();
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.PONG, { timestamp: 940 }));
    assert.deepEqual(did.slice(0, 1), ['rtt:60']);
    assert.match(did[1] ?? '', /^event:pong:\{"rttMs":60/);
  });

  it('HANGUP is ACKed, told with its cause and closes; REJECT likewise unless the setup takes it', () => {
    const { t, did } = target();
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.HANGUP, { timestamp: 9, ies: [{ id: IeId.CAUSECODE, value: 17 }] }));
    assert.deepEqual(did, ['ack:9', 'event:hangup:{"causeCode":17}', 'close:hangup-received']);
    const taken = target(CallState.NewSent, true);
    dispatchFrame(hooks, taken.t, frame(FrameType.IAX, IaxCommand.REJECT, { timestamp: 4 }));
    assert.deepEqual(taken.did, ['ack:4', `setup:${IaxCommand.REJECT}`]);
  });

  it('VNAK resends from its ISeqno; INVAL closes; RTKEY with a 16-byte key changes the receive key', () => {
    const { t, did } = target();
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.VNAK, { iseqno: 42 }));
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.RTKEY, { ies: [{ id: IeId.CHALLENGE, value: Buffer.alloc(16) }] }));
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.RTKEY, { ies: [{ id: IeId.CHALLENGE, value: Buffer.alloc(15) }] }));
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.INVAL));
    assert.deepEqual(did, ['resend:42', 'key:16', 'close:inval']);
  });

  it('an unknown command goes to the setup first, then gets UNSUPPORT naming it', () => {
    const { t, did } = target();
    dispatchFrame(hooks, t, frame(FrameType.IAX, IaxCommand.FWDOWNL));
    assert.deepEqual(did, [`setup:${IaxCommand.FWDOWNL}`, `send:${IaxCommand.UNSUPPORT}:${IeId.IAX_UNKNOWN}`]);
  });

  it('media, control, DTMF, text and CNG reach the user once started, and are dropped before', () => {
    const started = target(CallState.Accepted);
    dispatchFrame(hooks, started.t, frame(FrameType.VOICE, 4, { payload: Buffer.alloc(160), timestamp: 40 }));
    dispatchFrame(hooks, started.t, frame(FrameType.CONTROL, ControlSubclass.ANSWER, { payload: Buffer.alloc(0) }));
    dispatchFrame(hooks, started.t, frame(FrameType.DTMF_END, '5'.charCodeAt(0)));
    dispatchFrame(hooks, started.t, frame(FrameType.TEXT, 0, { payload: Buffer.from('hi\0') }));
    dispatchFrame(hooks, started.t, frame(FrameType.CNG, 42, { payload: Buffer.alloc(0) }));
    assert.deepEqual(started.did, [
      'voice:4:160@40',
      'answered',
      `event:control:{"subclass":${ControlSubclass.ANSWER},"payload":{"type":"Buffer","data":[]}}`,
      'event:dtmf:{"digit":"5","end":true}',
      'event:text:{"text":"hi"}',
      'event:cng:{"level":42,"payload":{"type":"Buffer","data":[]}}',
    ]);
    const early = target(CallState.NewSent);
    dispatchFrame(hooks, early.t, frame(FrameType.VOICE, 4, { payload: Buffer.alloc(160) }));
    dispatchFrame(hooks, early.t, frame(FrameType.CONTROL, ControlSubclass.RINGING));
    assert.deepEqual(early.did, []);
  });

  it('ACK, PONG and LAGRP carry our own clock; every other frame moves the peer\'s', () => {
    assert.equal(updatesRxClock(frame(FrameType.IAX, IaxCommand.ACK)), false);
    assert.equal(updatesRxClock(frame(FrameType.IAX, IaxCommand.PONG)), false);
    assert.equal(updatesRxClock(frame(FrameType.IAX, IaxCommand.LAGRP)), false);
    assert.equal(updatesRxClock(frame(FrameType.IAX, IaxCommand.PING)), true);
    assert.equal(updatesRxClock(frame(FrameType.VOICE, 4)), true);
  });
});
