// Refusals: each asserts the exact reply and that nothing was allocated for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { parseAcl } from '../../../services/iax2/acl.ts';
import {
  decodeDatagram,
  encode,
  Format,
  FrameType,
  IaxCommand,
  IeId,
  ieBytes,
  ieNumber,
  ieString,
  type FullFrame,
  type Ie,
} from '../../../services/iax2/codec/index.ts';
import { md5Result } from '../../../services/iax2/crypto/index.ts';
import { Iax2Engine, type EngineOptions } from '../../../services/iax2/engine/engine.ts';
import { MemoryNetwork } from '../../../services/iax2/memory-network.ts';
import type { RemoteAddress } from '../../../services/iax2/transport.ts';
import { CALLEE_ADDRESS, directoryOf, user } from '../../helpers/engine-harness.ts';

const alice = user('alice', { secrets: ['labsecret'] });

function setup(options: Partial<EngineOptions> = {}, users = [alice]) {
  const clock = new ManualClock();
  const network = new MemoryNetwork({ clock });
  const engine = new Iax2Engine({ transport: network.endpoint(CALLEE_ADDRESS), clock, directory: directoryOf(users), ...options });
  const incoming: unknown[] = [];
  engine.events.on('incomingCall', ({ call }) => {
    incoming.push(call);
    engine.accept(call);
  });
  /** A raw IAX2 client at `address`, recording what comes back. */
  const client = (address: RemoteAddress) => {
    const endpoint = network.endpoint(address);
    const received: FullFrame[] = [];
    endpoint.onDatagram((d) => {
      const f = decodeDatagram(d);
      if (f.kind === 'full') received.push(f);
    });
    return { send: (f: FullFrame) => endpoint.send(encode(f), CALLEE_ADDRESS), received };
  };
  return { clock, network, engine, client, incoming };
}

function frame(fields: Partial<FullFrame> & { subclass: number }): FullFrame {
  return { kind: 'full', sourceCall: 0x1234, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, ...fields };
}

function newFrame(token: Buffer | undefined, extra: Ie[] = [], sourceCall = 0x1234): FullFrame {
  const ies: Ie[] = [
    { id: IeId.VERSION, value: 2 },
    { id: IeId.CALLED_NUMBER, value: '100' },
    { id: IeId.CODEC_PREFS, value: 'D' },
    { id: IeId.USERNAME, value: 'alice' },
    { id: IeId.FORMAT, value: 4 },
    { id: IeId.FORMAT2, value: Format.ULAW },
    { id: IeId.CAPABILITY, value: 4 },
    { id: IeId.CAPABILITY2, value: Format.ULAW },
    ...extra,
  ];
  if (token !== undefined) ies.push({ id: IeId.CALLTOKEN, value: token });
  return frame({ subclass: IaxCommand.NEW, sourceCall, ies });
}

function withUser(f: FullFrame, name: string): FullFrame {
  return { ...f, ies: f.ies?.map((ie) => (ie.id === IeId.USERNAME ? { id: ie.id, value: name } : ie)) };
}

/** Gets a valid token for `client` from the engine. */
function tokenFor(t: ReturnType<typeof setup>, c: ReturnType<ReturnType<typeof setup>['client']>): Buffer {
  c.send(newFrame(Buffer.alloc(0)));
  t.clock.advance(1);
  const reply = c.received.pop();
  assert.equal(reply?.subclass, IaxCommand.CALLTOKEN);
  return ieBytes(reply?.ies, IeId.CALLTOKEN)!;
}

function assertStatelessReject(reply: FullFrame | undefined, to = 0x1234): void {
  assert.ok(reply !== undefined, 'a reply came');
  assert.deepEqual(
    [reply.sourceCall, reply.destCall, reply.subclass, reply.oseqno, reply.iseqno, reply.ies],
    [1, to, IaxCommand.REJECT, 0, 1, []],
  );
}

function assertNothingAllocated(engine: Iax2Engine): void {
  assert.equal(engine.activeCalls.size, 0);
  assert.equal(engine.callNumbers.stats.inUse, 0);
  assert.equal(engine.callNumbers.stats.holdingOff, 0);
}

const CLIENT: RemoteAddress = { address: '192.0.2.10', port: 4569 };

