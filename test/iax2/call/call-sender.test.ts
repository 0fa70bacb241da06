// The send half of a call on its own, against a stand-in call: what goes on the wire for each
// move (full frames, ACK, VNAK, voice as full frame, mini frame or trunk entry, RTKEY), under
// which key, and what the sender tells its call, without a Call or a socket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { CallSender, type CallSenderOptions, type SendHooks } from '../../../services/iax2/call/call-sender.ts';
import type { CallCipher } from '../../../services/iax2/call/call-types.ts';
import { LAGRQ_INTERVAL_MS, PING_INTERVAL_MS } from '../../../services/iax2/call/keepalive.ts';
import { ControlSubclass } from '../../../services/iax2/codec/control-subclasses.ts';
import { decodeDatagram, Format, FrameType, IaxCommand, IeId, type Frame, type FullFrame } from '../../../services/iax2/codec/index.ts';

const LOCAL_CALL = 5;
const REMOTE_CALL = 9;

/** A stand-in call: the state the hooks read, and what the sender told it, in order. */
interface Stand {
  closed: boolean;
  remoteCall: number;
  /** The call's ISeqno, as its receiver would hold it. */
  iseqno: number;
  /** The last ISeqno a sent frame carried. */
  carried: number | undefined;
  told: string[];
  sender: CallSender<Stand>;
}

const hooks: SendHooks<Stand> = {
  closed: (c) => c.closed,
  remoteCall: (c) => c.remoteCall,
  carryIseqno: (c) => (c.carried = c.iseqno),
  iseqno: (c) => c.iseqno,
  fullFrameSent: (c) => c.told.push('full-sent'),
  gaveUp: (c, final) => c.told.push(`gave-up:${final}`),
  finalAcked: (c) => c.told.push('final-acked'),
};

function stand(options: Partial<CallSenderOptions> & { keeps?: boolean } = {}) {
  const clock = new ManualClock();
  /** The buffers as handed to the transport (a reused one changes under a later send). */
  const wire: Buffer[] = [];
  /** Their bytes as they were when sent. */
  const copies: Buffer[] = [];
  const t = { closed: false, remoteCall: REMOTE_CALL, iseqno: 0, carried: undefined, told: [] as string[] } as Omit<Stand, 'sender'> as Stand;
  t.sender = new CallSender(t, hooks, {
    localCall: LOCAL_CALL,
    clock,
    send: (datagram) => {
      wire.push(datagram);
      copies.push(Buffer.from(datagram));
      return options.keeps;
    },
    keepalive: options.keepalive,
    fullVoiceAtWrap: options.fullVoiceAtWrap,
  }, undefined);
  /** What went out, decoded. */
  const sent = (): Frame[] => copies.map((d) => decodeDatagram(d));
  return { t, sender: t.sender, clock, wire, sent, told: t.told };
}

const asFull = (frame: Frame | undefined): FullFrame => {
  assert.ok(frame?.kind === 'full', `a full frame, not ${frame?.kind}`);
  return frame;
};

/** Voice as the wire carries it: `full:<ts>` for a full voice frame, `mini:<ts16>` for a mini frame. */
function voiceOnWire(frames: Frame[]): string[] {
  return frames.map((f) => {
    if (f.kind === 'mini') return `mini:${f.timestamp}`;
    const full = asFull(f);
    return full.frameType === FrameType.VOICE ? `full:${full.timestamp}/${full.subclass}` : `iax:${full.subclass}`;
  });
}

/** The first bytes of a key, in hex: enough to tell a random key from another. */
const tag = (key: Buffer): string => key.subarray(0, 4).toString('hex');

/** A stand-in cipher: frames go out in clear, and each encryption is logged with its key's tag. */
function cipher() {
  const log: string[] = [];
  let key: Buffer = Buffer.alloc(16, 0xaa);
  const c: CallCipher = {
    encrypt: (plain, kind, with_) => {
      log.push(`${kind}:${tag(with_ ?? key)}`);
      return Buffer.from(plain);
    },
    decrypt: () => undefined,
    setReceiveKey: () => {},
    get transmitKey() {
      return key;
    },
    setTransmitKey: (k) => {
      key = k;
    },
  };
  return { cipher: c, log, key: () => key };
}

const PAYLOAD = Buffer.alloc(160, 0x55);

/** Two views of the same bytes (small buffers share Node's pool, so `.buffer` alone says nothing). */
const sameMemory = (a: Buffer, b: Buffer): boolean => a.buffer === b.buffer && a.byteOffset === b.byteOffset;

