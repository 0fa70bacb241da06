// Password guessing: failures are counted for calls and registrations alike, a name's refusals
// wait longer and longer (never the box that is registered with it), and an address that keeps
// failing is paused, all on the manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { IaxCommand } from '../../../services/iax2/codec/index.ts';
import { AuthFailures } from '../../../services/iax2/dialog/auth-failures.ts';
import { Iax2Engine } from '../../../services/iax2/engine/engine.ts';
import { MemoryNetwork } from '../../../services/iax2/memory-network.ts';
import { InMemoryRegistrationStore, Registrar } from '../../../services/iax2/registrar/index.ts';
import type { IaxPeer, PeerDirectory } from '../../../services/iax2/peer-directory.ts';
import type { RemoteAddress } from '../../../services/iax2/transport.ts';
import { CALLEE_ADDRESS, directoryOf, user } from '../../helpers/engine-harness.ts';
import { rawClient } from '../../helpers/raw-client.ts';

const BOX: RemoteAddress = { address: '192.0.2.10', port: 4569 };

function setup(delayRejectMs = 1000) {
  const clock = new ManualClock();
  const network = new MemoryNetwork({ clock });
  const late: { registrar?: Registrar } = {};
  const directory: PeerDirectory = { ...directoryOf([user('alice', { secrets: ['labsecret'] })]), registeredAddress: (n: string): RemoteAddress | undefined => late.registrar?.addressOf(n) };
  const engine = new Iax2Engine({ transport: network.endpoint(CALLEE_ADDRESS), clock, directory, delayRejectMs });
  engine.events.on('incomingCall', ({ call }) => engine.accept(call));
  const peers = new Map<string, IaxPeer>([['alice', { name: 'alice', secrets: ['labsecret'], inkeys: [], acl: [], dynamic: true }]]);
  const registrar = new Registrar({ engine, clock, store: new InMemoryRegistrationStore(), findPeer: (n) => peers.get(n), workerId: 'w', delayRejectMs });
  late.registrar = registrar;
  return { clock, network, engine, registrar };
}

describe('password guessing', () => {
  it("a name's refusals wait longer after a few failures (calls and registrations count together), up to a ceiling", async () => {
    const t = setup();
    const guesser = rawClient(t, { address: '198.51.100.5', port: 4569 });
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push((await guesser.attempt(i % 2 === 0 ? 'call' : 'registration', 'alice', `guess-${i}`)).waitedMs);
    assert.deepEqual(waits.slice(0, 3), [1000, 1000, 1000]);
    assert.deepEqual(waits.slice(3), [2000, 4000, 8000, 16_000, 16_000], 'doubling, up to 16 s');
    assert.deepEqual(t.engine.authFailures.counts, { call: 4, registration: 4 });
  });

  it('the box registered with the name is never slowed, and a right answer is never delayed', async () => {
    const t = setup();
    const box = rawClient(t, BOX);
    assert.equal((await box.attempt('registration', 'alice', 'labsecret')).reply?.subclass, IaxCommand.REGACK);
    const guesser = rawClient(t, { address: '198.51.100.5', port: 4569 });
    for (let i = 0; i < 8; i++) await guesser.attempt('call', 'alice', `guess-${i}`);
    // Refreshed, as the box does: the guessing took longer than its registration lives.
    assert.equal((await box.attempt('registration', 'alice', 'labsecret')).reply?.subclass, IaxCommand.REGACK);
    const typo = await box.attempt('call', 'alice', 'wrong');
    assert.equal(typo.waitedMs, 1000, "the registered box's own failure waits only delayreject");
    const right = await box.attempt('call', 'alice', 'labsecret');
    assert.equal(right.reply?.subclass, IaxCommand.ACCEPT);
    assert.ok(right.waitedMs <= 1);
    const elsewhere = rawClient(t, { address: '203.0.113.80', port: 4569 });
    const ok = await elsewhere.attempt('call', 'alice', 'labsecret');
    assert.equal(ok.reply?.subclass, IaxCommand.ACCEPT, 'the real user elsewhere is not locked out');
    assert.ok(ok.waitedMs <= 1);
  });

  it('an address that keeps failing is paused (stateless REJECT), longer each time, and others are not', async () => {
    const t = setup(0);
    const guesser = rawClient(t, { address: '198.51.100.5', port: 4569 });
    for (let i = 0; i < 20; i++) assert.equal((await guesser.attempt('call', `name-${i}`, 'x')).reply?.subclass, IaxCommand.REJECT);
    const paused = await guesser.attempt('call', 'alice', 'labsecret');
    assert.equal(paused.reply?.subclass, IaxCommand.REJECT);
    assert.equal(paused.reply?.sourceCall, 1, 'refused statelessly, before any challenge');
    assert.equal(t.engine.refusals.counts.get('auth-throttled'), 1);
    const other = rawClient(t, { address: '198.51.100.6', port: 4569 });
    assert.equal((await other.attempt('call', 'alice', 'labsecret')).reply?.subclass, IaxCommand.ACCEPT);
    t.clock.advance(60_000);
    assert.equal((await guesser.attempt('call', 'alice', 'labsecret')).reply?.subclass, IaxCommand.ACCEPT, 'the pause is over');
    for (let i = 0; i < 20; i++) await guesser.attempt('registration', `name-${i}`, 'x');
    t.clock.advance(60_000);
    assert.equal((await guesser.attempt('call', 'alice', 'labsecret')).reply?.sourceCall, 1, 'the second pause is longer');
    t.clock.advance(60_000);
    assert.equal((await guesser.attempt('call', 'alice', 'labsecret')).reply?.subclass, IaxCommand.ACCEPT);
  });

  it('remembers a bounded number of names and addresses', () => {
    const clock = new ManualClock();
    const failures = new AuthFailures(clock, { maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) failures.failed('call', `name-${i}`, { address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 4569 }, undefined, 1000);
    assert.deepEqual(failures.size, { names: 100, addresses: 100 });
  });
});
