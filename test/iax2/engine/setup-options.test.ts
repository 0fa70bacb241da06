// Setup options on the manual clock: AES with RTKEY rotation, forceencryption, autokill, dbsecret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallState } from '../../../services/iax2/call/call-state.ts';
import { RTKEY_BASE_MS, RTKEY_SPREAD_MS } from '../../../services/iax2/call/call.ts';
import { decodeDatagram, Format, IaxCommand, IeId, ieNumber } from '../../../services/iax2/codec/index.ts';
import { CALLEE_ADDRESS, harness, record, user } from '../../helpers/engine-harness.ts';

const dial = { remote: CALLEE_ADDRESS, calledNumber: '100', capability: Format.ULAW, format: Format.ULAW };

describe('call setup options', () => {
  it('AES-128: the callee rotates its key with RTKEY at its first voice frame and again within 300 s; nothing is lost', () => {
    const h = harness({ users: [user('enc', { secrets: ['encsecret'], encryption: true })], onIncoming: (c, _i, e) => { e.accept(c); c.answer(); } });
    const out = h.caller.call({ ...dial, username: 'enc', secret: 'encsecret', encryption: true });
    const heard: number[] = [];
    out.events.on('voice', ({ payload }) => heard.push(payload[0]!));
    h.clock.advance(100);
    const inbound = h.incoming[0]!.call;
    assert.equal(out.encrypted, true);
    assert.equal(inbound.rotatesKeys, true, 'our NEW offered rotation (0x8001)');
    assert.equal(inbound.keyRotations, 0);
    inbound.sendVoice(Buffer.alloc(160, 1));
    h.clock.advance(20);
    assert.equal(inbound.keyRotations, 1, 'rotated at the first voice frame');
    let sent = 1;
    for (let t = 0; t < (RTKEY_BASE_MS + RTKEY_SPREAD_MS) / 1000 + 1; t++) {
      inbound.sendVoice(Buffer.alloc(160, (sent++) & 0xff));
      h.clock.advance(1000);
    }
    assert.ok(inbound.keyRotations >= 2, 'rotated again within 300 s');
    assert.equal(heard.length, sent, 'every voice frame decrypted across both rotations');
    assert.equal(out.state, CallState.Answered);
    h.close();
  });

  it('forceencryption refuses a caller that does not encrypt: REJECT "No authority found", 50', () => {
    const h = harness({ users: [user('enc', { secrets: ['encsecret'], encryption: true, forceEncryption: true })] });
    const out = h.caller.call({ ...dial, username: 'enc', secret: 'encsecret' });
    const events = record(out);
    h.clock.advance(100);
    assert.deepEqual(events.find(([n]) => n === 'rejected'), ['rejected', { cause: 'No authority found', causeCode: 50 }]);
    assert.equal(h.incoming.length, 0);
    h.close();
  });

  it('autokill: no answer within 2 x autokill congests the call locally and sends HANGUP with cause 0', () => {
    const h = harness({});
    h.network.endpoint(CALLEE_ADDRESS).setReachable(false);
    const out = h.caller.call({ ...dial, username: 'x', secret: 'y', autokillMs: 2000 });
    const events = record(out);
    h.clock.advance(3999);
    assert.equal(out.closed, false);
    h.clock.advance(1);
    assert.deepEqual(events.find(([n]) => n === 'hangup'), ['hangup', { causeCode: 34, cause: 'autokill' }]);
    const last = decodeDatagram(h.sentByCaller.at(-1)!);
    assert.ok(last.kind === 'full' && last.subclass === IaxCommand.HANGUP && ieNumber(last.ies, IeId.CAUSECODE) === 0);
    // pingtime = autokill / 2, so the NEW was retransmitted after 2 s (protocol.md §13.2).
    assert.deepEqual(h.sentByCallerAt.slice(0, 2), [0, 2000]);
    h.close();
  });

  it('dbsecret: the secret comes from the directory\'s astdb at authentication time', () => {
    const h = harness({ users: [user('db', { dbsecret: 'iaxsecrets/db' })], dbsecrets: { 'iaxsecrets/db': 'fromastdb' } });
    const out = h.caller.call({ ...dial, username: 'db', secret: 'fromastdb' });
    const events = record(out);
    h.clock.advance(100);
    assert.ok(events.some(([n]) => n === 'accepted'));
    const wrong = h.caller.call({ ...dial, username: 'db', secret: 'guess' });
    const wrongEvents = record(wrong);
    h.clock.advance(100);
    assert.ok(wrongEvents.some(([n]) => n === 'rejected'));
    h.close();
  });

  it('several secrets: any of them authenticates', () => {
    const h = harness({ users: [user('multi', { secrets: ['first;second', 'third'] })] });
    for (const secret of ['first', 'second', 'third']) {
      const events = record(h.caller.call({ ...dial, username: 'multi', secret }));
      h.clock.advance(100);
      assert.ok(events.some(([n]) => n === 'accepted'), secret);
    }
    h.close();
  });
});
