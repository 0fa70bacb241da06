// Two engines on real UDP sockets on loopback: whole calls in both directions with every
// authentication method and with AES-128, voice across the 16-bit timestamp wrap, DTMF,
// text, call progress and hang-up causes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemClock } from '../../../shared/clock.ts';
import type { Call, CallEvents } from '../../../services/iax2/call/call.ts';
import { CallState } from '../../../services/iax2/call/call-state.ts';
import { ControlSubclass, Format } from '../../../services/iax2/codec/index.ts';
import { generateRsaKeyPair, loadPrivateKey } from '../../../services/iax2/crypto/index.ts';
import { Iax2Engine } from '../../../services/iax2/engine/engine.ts';
import type { OutboundCallOptions } from '../../../services/iax2/engine/outbound-setup.ts';
import type { IaxUser } from '../../../services/iax2/peer-directory.ts';
import { UdpTransport } from '../../../services/worker/udp-transport.ts';
import { directoryOf, tapped, user } from '../../helpers/engine-harness.ts';

/** Resolves with the first `event` payload, or rejects after `ms`. */
function next<K extends keyof CallEvents>(call: Call, event: K, ms = 3000): Promise<CallEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms (state ${call.state})`)), ms);
    call.events.once(event, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const plainKey = generateRsaKeyPair();
const desKey = generateRsaKeyPair({ passphrase: 'open sesame' });

const usersOfB: IaxUser[] = [
  user('md5user', { secrets: ['s3cret'] }),
  user('rsauser', { inkeys: [plainKey.publicPem] }),
  user('rsa3des', { inkeys: [desKey.publicPem] }),
  user('plainuser', { secrets: ['pw'], auth: ['plaintext'] }),
  user('aesuser', { secrets: ['encsecret'], encryption: true, forceEncryption: true }),
];
const usersOfA: IaxUser[] = [user('fromb', { secrets: ['other'] })];

describe('engines on real UDP loopback sockets', () => {
  let a: { engine: Iax2Engine; transport: UdpTransport; sent: Buffer[] };
  let b: { engine: Iax2Engine; transport: UdpTransport; sent: Buffer[] };
  const incomingAtB: Call[] = [];
  const incomingAtA: Call[] = [];

  before(async () => {
    const clock = new SystemClock();
    const make = async (users: IaxUser[], sink: Call[]) => {
      const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
      const tap = tapped(transport);
      const engine = new Iax2Engine({ transport: tap.transport, clock, directory: directoryOf(users) });
      engine.events.on('incomingCall', ({ call }) => {
        sink.push(call);
        engine.accept(call);
      });
      return { engine, transport, sent: tap.sent };
    };
    a = await make(usersOfA, incomingAtA);
    b = await make(usersOfB, incomingAtB);
  });

  after(async () => {
    a.engine.close();
    b.engine.close();
    a.transport.close();
    b.transport.close();
    await Promise.all([a.transport.closed, b.transport.closed]);
  });

  const dialB = (extra: Partial<OutboundCallOptions>): Call =>
    a.engine.call({
      remote: b.transport.localAddress(),
      calledNumber: '100',
      capability: Format.ULAW | Format.ALAW,
      format: Format.ULAW,
      ...extra,
    });

  /** Connects, answers, exchanges a little of everything, and hangs up from `hangupFrom`. */
  async function fullCall(out: Call, sink: Call[], hangupFrom: 'caller' | 'callee'): Promise<void> {
    const accepted = await next(out, 'accepted');
    assert.equal(accepted.format, Format.ULAW);
    await until(() => sink.length > 0 && sink.at(-1)!.state === CallState.Accepted);
    const inbound = sink.at(-1)!;
    const controls: number[] = [];
    out.events.on('control', ({ subclass }) => controls.push(subclass));
    inbound.ringing();
    inbound.answer();
    await until(() => out.state === CallState.Answered);
    const heardAtCallee: Buffer[] = [];
    const heardAtCaller: Buffer[] = [];
    inbound.events.on('voice', ({ payload }) => heardAtCallee.push(payload));
    out.events.on('voice', ({ payload }) => heardAtCaller.push(payload));
    const digits: string[] = [];
    inbound.events.on('dtmf', ({ digit, end }) => end && digits.push(digit));
    const texts: string[] = [];
    out.events.on('text', ({ text }) => texts.push(text));
    for (let i = 0; i < 20; i++) {
      out.sendVoice(Buffer.alloc(160, i));
      inbound.sendVoice(Buffer.alloc(160, 100 + i));
    }
    out.sendDtmf('9');
    inbound.sendText('Grüße');
    await until(() => heardAtCallee.length === 20 && heardAtCaller.length === 20 && digits.length === 1 && texts.length === 1);
    assert.deepEqual(heardAtCallee.map((p) => p[0]), Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(texts, ['Grüße']);
    assert.deepEqual(controls.slice(0, 2), [ControlSubclass.RINGING, ControlSubclass.ANSWER]);
    const [ender, other] = hangupFrom === 'caller' ? [out, inbound] : [inbound, out];
    const hangup = next(other, 'hangup');
    ender.hangup(16);
    assert.equal((await hangup).causeCode, 16);
    await until(() => out.closed && inbound.closed);
  }

  it('MD5: a full call A -> B, hung up by the caller', async () => {
    await fullCall(dialB({ username: 'md5user', secret: 's3cret' }), incomingAtB, 'caller');
  });

  it('RSA with a plain private key, hung up by the callee', async () => {
    await fullCall(dialB({ username: 'rsauser', outkey: loadPrivateKey(plainKey.privatePem) }), incomingAtB, 'callee');
  });

  it('RSA with a 3DES-encrypted private key', async () => {
    assert.match(desKey.privatePem, /DEK-Info: DES-EDE3-CBC/);
    await fullCall(dialB({ username: 'rsa3des', outkey: loadPrivateKey(desKey.privatePem, 'open sesame') }), incomingAtB, 'caller');
  });

  it('plaintext, when the user allows it and the caller agrees to send it', async () => {
    await fullCall(dialB({ username: 'plainuser', secret: 'pw', allowPlaintext: true }), incomingAtB, 'caller');
  });

  it('AES-128: the call is encrypted end to end and still works', async () => {
    const from = a.sent.length;
    const out = dialB({ username: 'aesuser', secret: 'encsecret', encryption: true });
    await fullCall(out, incomingAtB, 'callee');
    assert.equal(out.encrypted, true);
    const sent = a.sent.slice(from);
    // NEW and the token NEW go in clear; from the AUTHREP on, full frames are 4 clear bytes
    // plus whole AES blocks and mini frames 2 plus whole blocks (protocol.md §11.3).
    const afterHandshake = sent.slice(2);
    assert.ok(afterHandshake.length > 20);
    for (const d of afterHandshake) {
      const full = (d[0]! & 0x80) !== 0;
      assert.equal((d.length - (full ? 4 : 2)) % 16, 0, `datagram of ${d.length} bytes is not ciphertext-shaped`);
    }
    // The voice was runs of 160 equal bytes; none may show on the wire.
    for (const d of afterHandshake) {
      for (let i = 0; i + 160 <= d.length; i++) assert.ok(!d.subarray(i, i + 160).every((x) => x === d[i]), 'clear voice on the wire');
    }
  });

  it('B -> A in the other direction too, with BUSY and CONGESTION passed through', async () => {
    const out = b.engine.call({
      remote: a.transport.localAddress(),
      calledNumber: '200',
      username: 'fromb',
      secret: 'other',
      capability: Format.ULAW,
      format: Format.ULAW,
    });
    await next(out, 'accepted');
    await until(() => incomingAtA.length === 1);
    const controls: number[] = [];
    out.events.on('control', ({ subclass }) => controls.push(subclass));
    incomingAtA[0]!.sendControl(ControlSubclass.BUSY);
    incomingAtA[0]!.sendControl(ControlSubclass.CONGESTION);
    await until(() => controls.length === 2);
    assert.deepEqual(controls, [ControlSubclass.BUSY, ControlSubclass.CONGESTION]);
    const hangup = next(out, 'hangup');
    incomingAtA[0]!.hangup(17);
    assert.equal((await hangup).causeCode, 17);
  });

  it('a simulated minute of voice crosses the 16-bit wrap in mini frames, rebuilt exactly; PONG brings RR', async () => {
    const out = dialB({ username: 'md5user', secret: 's3cret', fullVoiceAtWrap: false }); // as Asterisk: no full frame at the wrap
    await next(out, 'accepted');
    await until(() => incomingAtB.at(-1)?.state === CallState.Accepted);
    const inbound = incomingAtB.at(-1)!;
    const stamps: number[] = [];
    inbound.events.on('voice', ({ timestamp }) => stamps.push(timestamp));
    const frames = 3400; // 68 s of 20 ms frames
    for (let i = 0; i < frames; i++) {
      out.sendVoice(Buffer.alloc(160, i & 0xff), { timestamp: 20 + i * 20 });
      // Loopback drops what outruns the socket buffer; pace the burst a little.
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => stamps.length >= frames * 0.98, 5000).catch((e: Error) => {
      throw new Error(`${e.message}: ${stamps.length} frames heard, last ${stamps.at(-1)}, first ${stamps.slice(0, 3).join(',')}`);
    });
    assert.ok(stamps.every((t, i) => i === 0 || t > stamps[i - 1]!), 'rebuilt timestamps only grow');
    assert.equal(stamps.at(-1), 20 + (frames - 1) * 20, 'the last frame, past 65536 ms, rebuilt to its true time');
    assert.ok(stamps.some((t) => t > 65_536 && t < 70_000));
    const pong = next(inbound, 'pong');
    inbound.ping();
    const { rr, rttMs } = await pong;
    assert.ok(rr !== undefined, 'PONG carries RR IEs');
    assert.ok(rttMs >= 1 && rttMs < 1000);
    assert.equal(rr.packets, 1, 'the caller has heard no voice, and reports 1 as Asterisk does');
    const back = next(out, 'pong');
    out.ping();
    const fromCallee = (await back).rr!;
    assert.ok(fromCallee.packets >= frames * 0.98, `callee counted ${fromCallee.packets} frames`);
    assert.ok(fromCallee.lossPercent <= 2);
    out.hangup();
    await until(() => out.closed && inbound.closed);
  });
});
