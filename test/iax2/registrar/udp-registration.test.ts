// Registration over real UDP loopback sockets, MD5 and RSA, and REGREL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemClock } from '../../../shared/clock.ts';
import { generateRsaKeyPair, loadPrivateKey } from '../../../services/iax2/crypto/index.ts';
import { Iax2Engine } from '../../../services/iax2/engine/engine.ts';
import type { IaxPeer } from '../../../services/iax2/peer-directory.ts';
import { InMemoryRegistrationStore, RegistrationClient, Registrar, type RegistryState } from '../../../services/iax2/registrar/index.ts';
import { UdpTransport } from '../../../services/worker/udp-transport.ts';
import { directoryOf } from '../../helpers/engine-harness.ts';

const keys = generateRsaKeyPair({ passphrase: 'pw' });
const peers: IaxPeer[] = [
  { name: 'md5peer', secrets: ['s3cret'], inkeys: [], acl: [], dynamic: true },
  { name: 'rsapeer', secrets: [], inkeys: [keys.publicPem], acl: [], dynamic: true },
];

function reach(client: RegistrationClient, wanted: RegistryState): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still ${client.state}`)), 3000);
    client.events.on('statechange', ({ state }) => {
      if (state === wanted) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe('registration over real UDP', () => {
  const clock = new SystemClock();
  const store = new InMemoryRegistrationStore();
  let server: Iax2Engine;
  let client: Iax2Engine;
  let registrar: Registrar;
  const transports: UdpTransport[] = [];

  before(async () => {
    const st = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const ct = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    transports.push(st, ct);
    server = new Iax2Engine({ transport: st, clock, directory: directoryOf([]) });
    client = new Iax2Engine({ transport: ct, clock, directory: directoryOf([]) });
    registrar = new Registrar({ engine: server, clock, store, findPeer: (n) => peers.find((p) => p.name === n), workerId: 'w1' });
  });

  after(async () => {
    registrar.close();
    server.close();
    client.close();
    for (const t of transports) t.close();
    await Promise.all(transports.map((t) => t.closed));
  });

  for (const [name, credentials] of [
    ['md5peer', { secret: 's3cret' }],
    ['rsapeer', { outkey: loadPrivateKey(keys.privatePem, 'pw') }],
  ] as const) {
    it(`${name} registers, is stored with its real address, and unregisters with REGREL`, async () => {
      const c = new RegistrationClient({ engine: client, clock, remote: transports[0]!.localAddress(), username: name, ...credentials });
      const registered = reach(c, 'Registered');
      c.start();
      await registered;
      assert.deepEqual([store.get(name)?.address, store.get(name)?.port], [transports[1]!.localAddress().address, transports[1]!.localAddress().port]);
      await c.stop();
      assert.equal(store.get(name), undefined);
    });
  }
});
