// The receive half of a call on its own, against a recording stand-in call: what each arrival
// makes the call do (ACK, VNAK, dispatch, voice), without a Call, a socket or a clock of its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { CallReceiver, type ReceiveHooks } from '../../../services/iax2/call/call-receiver.ts';
import { CallState } from '../../../services/iax2/call/call-state.ts';
import type { CallCipher, CallEvents } from '../../../services/iax2/call/call-types.ts';
import { encode, Format, FrameType, IaxCommand, type FullFrame } from '../../../services/iax2/codec/index.ts';
import { TypedEvents } from '../../../services/iax2/typed-events.ts';

/** A stand-in call: what the receiver asked of it, in order. */
interface Stand {
  state: CallState;
  events: TypedEvents<CallEvents>;
  receiver: CallReceiver<Stand>;
  /** The next frame's arrival closes the call (as the ACK of a final frame does). */
  closeOnArrival: boolean;
  /** The setup handler takes what it is offered. */
  setupTakes: boolean;
  /** ... and closes the call (a refused dialog). */
  setupCloses: boolean;
  did: string[];
}

/** Like a Call, every frame the stand-in sends carries the receiver's ISeqno. */
const hooks: ReceiveHooks<Stand> = {
  state: (c) => c.state,
  events: (c) => c.events,
  offerToSetup: (c, f) => {
    c.did.push(`setup:${f.subclass}`);
    if (c.setupCloses) c.state = CallState.Closed;
    return c.setupTakes || c.setupCloses;
  },
  remoteAnswered: (c) => c.did.push('answered'),
  receiveKey: (c) => c.did.push('key'),
  close: (c, reason) => {
    c.state = CallState.Closed;
    c.did.push(`close:${reason}`);
  },
  sendIax: (c, command) => {
    c.did.push(`send:${command}/${c.receiver.carryIseqno()}`);
    return 0;
  },
  sendAck: (c, f) => c.did.push(`ack:${f.oseqno}/${c.receiver.carryIseqno()}`),
  sendVnak: (c) => c.did.push(`vnak/${c.receiver.carryIseqno()}`),
  receiveStats: (c) => c.receiver.stats(),
  measuredRtt: (c, ms) => c.did.push(`rtt:${ms}`),
  voiceFrame: (c, format, payload, ts) => c.receiver.fullVoice(format, payload, ts),
  iaxTimestamp: () => 1000,
  resendFrom: (c, n) => c.did.push(`resend:${n}`),
  arrived: (c, f) => {
    c.did.push(`arrived:${f.oseqno}`);
    if (c.closeOnArrival) c.state = CallState.Closed;
  },
  undecryptable: (c) => c.did.push('undecryptable'),
};

function stand(state: CallState = CallState.Answered, clock = new ManualClock()) {
  const events = new TypedEvents<CallEvents>();
  const t = { state, events, closeOnArrival: false, setupTakes: false, setupCloses: false, did: [] as string[] } as Omit<Stand, 'receiver'> as Stand;
  t.receiver = new CallReceiver(t, hooks, clock);
  events.on('voice', ({ format, payload, timestamp }) => t.did.push(`voice-event:${format}:${payload.length}@${timestamp}`));
  return { t, receiver: t.receiver, did: t.did, clock };
}

function full(frameType: number, subclass: number, oseqno: number, fields: { timestamp?: number; sourceCall?: number; payload?: Buffer } = {}): FullFrame {
  return {
    kind: 'full', sourceCall: fields.sourceCall ?? 7, destCall: 100, retransmitted: false, timestamp: fields.timestamp ?? 500,
    oseqno, iseqno: 0, frameType, subclass, ies: frameType === FrameType.IAX ? [] : undefined, payload: fields.payload,
  };
}

const iax = (command: number, oseqno: number, timestamp?: number): FullFrame => full(FrameType.IAX, command, oseqno, { timestamp });
const voice = (oseqno: number, timestamp: number): FullFrame => full(FrameType.VOICE, Number(Format.ULAW), oseqno, { timestamp, payload: Buffer.alloc(160) });
const mini = (timestamp16: number): Buffer => encode({ kind: 'mini', sourceCall: 7, timestamp: timestamp16, payload: Buffer.alloc(160) });

