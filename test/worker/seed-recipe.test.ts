// The seed recipe (test/fixtures/seeds/peering-two-asterisk-servers.txt), hosted: tenant acme's
// iax.conf and extensions.conf imported through the API, two PBX endpoints registering to a
// worker over real UDP and calling each other through it, media relayed sample by sample.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writePcap } from '../helpers/pcap.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { sendVoice, watch } from '../helpers/call-watch.ts';
import { dissectIax2Fields } from '../helpers/tshark.ts';
import { startWorkerFixture, type WorkerFixture } from '../helpers/worker-fixture.ts';

const IAX_CONF = `[general]
disallow=all
allow=ulaw
allow=alaw

[pbx](!)
type=friend
host=dynamic
auth=md5
trunk=yes
trunktimestamps=yes
qualify=yes
context=fromiax

[foo](pbx)
secret=foo-secret
callerid="Foo Office" <(555) 010-2000>

[bar](pbx)
secret=bar-secret

[baz](pbx)
secret=baz-secret

[gsmonly](pbx)
secret=gsm-secret
disallow=all
allow=gsm
`;

const EXTENSIONS_CONF = `[fromiax]
exten => _2X,1,Dial(IAX2/bar/\${EXTEN})
exten => _4X,1,Dial(IAX2/foo/\${EXTEN})
exten => _5X,1,Dial(IAX2/baz/\${EXTEN},10)
 same => n,Dial(IAX2/bar/\${EXTEN})
exten => _6X,1,Dial(IAX2/baz/\${EXTEN})
exten => _8X,1,Dial(IAX2/gsmonly/\${EXTEN})
`;


