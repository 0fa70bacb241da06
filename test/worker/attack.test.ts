// A worker on the store, attacked over real UDP from many spoofed 127.x sources at a scale that
// fits CI, while two registered boxes keep calling each other: what an attack costs the worker
// (store reads, state, bytes sent back) and what it costs the real boxes (nothing).
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { encode, FrameType, IaxCommand, IeId, type Ie } from '../../services/iax2/codec/index.ts';
import { startWorker, type Worker } from '../../services/worker/worker.ts';
import { jsonLogger } from '../../shared/logger.ts';
import { startControl, type ControlHarness } from '../helpers/control-harness.ts';
import { startDynalite, type DynamoEngine } from '../helpers/dynamo-engines.ts';
import { startPbx, type PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** A source on loopback: any 127.x address can be bound on Linux, so each is a different "host". */
async function source(address: string): Promise<{ socket: Socket; sent: number; received: number }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  const counts = { socket, sent: 0, received: 0 };
  socket.on('message', (message) => (counts.received += message.length));
  return counts;
}

function request(command: number, ies: Ie[], sourceCall: number): Buffer {
  return encode({ kind: 'full', sourceCall, destCall: 0, retransmitted: false, timestamp: 3, oseqno: 0, iseqno: 0, frameType: FrameType.IAX, subclass: command, ies });
}

const newIes = (name: string): Ie[] => [
  { id: IeId.VERSION, value: 2 },
  { id: IeId.CALLED_NUMBER, value: '21' },
  { id: IeId.USERNAME, value: name },
  { id: IeId.FORMAT, value: 4 },
  { id: IeId.CAPABILITY, value: 4 },
];

