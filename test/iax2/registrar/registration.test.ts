// Registration both ways and qualify, between two engines on the manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDatagram, encode, FrameType, IaxCommand, IeId, ieBytes, ieNumber, ieString, type FullFrame, type Ie } from '../../../services/iax2/codec/index.ts';
import { generateRsaKeyPair, loadPrivateKey, md5Result } from '../../../services/iax2/crypto/index.ts';
import type { IaxPeer } from '../../../services/iax2/peer-directory.ts';
import {
  InMemoryRegistrationStore,
  RegistrationClient,
  Registrar,
  type RegistrarEvents,
} from '../../../services/iax2/registrar/index.ts';
import type { ReplyCreditOptions } from '../../../services/iax2/engine/reply-credit.ts';
import { CALLEE_ADDRESS, CALLER_ADDRESS, harness } from '../../helpers/engine-harness.ts';

function peer(name: string, fields: Partial<IaxPeer> = {}): IaxPeer {
  return { name, secrets: [], inkeys: [], acl: [], dynamic: true, ...fields };
}

function setup(peers: IaxPeer[], options: { delayRejectMs?: number; minExpireS?: number; maxExpireS?: number; replyCredit?: ReplyCreditOptions } = {}) {
  const h = harness({ callee: { delayRejectMs: options.delayRejectMs, replyCredit: options.replyCredit } });
  const store = new InMemoryRegistrationStore();
  const byName = new Map(peers.map((p) => [p.name, p]));
  const registrar = new Registrar({ engine: h.callee, clock: h.clock, store, findPeer: (n) => byName.get(n), workerId: 'worker-a', delayRejectMs: options.delayRejectMs, minExpireS: options.minExpireS, maxExpireS: options.maxExpireS });
  const events: Array<[keyof RegistrarEvents, unknown]> = [];
  for (const name of ['registered', 'unregistered', 'expired', 'statuschange'] as const) registrar.events.on(name, (p) => events.push([name, p]));
  const client = (fields: Partial<ConstructorParameters<typeof RegistrationClient>[0]> = {}) =>
    new RegistrationClient({ engine: h.caller, clock: h.clock, remote: CALLEE_ADDRESS, username: 'pbx1', secret: 'labsecret', ...fields });
  return { h, store, registrar, events, client };
}

const full = (d: Buffer): FullFrame | undefined => {
  const f = decodeDatagram(d);
  return f.kind === 'full' && f.frameType === FrameType.IAX ? f : undefined;
};

