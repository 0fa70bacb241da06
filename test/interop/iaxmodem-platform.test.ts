// iaxmodem (libiax2) as a tenant's device on the platform: it registers to a worker (its
// account has requirecalltoken=no: libiax2 sends no call tokens), calls a registered PBX
// endpoint through a route, and is called from that PBX through a route.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ControlSubclass } from '../../services/iax2/codec/index.ts';
import { startWorker, type Worker } from '../../services/worker/worker.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { iaxmodemPath, startIaxmodem, type IaxModem } from '../helpers/iaxmodem.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

const IAX_CONF = `[general]
disallow=all
allow=ulaw

[modem1]
type=friend
host=dynamic
secret=modem-secret
auth=md5
requirecalltoken=no
context=fromiax

[pbx]
type=friend
host=dynamic
secret=pbx-secret
auth=md5
context=fromiax
`;

const EXTENSIONS_CONF = `[fromiax]
exten => _7XX,1,Dial(IAX2/modem1/\${EXTEN},30)
exten => _2XX,1,Dial(IAX2/pbx/\${EXTEN},30)
`;

describe('iaxmodem on the platform', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let worker: Worker;
  let pbx: PbxEndpoint;
  let modem: IaxModem;

  before(async () => {
    iaxmodemPath(); // fails loudly, with how to install it, when missing
    engine = await startDynalite();
    h = await startControl(engine);
    const key = await h.addTenant('acme', { callsPerSecond: 50 });
    const imported = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: IAX_CONF }, { name: 'extensions.conf', text: EXTENSIONS_CONF }] } });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    worker = await startWorker({ workerId: 'w1', stores: h.control.stores, iax: { address: '127.0.0.1', port: 0 }, status: { address: '127.0.0.1', port: 0 } });
    const platform = worker.transport.localAddress();
    pbx = await startPbx('pbx', 'pbx-secret', platform);
    modem = await startIaxmodem({
      name: `strowger-platform-${process.pid}`,
      serverPort: platform.port,
      port: 20_000 + ((process.pid + 7) % 20_000),
      peername: 'modem1',
      secret: 'modem-secret',
      codec: 'ulaw',
    });
    await pbx.registered();
    await waitFor('iaxmodem to register', async () => (await h.control.stores.registrations.get('modem1')) ?? undefined, 10_000);
  });

  after(async () => {
    await modem?.stop();
    // iaxmodem unregisters as it stops: let the worker's store write land before the store goes.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await pbx?.close();
    await worker?.close();
    await h?.close();
    await engine?.stop();
  });

  it('the PBX dials 700: the route rings iaxmodem\'s pty, ATA answers, the PBX hears the answer', async () => {
    await modem.at('ATE0', /OK/);
    const call = pbx.dial('700');
    let answered = false;
    call.events.on('control', ({ subclass }) => {
      if (subclass === ControlSubclass.ANSWER) answered = true;
    });
    await modem.waitFor(/RING/, 8000);
    await modem.at('ATA', /./, 3000).catch(() => '');
    await waitFor('the answer at the PBX', () => (answered ? true : undefined), 8000);
    call.hangup(16);
    await modem.waitFor(/NO CARRIER/, 8000);
  });

  it('iaxmodem dials 200: the route reaches the PBX, which answers', async () => {
    await modem.at('ATH', /OK/, 3000).catch(() => '');
    await modem.at('ATDT200', /./, 1000).catch(() => '');
    const delivered = await waitFor('the PBX to be called', () => pbx.incoming.find((c) => c.info.calledNumber === '200'), 10_000);
    await waitFor('the bridged call to be up', () => (worker.switch.channels('acme').some((c) => c.state === 'up') ? true : undefined), 5000);
    delivered.call.hangup(16);
    await waitFor('the CDR', async () => (await h.control.stores.cdrs.list('acme', Date.now() - 60_000, Date.now() + 1000)).items.find((c) => c.dst === '200' && c.end !== undefined), 8000);
  });
});