describe('a worker under attack', () => {
  let engine: DynamoEngine;
  let h: ControlHarness;
  let worker: Worker;
  let key: string;
  let foo: PbxEndpoint;
  let bar: PbxEndpoint;
  let storeCalls = 0;
  const logs: string[] = [];
  let target: { address: string; port: number };

  /** Sends `count` datagrams from `sources` 127.20.x.y addresses, `make(i)` each; returns bytes in and out per source. */
  async function flood(sources: number, count: number, make: (i: number) => Buffer): Promise<Array<{ sent: number; received: number }>> {
    const results: Array<{ sent: number; received: number }> = [];
    // In batches: a process may hold only so many sockets.
    for (let first = 0; first < sources; first += 200) {
      const batch = await Promise.all(Array.from({ length: Math.min(200, sources - first) }, (_, j) => source(`127.20.${(first + j) >> 8}.${((first + j) & 255) || 1}`)));
      const perSource = Math.ceil(count / sources);
      for (let k = 0; k < perSource; k++) {
        for (const [j, s] of batch.entries()) {
          const datagram = make((first + j) * perSource + k);
          s.socket.send(datagram, target.port, target.address);
          s.sent += datagram.length;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const s of batch) {
        results.push({ sent: s.sent, received: s.received });
        s.socket.close();
      }
    }
    return results;
  }

  /** foo calls bar and the call is answered. */
  async function callGoesThrough(extension: string): Promise<boolean> {
    const before = bar.incoming.length;
    const call = foo.dial(extension);
    try {
      await waitFor(`bar gets ${extension}`, () => Promise.resolve(bar.incoming.length > before ? true : undefined), 5000);
      await waitFor('answered', () => Promise.resolve(call.state === 'Answered' ? true : undefined), 5000);
      return true;
    } catch {
      return false;
    } finally {
      call.hangup(16);
    }
  }

  before(async () => {
    engine = await startDynalite();
    engine.client.middlewareStack.add((next) => async (args) => {
      storeCalls++;
      return next(args);
    }, { step: 'initialize', name: 'countStoreCalls' });
    h = await startControl(engine);
    key = await h.addTenant('acme', { callsPerSecond: 500, maxConcurrentCalls: 500 });
    const conf = '[foo]\ntype=friend\nhost=dynamic\nsecret=s1\ncontext=in\n\n[bar]\ntype=friend\nhost=dynamic\nsecret=s2\ncontext=in\n';
    const routes = '[in]\nexten => _2X,1,Dial(IAX2/bar/${EXTEN})\n';
    const imported = await h.call('POST', '/v1/tenants/acme/import', { key, body: { files: [{ name: 'iax.conf', text: conf }, { name: 'extensions.conf', text: routes }] } });
    assert.equal(imported.status, 200);
    worker = await startWorker({
      workerId: 'w1',
      stores: h.control.stores,
      iax: { address: '127.0.0.1', port: 0 },
      status: { address: '127.0.0.1', port: 0 },
      logger: jsonLogger({ service: 'worker', level: 'info', write: (line) => logs.push(line) }),
    });
    target = worker.transport.localAddress();
    foo = await startPbx('foo', 's1', target, () => 'answer', 60);
    bar = await startPbx('bar', 's2', target, () => 'answer', 60);
    await Promise.all([foo.registered(), bar.registered()]);
    assert.ok(await callGoesThrough('20'), 'calls work before any attack');
  });

  after(async () => {
    for (const pbx of [foo, bar]) await pbx?.close();
    await worker?.close();
    await h?.close();
    await engine?.stop();
  });

  it('NEWs and REGREQs without a token, random names, 1,000 sources: no store read, no state, nothing sent back, and calls go through', async () => {
    const readsBefore = storeCalls;
    const callsBefore = worker.engine.activeCalls.size;
    const during = callGoesThrough('21');
    const results = await flood(1000, 4000, (i) => (i % 2 === 0 ? request(IaxCommand.NEW, newIes(`random-${i}`), 1 + (i % 30000)) : request(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: `random-${i}` }, { id: IeId.REFRESH, value: 60 }], 1 + (i % 30000))));
    assert.ok(await during, 'a call placed during the flood is answered');
    // The call placed during the flood read its route and CDR: nothing else may have.
    const floodReads = storeCalls - readsBefore;
    assert.ok(floodReads <= 12, `${floodReads} store calls during a flood of ${results.length * 4} datagrams (the real call's own are a few)`);
    // Only the real call's legs, closing: the flood left no dialog behind.
    await waitFor('the call table back where it was', () => (worker.engine.activeCalls.size <= callsBefore ? true : undefined), 5000);
    for (const r of results) assert.ok(r.received <= r.sent, 'no source got back more bytes than it sent');
    assert.ok(!logs.some((line) => line.includes('"level":"error"')), 'no error logged');
  });

  it('asking for tokens and forging them, NEW, REGREQ and POKE from 1,000 sources: bytes back never exceed bytes in, nothing is held, and calls and registrations go on', async () => {
    const setupBefore = worker.engine.callNumbers.stats.inSetup;
    const during = callGoesThrough('22');
    const results = await flood(1000, 6000, (i) => {
      const kind = i % 3;
      if (kind === 0) return request(IaxCommand.NEW, [...newIes('foo'), { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }], 1 + (i % 30000));
      if (kind === 1) return request(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: 'bar' }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: Buffer.from('AAAAAAAAA') }], 1 + (i % 30000));
      return request(IaxCommand.POKE, [], 1 + (i % 30000));
    });
    assert.ok(await during);
    let sent = 0;
    let received = 0;
    for (const r of results) {
      assert.ok(r.received <= r.sent, `a source got ${r.received} bytes for ${r.sent}`);
      sent += r.sent;
      received += r.received;
    }
    assert.ok(received > 0 && received <= sent, `${received} bytes back for ${sent}`);
    await waitFor('no dialog left', () => (worker.engine.activeCalls.size === 0 ? true : undefined), 3000).catch(() => undefined);
    assert.equal(worker.engine.callNumbers.stats.inUse, 0, 'no forged request holds a call number');
    assert.ok(worker.engine.callNumbers.stats.inSetup <= setupBefore, 'nor one in setup');
    // The boxes' own dialogs were never refused for maxauthreq: the flood named them from elsewhere.
    assert.ok(await callGoesThrough('23'));
  });

  it('a wrong password: the REGREJ waits (delayreject is on), and /metrics counts registration and call failures apart', async () => {
    const mallory = await startPbx('foo', 'wrong', target, () => 'answer', 60);
    try {
      const states: Array<[string, number]> = [];
      const started = Date.now();
      mallory.registration.events.on('statechange', ({ state }) => states.push([state, Date.now() - started]));
      await waitFor('rejected', () => Promise.resolve(states.find(([s]) => s === 'Rejected')), 5000);
      const [, at] = states.find(([s]) => s === 'Rejected')!;
      assert.ok(at >= 1000, `refused after ${at} ms`);
    } finally {
      await mallory.close();
    }
    const status = worker.status.port;
    const metrics = await (await fetch(`http://127.0.0.1:${status}/metrics`)).text();
    assert.match(metrics, /^strowger_auth_failures_total\{kind="registration"\} [1-9]\d*$/m);
    assert.match(metrics, /^strowger_auth_failures_total\{kind="call"\} \d+$/m);
    assert.match(metrics, /^strowger_call_numbers\{state="free"\} \d+$/m);
    assert.match(metrics, /^strowger_dropped_total\{reason="reply-withheld"\} \d+$/m);
    assert.match(metrics, /^strowger_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);
    assert.match(metrics, /^strowger_refusals_total\{stage="engine",reason="token-missing"\} [1-9]\d*$/m);
  });

  it('an empty or oversized USERNAME (with a valid token) is refused before any store call, with no error logged', async () => {
    const sources = await Promise.all(Array.from({ length: 20 }, (_, i) => source(`127.21.0.${i + 1}`)));
    const tokens = new Map<Socket, Buffer>();
    for (const s of sources) {
      s.socket.on('message', (message) => {
        // CALLTOKEN: the one IE, after the 12-byte header (type 0x36, length, token).
        if (message.length > 14 && message[11] === IaxCommand.CALLTOKEN) tokens.set(s.socket, message.subarray(14, 14 + message[13]!));
      });
      s.socket.send(request(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: 'someone' }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: Buffer.alloc(0) }], 5), target.port, target.address);
    }
    await waitFor('tokens', () => (tokens.size === sources.length ? true : undefined), 3000);
    const readsBefore = storeCalls;
    for (const [i, s] of sources.entries()) {
      const username = i % 2 === 0 ? '' : 'x'.repeat(200);
      s.socket.send(request(IaxCommand.REGREQ, [{ id: IeId.USERNAME, value: username }, { id: IeId.REFRESH, value: 60 }, { id: IeId.CALLTOKEN, value: tokens.get(s.socket)! }], 6), target.port, target.address);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const s of sources) s.socket.close();
    assert.equal(storeCalls - readsBefore, 0);
    assert.ok(!logs.some((line) => line.includes('ValidationException') || line.includes('"level":"error"')));
    assert.ok((worker.engine.refusals.counts.get('bad-username') ?? 0) >= 20);
  });

  it("a changed secret takes effect within 5 s: the old one is refused, the new one registers", async () => {
    const peer = await h.call('GET', '/v1/tenants/acme/peers/bar', { key });
    const changed = await h.call('PATCH', '/v1/tenants/acme/peers/bar', { key, body: { secrets: ['s2-new'] }, headers: { 'if-match': peer.headers.get('etag') ?? '"1"' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const changedAt = Date.now();
    const withNew = await startPbx('bar', 's2-new', target, () => 'answer', 60);
    const withOld = await startPbx('bar', 's2', target, () => 'answer', 60);
    try {
      await withNew.registered();
      const states: string[] = [];
      withOld.registration.events.on('statechange', ({ state }) => states.push(state));
      await waitFor('the old secret refused', () => Promise.resolve(states.includes('Rejected') ? true : undefined), 5000);
      assert.ok(Date.now() - changedAt < 5000);
    } finally {
      await withNew.close();
      await withOld.close();
    }
  });
});