describe('the seed recipe, hosted', () => {
  let f: WorkerFixture;
  let foo: PbxEndpoint;
  let bar: PbxEndpoint;
  let gsmonly: PbxEndpoint;

  before(async () => {
    f = await startWorkerFixture({ limits: { callsPerSecond: 50 }, conf: { iax: IAX_CONF, extensions: EXTENSIONS_CONF }, worker: { debugPeers: new Set(['bar']) } });
    foo = await f.pbx('foo', 'foo-secret');
    bar = await f.pbx('bar', 'bar-secret', { behaviour: (extension) => (extension === '24' ? 'busy' : 'answer') });
    gsmonly = await f.pbx('gsmonly', 'gsm-secret');
    await Promise.all([foo.registered(), bar.registered(), gsmonly.registered()]);
  });

  after(async () => {
    await f?.close();
  });

  it('both PBXes registered through the worker: registrations in the store, owned by the worker', async () => {
    for (const name of ['foo', 'bar']) {
      const registration = await f.stores.registrations.get(name);
      assert.deepEqual([registration?.tenant, registration?.workerId, registration?.address], ['acme', 'w1', '127.0.0.1']);
    }
  });

  it('foo dials 23 and reaches bar\'s 23; audio flows both ways with sequence and timing intact; a CDR is written', async () => {
    const call = foo.dial('23');
    const seen = watch(call);
    const delivered = await waitFor('bar to be called', () => bar.incoming.find((c) => c.info.calledNumber === '23'));
    // foo's callerid= replaces what it sent; shrinkcallerid strips the punctuation.
    assert.deepEqual([delivered.info.callingNumber, delivered.info.callingName], ['5550102000', 'Foo Office']);
    const atBar = watch(delivered.call);
    await waitFor('answer at foo', () => (seen.answered ? true : undefined));

    // show channels: both legs, with the sequence numbers the setup moved on.
    const channels = f.worker.switch.channels('acme');
    assert.equal(channels.length, 2);
    assert.ok(channels.every((c) => c.state === 'up' && c.txSeq > 0 && c.rxSeq > 0), JSON.stringify(channels));
    assert.deepEqual(channels.map((c) => c.leg).sort(), ['callee', 'caller'], 'each leg says which side it is (the usage route counts caller legs)');

    const fooSent = sendVoice(call, 50, 5000, 0x11);
    const barSent = sendVoice(delivered.call, 50, 9000, 0x77);
    await waitFor('50 frames at bar', () => (atBar.voice.length >= 50 ? true : undefined));
    await waitFor('50 frames at foo', () => (seen.voice.length >= 50 ? true : undefined));
    assert.deepEqual(atBar.voice.map((v) => v.payload), fooSent, 'foo → bar, every sample in order');
    assert.deepEqual(seen.voice.map((v) => v.payload), barSent, 'bar → foo, every sample in order');
    for (const received of [atBar.voice, seen.voice]) {
      const gaps = received.slice(1).map((v, i) => v.timestamp - (received[i]?.timestamp ?? 0));
      assert.ok(gaps.every((gap) => gap === 20), `the sender's 20 ms timing is kept: ${gaps.join(',')}`);
    }

    // The platform's voice to bar went in meta trunk frames; tshark's IAX2 dissector reads them.
    assert.ok((f.worker.engine.trunkStats?.datagrams ?? 0) > 0);
    const trunkFrames = bar.received.filter((d) => d.readUInt16BE(0) === 0 && d[2] === 1);
    assert.ok(trunkFrames.length > 0, 'trunk frames on the wire');
    const pcap = join(mkdtempSync(join(tmpdir(), 'strowger-trunk-')), 'trunk.pcap');
    writePcap(pcap, trunkFrames.map((payload) => ({ payload, srcPort: f.worker.transport.localAddress().port, dstPort: bar.transport.localAddress().port })));
    const dissected = dissectIax2Fields(pcap, [f.worker.transport.localAddress().port], ['iax2.packet_type', 'iax2.trunk.cmddata.ts', 'iax2.trunk.call.scallno', 'iax2.trunk.call.ts']);
    assert.equal(dissected.length, trunkFrames.length);
    const entries = dissected.flatMap((fields) => fields.values['iax2.trunk.call.scallno'] ?? []);
    assert.ok(entries.length >= 49, `every voice frame after the first (a full frame) is a trunk entry (${entries.length})`);
    assert.ok(dissected.every((fields) => fields.values['iax2.trunk.cmddata.ts']?.[0] === '1' || fields.values['iax2.trunk.cmddata.ts']?.[0] === 'True'), JSON.stringify(dissected[0]));

    // DTMF, text and comfort noise cross too.
    const atBarSignals: string[] = [];
    delivered.call.events.on('dtmf', ({ digit, end }) => end && atBarSignals.push(`dtmf:${digit}`));
    delivered.call.events.on('text', ({ text }) => atBarSignals.push(`text:${text}`));
    delivered.call.events.on('cng', ({ level }) => atBarSignals.push(`cng:${level}`));
    call.sendDtmf('5');
    call.sendText('hello bar');
    call.sendCng(42, Buffer.alloc(0));
    await waitFor('signals at bar', () => (atBarSignals.length >= 3 ? true : undefined));
    assert.deepEqual(atBarSignals, ['dtmf:5', 'text:hello bar', 'cng:42']);

    call.hangup(16);
    await waitFor('bar to see the hang-up', () => (atBar.ended ? true : undefined));
    assert.equal(atBar.cause, 16);
    const cdr = await waitFor('the CDR', async () => (await f.stores.cdrs.list('acme', Date.now() - 60_000, Date.now() + 1000)).items.find((c) => c.dst === '23' && c.end !== undefined));
    assert.deepEqual([cdr.disposition, cdr.dcontext, cdr.src, cdr.clid, cdr.hangupCause], ['ANSWERED', 'fromiax', '5550102000', '"Foo Office" <5550102000>', 16]);
    assert.ok(cdr.billsec !== undefined && cdr.billsec >= 0 && cdr.billsec <= (cdr.duration ?? 0));
    assert.ok((cdr.rrCaller?.packets ?? 0) >= 50, `RR figures of the caller leg: ${JSON.stringify(cdr.rrCaller)}`);
    assert.ok((cdr.rrCallee?.packets ?? 0) >= 50);
  });

  it('STROWGER_DEBUG=bar: bar\'s frames are logged decoded, both ways, and nobody else\'s', () => {
    const dumps = f.logs.filter((line) => line.includes('-Frame '));
    assert.ok(dumps.some((line) => /"message":"Tx-Frame Retry\[ No\] OSeqno: 000 ISeqno: 000 Type: IAX Subclass: NEW /.test(line) && line.includes('"peer":"bar"')), 'the NEW to bar');
    assert.ok(dumps.some((line) => line.includes('"message":"Rx-Frame ') && line.includes('"peer":"bar"')));
    assert.ok(dumps.every((line) => line.includes('"peer":"bar"')));
  });

  it('bar dials 42 and reaches foo\'s 42', async () => {
    const call = bar.dial('42');
    const seen = watch(call);
    const delivered = await waitFor('foo to be called', () => foo.incoming.find((c) => c.info.calledNumber === '42'));
    await waitFor('answer at bar', () => (seen.answered ? true : undefined));
    assert.equal(delivered.info.callingNumber, 'barcid', 'shrinkcallerid: the dash is gone');
    delivered.call.hangup(16);
    await waitFor('bar to see foo hang up', () => (seen.ended ? true : undefined));
    assert.equal(seen.cause, 16);
  });

  it('busy: the caller hears busy, cause 17, and no other destination is tried', async () => {
    const seen = watch(foo.dial('24'));
    await waitFor('the end of the busy call', () => (seen.ended ? true : undefined));
    assert.equal(seen.cause, 17);
    const cdr = await waitFor('the CDR', async () => (await f.stores.cdrs.list('acme', Date.now() - 60_000, Date.now() + 1000)).items.find((c) => c.dst === '24'));
    assert.equal(cdr.disposition, 'BUSY');
  });

  it('an unregistered destination fails over to the next dial string; alone, it gives cause 20', async () => {
    const before = bar.incoming.length;
    const failover = watch(foo.dial('55'));
    await waitFor('answer through the second destination', () => (failover.answered ? true : undefined));
    assert.equal(bar.incoming.length, before + 1);
    assert.equal(bar.incoming.at(-1)?.info.calledNumber, '55');
    const unreachable = watch(foo.dial('66'));
    await waitFor('the refusal', () => (unreachable.ended ? true : undefined));
    assert.equal(unreachable.cause, 20);
  });

  it('no format in common with the destination: the caller gets cause 58 and the callee is never called', async () => {
    const seen = watch(foo.dial('81'));
    await waitFor('the refusal', () => (seen.ended ? true : undefined));
    assert.equal(seen.cause, 58);
    assert.equal(gsmonly.incoming.length, 0);
  });

  it('no route: cause 1; the worker reports its calls on /calls and counts them on /metrics', async () => {
    const nowhere = watch(foo.dial('999'));
    await waitFor('the refusal', () => (nowhere.ended ? true : undefined));
    assert.equal(nowhere.cause, 1);
    const metrics = await (await fetch(`http://127.0.0.1:${f.worker.status.port}/metrics`)).text();
    assert.match(metrics, /^strowger_calls_routed_total [1-9]\d*$/m);
    assert.match(metrics, /^strowger_calls_refused_total [1-9]\d*$/m);
    assert.match(metrics, /^strowger_trunk_packets_total [1-9]\d*$/m);
    assert.match(metrics, /^strowger_retransmits_total \d+$/m);
    const admin = (await (await fetch(`http://127.0.0.1:${f.worker.status.port}/admin`)).json()) as { registry: string[] };
    assert.deepEqual(admin.registry, ['bar', 'foo', 'gsmonly']);
    await f.worker.heartbeatNow();
    assert.equal((await f.stores.workers.get('w1'))?.registrations, 3, 'the heartbeat reports the registrations held now');
    const health = await fetch(`http://127.0.0.1:${f.worker.status.port}/healthz`);
    assert.equal(health.status, 200);
  });
});