describe('call receiver', () => {
  it('a frame in order moves ISeqno, is dispatched and then ACKed with the new ISeqno', () => {
    const { receiver, did } = stand();
    receiver.receiveFull(full(FrameType.CONTROL, 99, 0));
    assert.equal(receiver.iseqno, 1);
    assert.deepEqual(did, ['arrived:0', 'ack:0/1']);
  });

  it('no ACK when what was sent while handling the frame already carried the new ISeqno', () => {
    const { receiver, did } = stand();
    receiver.receiveFull(iax(IaxCommand.PING, 0, 77));
    assert.deepEqual(did, ['arrived:0', `send:${IaxCommand.PONG}/1`], 'the PONG acknowledges the PING');
  });

  it('a duplicate is re-ACKed and dropped, a gap gets a VNAK and is dropped; neither moves ISeqno or is dispatched', () => {
    const { receiver, did } = stand();
    receiver.receiveFull(iax(IaxCommand.LAGRQ, 0));
    did.length = 0;
    receiver.receiveFull(iax(IaxCommand.LAGRQ, 0));
    receiver.receiveFull(iax(IaxCommand.LAGRQ, 5));
    assert.equal(receiver.iseqno, 1);
    assert.deepEqual(did, ['arrived:0', 'ack:0/1', 'arrived:5', 'vnak/1']);
  });

  it('ACK and VNAK are handled whatever their OSeqno, never move ISeqno and are never ACKed', () => {
    const { receiver, did } = stand();
    receiver.receiveFull(iax(IaxCommand.ACK, 9));
    receiver.receiveFull({ ...iax(IaxCommand.VNAK, 200), iseqno: 3 });
    assert.equal(receiver.iseqno, 0);
    assert.deepEqual(did, ['arrived:9', 'arrived:200', 'resend:3']);
  });

  it('a copy of the opening NEW is not ACKed while our challenge is out, and is re-ACKed in any other state', () => {
    const waiting = stand(CallState.AuthReqSent);
    waiting.receiver.receiveFull(iax(IaxCommand.NEW, 0));
    waiting.did.length = 0;
    waiting.receiver.receiveFull(iax(IaxCommand.NEW, 0));
    waiting.receiver.receiveFull(iax(IaxCommand.REGREQ, 0));
    assert.deepEqual(waiting.did, ['arrived:0', 'arrived:0']);
    const authenticated = stand(CallState.Authenticated);
    authenticated.receiver.receiveFull(iax(IaxCommand.NEW, 0));
    authenticated.did.length = 0;
    authenticated.receiver.receiveFull(iax(IaxCommand.NEW, 0));
    assert.deepEqual(authenticated.did, ['arrived:0', 'ack:0/1']);
  });

  it('CALLTOKEN, REJECT and REGREJ from call number 1 go to the setup handler alone: no arrival, no ISeqno, no ACK', () => {
    const { receiver, did } = stand(CallState.NewSent);
    for (const command of [IaxCommand.CALLTOKEN, IaxCommand.REJECT, IaxCommand.REGREJ]) receiver.receiveFull({ ...iax(command, 0), sourceCall: 1 });
    assert.equal(receiver.iseqno, 0);
    assert.deepEqual(did, [`setup:${IaxCommand.CALLTOKEN}`, `setup:${IaxCommand.REJECT}`, `setup:${IaxCommand.REGREJ}`]);
  });

  it('a frame whose arrival closes the call goes no further; one whose handling closes it is not ACKed', () => {
    const closing = stand();
    closing.t.closeOnArrival = true;
    closing.receiver.receiveFull(iax(IaxCommand.LAGRQ, 0));
    assert.deepEqual(closing.did, ['arrived:0']);
    assert.equal(closing.receiver.iseqno, 0);
    const refused = stand(CallState.NewSent);
    refused.t.setupCloses = true;
    refused.receiver.receiveFull(iax(IaxCommand.AUTHREQ, 0));
    assert.deepEqual(refused.did, ['arrived:0', `setup:${IaxCommand.AUTHREQ}`]);
  });

  it('mini frames before any full voice frame are dropped with a VNAK and counted as dropped', () => {
    const { receiver, did } = stand();
    receiver.receiveDatagram(mini(40));
    receiver.receiveTrunkEntry(Buffer.alloc(160), 60, 0);
    assert.deepEqual(did, ['vnak/0', 'vnak/0']);
    assert.equal(receiver.stats().dropped, 2);
  });

  it('70 s of 20 ms mini frames and trunk entries keep the peer\'s 32-bit clock across the 16-bit wrap', () => {
    const { receiver, did } = stand();
    receiver.receiveFull(voice(0, 20));
    const sent: number[] = [20];
    for (let ts = 40; ts <= 70_000; ts += 20) {
      sent.push(ts);
      if (ts % 100 === 0) receiver.receiveTrunkEntry(Buffer.alloc(160), ts & 0xffff, 0);
      else receiver.receiveDatagram(mini(ts & 0xffff));
    }
    const stamps = did.filter((d) => d.startsWith('voice')).map((d) => Number(d.split('@')[1]));
    assert.deepEqual(stamps, sent);
  });

  it('a trunk entry without a timestamp of its own takes the trunk frame\'s, never earlier than the last one seen', () => {
    const { receiver, did } = stand();
    receiver.receiveFull(voice(0, 1000));
    receiver.receiveTrunkEntry(Buffer.alloc(160), undefined, 1500);
    receiver.receiveTrunkEntry(Buffer.alloc(160), 0, 900);
    assert.deepEqual(did.filter((d) => d.startsWith('voice')).map((d) => d.split('@')[1]), ['1000', '1500', '1000']);
  });

  it('voice goes to the sink once one is set (no event), with the receive statistics counting it, and nowhere before the call is started', () => {
    const clock = new ManualClock();
    const { t, receiver, did } = stand(CallState.Accepted, clock);
    const sunk: string[] = [];
    receiver.receiveFull(voice(0, 20));
    receiver.setVoiceSink((payload, format, timestamp) => sunk.push(`${format}:${payload.length}@${timestamp}`));
    clock.advance(20);
    receiver.receiveDatagram(mini(40));
    t.state = CallState.HangingUp;
    receiver.receiveDatagram(mini(60));
    assert.deepEqual(sunk, [`${Format.ULAW}:160@40`]);
    assert.deepEqual(did.filter((d) => d.startsWith('voice')), [`voice-event:${Format.ULAW}:160@20`]);
    assert.equal(receiver.stats().packets, 2);
  });

  it('an encrypted call decrypts what arrives, and drops and reports what does not decrypt', () => {
    const { receiver, did } = stand();
    const plain = encode(voice(0, 20));
    const asked: string[] = [];
    const cipher: CallCipher = {
      encrypt: (p) => p,
      // A second byte of 0xee stands for a datagram under the wrong key.
      decrypt: (datagram, kind) => {
        asked.push(kind);
        return datagram[1] === 0xee ? undefined : plain;
      },
      setReceiveKey: () => {},
      transmitKey: Buffer.alloc(16),
      setTransmitKey: () => {},
    };
    receiver.decryptWith(cipher);
    receiver.receiveDatagram(Buffer.from([0x80, 0xee, 0, 0]));
    receiver.receiveDatagram(Buffer.from([0x00, 0xee, 0, 0]));
    receiver.receiveDatagram(Buffer.from([0x80, 0x01, 0, 0]));
    assert.deepEqual(asked, ['full', 'mini', 'full']);
    assert.deepEqual(did, ['undecryptable', 'undecryptable', 'arrived:0', `voice-event:${Format.ULAW}:160@20`, 'ack:0/1']);
  });

  it('a resend after CALLTOKEN starts ISeqno again from 0: the next OSeqno 0 is in order, handled and ACKed', () => {
    const { t, receiver, did } = stand(CallState.NewSent);
    t.setupTakes = true;
    receiver.receiveFull(full(FrameType.CONTROL, 99, 0));
    receiver.resetSequence();
    assert.equal(receiver.iseqno, 0);
    did.length = 0;
    receiver.receiveFull(iax(IaxCommand.AUTHREQ, 0));
    assert.equal(receiver.iseqno, 1);
    assert.deepEqual(did, ['arrived:0', `setup:${IaxCommand.AUTHREQ}`, 'ack:0/1']);
  });
});
