// Two engines on an in-memory network with a manual clock: the whole call setup and teardown
// runs in one test without a real socket or a real sleep.
import { ManualClock } from '../../shared/clock.ts';
import type { Call, CallEvents } from '../../services/iax2/call/call.ts';
import { Format } from '../../services/iax2/codec/index.ts';
import { Iax2Engine, type EngineOptions } from '../../services/iax2/engine/engine.ts';
import type { IncomingCallInfo } from '../../services/iax2/engine/incoming-call.ts';
import { MemoryNetwork, type NetworkConditions } from '../../services/iax2/memory-network.ts';
import type { IaxUser, PeerDirectory } from '../../services/iax2/peer-directory.ts';
import type { RemoteAddress, Transport } from '../../services/iax2/transport.ts';
import { SeededRandom } from './seeded-random.ts';

export const CALLER_ADDRESS: RemoteAddress = { address: '10.0.0.1', port: 4569 };
export const CALLEE_ADDRESS: RemoteAddress = { address: '10.0.0.2', port: 4569 };

export function user(name: string, fields: Partial<IaxUser> = {}): IaxUser {
  return {
    name,
    secrets: [],
    inkeys: [],
    contexts: ['default'],
    acl: [],
    capability: Format.ULAW | Format.ALAW | Format.GSM,
    prefs: [Format.ULAW, Format.ALAW, Format.GSM],
    ...fields,
  };
}

export function directoryOf(users: readonly IaxUser[], dbsecrets: Record<string, string> = {}): PeerDirectory {
  const byName = new Map(users.map((u) => [u.name, u]));
  return {
    findUser: (name) => byName.get(name),
    resolveDbSecret: (family, key) => dbsecrets[`${family}/${key}`],
  };
}

/** Wraps a transport so every datagram it sends is kept, in order, for assertions. */
export function tapped(transport: Transport, log: Buffer[] = [], times: number[] = [], now: () => number = () => 0): { transport: Transport; sent: Buffer[]; times: number[] } {
  const sent: Buffer[] = [];
  return {
    sent,
    times,
    transport: {
      send: (datagram, to) => {
        sent.push(Buffer.from(datagram));
        times.push(now());
        log.push(Buffer.from(datagram));
        transport.send(datagram, to);
      },
      onDatagram: (listener) => transport.onDatagram(listener),
      localAddress: () => transport.localAddress(),
      close: () => transport.close(),
    },
  };
}

export interface Harness {
  clock: ManualClock;
  network: MemoryNetwork;
  /** Every datagram each engine sent. */
  sentByCaller: Buffer[];
  /** When (clock ms) each of the caller's datagrams was sent. */
  sentByCallerAt: number[];
  sentByCallee: Buffer[];
  /** Both engines' datagrams in the order they were sent. */
  sentInOrder: Buffer[];
  caller: Iax2Engine;
  callee: Iax2Engine;
  /** Incoming calls the callee announced, in order. */
  incoming: Array<{ call: Call; info: IncomingCallInfo }>;
  close(): void;
}

export interface HarnessOptions {
  users?: readonly IaxUser[];
  dbsecrets?: Record<string, string>;
  seed?: number;
  conditions?: NetworkConditions;
  callee?: Partial<EngineOptions>;
  caller?: Partial<EngineOptions>;
  /** What the callee's user does with each incoming call; default: accept. */
  onIncoming?: (call: Call, info: IncomingCallInfo, engine: Iax2Engine) => void;
}

export function harness(options: HarnessOptions = {}): Harness {
  const clock = new ManualClock();
  const random = new SeededRandom(options.seed ?? 1234);
  const network = new MemoryNetwork({ clock, random: () => random.next(), conditions: options.conditions });
  const sentInOrder: Buffer[] = [];
  const callerTap = tapped(network.endpoint(CALLER_ADDRESS), sentInOrder, [], () => clock.now());
  const calleeTap = tapped(network.endpoint(CALLEE_ADDRESS), sentInOrder);
  const caller = new Iax2Engine({ transport: callerTap.transport, clock, directory: directoryOf([]), random: () => random.next(), ...options.caller });
  const callee = new Iax2Engine({
    transport: calleeTap.transport,
    clock,
    directory: directoryOf(options.users ?? [], options.dbsecrets),
    random: () => random.next(),
    ...options.callee,
  });
  const incoming: Harness['incoming'] = [];
  callee.events.on('incomingCall', ({ call, info }) => {
    incoming.push({ call, info });
    (options.onIncoming ?? ((c) => callee.accept(c)))(call, info, callee);
  });
  return {
    clock,
    network,
    sentByCaller: callerTap.sent,
    sentByCallerAt: callerTap.times,
    sentByCallee: calleeTap.sent,
    sentInOrder,
    caller,
    callee,
    incoming,
    close: () => {
      caller.close();
      callee.close();
    },
  };
}

/** Records every event a call emits, in order, as [name, payload]. */
export function record(call: Call): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  const names: Array<keyof CallEvents> = ['accepted', 'rejected', 'control', 'voice', 'dtmf', 'text', 'hangup', 'closed', 'pong'];
  for (const name of names) call.events.on(name, (payload) => seen.push([name, payload]));
  return seen;
}
