// What a hostile or sloppy peer can send, and what the engine does about it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDatagram, encode, Format, FrameType, IaxCommand, IeId, ieNumber, type FullFrame } from '../../../services/iax2/codec/index.ts';
import { CALLEE_ADDRESS, CALLER_ADDRESS, harness, record, user } from '../../helpers/engine-harness.ts';
import { SeededRandom } from '../../helpers/seeded-random.ts';

const alice = user('alice', { secrets: ['labsecret'] });
const dial = { remote: CALLEE_ADDRESS, calledNumber: '100', username: 'alice', secret: 'labsecret', capability: Format.ULAW, format: Format.ULAW };

function raw(h: ReturnType<typeof harness>, port: number) {
  const endpoint = h.network.endpoint({ address: '198.51.100.7', port });
  const received: Buffer[] = [];
  endpoint.onDatagram((d) => received.push(d));
  return { send: (d: Buffer) => endpoint.send(d, CALLEE_ADDRESS), received };
}

const iax = (subclass: number, fields: Partial<FullFrame> = {}): FullFrame => ({
  kind: 'full', sourceCall: 0x0777, destCall: 0, retransmitted: false, timestamp: 16, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass, ies: [], ...fields,
});

describe('hardening', () => {
  it('any POKE gets a stateless PONG from call 1 echoing its timestamp, token or not, and no state', () => {
    const h = harness({ users: [alice] });
    const c = raw(h, 5000);
    c.send(encode(iax(IaxCommand.POKE, { ies: [{ id: IeId.CALLTOKEN, value: Buffer.alloc(0) }] })));
    c.send(encode(iax(IaxCommand.POKE)));
    h.clock.advance(1);
    assert.equal(c.received.length, 2);
    for (const d of c.received) {
      assert.deepEqual(d, Buffer.from('80010777000000100001' + '0603', 'hex'), 'PONG: src 1, dst 0x0777, ts 16, o0 i1, no IEs');
      assert.ok(d.length <= 14, 'no bigger than the POKE');
    }
    assert.equal(h.callee.activeCalls.size, 0);
    h.close();
  });

  it('no firmware service: FWDOWNL gets nothing', () => {
    const h = harness({ users: [alice] });
    const c = raw(h, 5001);
    c.send(encode(iax(IaxCommand.FWDOWNL, { ies: [{ id: IeId.DEVICETYPE, value: 'iaxy' }] })));
    h.clock.advance(1);
    assert.equal(c.received.length, 0);
    h.close();
  });

  it('in a call, PROVISION and unknown commands get UNSUPPORT naming them', () => {
    const h = harness({ users: [alice] });
    const out = h.caller.call(dial);
    h.clock.advance(50);
    const inbound = h.incoming[0]!.call;
    out.sendIax(IaxCommand.PROVISION, []);
    out.sendIax(99, []);
    h.clock.advance(50);
    const unsupport = h.sentByCallee.map((d) => decodeDatagram(d)).filter((f): f is FullFrame => f.kind === 'full' && f.subclass === IaxCommand.UNSUPPORT && f.frameType === FrameType.IAX);
    assert.deepEqual(unsupport.map((f) => ieNumber(f.ies, IeId.IAX_UNKNOWN)), [IaxCommand.PROVISION, 99]);
    assert.ok(!inbound.closed);
    h.close();
  });

  it('garbage, truncated frames and frames for unknown calls are counted and dropped; the engine keeps serving', () => {
    const h = harness({ users: [alice] });
    const c = raw(h, 5002);
    const rng = new SeededRandom(5);
    for (let i = 0; i < 2000; i++) c.send(rng.bytes(rng.int(80)));
    c.send(Buffer.from('8777000500000010000006', 'hex')); // 11-byte full frame
    c.send(encode(iax(IaxCommand.HANGUP, { destCall: 4242 }))); // unknown call
    h.clock.advance(1);
    assert.ok(h.callee.stats.decodeErrors + h.callee.stats.droppedUnknownCall > 100);
    assert.equal(h.callee.activeCalls.size, 0);
    const events = record(h.caller.call(dial));
    h.clock.advance(100);
    assert.ok(events.some(([n]) => n === 'accepted'), 'a real call still goes through');
    h.close();
  });

  it('meta trunk entries reach their calls by the sender\'s address and call number', () => {
    const h = harness({ users: [alice], onIncoming: (c, _i, e) => { e.accept(c); c.answer(); } });
    const out = h.caller.call(dial);
    h.clock.advance(50);
    const inbound = h.incoming[0]!.call;
    const heard: Array<[number, number]> = [];
    inbound.events.on('voice', ({ payload, timestamp }) => heard.push([payload[0]!, timestamp]));
    out.sendVoice(Buffer.alloc(160, 1), { timestamp: 1000 }); // the full frame that sets the format
    h.clock.advance(20);
    const trunk = encode({
      kind: 'meta-trunk', timestamp: 500, withTimestamps: true,
      entries: [
        { call: out.localCall, timestamp: 1020, payload: Buffer.alloc(160, 2) },
        { call: 9999, timestamp: 1020, payload: Buffer.alloc(160, 9) }, // nobody's call: ignored
        { call: out.localCall, timestamp: 1040, payload: Buffer.alloc(160, 3) },
      ],
    });
    h.network.endpoint(CALLER_ADDRESS).send(trunk, CALLEE_ADDRESS);
    h.clock.advance(20);
    assert.deepEqual(heard, [[1, 1000], [2, 1020], [3, 1040]]);
    h.close();
  });
});
