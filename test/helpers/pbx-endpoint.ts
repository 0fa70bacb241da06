// A PBX as a tenant runs it, reduced to what the platform sees: an IAX2 engine on its own UDP
// socket that registers to the platform (`register => name:secret@platform`), places calls
// through it, and answers calls from it with a small dialplan of its own.
//
// Its options are the iax.conf words of a box pointed at the platform, and it behaves as
// Asterisk 22 does with them (docs/protocol.md §6.1, §6.5, §8.4):
//   [strowger]              ; `platformSection.name`
//   type=friend
//   host=<platform>         ; calls from there without USERNAME land in this section
//   secret=<secret>
//   auth=md5                ; `platformSection.auth`: what the box asks the platform for
//   username=<name>         ; `username`: the USERNAME its NEWs carry; null = no username= line
// As a client it answers whatever the platform asks among what it has (RSA only with an
// outkey, else MD5, else PASSWORD), as Asterisk's client does.
import { SystemClock } from '../../shared/clock.ts';
import type { Call } from '../../services/iax2/call/call.ts';
import { ControlSubclass, Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine } from '../../services/iax2/engine/engine.ts';
import type { IncomingCallInfo } from '../../services/iax2/engine/incoming-call.ts';
import type { AuthMethodName, IaxUser } from '../../services/iax2/peer-directory.ts';
import { RegistrationClient } from '../../services/iax2/registrar/register-client.ts';
import type { RemoteAddress, Transport } from '../../services/iax2/transport.ts';
import { UdpTransport } from '../../services/worker/udp-transport.ts';

/** What the endpoint does with a call to an extension: answer, ring forever, or say busy. */
export type Behaviour = 'answer' | 'ring' | 'busy';

export interface PbxOptions {
  /** The box's section for the platform: its name (what a USERNAME from the platform must say) and `auth=`. */
  platformSection?: { name?: string; auth?: AuthMethodName[] };
  /** `username=` in that section: the USERNAME the box's calls carry; null sends none. Default: the box's peer name. */
  username?: string | null;
  /** `register =>` the platform (default); false for a box the platform knows by static host. */
  register?: boolean;
  /** `maxauthreq` of the platform section (Asterisk's default 3). */
  maxAuthReq?: number;
  /** Where the box listens (default 127.0.0.1, any port); Asterisk's is 0.0.0.0:4569. */
  bind?: RemoteAddress;
  /** Sees every datagram before the engine does, and every one the engine sends. */
  tap?: { received?(datagram: Buffer, at: number): void; sent?(datagram: Buffer, at: number): void };
}

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

export async function startPbx(
  name: string,
  secret: string,
  platform: RemoteAddress,
  behaviour: (extension: string) => Behaviour = () => 'answer',
  refreshS = 60,
  options: PbxOptions = {},
): Promise<PbxEndpoint> {
  const clock = new SystemClock();
  const transport = await UdpTransport.bind(options.bind ?? { address: '127.0.0.1', port: 0 });
  const received: Buffer[] = [];
  const tapped: Transport = {
    send: (datagram, to) => {
      options.tap?.sent?.(datagram, performance.now());
      transport.send(datagram, to);
    },
    onDatagram: (listener) =>
      transport.onDatagram((datagram, from) => {
        received.push(Buffer.from(datagram));
        options.tap?.received?.(datagram, performance.now());
        listener(datagram, from);
      }),
    localAddress: () => transport.localAddress(),
    close: () => transport.close(),
  };
  const section = options.platformSection ?? {};
  const fromPlatform: IaxUser = {
    name: section.name ?? 'strowger',
    secrets: [secret],
    inkeys: [],
    contexts: ['from-strowger'],
    acl: [],
    capability: Format.ULAW | Format.ALAW,
    prefs: [Format.ULAW],
    auth: section.auth ?? ['md5'],
    maxAuthReq: options.maxAuthReq ?? 3,
  };
  const engine = new Iax2Engine({
    transport: tapped,
    clock,
    directory: {
      // A USERNAME names a section; without one, Asterisk picks the user for the source.
      findUser: (user) => (user === fromPlatform.name ? fromPlatform : undefined),
      findUserByAddress: (address, port) => (address === platform.address && port === platform.port ? fromPlatform : undefined),
    },
  });
  const username = options.username === undefined ? name : options.username;
  const incoming: PbxEndpoint['incoming'] = [];
  const endpoint: PbxEndpoint = {
    name,
    engine,
    transport,
    received,
    incoming,
    behaviour,
    registration: new RegistrationClient({ engine, clock, remote: platform, username: name, secret, refreshS, allowPlaintext: true }),
    registered: () => new Promise((resolve, reject) => {
      if (endpoint.registration.state === 'Registered') return resolve();
      const timer = setTimeout(() => reject(new Error(`${name} did not register (${endpoint.registration.state})`)), 5000);
      endpoint.registration.events.on('statechange', ({ state }) => {
        if (state !== 'Registered') return;
        clearTimeout(timer);
        resolve();
      });
    }),
    dial: (extension) => engine.call({
      remote: platform,
      calledNumber: extension,
      ...(username === null ? {} : { username }),
      secret,
      allowPlaintext: true,
      callingNumber: `${name}-cid`,
      callingName: name,
      capability: Format.ULAW | Format.ALAW,
      format: Format.ULAW,
    }),
    async close() {
      if (options.register !== false) await endpoint.registration.stop({ release: false }).catch(() => {});
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
  if (options.register !== false) endpoint.registration.start();
  return endpoint;
}
