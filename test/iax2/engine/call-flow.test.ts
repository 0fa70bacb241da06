// Whole calls between two engines on the in-memory network, on a manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallState } from '../../../services/iax2/call/call-state.ts';
import { ControlSubclass, decodeDatagram, Format, FrameType, IaxCommand, IeId, type FullFrame } from '../../../services/iax2/codec/index.ts';
import { CALLEE_ADDRESS, harness, record, user } from '../../helpers/engine-harness.ts';

/** Both sides' datagrams in the order they were sent (the network is lossless here). */
function interleaved(h: ReturnType<typeof harness>) {
  return h.sentInOrder.map((d) => decodeDatagram(d));
}

const alice = user('alice', { secrets: ['wrong-one', 'labsecret'] });

function dial(h: ReturnType<typeof harness>, extra: Record<string, unknown> = {}) {
  return h.caller.call({
    remote: CALLEE_ADDRESS,
    calledNumber: '100',
    username: 'alice',
    secret: 'labsecret',
    capability: Format.ULAW | Format.ALAW,
    format: Format.ULAW,
    ...extra,
  });
}

describe('a call between two engines', () => {
  it('sets up with token and MD5, carries voice, DTMF, text and control both ways, and hangs up with a cause', () => {
    const h = harness({ users: [alice] });
    const out = dial(h);
    const outEvents = record(out);
    h.clock.advance(50);
    assert.equal(h.incoming.length, 1);
    const inbound = h.incoming[0]!.call;
    assert.equal(h.incoming[0]!.info.calledNumber, '100');
    assert.equal(h.incoming[0]!.info.username, 'alice');
    const inEvents = record(inbound);
    assert.deepEqual(outEvents.filter(([n]) => n === 'accepted'), [['accepted', { format: Format.ULAW }]]);
    assert.equal(out.state, CallState.Accepted);

    inbound.ringing();
    inbound.answer();
    h.clock.advance(20);
    assert.equal(out.state, CallState.Answered);
    for (let i = 0; i < 50; i++) {
      out.sendVoice(Buffer.alloc(160, i));
      inbound.sendVoice(Buffer.alloc(160, 255 - i));
      h.clock.advance(20);
    }
    out.sendDtmf('5');
    inbound.sendText('hello');
    inbound.sendControl(ControlSubclass.HOLD);
    h.clock.advance(20);
    inbound.hangup(17);
    h.clock.advance(100);

    const voiceIn = inEvents.filter(([n]) => n === 'voice');
    const voiceOut = outEvents.filter(([n]) => n === 'voice');
    assert.equal(voiceIn.length, 50);
    assert.equal(voiceOut.length, 50);
    assert.deepEqual(outEvents.filter(([n]) => n === 'control').map(([, p]) => (p as { subclass: number }).subclass), [
      ControlSubclass.RINGING, ControlSubclass.ANSWER, ControlSubclass.HOLD,
    ]);
    assert.deepEqual(inEvents.filter(([n]) => n === 'dtmf').map(([, p]) => p), [{ digit: '5', end: false }, { digit: '5', end: true }]);
    assert.deepEqual(outEvents.filter(([n]) => n === 'text').map(([, p]) => p), [{ text: 'hello' }]);
    assert.deepEqual(outEvents.find(([n]) => n === 'hangup'), ['hangup', { causeCode: 17, cause: undefined }]);
    assert.ok(out.closed && inbound.closed);
    assert.equal(h.caller.activeCalls.size, 0);
    assert.equal(h.callee.activeCalls.size, 0);

    // The handshake on the wire, as Asterisk does it (protocol.md §6.2).
    const wire = interleaved(h).filter((f): f is FullFrame => f.kind === 'full');
    const iax = wire.filter((f) => f.frameType === FrameType.IAX).map((f) => [f.subclass, f.oseqno, f.iseqno]);
    assert.deepEqual(iax.slice(0, 6), [
      [IaxCommand.NEW, 0, 0],
      [IaxCommand.CALLTOKEN, 0, 1],
      [IaxCommand.NEW, 0, 0],
      [IaxCommand.AUTHREQ, 0, 1],
      [IaxCommand.AUTHREP, 1, 1],
      [IaxCommand.ACCEPT, 1, 2],
    ]);
    const firstNew = wire[0]!;
    assert.deepEqual(firstNew.ies?.at(-1), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }, 'the NEW ends with an empty CALLTOKEN');
    h.close();
  });
});
