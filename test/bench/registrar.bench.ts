// Registrar benchmark: complete MD5 registrations per second (REGREQ, CALLTOKEN, REGREQ with
// token, REGAUTH, REGREQ with MD5, REGACK, ACK) over loopback UDP into an in-memory store, with
// the registering side in the same process. Prints figures; asserts nothing.
//   npm run bench:registrar
import { SystemClock } from '../../shared/clock.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import { InMemoryRegistrationStore, RegistrationClient, Registrar } from '../../services/iax2/registrar/index.ts';
import type { IaxPeer } from '../../services/iax2/peer-directory.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';
import { directoryOf } from '../helpers/engine-harness.ts';

const clock = new SystemClock();
const serverTransport = await UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 4 << 20 });
const clientTransport = await UdpTransport.bind({ address: '127.0.0.1', port: 0, receiveBufferBytes: 4 << 20 });
const limits = { maxPerIp: 32_000 };
// Every client here shares 127.0.0.1, so the per-address budget for oversize token replies
// (20, then 10 a second: right for the internet) is lifted; so are the per-IP call numbers.
const server = new Iax2Engine({ transport: serverTransport, clock, directory: directoryOf([]), limits });
const client = new Iax2Engine({ transport: clientTransport, clock, directory: directoryOf([]), limits });
const PEERS = 2000;
const peers = new Map<string, IaxPeer>(
  Array.from({ length: PEERS }, (_, i) => [`pbx${i}`, { name: `pbx${i}`, secrets: [`secret${i}`], inkeys: [], acl: [], dynamic: true }]),
);
const store = new InMemoryRegistrationStore();
const registrar = new Registrar({ engine: server, clock, store, findPeer: (name) => peers.get(name), workerId: 'bench', maxExpireS: 3600 });

function register(i: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = new RegistrationClient({ engine: client, clock, remote: serverTransport.localAddress(), username: `pbx${i}`, secret: `secret${i}`, refreshS: 3600 });
    c.events.on('statechange', ({ state }) => {
      if (state === 'Registered' || state === 'Rejected' || state === 'Timeout') {
        void c.stop({ release: false });
        resolve(state === 'Registered');
      }
    });
    c.start();
  });
}

async function run(total: number, concurrency: number): Promise<{ perSecond: number; failed: number }> {
  let next = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++ % PEERS;
        if (!(await register(i))) failed++;
      }
    }),
  );
  return { perSecond: total / ((performance.now() - start) / 1000), failed };
}

await run(500, 50); // warm-up
const result = await run(6000, 100);
const json = { node: process.version, registrationsPerSecond: Math.round(result.perSecond), failed: result.failed, stored: store.size };
if (process.argv.includes('--json')) console.log(JSON.stringify(json));
else {
  console.log(`IAX2 registrar benchmark (node ${process.version}, one process holding both ends)`);
  console.log(`MD5 registrations per second (token + REGAUTH + REGACK): ${json.registrationsPerSecond} (${json.failed} failed)`);
}
registrar.close();
server.close();
client.close();
serverTransport.close();
clientTransport.close();
