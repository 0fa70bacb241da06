// Password guessing: failures are counted for calls and registrations alike, a name's refusals
// wait longer and longer (never the box that is registered with it), and an address that keeps
// failing is paused, all on the manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { decodeDatagram, encode, Format, FrameType, IaxCommand, IeId, ieBytes, ieString, type FullFrame, type Ie } from '../../../services/iax2/codec/index.ts';
import { md5Result } from '../../../services/iax2/crypto/index.ts';
import { AuthFailures } from '../../../services/iax2/dialog/auth-failures.ts';
import { Iax2Engine } from '../../../services/iax2/engine/engine.ts';
import { MemoryNetwork } from '../../../services/iax2/memory-network.ts';
import { InMemoryRegistrationStore, Registrar } from '../../../services/iax2/registrar/index.ts';
import type { IaxPeer, PeerDirectory } from '../../../services/iax2/peer-directory.ts';
import type { RemoteAddress } from '../../../services/iax2/transport.ts';
import { CALLEE_ADDRESS, directoryOf, user } from '../../helpers/engine-harness.ts';

const BOX: RemoteAddress = { address: '192.0.2.10', port: 4569 };

function setup(delayRejectMs = 1000) {
  const clock = new ManualClock();
  const network = new MemoryNetwork({ clock });
  let registrar: Registrar | undefined;
  const directory: PeerDirectory = { ...directoryOf([user('alice', { secrets: ['labsecret'] })]), registeredAddress: (n: string): RemoteAddress | undefined => registrar?.addressOf(n) };
  const engine = new Iax2Engine({ transport: network.endpoint(CALLEE_ADDRESS), clock, directory, delayRejectMs });
  engine.events.on('incomingCall', ({ call }) => engine.accept(call));
  const peers = new Map<string, IaxPeer>([['alice', { name: 'alice', secrets: ['labsecret'], inkeys: [], acl: [], dynamic: true }]]);
  registrar = new Registrar({ engine, clock, store: new InMemoryRegistrationStore(), findPeer: (n) => peers.get(n), workerId: 'w', delayRejectMs });
  return { clock, network, engine, registrar };
}

type Setup = ReturnType<typeof setup>;

/** A raw client: sends a request, answers the challenge with `secret`, reports what came back and when. */
function client(t: Setup, address: RemoteAddress) {
  const endpoint = t.network.endpoint(address);
  const received: Array<{ frame: FullFrame; at: number }> = [];
  endpoint.onDatagram((d) => {
    const f = decodeDatagram(d);
    if (f.kind === 'full') received.push({ frame: f, at: t.clock.now() });
  });
  let nextCall = 0x100;
  const send = (f: FullFrame) => endpoint.send(encode(f), CALLEE_ADDRESS);
  const full = (subclass: number, ies: Ie[], fields: Partial<FullFrame> = {}): FullFrame => ({ kind: 'full', sourceCall: nextCall, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass, ies, ...fields });
  /** One attempt: NEW (or REGREQ) with a fresh token, then the answer. Returns the final reply and how long it took after the answer. */
  const attempt = (kind: 'call' | 'registration', name: string, secret: string): { reply: FullFrame | undefined; waitedMs: number } => {
    nextCall++;
    const request = kind === 'call' ? IaxCommand.NEW : IaxCommand.REGREQ;
    const base: Ie[] = kind === 'call'
      ? [{ id: IeId.VERSION, value: 2 }, { id: IeId.CALLED_NUMBER, value: '100' }, { id: IeId.USERNAME, value: name }, { id: IeId.FORMAT, value: 4 }, { id: IeId.CAPABILITY, value: 4 }, { id: IeId.FORMAT2, value: Format.ULAW }, { id: IeId.CAPABILITY2, value: Format.ULAW }]
      : [{ id: IeId.USERNAME, value: name }, { id: IeId.REFRESH, value: 60 }];
    const before = received.length;
    send(full(request, [...base, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }]));
    t.clock.advance(1);
    const token = received.slice(before).find((r) => r.frame.destCall === nextCall && r.frame.subclass === IaxCommand.CALLTOKEN);
    if (token === undefined) return { reply: received.slice(before).find((r) => r.frame.destCall === nextCall)?.frame, waitedMs: 0 };
    send(full(request, [...base, { id: IeId.CALLTOKEN, value: ieBytes(token.frame.ies, IeId.CALLTOKEN)! }]));
    t.clock.advance(1);
    const challenge = received.slice(before).find((r) => r.frame.destCall === nextCall && (r.frame.subclass === IaxCommand.AUTHREQ || r.frame.subclass === IaxCommand.REGAUTH));
    if (challenge === undefined) return { reply: received.slice(before).find((r) => r.frame.destCall === nextCall && r.frame.subclass !== IaxCommand.CALLTOKEN)?.frame, waitedMs: 0 };
    const answer = md5Result(ieString(challenge.frame.ies, IeId.CHALLENGE)!, secret);
    const answeredAt = t.clock.now();
    const answerCommand = kind === 'call' ? IaxCommand.AUTHREP : IaxCommand.REGREQ;
    const answerIes: Ie[] = kind === 'call' ? [{ id: IeId.MD5_RESULT, value: answer }] : [...base, { id: IeId.MD5_RESULT, value: answer }];
    send(full(answerCommand, answerIes, { destCall: challenge.frame.sourceCall, oseqno: 1, iseqno: 1, timestamp: 10 }));
    const finals: number[] = [IaxCommand.REJECT, IaxCommand.ACCEPT, IaxCommand.REGACK, IaxCommand.REGREJ];
    for (let waited = 0; waited < 60_000; waited += 250) {
      const done = received.slice(before).find((r) => r.frame.destCall === nextCall && finals.includes(r.frame.subclass));
      if (done !== undefined) return { reply: done.frame, waitedMs: done.at - answeredAt };
      t.clock.advance(250);
    }
    return { reply: undefined, waitedMs: 60_000 };
  };
  return { attempt, received };
}

