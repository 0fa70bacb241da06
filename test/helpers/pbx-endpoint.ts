// A PBX as a tenant runs it, reduced to what the platform sees: an IAX2 engine on its own UDP
// socket that registers to the platform (`register => name:secret@platform`), places calls
// through it, and answers calls from it with a small dialplan of its own.
import { SystemClock } from '../../shared/clock.ts';
import type { Call } from '../../services/iax2/call/call.ts';
import { ControlSubclass, Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import type { IncomingCallInfo } from '../../services/iax2/engine/inbound-setup.ts';
import type { IaxUser } from '../../services/iax2/peer-directory.ts';
import { RegistrationClient } from '../../services/iax2/registrar/register-client.ts';
import type { RemoteAddress } from '../../services/iax2/transport.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';

/** What the endpoint does with a call to an extension: answer, ring forever, or say busy. */
export type Behaviour = 'answer' | 'ring' | 'busy';

export interface PbxEndpoint {
  name: string;
  engine: Iax2Engine;
  transport: UdpTransport;
  registration: RegistrationClient;
  /** Every datagram the endpoint received, copied, in order: the wire as this PBX saw it. */
  received: Buffer[];
  /** Calls the platform delivered, in order. */
  incoming: Array<{ call: Call; info: IncomingCallInfo }>;
  behaviour: (extension: string) => Behaviour;
  /** Resolves once registered. */
  registered(): Promise<void>;
  dial(extension: string): Call;
  close(): Promise<void>;
}

export async function startPbx(name: string, secret: string, platform: RemoteAddress, behaviour: (extension: string) => Behaviour = () => 'answer', refreshS = 60): Promise<PbxEndpoint> {
  const clock = new SystemClock();
  const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  const received: Buffer[] = [];
  const tapped = {
    send: transport.send.bind(transport),
    onDatagram: (listener: Parameters<UdpTransport['onDatagram']>[0]) =>
      transport.onDatagram((datagram, from) => {
        received.push(Buffer.from(datagram));
        listener(datagram, from);
      }),
    localAddress: () => transport.localAddress(),
    close: () => transport.close(),
  };
  // Calls from the platform arrive without a USERNAME: the platform is known by its address
  // (as a PBX's iax.conf [strowger] section with host= would have it), with the shared secret.
  const fromPlatform: IaxUser = { name: 'strowger', secrets: [secret], inkeys: [], contexts: ['from-strowger'], acl: [], capability: Format.ULAW | Format.ALAW, prefs: [Format.ULAW], auth: ['md5'] };
  const engine = new Iax2Engine({
    transport: tapped,
    clock,
    directory: { findUser: () => undefined, findUserByAddress: (address, port) => (address === platform.address && port === platform.port ? fromPlatform : undefined) },
  });
  const incoming: PbxEndpoint['incoming'] = [];
  const endpoint: PbxEndpoint = {
    name,
    engine,
    transport,
    received,
    incoming,
    behaviour,
    registration: new RegistrationClient({ engine, clock, remote: platform, username: name, secret, refreshS }),
    registered: () => new Promise((resolve, reject) => {
      if (endpoint.registration.state === 'Registered') return resolve();
      const timer = setTimeout(() => reject(new Error(`${name} did not register (${endpoint.registration.state})`)), 5000);
      endpoint.registration.events.on('statechange', ({ state }) => {
        if (state !== 'Registered') return;
        clearTimeout(timer);
        resolve();
      });
    }),
    dial: (extension) => engine.call({ remote: platform, calledNumber: extension, username: name, secret, callingNumber: `${name}-cid`, callingName: name, capability: Format.ULAW | Format.ALAW, format: Format.ULAW }),
    async close() {
      await endpoint.registration.stop({ release: false }).catch(() => {});
      engine.close();
      transport.close();
    },
  };
  engine.events.on('incomingCall', ({ call, info }) => {
    incoming.push({ call, info });
    const what = endpoint.behaviour(info.calledNumber);
    engine.accept(call);
    call.ringing();
    if (what === 'busy') {
      call.sendControl(ControlSubclass.BUSY);
      call.hangup(17);
    } else if (what === 'answer') setTimeout(() => call.answer(), 20);
  });
  endpoint.registration.start();
  return endpoint;
}
