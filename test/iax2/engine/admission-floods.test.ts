// Floods at admission: a request without a valid token costs no directory lookup whatever name
// it carries, and lookups that must wait are bounded. The directory here behaves like the
// store-backed one: every lookup is a Promise, counted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { decodeDatagram, encode, Format, FrameType, IaxCommand, IeId, ieBytes, type FullFrame, type Ie } from '../../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../../services/iax2/engine/engine.ts';
import { MemoryNetwork } from '../../../services/iax2/memory-network.ts';
import { DirectoryBusyError, type IaxUser, type PeerDirectory } from '../../../services/iax2/peer-directory.ts';
import type { RemoteAddress } from '../../../services/iax2/transport.ts';
import { CALLEE_ADDRESS, user } from '../../helpers/engine-harness.ts';

/** A directory that answers only after `release()`, like a store read, and counts its reads. */
function slowDirectory(users: IaxUser[], exempt: readonly string[] = []) {
  const byName = new Map(users.map((u) => [u.name, u]));
  const waiting: Array<() => void> = [];
  const stats = { reads: 0 };
  const directory: PeerDirectory = {
    findUser: (name) => {
      stats.reads++;
      return new Promise((resolve) => waiting.push(() => resolve(byName.get(name))));
    },
    tokenExempt: (name) => name !== undefined && exempt.includes(name),
  };
  const release = async (): Promise<void> => {
    for (const resolve of waiting.splice(0)) resolve();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { directory, stats, release, waiting };
}

function newFrame(name: string, token: Buffer | undefined, sourceCall: number): FullFrame {
  const ies: Ie[] = [
    { id: IeId.VERSION, value: 2 },
    { id: IeId.CALLED_NUMBER, value: '100' },
    { id: IeId.USERNAME, value: name },
    { id: IeId.FORMAT, value: 4 },
    { id: IeId.CAPABILITY, value: 4 },
    { id: IeId.FORMAT2, value: Format.ULAW },
    { id: IeId.CAPABILITY2, value: Format.ULAW },
  ];
  if (token !== undefined) ies.push({ id: IeId.CALLTOKEN, value: token });
  return { kind: 'full', sourceCall, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.NEW, ies };
}

function setup(users: IaxUser[], exempt: readonly string[] = [], maxLookupsInFlight?: number) {
  const clock = new ManualClock();
  const network = new MemoryNetwork({ clock });
  const slow = slowDirectory(users, exempt);
  // The reply budget is not what these tests are about (reply-credit.ts has its own).
  const engine = new Iax2Engine({ transport: network.endpoint(CALLEE_ADDRESS), clock, directory: slow.directory, maxLookupsInFlight, replyCredit: { repliesPerSecond: 1e9 } });
  engine.events.on('incomingCall', ({ call }) => engine.accept(call));
  const client = (address: RemoteAddress) => {
    const endpoint = network.endpoint(address);
    const received: FullFrame[] = [];
    endpoint.onDatagram((d) => {
      const f = decodeDatagram(d);
      if (f.kind === 'full') received.push(f);
    });
    return { send: (f: FullFrame) => endpoint.send(encode(f), CALLEE_ADDRESS), received };
  };
  const tokenFor = (c: ReturnType<typeof client>): Buffer => {
    c.send(newFrame('x', Buffer.alloc(0), 0x7fff));
    clock.advance(1);
    const reply = c.received.pop();
    assert.equal(reply?.subclass, IaxCommand.CALLTOKEN);
    return ieBytes(reply?.ies, IeId.CALLTOKEN)!;
  };
  return { clock, network, engine, client, tokenFor, ...slow };
}

describe('admission under floods', () => {
  it('NEWs without a token, empty or forged tokens, random names from 1,000 sources: no lookup at all', () => {
    const t = setup([user('alice', { secrets: ['labsecret'] })]);
    for (let i = 0; i < 6000; i++) {
      const from = t.network.endpoint({ address: `127.9.${i % 250}.${1 + ((i >> 3) % 4)}`, port: 1024 + i });
      const token = i % 3 === 0 ? undefined : i % 3 === 1 ? Buffer.alloc(0) : Buffer.from('AAAAAAAAAA');
      from.send(encode(newFrame(`name-${i}`, token, 1 + (i % 30000))), CALLEE_ADDRESS);
    }
    t.clock.advance(1);
    assert.equal(t.stats.reads, 0, 'not one directory read');
    assert.equal(t.waiting.length, 0);
    assert.equal(t.engine.activeCalls.size, 0);
    assert.equal(t.engine.callNumbers.stats.inUse, 0);
  });

  it('a requirecalltoken=no user the directory knows of is looked up and challenged without a token', async () => {
    const t = setup([user('modem', { secrets: ['s'], requireCallToken: false })], ['modem']);
    const c = t.client({ address: '192.0.2.20', port: 4569 });
    c.send(newFrame('modem', undefined, 0x100));
    c.send(newFrame('someone-else', undefined, 0x101));
    t.clock.advance(1);
    assert.equal(t.stats.reads, 1, 'only the exempt name is read');
    await t.release();
    t.clock.advance(1);
    assert.deepEqual(c.received.map((f) => f.subclass).sort(), [IaxCommand.AUTHREQ, IaxCommand.REJECT].sort());
  });

  it('valid-token NEWs naming names the store must be asked about: at most maxLookupsInFlight wait, the rest are dropped and counted, and a real caller gets through once the store answers', async () => {
    const t = setup([user('alice', { secrets: ['labsecret'] })], [], 64);
    const attacker = t.client({ address: '198.51.100.9', port: 4569 });
    const token = t.tokenFor(attacker);
    for (let i = 0; i < 2000; i++) attacker.send(newFrame(`random-${i}`, token, 0x1000 + i));
    t.clock.advance(1);
    assert.equal(t.engine.lookupsInFlight, 64, 'requests waiting on lookups are bounded');
    assert.equal(t.engine.stats.droppedLookupOverload, 2000 - 64);
    const real = t.client({ address: '192.0.2.10', port: 4569 });
    const realToken = t.tokenFor(real);
    real.send(newFrame('alice', realToken, 0x42));
    t.clock.advance(1);
    assert.equal(real.received.length, 0, 'dropped while the store is saturated');
    await t.release();
    t.clock.advance(1);
    // The caller's retransmission (same call number) comes after the store answered.
    real.send({ ...newFrame('alice', realToken, 0x42), retransmitted: true });
    t.clock.advance(1);
    await t.release();
    t.clock.advance(1);
    assert.equal(real.received.at(-1)?.subclass, IaxCommand.AUTHREQ);
  });

  it('copies of a token NEW replayed at a dialog waiting for its challenge\'s answer cost no send: no ACK per copy, the AUTHREQ keeps its own schedule', async () => {
    const t = setup([user('alice', { secrets: ['labsecret'] })]);
    const attacker = t.client({ address: '198.51.100.77', port: 4569 });
    const token = t.tokenFor(attacker);
    attacker.send(newFrame('alice', token, 0x300));
    t.clock.advance(1);
    await t.release();
    t.clock.advance(1);
    assert.deepEqual(attacker.received.map((f) => f.subclass), [IaxCommand.AUTHREQ]);
    const sentBefore = t.engine.stats.datagramsOut;
    for (let i = 0; i < 500; i++) attacker.send({ ...newFrame('alice', token, 0x300), retransmitted: true });
    t.clock.advance(1);
    assert.equal(t.engine.stats.datagramsOut - sentBefore, 0, 'not one datagram for 500 replays');
    assert.equal(t.engine.activeCalls.size, 1, 'still the one dialog');
    t.clock.advance(2500);
    assert.deepEqual(attacker.received.map((f) => f.subclass), [IaxCommand.AUTHREQ, IaxCommand.AUTHREQ], 'the challenge is retransmitted on its own schedule');
  });

  it('valid-token NEWs that never authenticate from 17 addresses x 2,048: they get a small share of the pool, a real caller still connects, and their numbers come back seconds after the deadline', async () => {
    const t = setup([user('alice', { secrets: ['labsecret'] })]);
    let floodNews = 0;
    for (let a = 0; a < 17; a++) {
      const attacker = t.client({ address: `198.51.100.${10 + a}`, port: 4569 });
      const token = t.tokenFor(attacker);
      for (let i = 0; i < 2048; i++) {
        attacker.send(newFrame('alice', token, 0x100 + i));
        floodNews++;
        if (i % 128 === 127) {
          t.clock.advance(1);
          await t.release();
        }
      }
    }
    t.clock.advance(1);
    await t.release();
    // maxauthreq (3 per name and address) is checked before a number is taken: the rest of
    // each address's NEWs are refused statelessly with cause 21.
    const inUse = t.engine.callNumbers.stats.inUse;
    assert.ok(inUse <= 17 * 3, `${inUse} numbers taken by ${floodNews} NEWs`);
    assert.ok(t.engine.refusals.counts.get('auth-limit')! > 30_000);
    const real = t.client({ address: '192.0.2.10', port: 4569 });
    real.send(newFrame('alice', t.tokenFor(real), 0x42));
    t.clock.advance(1);
    await t.release();
    t.clock.advance(1);
    assert.equal(real.received.at(-1)?.subclass, IaxCommand.AUTHREQ, 'the real caller is challenged');
    // The flood's dialogs never authenticate: closed at the 30 s deadline, numbers back 5 s later.
    t.clock.advance(30_000 - 1);
    assert.ok(t.engine.callNumbers.stats.inSetup > 0, 'still held just before the deadline');
    t.clock.advance(5_001);
    assert.equal(t.engine.activeCalls.size, 0);
    assert.equal(t.engine.callNumbers.stats.inSetup, 0);
    assert.equal(t.engine.callNumbers.stats.inUse, 0);
  });

  it('valid-token NEWs with a new made-up name each (so maxauthreq never bites): the setup budget holds them to 128 an address', async () => {
    const t = setup([user('alice', { secrets: ['labsecret'] })]);
    for (let a = 0; a < 5; a++) {
      const attacker = t.client({ address: `198.51.100.${40 + a}`, port: 4569 });
      const token = t.tokenFor(attacker);
      for (let i = 0; i < 1000; i++) {
        attacker.send(newFrame(`made-up-${a}-${i}`, token, 0x100 + i));
        if (i % 128 === 127) {
          t.clock.advance(1);
          await t.release();
        }
      }
      t.clock.advance(1);
      await t.release();
    }
    assert.equal(t.engine.callNumbers.stats.inSetup, 5 * 128);
    assert.ok(t.engine.refusals.counts.get('setup-limit')! >= 5 * (1000 - 128));
    const real = t.client({ address: '192.0.2.10', port: 4569 });
    real.send(newFrame('alice', t.tokenFor(real), 0x42));
    t.clock.advance(1);
    await t.release();
    t.clock.advance(1);
    assert.equal(real.received.at(-1)?.subclass, IaxCommand.AUTHREQ);
  });

  it('a directory that says it is busy: the request is dropped (not refused, not a decoy) and counted', async () => {
    const clock = new ManualClock();
    const network = new MemoryNetwork({ clock });
    const engine = new Iax2Engine({ transport: network.endpoint(CALLEE_ADDRESS), clock, directory: { findUser: () => Promise.reject(new DirectoryBusyError()) } });
    const endpoint = network.endpoint({ address: '192.0.2.30', port: 4569 });
    const received: FullFrame[] = [];
    endpoint.onDatagram((d) => {
      const f = decodeDatagram(d);
      if (f.kind === 'full') received.push(f);
    });
    endpoint.send(encode(newFrame('alice', Buffer.alloc(0), 0x10)), CALLEE_ADDRESS);
    clock.advance(1);
    const token = ieBytes(received.pop()?.ies, IeId.CALLTOKEN)!;
    endpoint.send(encode(newFrame('alice', token, 0x11)), CALLEE_ADDRESS);
    clock.advance(1);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    clock.advance(1);
    assert.equal(received.length, 0);
    assert.equal(engine.stats.droppedLookupOverload, 1);
    assert.equal(engine.callNumbers.stats.inUse, 0);
  });
});
