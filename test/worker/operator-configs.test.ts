// Configurations real operators write, run over real UDP with PBX endpoints configured as
// Asterisk configures itself from the same iax.conf words: the seed recipe's plaintext both
// ways (registered and static), a callee that asks for a method the platform cannot answer,
// a box that sends no USERNAME, and a burst of calls from one box on a busy machine.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { decodeDatagram, encode, IaxCommand, IeId, ieString, FrameType } from '../../services/iax2/codec/index.ts';
import { parseAllowedNetworks } from '../../shared/model/peer-address-policy.ts';
import { sendVoice, watch } from '../helpers/call-watch.ts';
import type { PbxEndpoint } from '../helpers/pbx-endpoint.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorkerFixture, type WorkerFixture } from '../helpers/worker-fixture.ts';

/** The full IAX frames of one command a PBX received. */
function receivedIax(pbx: PbxEndpoint, command: number) {
  return pbx.received
    .filter((d) => (d[0]! & 0x80) !== 0)
    .map((d) => decodeDatagram(d))
    .filter((f) => f.kind === 'full' && f.frameType === FrameType.IAX && f.subclass === command);
}

describe('operators\' configurations', () => {
  let f: WorkerFixture;

  before(async () => {
    // The boxes with static hosts run on this machine: the operator allows loopback for them.
    const loopback = parseAllowedNetworks('test', '127.0.0.0/8');
    f = await startWorkerFixture({
      limits: { callsPerSecond: 500, maxConcurrentCalls: 500 },
      control: { settings: { allowedPeerNetworks: loopback } },
      worker: { allowedPeerNetworks: loopback },
    });
  });

  after(async () => {
    await f?.close();
  });

  describe('the seed recipe\'s auth=plaintext, registered', () => {
    let foo: PbxEndpoint;
    let bar: PbxEndpoint;
    before(async () => {
      // The recipe's sections as the platform's view of the two boxes: plaintext, the same
      // password both ways, and username= naming the box's own section for the platform.
      await f.importConf(`[general]
disallow=all
allow=ulaw
allow=alaw

[foo]
type=friend
username=strowger
secret=password123
auth=plaintext
host=dynamic
context=fromiax
qualify=yes
trunk=yes

[bar]
type=friend
username=strowger
secret=password123
auth=plaintext
host=dynamic
context=fromiax
qualify=yes
trunk=yes
`, `[fromiax]
exten => _2X,1,Dial(IAX2/bar/\${EXTEN})
exten => _4X,1,Dial(IAX2/foo/\${EXTEN})
`);
      // Each box's [strowger] section asks the platform for plaintext too, as the recipe's do.
      foo = await f.pbx('foo', 'password123', { platformSection: { auth: ['plaintext'] } });
      bar = await f.pbx('bar', 'password123', { platformSection: { auth: ['plaintext'] } });
      await Promise.all([foo.registered(), bar.registered()]);
    });

    it('both boxes registered with PASSWORD', () => {
      for (const box of [foo, bar]) {
        const regauth = receivedIax(box, IaxCommand.REGAUTH);
        assert.ok(regauth.length > 0 && regauth.every((f) => f.kind === 'full' && f.ies?.some((ie) => ie.id === IeId.AUTHMETHODS && ie.value === 1)));
      }
    });

    it('foo calls bar\'s 23: the callee\'s plaintext challenge gets PASSWORD, the call connects and voice crosses both ways', async () => {
      const call = foo.dial('23');
      const seen = watch(call);
      const delivered = await waitFor('bar to be called', () => bar.incoming.find((c) => c.info.calledNumber === '23'));
      const atBar = watch(delivered.call);
      await waitFor('answer at foo', () => (seen.answered ? true : undefined));
      const authrep = receivedIax(bar, IaxCommand.AUTHREP).at(-1);
      assert.ok(authrep?.kind === 'full');
      assert.equal(ieString(authrep.ies, IeId.PASSWORD), 'password123', 'the platform answered bar\'s plaintext challenge with PASSWORD');
      const fooSent = sendVoice(call, 20, 1000, 0x21);
      const barSent = sendVoice(delivered.call, 20, 3000, 0x42);
      await waitFor('voice at bar', () => (atBar.voice.length >= 20 ? true : undefined));
      await waitFor('voice at foo', () => (seen.voice.length >= 20 ? true : undefined));
      assert.deepEqual(atBar.voice.map((v) => v.payload), fooSent);
      assert.deepEqual(seen.voice.map((v) => v.payload), barSent);
      call.hangup(16);
      await waitFor('bar to see the hang-up', () => (atBar.ended ? true : undefined));
    });

    it('bar calls foo\'s 42 the same way', async () => {
      const seen = watch(bar.dial('42'));
      const delivered = await waitFor('foo to be called', () => foo.incoming.find((c) => c.info.calledNumber === '42'));
      await waitFor('answer at bar', () => (seen.answered ? true : undefined));
      delivered.call.hangup(16);
      await waitFor('bar to see the hang-up', () => (seen.ended ? true : undefined));
    });
  });

  describe('the seed recipe\'s auth=plaintext with static hosts (no registration)', () => {
    it('each box calls the other through the platform, which reaches them at their static addresses', async () => {
      const east = await f.pbx('east', 'static-secret', { register: false, platformSection: { auth: ['plaintext'] } });
      const west = await f.pbx('west', 'static-secret', { register: false, platformSection: { auth: ['plaintext'] } });
      const section = (name: string, port: number): string => `[${name}]
type=friend
username=strowger
secret=static-secret
auth=plaintext
host=127.0.0.1
port=${port}
context=fromstatic
qualify=yes
`;
      await f.importConf(`${section('east', east.transport.localAddress().port)}\n${section('west', west.transport.localAddress().port)}`, `[fromstatic]
exten => _3X,1,Dial(IAX2/west/\${EXTEN})
exten => _5X,1,Dial(IAX2/east/\${EXTEN})
`);
      for (const [from, to, dialled] of [[east, west, '31'], [west, east, '51']] as const) {
        const seen = watch(from.dial(dialled));
        const delivered = await waitFor(`${to.name} to be called`, () => to.incoming.find((c) => c.info.calledNumber === dialled));
        await waitFor(`answer at ${from.name}`, () => (seen.answered ? true : undefined));
        assert.equal(ieString((receivedIax(to, IaxCommand.AUTHREP).at(-1) as { ies?: [] }).ies, IeId.PASSWORD), 'static-secret');
        delivered.call.hangup(16);
        await waitFor('the hang-up', () => (seen.ended ? true : undefined));
      }
    });
  });

  describe('a callee that asks for a method the platform cannot answer', () => {
    let caller: PbxEndpoint;
    let rsaOnly: PbxEndpoint;
    let fallback: PbxEndpoint;
    let invalBox: Socket;
    before(async () => {
      // A callee that answers every NEW with INVAL: the leg ends without a cause.
      invalBox = createSocket('udp4');
      invalBox.on('message', (datagram, from) => {
        const inval = encode({ kind: 'full', sourceCall: 77, destCall: datagram.readUInt16BE(0) & 0x7fff, retransmitted: false, timestamp: 1, oseqno: 0, iseqno: 1, frameType: FrameType.IAX, subclass: IaxCommand.INVAL, ies: [] });
        invalBox.send(inval, from.port, from.address);
      });
      await new Promise<void>((resolve) => invalBox.bind(0, '127.0.0.1', resolve));
      await f.importConf(`[general]
disallow=all
allow=ulaw

[tmpl](!)
type=friend
host=dynamic
auth=md5
context=fromrsa

[caller](tmpl)
secret=caller-secret

[rsaonly](tmpl)
secret=rsa-secret

[fallback](tmpl)
secret=fallback-secret

[invalbox]
type=peer
host=127.0.0.1
port=${invalBox.address().port}
secret=x
`, `[fromrsa]
exten => _1X,1,Dial(IAX2/invalbox/\${EXTEN})
 same => n,Dial(IAX2/fallback/\${EXTEN})
exten => _7X,1,Dial(IAX2/rsaonly/\${EXTEN})
 same => n,Dial(IAX2/fallback/\${EXTEN})
exten => _8X,1,Dial(IAX2/rsaonly/\${EXTEN})
`);
      caller = await f.pbx('caller', 'caller-secret');
      // Its section for the platform says auth=rsa with inkeys: the platform holds no private key.
      rsaOnly = await f.pbx('rsaonly', 'rsa-secret', { platformSection: { auth: ['rsa'] } });
      fallback = await f.pbx('fallback', 'fallback-secret');
      await Promise.all([caller.registered(), rsaOnly.registered(), fallback.registered()]);
    });

    it('the leg ends within a second with a HANGUP, and the route fails over to the next destination', async () => {
      const started = Date.now();
      const seen = watch(caller.dial('71'));
      await waitFor('the fallback to be called', () => fallback.incoming.find((c) => c.info.calledNumber === '71'));
      assert.ok(Date.now() - started < 1000, `failed over in ${Date.now() - started} ms`);
      await waitFor('answer', () => (seen.answered ? true : undefined));
      const hangup = await waitFor('rsaonly to be hung up on', () => receivedIax(rsaOnly, IaxCommand.HANGUP).at(-1));
      assert.equal(hangup.kind === 'full' ? hangup.ies?.find((ie) => ie.id === IeId.CAUSECODE)?.value : undefined, 50);
      assert.ok(f.logs.some((line) => line.includes('outbound call abandoned') && line.includes('it asks for rsa')), 'the worker says why');
    });

    after(() => invalBox.close());

    it('a callee that answers INVAL: the leg is over and the route moves on at once', async () => {
      const started = Date.now();
      const seen = watch(caller.dial('11'));
      await waitFor('the fallback to be called', () => fallback.incoming.find((c) => c.info.calledNumber === '11'));
      assert.ok(Date.now() - started < 1000, `failed over in ${Date.now() - started} ms`);
      await waitFor('answer', () => (seen.answered ? true : undefined));
    });

    it('with no destination left, the caller is told within a second', async () => {
      const started = Date.now();
      const seen = watch(caller.dial('81'));
      await waitFor('the refusal', () => (seen.ended ? true : undefined), 1500);
      assert.ok(Date.now() - started < 1000, `told in ${Date.now() - started} ms`);
      assert.equal(seen.answered, false);
      assert.equal(seen.cause, 50);
    });
  });

  describe('a box whose section for the platform has no username=', () => {
    it('registers, then places calls without USERNAME: its registered address names it and it authenticates as usual', async () => {
      await f.importConf(`[anon]
type=friend
host=dynamic
secret=anon-secret
context=fromanon

[target]
type=friend
host=dynamic
secret=target-secret
context=fromanon
`, `[fromanon]
exten => _6X,1,Dial(IAX2/target/\${EXTEN})
`);
      const anon = await f.pbx('anon', 'anon-secret', { username: null });
      const target = await f.pbx('target', 'target-secret');
      await Promise.all([anon.registered(), target.registered()]);
      const seen = watch(anon.dial('61'));
      await waitFor('answer', () => (seen.answered ? true : undefined));
      const authreq = receivedIax(anon, IaxCommand.AUTHREQ).at(-1);
      assert.equal(authreq?.kind === 'full' ? ieString(authreq.ies, IeId.USERNAME) : undefined, 'anon', 'challenged as the registered peer');
      const delivered = target.incoming.find((c) => c.info.calledNumber === '61');
      assert.ok(delivered !== undefined);
      delivered.call.hangup(16);
      await waitFor('the hang-up', () => (seen.ended ? true : undefined));
    });

    it('an unregistered box without USERNAME is refused at once (cause 50), and the refusal is logged and counted', async () => {
      const stranger = await f.pbx('stranger', 'whatever', { username: null, register: false });
      const seen = watch(stranger.dial('61'));
      await waitFor('the refusal', () => (seen.ended ? true : undefined));
      assert.equal(seen.cause, 50);
      assert.ok(f.logs.some((line) => line.includes('"call refused"') && line.includes('"reason":"no-user"')));
      const metrics = await (await fetch(`http://127.0.0.1:${f.worker.status.port}/metrics`)).text();
      assert.match(metrics, /^strowger_refusals_total\{stage="engine",reason="no-user"\} [1-9]\d*$/m);
    });
  });

  describe('a burst of calls from one box while the machine is busy', () => {
    let burner: ChildProcess | undefined;
    after(() => {
      burner?.kill('SIGKILL');
    });

    it('60 calls placed at once all connect; NEW to AUTHREQ times are printed', async () => {
      await f.importConf(`[burst-src]
type=friend
host=dynamic
secret=burst-secret
context=fromburst
trunk=yes

[burst-dst]
type=friend
host=dynamic
secret=burst-secret2
context=fromburst
trunk=yes
`, `[fromburst]
exten => _9XX,1,Dial(IAX2/burst-dst/\${EXTEN})
`);
      // The NEW carrying the token, by our call number, and when its AUTHREQ came back.
      const newSentAt = new Map<number, number>();
      const authReqAfter: number[] = [];
      const src = await f.pbx('burst-src', 'burst-secret', {
        tap: {
          sent: (d, at) => {
            if ((d[0]! & 0x80) === 0 || d[10] !== FrameType.IAX || d[11] !== IaxCommand.NEW) return;
            const frame = decodeDatagram(d);
            const token = frame.kind === 'full' ? frame.ies?.find((ie) => ie.id === IeId.CALLTOKEN)?.value : undefined;
            if (Buffer.isBuffer(token) && token.length > 0 && frame.kind === 'full') newSentAt.set(frame.sourceCall, at);
          },
          received: (d, at) => {
            if ((d[0]! & 0x80) === 0 || d[10] !== FrameType.IAX || d[11] !== IaxCommand.AUTHREQ) return;
            const sentAt = newSentAt.get(d.readUInt16BE(2) & 0x7fff);
            if (sentAt !== undefined) authReqAfter.push(at - sentAt);
          },
        },
      });
      const dst = await f.pbx('burst-dst', 'burst-secret2');
      await Promise.all([src.registered(), dst.registered()]);
      // Another process keeps one of the machine's cores busy for the whole burst.
      burner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const calls = Array.from({ length: 60 }, (_, i) => watch(src.dial(String(900 + i))));
      await waitFor('60 calls answered', () => (calls.every((c) => c.answered || c.ended) ? true : undefined), 20_000);
      burner.kill('SIGKILL');
      burner = undefined;
      const sorted = [...authReqAfter].sort((a, b) => a - b);
      const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(2);
      console.log(`# NEW -> AUTHREQ over ${sorted.length} calls, one core busy: min ${at(0)} ms, p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms`);
      const failed = calls.filter((c) => !c.answered);
      assert.equal(failed.length, 0, `refused: ${failed.map((c) => c.cause).join(',')}`);
      assert.equal(sorted.length, 60);
      for (const delivered of dst.incoming) delivered.call.hangup(16);
      await waitFor('all hung up', () => (calls.every((c) => c.ended) ? true : undefined), 10_000);
    });
  });
});