describe('password guessing', () => {
  it("a name's refusals wait longer after a few failures (calls and registrations count together), up to a ceiling", () => {
    const t = setup();
    const guesser = client(t, { address: '198.51.100.5', port: 4569 });
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push(guesser.attempt(i % 2 === 0 ? 'call' : 'registration', 'alice', `guess-${i}`).waitedMs);
    assert.deepEqual(waits.slice(0, 3), [1000, 1000, 1000]);
    assert.deepEqual(waits.slice(3), [2000, 4000, 8000, 16_000, 16_000], 'doubling, up to 16 s');
    assert.deepEqual(t.engine.authFailures.counts, { call: 4, registration: 4 });
  });

  it('the box registered with the name is never slowed, and a right answer is never delayed', () => {
    const t = setup();
    const box = client(t, BOX);
    assert.equal(box.attempt('registration', 'alice', 'labsecret').reply?.subclass, IaxCommand.REGACK);
    const guesser = client(t, { address: '198.51.100.5', port: 4569 });
    for (let i = 0; i < 8; i++) guesser.attempt('call', 'alice', `guess-${i}`);
    // Refreshed, as the box does: the guessing took longer than its registration lives.
    assert.equal(box.attempt('registration', 'alice', 'labsecret').reply?.subclass, IaxCommand.REGACK);
    const typo = box.attempt('call', 'alice', 'wrong');
    assert.equal(typo.waitedMs, 1000, "the registered box's own failure waits only delayreject");
    const right = box.attempt('call', 'alice', 'labsecret');
    assert.equal(right.reply?.subclass, IaxCommand.ACCEPT);
    assert.ok(right.waitedMs <= 1);
    const elsewhere = client(t, { address: '203.0.113.80', port: 4569 });
    const ok = elsewhere.attempt('call', 'alice', 'labsecret');
    assert.equal(ok.reply?.subclass, IaxCommand.ACCEPT, 'the real user elsewhere is not locked out');
    assert.ok(ok.waitedMs <= 1);
  });

  it('an address that keeps failing is paused (stateless REJECT), longer each time, and others are not', () => {
    const t = setup(0);
    const guesser = client(t, { address: '198.51.100.5', port: 4569 });
    for (let i = 0; i < 20; i++) assert.equal(guesser.attempt('call', `name-${i}`, 'x').reply?.subclass, IaxCommand.REJECT);
    const paused = guesser.attempt('call', 'alice', 'labsecret');
    assert.equal(paused.reply?.subclass, IaxCommand.REJECT);
    assert.equal(paused.reply?.sourceCall, 1, 'refused statelessly, before any challenge');
    assert.equal(t.engine.refusals.counts.get('auth-throttled'), 1);
    const other = client(t, { address: '198.51.100.6', port: 4569 });
    assert.equal(other.attempt('call', 'alice', 'labsecret').reply?.subclass, IaxCommand.ACCEPT);
    t.clock.advance(60_000);
    assert.equal(guesser.attempt('call', 'alice', 'labsecret').reply?.subclass, IaxCommand.ACCEPT, 'the pause is over');
    for (let i = 0; i < 20; i++) guesser.attempt('registration', `name-${i}`, 'x');
    t.clock.advance(60_000);
    assert.equal(guesser.attempt('call', 'alice', 'labsecret').reply?.sourceCall, 1, 'the second pause is longer');
    t.clock.advance(60_000);
    assert.equal(guesser.attempt('call', 'alice', 'labsecret').reply?.subclass, IaxCommand.ACCEPT);
  });

  it('remembers a bounded number of names and addresses', () => {
    const clock = new ManualClock();
    const failures = new AuthFailures(clock, { maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) failures.failed('call', `name-${i}`, { address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 4569 }, undefined, 1000);
    assert.deepEqual(failures.size, { names: 100, addresses: 100 });
  });
});
