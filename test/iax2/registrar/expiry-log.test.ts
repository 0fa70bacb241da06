// A registration that lapses is logged (before, only the store lost its record): peer, tenant,
// address and why, once per expiry; a site whose boxes all lapse at once gets a few lines per
// tenant and window, with the count held back. Two engines on the manual clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IaxPeer } from '../../../services/iax2/peer-directory.ts';
import { InMemoryRegistrationStore, RegistrationClient, Registrar } from '../../../services/iax2/registrar/index.ts';
import { jsonLogger } from '../../../shared/logger.ts';
import { CALLEE_ADDRESS, CALLER_ADDRESS, harness } from '../../helpers/engine-harness.ts';

interface Line {
  level: string;
  message: string;
  peer?: string;
  tenant?: string;
  address?: string;
  cause?: string;
  suppressedSimilar?: number;
}

function setup(peers: IaxPeer[]) {
  const h = harness();
  const logs: Line[] = [];
  const byName = new Map(peers.map((p) => [p.name, p]));
  const registrar = new Registrar({
    engine: h.callee,
    clock: h.clock,
    store: new InMemoryRegistrationStore(),
    findPeer: (name) => byName.get(name),
    workerId: 'w1',
    logger: jsonLogger({ service: 'worker', level: 'info', write: (line) => logs.push(JSON.parse(line) as Line) }),
  });
  const expiries = () => logs.filter((line) => line.message === 'registration expired');
  return { h, registrar, expiries };
}

const peer = (name: string): IaxPeer => ({ name, tenant: 'acme', secrets: ['s3cret'], inkeys: [], acl: [], dynamic: true });

describe('registration expiry in the log', () => {
  it('a box that stops refreshing: one info line with peer, tenant, address and cause', () => {
    const t = setup([peer('pbx1')]);
    const client = new RegistrationClient({ engine: t.h.caller, clock: t.h.clock, remote: CALLEE_ADDRESS, username: 'pbx1', secret: 's3cret' });
    client.start();
    t.h.clock.advance(100);
    assert.equal(client.state, 'Registered');
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(false);
    t.h.clock.advance(69_000);
    assert.deepEqual(t.expiries(), [], 'nothing before the granted refresh + 10 s');
    t.h.clock.advance(1_000);
    assert.deepEqual(t.expiries(), [{
      ...t.expiries()[0],
      level: 'info',
      peer: 'pbx1',
      tenant: 'acme',
      address: `${CALLER_ADDRESS.address}:${CALLER_ADDRESS.port}`,
      cause: 'no REGREQ within the granted refresh of 60 s + 10 s',
    }]);
    t.h.clock.advance(120_000);
    assert.equal(t.expiries().length, 1, 'once per expiry');
  });

  it('a whole site lapsing at once: 20 lines for the tenant in the window, the rest counted in the next line', () => {
    const names = Array.from({ length: 25 }, (_, i) => `box${i}`);
    const t = setup([...names, 'late'].map(peer));
    const boxes = names.map((name) => new RegistrationClient({ engine: t.h.caller, clock: t.h.clock, remote: CALLEE_ADDRESS, username: name, secret: 's3cret' }));
    for (const box of boxes) box.start();
    t.h.clock.advance(1_000);
    assert.equal(t.registrar.stats.registered, 25);
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(false);
    t.h.clock.advance(70_000);
    assert.equal(t.registrar.stats.expired, 25);
    assert.equal(t.expiries().length, 20, 'the other 5 are held back');
    for (const box of boxes) void box.stop({ release: false });
    // The next expiry of the tenant, a window later, says how many were held back.
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(true);
    new RegistrationClient({ engine: t.h.caller, clock: t.h.clock, remote: CALLEE_ADDRESS, username: 'late', secret: 's3cret' }).start();
    t.h.clock.advance(1_000);
    t.h.network.endpoint(CALLER_ADDRESS).setReachable(false);
    t.h.clock.advance(70_000);
    assert.deepEqual(t.expiries().slice(20).map((line) => [line.peer, line.suppressedSimilar]), [['late', 5]]);
  });
});
