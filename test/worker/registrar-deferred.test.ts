// The registrar through a store outage (two engines on the manual clock, a store that fails or
// never answers): a known peer's REGREQ and REGREL are answered from the registrar's memory
// and the writes handed to the deferred writes; a store that merely seems slow is waited for
// storeWaitMs, one that is known to fail not at all; without deferred writes a store failure
// still refuses the registration.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IaxPeer } from '../../services/iax2/peer-directory.ts';
import type { DeferredRegistrationWrites } from '../../services/iax2/registrar/deferred-writes.ts';
import { RegistrationClient, Registrar, type Registration, type RegistrationStore } from '../../services/iax2/registrar/index.ts';
import { CALLEE_ADDRESS, CALLER_ADDRESS, harness } from '../helpers/engine-harness.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A registrations store that fails (rejects), hangs (never answers) or answers, by the test's say. */
function store(mode: { now: 'fail' | 'hang' | 'up' }) {
  const records = new Map<string, Registration>();
  let calls = 0;
  const answer = <T>(value: () => T): Promise<T> => {
    calls++;
    if (mode.now === 'fail') return Promise.reject(Object.assign(new Error('no answer'), { name: 'TimeoutError' }));
    if (mode.now === 'hang') return new Promise<T>(() => {});
    return Promise.resolve(value());
  };
  const s: RegistrationStore & { records: Map<string, Registration>; readonly calls: number } = {
    records,
    get calls() {
      return calls;
    },
    get: (name) => answer(() => records.get(name)),
    put: (registration) => answer(() => void records.set(registration.name, registration)),
    remove: (name) => answer(() => records.delete(name)),
    updateQualify: () => answer(() => true),
  };
  return s;
}

function deferred(failing = false) {
  const log: string[] = [];
  const writes: DeferredRegistrationWrites & { log: string[]; puts: Registration[] } = {
    failing,
    log,
    puts: [],
    put(registration) {
      this.puts.push(registration);
      log.push(`put ${registration.name}`);
    },
    remove: (name, expiresAt) => log.push(`remove ${name}${expiresAt === undefined ? '' : ` at ${expiresAt}`}`),
    cancel: (name) => log.push(`cancel ${name}`),
  };
  return writes;
}

function setup(mode: { now: 'fail' | 'hang' | 'up' }, writes: DeferredRegistrationWrites | undefined) {
  const h = harness();
  const peer: IaxPeer = { name: 'pbx1', tenant: 'acme', secrets: ['labsecret'], inkeys: [], acl: [], dynamic: true };
  const s = store(mode);
  const registrar = new Registrar({ engine: h.callee, clock: h.clock, store: s, findPeer: (n) => (n === 'pbx1' ? peer : undefined), workerId: 'worker-a', minExpireS: 60, ...(writes === undefined ? {} : { deferredWrites: writes }) });
  const client = new RegistrationClient({ engine: h.caller, clock: h.clock, remote: CALLEE_ADDRESS, username: 'pbx1', secret: 'labsecret' });
  const run = async (ms: number, step = 50): Promise<void> => {
    for (let t = 0; t < ms; t += step) {
      h.clock.advance(step);
      await flush();
    }
  };
  return { h, s, registrar, client, run };
}

describe('the registrar through a store outage', () => {
  it('the store fails: REGACK from memory, the registration queued; a refresh and a REGREL likewise', async () => {
    const writes = deferred();
    const t = setup({ now: 'fail' }, writes);
    t.client.start();
    await t.run(200);
    assert.equal(t.client.state, 'Registered');
    assert.deepEqual(t.registrar.addressOf('pbx1'), CALLER_ADDRESS, 'the registrar\'s own index knows the box');
    assert.deepEqual(writes.log, ['put pbx1']);
    const queued = writes.puts[0]!;
    assert.deepEqual([queued.workerId, queued.address, queued.refreshS, queued.expiresAt - queued.registeredAt], ['worker-a', CALLER_ADDRESS.address, 60, 70_000]);
    // The refresh (at 5/6 of the grant) is granted from memory as well.
    await t.run(51_000, 500);
    assert.deepEqual(writes.log, ['put pbx1', 'put pbx1']);
    assert.equal(t.registrar.stats.deferred, 2);
    const stopped = t.client.stop();
    await t.run(200);
    await stopped;
    assert.deepEqual(writes.log.at(-1), 'remove pbx1', 'only while this worker holds it');
    assert.equal(t.registrar.addressOf('pbx1'), undefined);
    assert.equal(t.registrar.stats.deferred, 3);
  });

  it('a store that does not answer is waited for storeWaitMs, then the box is granted from memory', async () => {
    const writes = deferred();
    const t = setup({ now: 'hang' }, writes);
    t.client.start();
    await t.run(900);
    assert.notEqual(t.client.state, 'Registered');
    await t.run(300);
    assert.equal(t.client.state, 'Registered');
    assert.deepEqual(writes.log, ['put pbx1']);
  });

  it('while the queued writes fail, nobody waits for the store at all', async () => {
    const writes = deferred(true);
    const t = setup({ now: 'hang' }, writes);
    t.client.start();
    await t.run(100);
    assert.equal(t.client.state, 'Registered');
    assert.equal(t.s.calls, 0);
  });

  it('the store up: written directly, and whatever waited for the peer is moot', async () => {
    const writes = deferred();
    const t = setup({ now: 'up' }, writes);
    t.client.start();
    await t.run(200);
    assert.equal(t.client.state, 'Registered');
    assert.equal(t.s.records.get('pbx1')?.workerId, 'worker-a');
    assert.deepEqual(writes.log, ['cancel pbx1']);
    assert.equal(t.registrar.stats.deferred, 0);
  });

  it('the registration lapses while the store is out: the removal of that very registration is queued', async () => {
    const writes = deferred();
    const mode: { now: 'fail' | 'hang' | 'up' } = { now: 'up' };
    const t = setup(mode, writes);
    t.client.start();
    await t.run(200);
    const expiresAt = t.s.records.get('pbx1')!.expiresAt;
    await t.client.stop({ release: false });
    mode.now = 'fail';
    let expired = 0;
    t.registrar.events.on('expired', () => expired++);
    await t.run(71_000, 1000);
    assert.deepEqual(writes.log, ['cancel pbx1', `remove pbx1 at ${expiresAt}`]);
    assert.equal(expired, 1);
    assert.equal(t.registrar.addressOf('pbx1'), undefined);
  });

  it('without deferred writes a store failure refuses the registration, as before', async () => {
    const t = setup({ now: 'fail' }, undefined);
    t.client.start();
    await t.run(200);
    assert.equal(t.client.state, 'Rejected');
    assert.equal(t.registrar.addressOf('pbx1'), undefined);
  });
});