describe('call sender', () => {
  it('a full frame takes our OSeqno (wrapping at 256), carries the call\'s ISeqno and both call numbers, and is kept until acknowledged', () => {
    const { t, sender, sent, told } = stand();
    t.iseqno = 3;
    sender.sendIax(IaxCommand.NEW, [], false, undefined);
    sender.sendSignal(FrameType.CONTROL, ControlSubclass.RINGING, Buffer.alloc(0));
    const [first, second] = sent().map(asFull);
    assert.deepEqual([first!.sourceCall, first!.destCall, first!.oseqno, first!.iseqno, first!.subclass], [LOCAL_CALL, REMOTE_CALL, 0, 3, IaxCommand.NEW]);
    assert.deepEqual([second!.frameType, second!.subclass, second!.oseqno], [FrameType.CONTROL, ControlSubclass.RINGING, 1]);
    assert.equal(t.carried, 3);
    assert.deepEqual(told, ['full-sent', 'full-sent']);
    assert.equal(sender.unacknowledged, 2);
    sender.acknowledge(1);
    assert.equal(sender.unacknowledged, 1, 'the peer expecting 1 has frame 0');
    sender.acknowledge(2);
    assert.equal(sender.unacknowledged, 0);
    for (let i = 2; i < 256; i++) sender.sendIax(IaxCommand.LAGRQ, [], false, undefined);
    assert.equal(sender.nextOseqno, 0);
  });

  it('IAX frames are stamped on the IAX clock, CONTROL and the like on the signal clock; an echoed stamp is used as given', () => {
    const { sender, clock, sent } = stand();
    assert.equal(sender.sendIax(IaxCommand.NEW, [], false, undefined), 3);
    clock.advance(100);
    sender.sendSignal(FrameType.DTMF_BEGIN, 0x31, Buffer.alloc(0));
    assert.equal(sender.sendIax(IaxCommand.LAGRQ, [], false, undefined), 100);
    assert.equal(sender.sendIax(IaxCommand.PONG, [], false, 42), 42);
    assert.deepEqual(sent().map((f) => asFull(f).timestamp), [3, 6, 100, 42]);
  });

  it('a closed call puts nothing on the wire and tells the call nothing', () => {
    const { t, sender, wire, told } = stand();
    t.closed = true;
    sender.sendIax(IaxCommand.PING, [], false, undefined);
    sender.sendSignal(FrameType.TEXT, 0, Buffer.from('x\0'));
    sender.sendVnak();
    assert.deepEqual(wire, []);
    assert.deepEqual(told, []);
    assert.equal(sender.unacknowledged, 0);
  });

  it('ACK echoes the acknowledged frame\'s timestamp and ISeqno, VNAK carries our ISeqno twice; neither takes an OSeqno or waits for an ACK', () => {
    const { t, sender, sent, told } = stand();
    t.iseqno = 7;
    sender.sendAck({ kind: 'full', sourceCall: REMOTE_CALL, destCall: LOCAL_CALL, retransmitted: false, timestamp: 1234, oseqno: 6, iseqno: 4, frameType: FrameType.IAX, subclass: IaxCommand.PING, ies: [] });
    sender.sendVnak();
    const [ack, vnak] = sent().map(asFull);
    assert.deepEqual([ack!.subclass, ack!.timestamp, ack!.oseqno, ack!.iseqno], [IaxCommand.ACK, 1234, 4, 7]);
    assert.deepEqual([vnak!.subclass, vnak!.oseqno, vnak!.iseqno], [IaxCommand.VNAK, 7, 7]);
    assert.equal(sender.nextOseqno, 0);
    assert.equal(sender.unacknowledged, 0);
    assert.deepEqual(told, []);
  });

  it('voice: a full frame first and at every format change, mini frames with the low 16 bits between', () => {
    const { sender, sent } = stand();
    sender.voice(PAYLOAD, Format.ULAW, 1000);
    sender.voice(PAYLOAD, Format.ULAW, 1020);
    sender.voice(PAYLOAD, Format.ALAW, 1040);
    sender.voice(PAYLOAD, Format.ALAW, 1060);
    assert.deepEqual(voiceOnWire(sent()), [`full:1000/${Format.ULAW}`, 'mini:1020', `full:1040/${Format.ALAW}`, 'mini:1060']);
    assert.equal(sender.unacknowledged, 2, 'full voice frames are reliable');
  });

  it('voice whose top 16 timestamp bits move goes as a full frame, or as a mini frame straight across the wrap when fullVoiceAtWrap is off', () => {
    const stamps = [65_500, 65_520, 65_540, 65_560];
    const rfc = stand();
    const asterisk = stand({ fullVoiceAtWrap: false });
    for (const ts of stamps) {
      rfc.sender.voice(PAYLOAD, Format.ULAW, ts);
      asterisk.sender.voice(PAYLOAD, Format.ULAW, ts);
    }
    assert.deepEqual(voiceOnWire(rfc.sent()), [`full:65500/${Format.ULAW}`, 'mini:65520', `full:65540/${Format.ULAW}`, 'mini:24']);
    assert.deepEqual(voiceOnWire(asterisk.sent()), [`full:65500/${Format.ULAW}`, 'mini:65520', 'mini:4', 'mini:24']);
  });

  it('140 s of 20 ms voice: one full frame per 16-bit wrap by default, only the first with fullVoiceAtWrap off', () => {
    const rfc = stand();
    const asterisk = stand({ fullVoiceAtWrap: false });
    for (let ts = 20; ts <= 140_000; ts += 20) {
      rfc.sender.voice(PAYLOAD, Format.ULAW, ts);
      asterisk.sender.voice(PAYLOAD, Format.ULAW, ts);
    }
    const fullOnes = (frames: Frame[]): string[] => voiceOnWire(frames).filter((v) => v.startsWith('full'));
    assert.deepEqual(fullOnes(rfc.sent()), [`full:20/${Format.ULAW}`, `full:65540/${Format.ULAW}`, `full:131080/${Format.ULAW}`]);
    assert.deepEqual(fullOnes(asterisk.sent()), [`full:20/${Format.ULAW}`]);
    assert.equal(asterisk.sent().length, 7000);
  });

  it('plain mini frames share one buffer while the transport does not keep it, and a kept one is never written over', () => {
    // One after the other: the buffer is shared by every call, and a kept one replaces it for all.
    const reused = stand();
    for (const ts of [20, 40, 60]) reused.sender.voice(PAYLOAD, Format.ULAW, ts);
    const kept = stand({ keeps: true });
    for (const ts of [20, 40, 60]) kept.sender.voice(PAYLOAD, Format.ULAW, ts);
    assert.ok(sameMemory(reused.wire[1]!, reused.wire[2]!), 'no buffer per frame');
    assert.ok(!sameMemory(kept.wire[1]!, kept.wire[2]!));
    assert.deepEqual(kept.wire.slice(1).map((d) => decodeDatagram(d)).map((f) => f.kind === 'mini' && f.timestamp), [40, 60]);
  });

  it('trunked voice after the first full frame becomes trunk entries; an encrypted call\'s voice never does', () => {
    const plain = stand();
    const entries: string[] = [];
    const sink = { add: (call: number, ts16: number, payload: Buffer) => entries.push(`${call}:${ts16}:${payload.length}`) };
    plain.sender.useTrunk(sink);
    plain.sender.voice(PAYLOAD, Format.ULAW, 20);
    plain.sender.voice(PAYLOAD, Format.ULAW, 40);
    assert.deepEqual(voiceOnWire(plain.sent()), [`full:20/${Format.ULAW}`]);
    assert.deepEqual(entries, [`${LOCAL_CALL}:40:160`]);

    const secret = stand();
    const { cipher: c, log } = cipher();
    secret.sender.encryptWith(c, false);
    secret.sender.useTrunk(sink);
    secret.sender.voice(PAYLOAD, Format.ULAW, 20);
    secret.sender.voice(PAYLOAD, Format.ULAW, 40);
    assert.deepEqual(voiceOnWire(secret.sent()), [`full:20/${Format.ULAW}`, 'mini:40']);
    assert.deepEqual(log, ['full:aaaaaaaa', 'mini:aaaaaaaa']);
    assert.equal(entries.length, 1);
  });

  it('RTKEY carries the new key under the old one; later frames use the new key, queued ones retransmit under the key they were first sent with', () => {
    const { sender, clock, sent } = stand();
    const c = cipher();
    sender.encryptWith(c.cipher, false);
    assert.equal(sender.cipher, c.cipher);
    sender.sendIax(IaxCommand.LAGRQ, [], false, undefined);
    sender.rotateKey();
    const newKey = c.key();
    assert.notDeepEqual(newKey, Buffer.alloc(16, 0xaa));
    sender.sendIax(IaxCommand.PING, [], false, undefined);
    const rtkey = asFull(sent()[1]);
    assert.equal(rtkey.subclass, IaxCommand.RTKEY);
    assert.deepEqual(rtkey.ies, [{ id: IeId.CHALLENGE, value: newKey }]);
    const [old, fresh] = ['full:aaaaaaaa', `full:${tag(newKey)}`];
    assert.deepEqual(c.log, [old, old, fresh]);
    clock.advance(2000);
    assert.deepEqual(c.log.slice(3), [old, old, fresh], 'first retransmissions, in queue order');
    assert.equal(sender.keyRotations, 1);
  });

  it('key rotation starts at the first voice frame when the peer offered it, and never when it did not or the call is closed', () => {
    const offered = stand();
    offered.sender.encryptWith(cipher().cipher, true);
    assert.equal(offered.sender.rotatesKeys, true);
    offered.sender.voice(PAYLOAD, Format.ULAW, 20);
    offered.sender.voice(PAYLOAD, Format.ULAW, 40);
    assert.deepEqual(voiceOnWire(offered.sent()), [`iax:${IaxCommand.RTKEY}`, `full:20/${Format.ULAW}`, 'mini:40']);
    assert.equal(offered.sender.keyRotations, 1);

    const notOffered = stand();
    notOffered.sender.encryptWith(cipher().cipher, false);
    notOffered.sender.voice(PAYLOAD, Format.ULAW, 20);
    assert.deepEqual(voiceOnWire(notOffered.sent()), [`full:20/${Format.ULAW}`]);
    assert.deepEqual([notOffered.sender.rotatesKeys, notOffered.sender.keyRotations], [false, 0]);

    const closed = stand();
    closed.sender.encryptWith(cipher().cipher, true);
    closed.t.closed = true;
    closed.sender.rotateKey();
    assert.deepEqual([closed.wire.length, closed.sender.keyRotations], [0, 0]);

    const plain = stand();
    plain.sender.rotateKey();
    assert.deepEqual([plain.wire.length, plain.sender.rotatesKeys, plain.sender.keyRotations], [0, false, 0]);
  });

  it('a retransmission carries the R bit and the ISeqno of the moment; after the fourth transmission the call hears delivery gave up', () => {
    const { t, sender, clock, sent, told } = stand();
    sender.sendIax(IaxCommand.PING, [], false, undefined);
    t.iseqno = 2;
    clock.advance(2000);
    const again = asFull(sent()[1]);
    assert.deepEqual([again.retransmitted, again.iseqno, again.oseqno], [true, 2, 0]);
    clock.advance(29_999);
    assert.deepEqual(told, ['full-sent']);
    assert.equal(sender.retransmissions, 3);
    clock.advance(1);
    assert.deepEqual(told, ['full-sent', 'gave-up:false']);
    assert.equal(sender.unacknowledged, 0);
  });

  it('a final frame tells the call when it is acknowledged, and when delivery gives up on it', () => {
    const acked = stand();
    acked.sender.sendIax(IaxCommand.HANGUP, [], true, undefined);
    acked.sender.acknowledge(1);
    assert.deepEqual(acked.told, ['full-sent', 'final-acked']);
    const lost = stand();
    lost.sender.sendIax(IaxCommand.HANGUP, [], true, undefined);
    lost.clock.advance(32_000);
    assert.deepEqual(lost.told, ['full-sent', 'gave-up:true']);
  });

  it('a PONG\'s round trip sets the retransmission gap; VNAK and retransmitNow send queued frames again at once', () => {
    const { sender, clock, wire } = stand();
    sender.setPingtime(100);
    assert.equal(sender.pingtimeMs, 100);
    sender.sendIax(IaxCommand.PING, [], false, undefined);
    sender.sendIax(IaxCommand.LAGRQ, [], false, undefined);
    clock.advance(200);
    assert.equal(wire.length, 4, 'RTO is 2 x 100 ms');
    sender.resendFrom(1);
    assert.equal(asFull(decodeDatagram(wire[4]!)).subclass, IaxCommand.LAGRQ);
    sender.retransmitNow();
    assert.equal(wire.length, 7);
  });

  it('PING every 21 s and LAGRQ every 10 s once started, until stopped; none on a leg built without keepalive', () => {
    const { sender, clock, sent } = stand();
    sender.startKeepalive();
    sender.startKeepalive();
    clock.advance(PING_INTERVAL_MS);
    const subclasses = (): number[] => sent().map((f) => asFull(f)).filter((f) => !f.retransmitted).map((f) => f.subclass);
    assert.deepEqual(subclasses(), [IaxCommand.LAGRQ, IaxCommand.LAGRQ, IaxCommand.PING]);
    sender.stopKeepalive();
    clock.advance(LAGRQ_INTERVAL_MS);
    assert.equal(subclasses().length, 3);

    const dialog = stand({ keepalive: false });
    dialog.sender.startKeepalive();
    dialog.clock.advance(PING_INTERVAL_MS);
    assert.deepEqual(dialog.wire, []);
  });

  it('a resend after CALLTOKEN starts again from OSeqno 0 with nothing queued; a stopped sender sends nothing more', () => {
    const retry = stand();
    retry.sender.sendIax(IaxCommand.NEW, [], false, undefined);
    retry.sender.restartSequence();
    assert.deepEqual([retry.sender.nextOseqno, retry.sender.unacknowledged], [0, 0]);
    retry.clock.advance(2000);
    assert.equal(retry.wire.length, 1, 'the dropped NEW is not retransmitted');

    const stopped = stand();
    stopped.sender.encryptWith(cipher().cipher, true);
    stopped.sender.voice(PAYLOAD, Format.ULAW, 20);
    stopped.sender.startKeepalive();
    const before = stopped.wire.length;
    stopped.sender.stop();
    stopped.clock.advance(600_000);
    assert.equal(stopped.wire.length, before);
  });
});