describe('refusals allocate nothing', () => {
  it('NEW with an empty token gets a CALLTOKEN from call 1 echoing its timestamp, and nothing else', () => {
    const t = setup();
    const c = t.client(CLIENT);
    c.send(newFrame(Buffer.alloc(0)));
    t.clock.advance(1);
    const [reply] = c.received;
    assert.deepEqual([reply?.sourceCall, reply?.destCall, reply?.timestamp, reply?.oseqno, reply?.iseqno, reply?.subclass], [1, 0x1234, 3, 0, 1, IaxCommand.CALLTOKEN]);
    assert.ok((ieBytes(reply?.ies, IeId.CALLTOKEN)?.length ?? 0) > 0);
    assertNothingAllocated(t.engine);
  });

  it('NEW without a CALLTOKEN IE gets the stateless REJECT with no IEs', () => {
    const t = setup();
    const c = t.client(CLIENT);
    c.send(newFrame(undefined));
    t.clock.advance(1);
    assertStatelessReject(c.received[0]);
    assertNothingAllocated(t.engine);
  });

  it('NEW with an expired or a forged token gets the stateless REJECT', () => {
    const t = setup();
    const c = t.client(CLIENT);
    const token = tokenFor(t, c);
    const forged = Buffer.from(token);
    forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
    c.send(newFrame(forged));
    t.clock.advance(1);
    assertStatelessReject(c.received.pop());
    t.clock.advance(10_000);
    c.send(newFrame(token));
    t.clock.advance(1);
    assertStatelessReject(c.received.pop());
    assertNothingAllocated(t.engine);
  });

  it('a token is bound to the address and port it was issued to', () => {
    const t = setup();
    const token = tokenFor(t, t.client(CLIENT));
    const other = t.client({ address: CLIENT.address, port: 4570 });
    other.send(newFrame(token));
    t.clock.advance(1);
    assertStatelessReject(other.received[0]);
    assertNothingAllocated(t.engine);
  });

  it('a denied address gets the stateless REJECT before any lookup', () => {
    let lookups = 0;
    const t = setup({ acl: parseAcl([{ action: 'deny', network: '192.0.2.0/24' }]), directory: { findUser: () => (lookups++, alice) } });
    const c = t.client(CLIENT);
    c.send(newFrame(Buffer.alloc(0)));
    t.clock.advance(1);
    assertStatelessReject(c.received[0]);
    assert.equal(lookups, 0);
    assertNothingAllocated(t.engine);
  });

  it('an unknown user and a wrong secret get the same AUTHREQ, the same REJECT and the same delay', async () => {
    const outcomes = [];
    for (const [name, secret] of [['mallory', 'labsecret'], ['alice', 'guess']] as const) {
      const t = setup({ delayRejectMs: 1000 });
      const c = t.client(CLIENT);
      const token = tokenFor(t, c);
      c.send(withUser(newFrame(token), name));
      await Promise.resolve();
      t.clock.advance(1);
      const authreq = c.received.pop()!;
      assert.equal(authreq.subclass, IaxCommand.AUTHREQ);
      const challenge = ieString(authreq.ies, IeId.CHALLENGE)!;
      c.send(frame({ subclass: IaxCommand.AUTHREP, destCall: authreq.sourceCall, oseqno: 1, iseqno: 1, timestamp: 10, ies: [{ id: IeId.MD5_RESULT, value: md5Result(challenge, secret) }] }));
      t.clock.advance(999);
      const before = c.received.filter((f) => f.subclass === IaxCommand.REJECT).length;
      t.clock.advance(1);
      const reject = c.received.find((f) => f.subclass === IaxCommand.REJECT)!;
      outcomes.push({
        methods: ieNumber(authreq.ies, IeId.AUTHMETHODS),
        authreqIes: authreq.ies?.map((ie) => ie.id),
        rejectedBeforeDelay: before,
        cause: ieString(reject.ies, IeId.CAUSE),
        causeCode: ieNumber(reject.ies, IeId.CAUSECODE),
      });
      // The REJECT is final: the call ends when it is ACKed or given up (32 s), and its number
      // comes back after the 60 s hold-off. Then nothing is left.
      assert.equal(t.engine.activeCalls.size, 1);
      t.clock.advance(32_000 + 60_000);
      assertNothingAllocated(t.engine);
    }
    assert.deepEqual(outcomes[0], { methods: 2, authreqIes: [IeId.AUTHMETHODS, IeId.CHALLENGE, IeId.USERNAME], rejectedBeforeDelay: 0, cause: 'No authority found', causeCode: 50 });
    assert.deepEqual(outcomes[1], outcomes[0]);
  });

  it('plaintext is refused unless the user allows it', async () => {
    for (const auth of [undefined, ['md5', 'plaintext']] as const) {
      const t = setup({}, [user('alice', { secrets: ['labsecret'], auth: auth === undefined ? undefined : [...auth] })]);
      const c = t.client(CLIENT);
      c.send(newFrame(tokenFor(t, c)));
      await Promise.resolve();
      t.clock.advance(1);
      const authreq = c.received.pop()!;
      c.send(frame({ subclass: IaxCommand.AUTHREP, destCall: authreq.sourceCall, oseqno: 1, iseqno: 1, timestamp: 10, ies: [{ id: IeId.PASSWORD, value: 'labsecret' }] }));
      t.clock.advance(1);
      const answer = c.received.find((f) => f.subclass === IaxCommand.REJECT || f.subclass === IaxCommand.ACCEPT)!;
      assert.equal(answer.subclass, auth === undefined ? IaxCommand.REJECT : IaxCommand.ACCEPT, `auth=${String(auth)}`);
      assert.equal(ieNumber(authreq.ies, IeId.AUTHMETHODS), auth === undefined ? 2 : 3);
    }
  });

  it('no common codec gets REJECT "Unable to negotiate codec", cause 58', async () => {
    const t = setup({}, [user('alice', { secrets: ['labsecret'], capability: Format.G729, prefs: [Format.G729] })]);
    const c = t.client(CLIENT);
    c.send(newFrame(tokenFor(t, c)));
    await Promise.resolve();
    t.clock.advance(1);
    const authreq = c.received.pop()!;
    const challenge = ieString(authreq.ies, IeId.CHALLENGE)!;
    c.send(frame({ subclass: IaxCommand.AUTHREP, destCall: authreq.sourceCall, oseqno: 1, iseqno: 1, timestamp: 10, ies: [{ id: IeId.MD5_RESULT, value: md5Result(challenge, 'labsecret') }] }));
    t.clock.advance(1);
    const reject = c.received.find((f) => f.subclass === IaxCommand.REJECT)!;
    assert.deepEqual([ieString(reject.ies, IeId.CAUSE), ieNumber(reject.ies, IeId.CAUSECODE)], ['Unable to negotiate codec', 58]);
  });

  it('the per-IP call-number limit refuses statelessly once reached', async () => {
    const t = setup({ limits: { maxPerIp: 2 } });
    const c = t.client(CLIENT);
    const token = tokenFor(t, c);
    for (const call of [0x100, 0x101, 0x102]) c.send(newFrame(token, [], call));
    await Promise.resolve();
    t.clock.advance(1);
    assert.equal(t.engine.activeCalls.size, 2);
    assertStatelessReject(c.received.find((f) => f.destCall === 0x102), 0x102);
  });

  it('the non-validated limit caps token-less calls from calltokenoptional networks', async () => {
    const t = setup({ callTokenOptional: ['192.0.2.0/24'], limits: { maxNonValidated: 1 } });
    const a = t.client(CLIENT);
    const b = t.client({ address: '192.0.2.11', port: 4569 });
    a.send(newFrame(undefined));
    b.send(newFrame(undefined));
    await Promise.resolve();
    t.clock.advance(1);
    assert.equal(t.engine.activeCalls.size, 1);
    assert.equal(a.received[0]?.subclass, IaxCommand.AUTHREQ);
    assertStatelessReject(b.received[0]);
  });

  it('a user with requirecalltoken=no may call without a token; others may not', async () => {
    const t = setup({}, [user('alice', { secrets: ['labsecret'], requireCallToken: false }), user('bob', { secrets: ['x'] })]);
    const a = t.client(CLIENT);
    a.send(newFrame(undefined));
    const b = t.client({ address: '192.0.2.12', port: 4569 });
    b.send(withUser(newFrame(undefined), 'bob'));
    await Promise.resolve();
    t.clock.advance(1);
    assert.equal(a.received[0]?.subclass, IaxCommand.AUTHREQ);
    assertStatelessReject(b.received[0]);
  });

  it('maxauthreq: with that many AUTHREQs unanswered, the next NEW gets "Unauthenticated call limit reached", 21', () => {
    const t = setup({}, [user('alice', { secrets: ['labsecret'], maxAuthReq: 2 })]);
    const c = t.client(CLIENT);
    const token = tokenFor(t, c);
    for (const call of [0x200, 0x201, 0x202]) c.send(newFrame(token, [], call));
    t.clock.advance(1);
    assert.deepEqual(c.received.map((f) => f.subclass), [IaxCommand.AUTHREQ, IaxCommand.AUTHREQ, IaxCommand.REJECT]);
    const reject = c.received[2]!;
    assert.deepEqual([ieString(reject.ies, IeId.CAUSE), ieNumber(reject.ies, IeId.CAUSECODE)], ['Unauthenticated call limit reached', 21]);
  });

  it('maxauthreq counts per user and source address: unanswered NEWs from one address cannot lock the user out elsewhere', () => {
    const t = setup({}, [user('alice', { secrets: ['labsecret'], maxAuthReq: 2 })]);
    const mallory = t.client({ address: '198.51.100.66', port: 4569 });
    const malloryToken = tokenFor(t, mallory);
    for (const call of [0x300, 0x301, 0x302]) mallory.send(newFrame(malloryToken, [], call));
    t.clock.advance(1);
    assert.deepEqual(mallory.received.map((f) => f.subclass), [IaxCommand.AUTHREQ, IaxCommand.AUTHREQ, IaxCommand.REJECT]);
    const real = t.client(CLIENT);
    real.send(newFrame(tokenFor(t, real), [], 0x400));
    t.clock.advance(1);
    assert.equal(real.received.at(-1)?.subclass, IaxCommand.AUTHREQ, 'alice still gets challenged from her own address');
    assert.equal(t.engine.refusals.counts.get('auth-limit'), 1);
  });

  it('no oracle: unanswered NEWs for a name that exists and for one that does not get the same replies, the fourth refused with 21', () => {
    const t = setup({}, [user('alice', { secrets: ['labsecret'] })]);
    const replies = (name: string, address: RemoteAddress, base: number) => {
      const c = t.client(address);
      const token = tokenFor(t, c);
      for (let i = 0; i < 5; i++) c.send(withUser(newFrame(token, [], base + i), name));
      t.clock.advance(1);
      return c.received.map((f) => [f.subclass, ieString(f.ies, IeId.CAUSE), ieNumber(f.ies, IeId.CAUSECODE), f.ies?.map((ie) => ie.id)]);
    };
    const known = replies('alice', { address: '198.51.100.70', port: 4569 }, 0x700);
    const unknown = replies('alicf', { address: '198.51.100.71', port: 4569 }, 0x800);
    assert.deepEqual(known.map(([subclass]) => subclass), [IaxCommand.AUTHREQ, IaxCommand.AUTHREQ, IaxCommand.AUTHREQ, IaxCommand.REJECT, IaxCommand.REJECT]);
    assert.deepEqual(unknown, known);
  });

  it('from the address the user is registered at, a burst of calls is not held to maxauthreq', () => {
    const users = [user('alice', { secrets: ['labsecret'], maxAuthReq: 2 })];
    const t = setup({ directory: { ...directoryOf(users), registeredAddress: (name) => (name === 'alice' ? CLIENT : undefined) } }, users);
    const c = t.client(CLIENT);
    const token = tokenFor(t, c);
    for (let i = 0; i < 30; i++) c.send(newFrame(token, [], 0x500 + i));
    t.clock.advance(1);
    assert.equal(c.received.length, 30);
    assert.ok(c.received.every((f) => f.subclass === IaxCommand.AUTHREQ), 'thirty challenges outstanding at once');
    const elsewhere = t.client({ address: CLIENT.address, port: CLIENT.port + 1 });
    const other = tokenFor(t, elsewhere);
    for (const call of [0x600, 0x601, 0x602]) elsewhere.send(newFrame(other, [], call));
    t.clock.advance(1);
    assert.deepEqual(elsewhere.received.map((f) => f.subclass), [IaxCommand.AUTHREQ, IaxCommand.AUTHREQ, IaxCommand.REJECT], 'another port of the same host is held to the limit');
  });

  it('10,000 NEWs from spoofed ports leave the call table unchanged and a real call working', async () => {
    const t = setup();
    const flood = t.client({ address: '203.0.113.5', port: 1 });
    const real = t.client(CLIENT);
    const token = tokenFor(t, real);
    for (let i = 0; i < 10_000; i++) {
      const spoof = t.network.endpoint({ address: '203.0.113.5', port: 1024 + i });
      spoof.send(encode(newFrame(i % 2 === 0 ? Buffer.alloc(0) : undefined, [], 1 + (i % 30000))), CALLEE_ADDRESS);
    }
    real.send(newFrame(token));
    await Promise.resolve();
    t.clock.advance(1);
    assert.equal(flood.received.length, 0);
    assert.equal(t.engine.activeCalls.size, 1, 'only the real call holds a number');
    assert.equal(t.engine.callNumbers.stats.inUse, 1);
    assert.equal(real.received.at(-1)?.subclass, IaxCommand.AUTHREQ);
    // 5,000 token requests and 5,000 token-less NEWs: token replies to unproven addresses are held
    // to 5,000 a second (the real caller's among them), refusals to 1,000, and the real caller
    // (token fetched before) still got in.
    assert.equal(t.engine.stats.statelessRejects, 5000, 'each refusal counted');
    assert.ok(t.engine.stats.callTokensSent <= 5001);
    assert.equal(t.engine.withheldReplies, 10_001 - 5000 - 1000, 'the rest withheld: no send for them');
  });
});
