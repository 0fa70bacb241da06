// Interop with a third-party IAX2 stack: Debian's iaxmodem (libiax2, no call tokens, so its
// peer has requirecalltoken=no) registers to our engine with MD5 and refreshes; we call it
// and it rings and answers; it calls us and our test user answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SystemClock } from '../../shared/clock.ts';
import type { Call } from '../../services/iax2/call/call.ts';
import { CallState } from '../../services/iax2/call/call-state.ts';
import { Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import type { IncomingCallInfo } from '../../services/iax2/engine/incoming-call.ts';
import { InMemoryRegistrationStore, Registrar, type Registration } from '../../services/iax2/registrar/index.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';
import { directoryOf, user } from '../helpers/engine-harness.ts';
import { iaxmodemPath, startIaxmodem, type IaxModem } from '../helpers/iaxmodem.ts';

const PEER = 'modem1';
const SECRET = 'modemsecret';
/** Granted to iaxmodem (it asks for 60 s), short so the test sees a refresh. */
const REFRESH_S = 10;

async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('interop with iaxmodem (libiax2)', () => {
  let transport: UdpTransport;
  let engine: Iax2Engine;
  let registrar: Registrar;
  let modem: IaxModem;
  const store = new InMemoryRegistrationStore();
  const registrations: Registration[] = [];
  const incoming: Array<{ call: Call; info: IncomingCallInfo }> = [];

  before(async () => {
    iaxmodemPath(); // fails loudly, with how to install it, when missing
    transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const clock = new SystemClock();
    const modemUser = user(PEER, { secrets: [SECRET], requireCallToken: false, capability: Format.ULAW | Format.ALAW | Format.SLIN, prefs: [Format.ULAW] });
    engine = new Iax2Engine({ transport, clock, directory: directoryOf([modemUser]) });
    // A short granted refresh so the test sees iaxmodem refresh (it asks for 60 s).
    registrar = new Registrar({
      engine,
      clock,
      store,
      workerId: 'interop',
      minExpireS: REFRESH_S,
      maxExpireS: REFRESH_S,
      findPeer: (name) => (name === PEER ? { name, secrets: [SECRET], inkeys: [], acl: [], dynamic: true, requireCallToken: false } : undefined),
    });
    registrar.events.on('registered', ({ registration }) => registrations.push(registration));
    engine.events.on('incomingCall', ({ call, info }) => {
      incoming.push({ call, info });
      engine.accept(call);
      call.answer();
    });
    modem = await startIaxmodem({
      name: `strowger-test-${process.pid}`,
      serverPort: transport.localAddress().port,
      port: 20_000 + (process.pid % 20_000),
      peername: PEER,
      secret: SECRET,
      codec: 'ulaw',
    });
  });

  after(async () => {
    await modem?.stop();
    registrar?.close();
    engine?.close();
    transport?.close();
  });

  it('registers with MD5 (no call token) and refreshes within the granted interval', { timeout: 30_000 }, async () => {
    await until(() => registrations.length >= 1, 'the first registration', 8000);
    const first = registrations[0]!;
    assert.equal(first.address, '127.0.0.1');
    assert.equal(first.refreshS, REFRESH_S, 'iaxmodem asked for 60 s and was granted our maximum');
    await until(() => registrations.length >= 2, 'a refresh', (REFRESH_S + 5) * 1000);
    const gapS = (registrations[1]!.registeredAt - first.registeredAt) / 1000;
    // libiax2 refreshes at half the grant (Asterisk at 5/6); either keeps the registration alive.
    assert.ok(gapS >= REFRESH_S * 0.4 && gapS <= REFRESH_S, `refreshed after ${gapS} s of a ${REFRESH_S} s grant`);
    assert.ok(store.get(PEER)!.expiresAt > first.expiresAt, 'the refresh moved the expiry on');
  });

  it('we call it: it rings on its pty and answers with ATA', async () => {
    await modem.at('ATE0', /OK/);
    const registration = store.get(PEER)!;
    const call = engine.call({ remote: { address: registration.address, port: registration.port }, calledNumber: '100', capability: Format.ULAW, format: Format.ULAW });
    const controls: number[] = [];
    call.events.on('control', ({ subclass }) => controls.push(subclass));
    await modem.waitFor(/RING/, 8000);
    await until(() => call.state === CallState.Accepted, 'ACCEPT from iaxmodem');
    assert.ok(controls.includes(3), 'CONTROL RINGING arrived');
    await modem.at('ATA', /./, 3000).catch(() => '');
    await until(() => call.state === CallState.Answered, 'ANSWER from iaxmodem');
    assert.ok(controls.includes(4), 'CONTROL ANSWER arrived');
    call.hangup();
    await until(() => call.closed, 'the hang-up to complete');
    await modem.waitFor(/NO CARRIER/, 5000);
  });

  it('it calls us (ATDT) with MD5 and our user answers', async () => {
    await modem.at('ATH', /OK/, 3000).catch(() => '');
    await modem.at('ATDT200', /./, 1000).catch(() => '');
    await until(() => incoming.length >= 1, 'the call from iaxmodem', 8000);
    const { call, info } = incoming[0]!;
    assert.equal(info.calledNumber, '200');
    assert.equal(info.username, PEER);
    await until(() => call.state === CallState.Answered, 'our answer');
    call.hangup();
    await until(() => call.closed, 'the hang-up to complete');
  });
});