describe('registration', () => {
  it('MD5: token, REGAUTH, REGACK with what Asterisk sends; stored with address and worker', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'], mailbox: { newMessages: 3, oldMessages: 2 } })]);
    const c = t.client();
    c.start();
    t.h.clock.advance(100);
    assert.equal(c.state, 'Registered');
    const record = t.store.get('pbx1');
    assert.deepEqual([record?.address, record?.port, record?.workerId, record?.refreshS], [CALLER_ADDRESS.address, CALLER_ADDRESS.port, 'worker-a', 60]);
    assert.equal(record!.expiresAt - record!.registeredAt, 70_000, 'granted refresh + 10 s');
    const flow = t.h.sentInOrder.map(full).filter((f) => f !== undefined).map((f) => [f.subclass, f.oseqno, f.iseqno]);
    assert.deepEqual(flow, [
      [IaxCommand.REGREQ, 0, 0], [IaxCommand.CALLTOKEN, 0, 1], [IaxCommand.REGREQ, 0, 0], [IaxCommand.REGAUTH, 0, 1],
      [IaxCommand.REGREQ, 1, 1], [IaxCommand.REGACK, 1, 2], [IaxCommand.ACK, 2, 2],
    ]);
    const regack = t.h.sentByCallee.map(full).find((f) => f?.subclass === IaxCommand.REGACK)!;
    assert.deepEqual(regack.ies?.map((ie) => ie.id), [IeId.USERNAME, IeId.DATETIME, IeId.REFRESH, IeId.APPARENT_ADDR, IeId.MSGCOUNT]);
    assert.deepEqual(c.apparentAddress, { family: 'IPv4', address: CALLER_ADDRESS.address, port: CALLER_ADDRESS.port });
    assert.deepEqual(c.messages, { newMessages: 3, oldMessages: 2 });
    assert.equal(t.events[0]?.[0], 'registered');
    assert.equal(t.h.callee.activeCalls.size, 0, 'the dialog ended with the ACK of REGACK');
    // A NEW without USERNAME from that address and port names this peer.
    assert.equal(t.registrar.peerAt(CALLER_ADDRESS.address, CALLER_ADDRESS.port), 'pbx1');
    assert.equal(t.registrar.peerAt(CALLER_ADDRESS.address, CALLER_ADDRESS.port + 1), undefined);
    assert.deepEqual(t.registrar.addressOf('pbx1'), CALLER_ADDRESS);
  });

  it('RSA: the peer proves itself with its private key', () => {
    const keys = generateRsaKeyPair();
    const t = setup([peer('pbx1', { inkeys: [keys.publicPem] })]);
    const c = t.client({ secret: undefined, outkey: loadPrivateKey(keys.privatePem) });
    c.start();
    t.h.clock.advance(100);
    assert.equal(c.state, 'Registered');
    const answer = t.h.sentByCaller.map(full).find((f) => f?.subclass === IaxCommand.REGREQ && ieString(f.ies, IeId.RSA_RESULT) !== undefined);
    assert.ok(answer !== undefined, 'the REGREQ carried RSA_RESULT');
  });

  it('refreshes at 5/6 of the granted refresh, each time with a new call and token round trip', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })]);
    const c = t.client();
    c.start();
    t.h.clock.advance(120_000);
    const opening = t.h.sentByCaller
      .map((d, i) => ({ f: full(d), at: t.h.sentByCallerAt[i]! }))
      .filter(({ f }) => f?.subclass === IaxCommand.REGREQ && (ieBytes(f.ies, IeId.CALLTOKEN)?.length ?? -1) === 0 && ieString(f.ies, IeId.MD5_RESULT) === undefined);
    assert.deepEqual(opening.map(({ at }) => at), [0, 50_000, 100_000]);
    assert.equal(new Set(opening.map(({ f }) => f?.sourceCall)).size, 3, 'a fresh call number each cycle');
    assert.equal(c.state, 'Registered');
    assert.equal(t.store.get('pbx1')?.expiresAt, t.h.clock.wallNow() - 20_000 + 70_000);
  });

  it('re-registers after a network loss: Timeout, retries with back-off, then Registered', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })]);
    const c = t.client();
    const states: string[] = [];
    c.events.on('statechange', ({ state }) => states.push(state));
    c.start();
    t.h.clock.advance(100);
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(false);
    t.h.clock.advance(100_000);
    assert.ok(states.includes('Timeout'));
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(true);
    t.h.clock.advance(60_000);
    assert.equal(c.state, 'Registered');
    assert.deepEqual(states.slice(0, 3), ['Request Sent', 'Auth. Sent', 'Registered']);
  });

  it('REGREL removes the registration and is answered by a REGACK with only USERNAME and DATETIME', async () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })]);
    const c = t.client();
    c.start();
    t.h.clock.advance(100);
    const stopped = c.stop();
    t.h.clock.advance(100);
    await stopped;
    assert.equal(t.store.get('pbx1'), undefined);
    assert.equal(t.registrar.peerAt(CALLER_ADDRESS.address, CALLER_ADDRESS.port), undefined, 'released: the address names no one');
    assert.equal(c.state, 'Unregistered');
    assert.ok(t.events.some(([n]) => n === 'unregistered'));
    const regacks = t.h.sentByCallee.map(full).filter((f) => f?.subclass === IaxCommand.REGACK);
    assert.deepEqual(regacks.at(-1)?.ies?.map((ie) => ie.id), [IeId.USERNAME, IeId.DATETIME]);
  });

  it('a client that goes silent is expired at the granted refresh + 10 s', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })]);
    const c = t.client();
    c.start();
    t.h.clock.advance(100);
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(false);
    t.h.clock.advance(69_800);
    assert.ok(t.store.get('pbx1') !== undefined);
    assert.equal(t.registrar.peerAt(CALLER_ADDRESS.address, CALLER_ADDRESS.port), 'pbx1');
    t.h.clock.advance(200);
    assert.equal(t.store.get('pbx1'), undefined);
    assert.equal(t.registrar.addressOf('pbx1'), undefined, 'expired: no longer located here');
    assert.deepEqual(t.events.filter(([n]) => n === 'expired'), [['expired', { name: 'pbx1' }]]);
  });

  it('refresh outside min/max is clamped; missing or 0 gets the minimum', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })], { minExpireS: 60, maxExpireS: 3600 });
    for (const [asked, granted] of [[5, 60], [120, 120], [100_000 & 0xffff, 3600], [0, 60]] as const) {
      const c = t.client({ refreshS: asked });
      c.start();
      t.h.clock.advance(100);
      assert.equal(c.grantedRefreshS, granted, `asked ${asked}`);
      void c.stop();
      t.h.clock.advance(100);
    }
  });

  it('qualify: OK, then UNREACHABLE 5/6 x qualifyfreqok after an unanswered POKE, then OK again', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'], qualify: { maxMs: 2000, freqOkMs: 10_000, freqNotOkMs: 10_000 } })]);
    const c = t.client();
    c.start();
    t.h.clock.advance(100);
    const changes = () => t.events.filter(([n]) => n === 'statuschange').map(([, p]) => (p as { status: string }).status);
    assert.deepEqual(changes(), ['OK'], 'a new registration is poked at once');
    assert.equal(t.store.get('pbx1')?.qualify?.status, 'OK');
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(false);
    const lostAt = t.h.clock.now();
    // The first POKE went at 0; the next at 10 s (freqok); unanswered, it is given up
    // 5/6 x 10 s = 8.33 s later, at 18.33 s.
    t.h.clock.advance(18_333 - t.h.clock.now());
    assert.deepEqual(changes(), ['OK']);
    t.h.clock.advance(1);
    assert.deepEqual(changes(), ['OK', 'UNREACHABLE']);
    assert.equal(t.store.get('pbx1')?.qualify?.status, 'UNREACHABLE');
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(true);
    t.h.clock.advance(10_000);
    assert.deepEqual(changes(), ['OK', 'UNREACHABLE', 'OK'], `re-poked freqnotok later (${t.h.clock.now() - lostAt} ms after the loss)`);
    const pokes = t.h.sentByCallee.map(full).filter((f) => f?.subclass === IaxCommand.POKE);
    assert.ok(pokes.every((p) => p?.destCall === 0 && ieBytes(p.ies, IeId.CALLTOKEN)?.length === 0), 'POKE: to call 0, empty CALLTOKEN');
  });

  it('qualify: a round trip above maxms is LAGGED; qualifysmoothing averages the last two', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'], qualify: { maxMs: 200, smoothing: true, freqOkMs: 10_000, freqNotOkMs: 5_000 } })]);
    t.client().start();
    t.h.clock.advance(100);
    assert.equal(t.registrar.qualify.status('pbx1')?.status, 'OK');
    // 150 ms each way: a 300 ms round trip. Smoothed with the first (fast) one it is still
    // under 200 ms; the next one, averaging two slow trips, is LAGGED.
    t.h.network.setConditions({ minDelayMs: 150 });
    t.h.clock.advance(10_000 + 400);
    const first = t.registrar.qualify.status('pbx1')!;
    assert.equal(first.status, 'OK', `smoothed ${first.latencyMs} ms`);
    t.h.clock.advance(10_400); // the next POKE goes freqok after the last answer, and takes 300 ms
    const second = t.registrar.qualify.status('pbx1')!;
    assert.equal(second.status, 'LAGGED', `smoothed ${second.latencyMs} ms`);
    assert.ok((second.latencyMs ?? 0) >= 290 && (second.latencyMs ?? 0) <= 310);
    assert.equal(t.store.get('pbx1')?.qualify?.status, 'LAGGED');
  });
});

