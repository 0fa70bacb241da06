// The worker mesh on loopback: two workers over one store, a box registered through each. A
// call from a box on one worker to a box on the other goes through the worker that holds the
// callee's flow, which places the last leg from its own socket; the ingress keeps one CDR with
// both workers' figures; a mesh NEW without the mesh secret gets nothing.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { decodeDatagram, encode, FrameType, IaxCommand, IeId, type FullFrame } from '../../services/iax2/codec/index.ts';
import { meshKeys } from '../../services/worker/mesh/mesh-secret.ts';
import { MESH_USER } from '../../services/worker/mesh/mesh-request.ts';
import { MeshTokens } from '../../services/worker/mesh/mesh-tokens.ts';
import { startWorker, type Worker } from '../../services/worker/worker.ts';
import { jsonLogger } from '../../shared/logger.ts';
import { sendVoice, watch } from '../helpers/call-watch.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

const MESH_SECRET = 'a-mesh-secret-for-the-loopback-test';

describe('the worker mesh, two workers on loopback', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  const workers: Worker[] = [];
  const boxes: PbxEndpoint[] = [];
  const logs: string[] = [];

  async function worker(id: string, meshPort: number): Promise<Worker> {
    const w = await startWorker({
      workerId: id,
      stores: h.control.stores,
      iax: { address: '127.0.0.1', port: 0 },
      status: { address: '127.0.0.1', port: 0 },
      mesh: { bind: { address: '127.0.0.1', port: meshPort }, secret: MESH_SECRET },
      logger: jsonLogger({ service: id, level: 'info', write: (line) => logs.push(line) }),
    });
    workers.push(w);
    return w;
  }

  before(async () => {
    engine = await startDynalite();
    h = await startControl(engine);
    const key = await h.addTenant('acme', { callsPerSecond: 50 });
    const imported = await h.call('POST', '/v1/tenants/acme/import', {
      key,
      body: {
        files: [
          { name: 'iax.conf', text: '[pbx](!)\ntype=friend\nhost=dynamic\ncontext=fromiax\ntrunk=yes\n\n[east](pbx)\nsecret=east-secret\n\n[west](pbx)\nsecret=west-secret\n' },
          { name: 'extensions.conf', text: '[fromiax]\nexten => _2X,1,Dial(IAX2/west/${EXTEN})\nexten => _4X,1,Dial(IAX2/east/${EXTEN})\n' },
        ],
      },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const one = await worker('w-one', 0);
    const two = await worker('w-two', 0);
    boxes.push(await startPbx('east', 'east-secret', one.transport.localAddress()));
    boxes.push(await startPbx('west', 'west-secret', two.transport.localAddress()));
    await Promise.all(boxes.map((b) => b.registered()));
  });

  after(async () => {
    for (const box of boxes) await box.close();
    for (const w of workers) await w.close();
    await h?.close();
    await engine?.stop();
  });

  it('each box is registered through its own worker, which publishes its mesh endpoint', async () => {
    assert.equal((await h.control.stores.registrations.get('east'))?.workerId, 'w-one');
    assert.equal((await h.control.stores.registrations.get('west'))?.workerId, 'w-two');
    const published = await h.control.stores.workers.get('w-two');
    assert.deepEqual([published?.privateAddress, published?.meshPort], ['127.0.0.1', workers[1]!.mesh!.address.port]);
  });

  it('east calls west: the call crosses the mesh and west is called from its own worker\'s socket; voice both ways; one CDR with both workers\' figures', async () => {
    const [east, west] = boxes as [PbxEndpoint, PbxEndpoint];
    const [one, two] = workers as [Worker, Worker];
    const call = east.dial('23');
    const seen = watch(call);
    const delivered = await waitFor('west to be called', () => west.incoming.find((c) => c.info.calledNumber === '23'));
    assert.deepEqual(delivered.call.remote, two.transport.localAddress(), 'the last leg left from the worker holding west\'s flow');
    const atWest = watch(delivered.call);
    await waitFor('answer at east', () => (seen.answered ? true : undefined));
    assert.deepEqual([delivered.info.callingNumber, delivered.info.callingName], ['eastcid', 'east'], 'caller ID crossed the mesh');

    const channelsOne = one.switch.channels('acme');
    const channelsTwo = two.switch.channels('acme');
    assert.ok(channelsOne.some((c) => c.meshWorker === 'w-two' && c.channel.startsWith('IAX2/mesh-w-two-')), JSON.stringify(channelsOne));
    assert.ok(channelsTwo.some((c) => c.meshWorker === 'w-one' && c.channel.startsWith('IAX2/mesh-w-one-')), JSON.stringify(channelsTwo));

    const eastSent = sendVoice(call, 40, 2000, 0x31);
    const westSent = sendVoice(delivered.call, 40, 6000, 0x62);
    await waitFor('voice at west', () => (atWest.voice.length >= 40 ? true : undefined));
    await waitFor('voice at east', () => (seen.voice.length >= 40 ? true : undefined));
    assert.deepEqual(atWest.voice.map((v) => v.payload), eastSent);
    assert.deepEqual(seen.voice.map((v) => v.payload), westSent);
    assert.ok((one.mesh!.engine.trunkStats?.entries ?? 0) > 0 && (two.mesh!.engine.trunkStats?.entries ?? 0) > 0, 'media between the workers went in trunk frames');

    call.hangup(16);
    await waitFor('west to see the hang-up', () => (atWest.ended ? true : undefined));
    const cdr = await waitFor('the CDR with the far leg', async () => {
      const items = (await h.control.stores.cdrs.list('acme', Date.now() - 60_000, Date.now() + 1000)).items.filter((c) => c.dst === '23');
      return items.length === 1 && items[0]?.end !== undefined && items[0].rrCallee !== undefined ? items[0] : undefined;
    });
    assert.deepEqual([cdr.workerId, cdr.calleeWorkerId, cdr.disposition], ['w-one', 'w-two', 'ANSWERED']);
    assert.ok((cdr.rrCaller?.packets ?? 0) >= 40 && (cdr.rrMesh?.packets ?? 0) >= 40 && (cdr.rrCallee?.packets ?? 0) >= 40, JSON.stringify(cdr));
  });

  it('the owner refuses a mesh call for a box it no longer holds, and the caller hears at once', async () => {
    const [east, west] = boxes as [PbxEndpoint, PbxEndpoint];
    const two = workers[1]!;
    two.registrar.forget('west', 'the test took it away');
    const started = Date.now();
    const seen = watch(east.dial('24'));
    await waitFor('the refusal', () => (seen.ended ? true : undefined), 3000);
    assert.equal(seen.cause, 20);
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
    assert.equal(west.incoming.filter((c) => c.info.calledNumber === '24').length, 0);
    west.registration.start();
    await waitFor('west held again', () => two.registrar.addressOf('west'));
  });

  it('a registration whose owner is gone fails at once with cause 20, never waiting on a dead worker', async () => {
    const registration = (await h.control.stores.registrations.get('west'))!;
    await h.control.stores.registrations.put({ ...registration, workerId: 'w-dead', registeredAt: registration.registeredAt + 1 });
    const started = Date.now();
    const seen = watch(boxes[0]!.dial('27'));
    await waitFor('the refusal', () => (seen.ended ? true : undefined), 3000);
    assert.equal(seen.cause, 20);
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
    await h.control.stores.registrations.put({ ...registration, registeredAt: registration.registeredAt + 2 });
  });

  it('a mesh NEW without the secret, with a token made from another secret or for another sender, or sent to the tenant port, is refused and allocates nothing', async () => {
    const two = workers[1]!;
    const target = two.mesh!.address;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const replies: FullFrame[] = [];
    socket.on('message', (d) => {
      const f = decodeDatagram(d);
      if (f.kind === 'full') replies.push(f);
    });
    const me = { address: '127.0.0.1', port: socket.address().port };
    const forged = new MeshTokens(meshKeys('not-the-deployment-secret').tokenKey, Date.now).issue(me);
    const newFrame = (sourceCall: number, token: Buffer): Buffer => encode({
      kind: 'full', sourceCall, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: IaxCommand.NEW,
      ies: [{ id: IeId.VERSION, value: 2 }, { id: IeId.CALLED_NUMBER, value: '23' }, { id: IeId.USERNAME, value: MESH_USER }, { id: IeId.CALLTOKEN, value: token }],
    });
    // A token made with the right secret, but for another sender (a worker's own address): bound to it, useless from here.
    const stolen = new MeshTokens(meshKeys(MESH_SECRET).tokenKey, Date.now).issue(workers[0]!.mesh!.address);
    const before = two.mesh!.engine.callNumbers.stats.inUse;
    const meshCallsBefore = two.switch.stats.meshIn;
    socket.send(newFrame(0x101, Buffer.alloc(0)), target.port, target.address);
    socket.send(newFrame(0x102, forged), target.port, target.address);
    socket.send(newFrame(0x103, stolen), target.port, target.address);
    await waitFor('three refusals', () => (replies.length >= 3 ? true : undefined));
    assert.deepEqual(replies.map((f) => [f.subclass, f.sourceCall, f.ies?.length]), [[IaxCommand.REJECT, 1, 0], [IaxCommand.REJECT, 1, 0], [IaxCommand.REJECT, 1, 0]], 'stateless refusals, no CALLTOKEN handed out');
    assert.equal(two.mesh!.engine.callNumbers.stats.inUse, before, 'no call number taken');
    assert.deepEqual([...two.mesh!.engine.refusals.counts].sort(), [['token-invalid', 2], ['token-missing', 1]]);

    // The tenant-facing port: a mesh NEW with a valid mesh token gets an ordinary token round trip and then an ordinary decoy; never a mesh call.
    const iax = two.transport.localAddress();
    const own = new MeshTokens(meshKeys(MESH_SECRET).tokenKey, Date.now).issue(me);
    replies.length = 0;
    socket.send(newFrame(0x104, own), iax.port, iax.address);
    await waitFor('the refusal at the tenant port', () => (replies.length >= 1 ? true : undefined));
    socket.close();
    assert.deepEqual(replies.map((f) => [f.subclass, f.sourceCall]), [[IaxCommand.REJECT, 1]], 'the tenant port does not know mesh tokens');
    assert.equal(two.switch.stats.meshIn, meshCallsBefore, 'no mesh call came of any of it');
  });
});
