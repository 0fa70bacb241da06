// A secret changed or a peer deleted in the store: the answer is checked against the
// principal as the directory has it now, not the copy the challenge was made from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../shared/clock.ts';
import { IaxCommand } from '../../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../../services/iax2/engine/engine.ts';
import { MemoryNetwork } from '../../../services/iax2/memory-network.ts';
import { InMemoryRegistrationStore, Registrar } from '../../../services/iax2/registrar/index.ts';
import type { IaxPeer, IaxUser, PeerDirectory } from '../../../services/iax2/peer-directory.ts';
import { CALLEE_ADDRESS, user } from '../../helpers/engine-harness.ts';
import { rawClient } from '../../helpers/raw-client.ts';

/**
 * A directory with a stale cache in front of a "store": lookups answer from the cache (what
 * the challenge is made from), rechecks read the store unless `outage`.
 */
function setup() {
  const clock = new ManualClock();
  const network = new MemoryNetwork({ clock });
  const store = new Map<string, string>([['alice', 'old-secret']]);
  const cached = new Map<string, string>([['alice', 'old-secret']]);
  const state = { outage: false, rechecks: [] as Array<[string, boolean]> };
  const asUser = (name: string, secret: string | undefined): IaxUser | undefined => (secret === undefined ? undefined : user(name, { secrets: [secret] }));
  const asPeer = (name: string, secret: string | undefined): IaxPeer | undefined => (secret === undefined ? undefined : { name, secrets: [secret], inkeys: [], acl: [], dynamic: true });
  const read = <P>(name: string, force: boolean, as: (n: string, s: string | undefined) => P | undefined): Promise<P | undefined> => {
    state.rechecks.push([name, force]);
    if (state.outage) return Promise.reject(new Error('store unreachable'));
    return Promise.resolve(as(name, store.get(name)));
  };
  const directory: PeerDirectory = {
    findUser: (name) => asUser(name, cached.get(name)),
    recheckUser: (name, force) => read(name, force, asUser),
  };
  const engine = new Iax2Engine({ transport: network.endpoint(CALLEE_ADDRESS), clock, directory });
  engine.events.on('incomingCall', ({ call }) => engine.accept(call));
  new Registrar({ engine, clock, store: new InMemoryRegistrationStore(), findPeer: (n) => asPeer(n, cached.get(n)), recheckPeer: (n, force) => read(n, force, asPeer), workerId: 'w' });
  const attempt = (kind: 'call' | 'registration', secret: string) => {
    const c = rawClient({ clock, network }, { address: '192.0.2.10', port: 4569 + state.rechecks.length });
    return c.attempt(kind, 'alice', secret);
  };
  return { clock, store, cached, state, attempt };
}

describe('fresh credentials', () => {
  for (const kind of ['call', 'registration'] as const) {
    const passed = kind === 'call' ? IaxCommand.ACCEPT : IaxCommand.REGACK;
    it(`${kind}: after a secret change the old secret fails and the new one works, though the cache still holds the old`, async () => {
      const t = setup();
      t.store.set('alice', 'new-secret');
      assert.notEqual((await t.attempt(kind, 'old-secret')).reply?.subclass, passed);
      assert.equal((await t.attempt(kind, 'new-secret')).reply?.subclass, passed);
      assert.ok(t.state.rechecks.some(([, force]) => force), 'a failed answer is checked again with a forced read');
    });

    it(`${kind}: a deleted peer's secret stops working`, async () => {
      const t = setup();
      t.store.delete('alice');
      assert.notEqual((await t.attempt(kind, 'old-secret')).reply?.subclass, passed);
    });

    it(`${kind}: with the store unreachable the cached copy is used, so nobody is locked out by an outage`, async () => {
      const t = setup();
      t.state.outage = true;
      assert.equal((await t.attempt(kind, 'old-secret')).reply?.subclass, passed);
    });
  }
});