describe('registration refusals', () => {
  function raw(t: ReturnType<typeof setup>, port: number) {
    const endpoint = t.h.network.endpoint({ address: '192.0.2.50', port });
    const received: FullFrame[] = [];
    endpoint.onDatagram((d) => {
      const f = full(d);
      if (f !== undefined) received.push(f);
    });
    const send = (subclass: number, ies: Ie[], fields: Partial<FullFrame> = {}) =>
      endpoint.send(encode({ kind: 'full', sourceCall: 0x0300, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass, ies, ...fields }), CALLEE_ADDRESS);
    return { send, received };
  }

  it('REGREQ with an empty token gets CALLTOKEN and nothing is stored or allocated', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })]);
    const c = raw(t, 7000);
    c.send(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: 'pbx1' }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }]);
    t.h.clock.advance(1);
    assert.deepEqual(c.received.map((f) => [f.sourceCall, f.subclass]), [[1, IaxCommand.CALLTOKEN]]);
    assert.equal(t.store.size, 0);
    assert.equal(t.h.callee.callNumbers.stats.inUse, 0);
  });

  it('unknown peer and bad secret get the same REGAUTH, then the same REGREJ after the same delay', () => {
    const outcomes = [];
    for (const [name, secret] of [['nosuch', 'labsecret'], ['pbx1', 'wrong']] as const) {
      const t = setup([peer('pbx1', { secrets: ['labsecret'] })], { delayRejectMs: 1000 });
      const c = raw(t, 7001);
      c.send(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: name }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }]);
      t.h.clock.advance(1);
      const token = ieBytes(c.received.pop()?.ies, IeId.CALLTOKEN)!;
      c.send(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: name }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: token }]);
      t.h.clock.advance(1);
      const regauth = c.received.pop()!;
      const challenge = ieString(regauth.ies, IeId.CHALLENGE)!;
      c.send(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: name }, { id: IeId.REFRESH, value: 60 }, { id: IeId.MD5_RESULT, value: md5Result(challenge, secret) }], { destCall: regauth.sourceCall, oseqno: 1, iseqno: 1, timestamp: 9 });
      t.h.clock.advance(999);
      const early = c.received.filter((f) => f.subclass === IaxCommand.REGREJ).length;
      t.h.clock.advance(1);
      const regrej = c.received.find((f) => f.subclass === IaxCommand.REGREJ)!;
      outcomes.push({ regauth: regauth.ies?.map((ie) => ie.id), methods: ieNumber(regauth.ies, IeId.AUTHMETHODS), early, cause: ieString(regrej.ies, IeId.CAUSE), code: ieNumber(regrej.ies, IeId.CAUSECODE) });
      assert.equal(t.store.size, 0);
    }
    assert.deepEqual(outcomes[0], { regauth: [IeId.AUTHMETHODS, IeId.CHALLENGE, IeId.USERNAME], methods: 2, early: 0, cause: 'Registration Refused', code: 29 });
    assert.deepEqual(outcomes[1], outcomes[0]);
  });

  it('a REGREQ flood from spoofed sources grows no state and gets back no more bytes than it sent, per source and in total', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })]);
    const bytesIn = new Map<string, number>();
    const bytesOut = new Map<string, number>();
    const flood = (address: string, port: number, name: string, refresh: boolean): void => {
      const endpoint = t.h.network.endpoint({ address, port });
      const key = `${address}:${port}`;
      endpoint.onDatagram((datagram) => bytesOut.set(key, (bytesOut.get(key) ?? 0) + datagram.length));
      const ies = [{ id: IeId.USERNAME, value: name }, ...(refresh ? [{ id: IeId.REFRESH, value: 60 }] : []), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }];
      const datagram = encode({ kind: 'full', sourceCall: 1 + (port % 30000), destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.REGREQ, ies });
      bytesIn.set(key, (bytesIn.get(key) ?? 0) + datagram.length);
      endpoint.send(datagram, CALLEE_ADDRESS);
    };
    // The shortest REGREQs (20 bytes, against a 23-byte CALLTOKEN reply) from 10,000 ports,
    // then Asterisk-shaped ones (with REFRESH) from 1,000 addresses, several times each.
    for (let i = 0; i < 10_000; i++) flood('203.0.113.9', 1024 + i, 'pbx1', false);
    for (let round = 0; round < 3; round++) for (let i = 0; i < 1000; i++) flood(`198.51.${100 + (i >> 8)}.${i & 255}`, 4569, 'pbx1', true);
    t.h.clock.advance(1);
    let totalIn = 0;
    let totalOut = 0;
    for (const [key, sent] of bytesIn) {
      const got = bytesOut.get(key) ?? 0;
      assert.ok(got <= sent, `${key} sent ${sent} bytes and got ${got}`);
      totalIn += sent;
      totalOut += got;
    }
    assert.ok(totalOut <= totalIn);
    assert.equal(bytesOut.get('198.51.100.7:4569'), 3 * 23, 'an Asterisk-shaped REGREQ gets its token every time');
    assert.equal(bytesOut.get('203.0.113.9:1030'), undefined, 'a single short REGREQ is not worth its reply');
    assert.equal(t.store.size, 0);
    assert.equal(t.h.callee.activeCalls.size, 0);
    assert.equal(t.h.callee.callNumbers.stats.inUse, 0);
  });

  it('a box with a one-letter name registers: its retransmitted REGREQ pays for the token reply', () => {
    const t = setup([peer('a', { secrets: ['labsecret'] })]);
    const c = t.client({ username: 'a' });
    c.start();
    t.h.clock.advance(100);
    assert.equal(c.state, 'Request Sent', 'one 21-byte REGREQ gets no 23-byte reply');
    t.h.clock.advance(5000);
    assert.equal(c.state, 'Registered');
    assert.ok(t.h.callee.withheldReplies >= 1);
  });

  it('stateless replies to everyone together stay under the global rate', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })], { replyCredit: { globalBytesPerSecond: 23 * 50 } });
    let replies = 0;
    const send = (i: number): void => {
      const endpoint = t.h.network.endpoint({ address: `198.51.100.${i & 255}`, port: 4569 + (i >> 8) });
      endpoint.onDatagram(() => replies++);
      endpoint.send(encode({ kind: 'full', sourceCall: 7, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.REGREQ, ies: [{ id: IeId.USERNAME, value: 'pbx1' }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }] }), CALLEE_ADDRESS);
    };
    for (let i = 0; i < 2000; i++) send(i);
    t.h.clock.advance(1);
    assert.equal(replies, 50);
    t.h.clock.advance(1000);
    for (let i = 0; i < 2000; i++) send(i);
    t.h.clock.advance(1);
    assert.equal(replies, 100, 'the next second has its own allowance');
  });

  it('refusals and PONGs have a budget of their own: a flood of them leaves the token replies that admit new callers', () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })], { replyCredit: { repliesPerSecond: 100, otherRepliesPerSecond: 10 } });
    let pongs = 0;
    for (let i = 0; i < 2000; i++) {
      const endpoint = t.h.network.endpoint({ address: `198.51.100.${i & 255}`, port: 4569 + (i >> 8) });
      endpoint.onDatagram(() => pongs++);
      endpoint.send(encode({ kind: 'full', sourceCall: 7, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.POKE, ies: [] }), CALLEE_ADDRESS);
    }
    t.h.clock.advance(1);
    assert.equal(pongs, 10, 'PONGs held to their own budget');
    const tokens: number[] = [];
    for (let i = 0; i < 50; i++) {
      const box = t.h.network.endpoint({ address: `203.0.113.${i + 1}`, port: 4569 });
      box.onDatagram((d) => {
        const f = decodeDatagram(d);
        if (f.kind === 'full') tokens.push(f.subclass);
      });
      box.send(encode({ kind: 'full', sourceCall: 9, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.REGREQ, ies: [{ id: IeId.USERNAME, value: 'pbx1' }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }] }), CALLEE_ADDRESS);
    }
    t.h.clock.advance(1);
    assert.deepEqual(tokens, new Array(50).fill(IaxCommand.CALLTOKEN), 'every new box in that second gets its token');
  });

  it('replies to unproven addresses are held to so many a second, and a registered box is answered whatever the flood', async () => {
    const t = setup([peer('pbx1', { secrets: ['labsecret'] })], { replyCredit: { repliesPerSecond: 100 } });
    const c = t.client();
    c.start();
    t.h.clock.advance(100);
    await Promise.resolve();
    t.h.clock.advance(100);
    assert.equal(c.state, 'Registered');
    t.h.clock.advance(1000); // a fresh second: the box's own token request counted in the last
    let replies = 0;
    for (let i = 0; i < 2000; i++) {
      const endpoint = t.h.network.endpoint({ address: `198.51.100.${i & 255}`, port: 4569 + (i >> 8) });
      endpoint.onDatagram(() => replies++);
      endpoint.send(encode({ kind: 'full', sourceCall: 7, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.POKE, ies: [] }), CALLEE_ADDRESS);
    }
    t.h.clock.advance(1);
    assert.equal(replies, 100);
    // The box unregisters in that same second: its token request is answered all the same.
    const before = t.h.callee.withheldReplies;
    const stopped = c.stop();
    t.h.clock.advance(100);
    await stopped;
    assert.equal(c.state, 'Unregistered');
    assert.equal(t.h.callee.withheldReplies, before, 'nothing of the box withheld');
  });
});
