/**
 * The worker's figures at one instant, read from the engine, registrar, switch and socket:
 * what `/metrics` prints as Prometheus text and what the EMF publisher turns into CloudWatch
 * metrics on ECS. Counters only ever grow; a publisher that wants per-interval values takes
 * differences.
 */
import type { Iax2Engine } from '../iax2/engine/engine.ts';
import type { Registrar } from '../iax2/registrar/registrar.ts';
import type { CallSwitch } from './switch/call-switch.ts';
import type { EventLoopDelay } from './event-loop-monitor.ts';
import type { UdpTransport } from './udp-transport.ts';
import type { StoreHealthFigures } from './store-health.ts';

export interface WorkerParts {
  engine: Iax2Engine;
  registrar: Registrar;
  callSwitch: CallSwitch;
  transport: UdpTransport;
  /** How late the event loop runs (absent: not measured). */
  eventLoop?: { readonly delay: EventLoopDelay };
  /** The store's health as the worker's calls to it see it (absent: not observed). */
  storeHealth?: { figures(): Pick<StoreHealthFigures, 'degraded' | 'errors'> };
}

export interface WorkerFigures {
  /** Gauges. */
  activeCalls: number;
  registrationsHeld: number;
  draining: boolean;
  /** Dialogs in the engine's call table (bridged legs, setups, registrations, qualifies). */
  callTable: number;
  /** The call-number pool: held by dialogs, held off after them, held by dialogs not yet authenticated, free. */
  callNumbersInUse: number;
  callNumbersHoldingOff: number;
  callNumbersInSetup: number;
  callNumbersFree: number;
  /** Directory lookups the engine is waiting on. */
  lookupsInFlight: number;
  /** The event loop's lateness over the last window (ms). */
  eventLoopDelay: EventLoopDelay;
  /** The store is timing out or unreachable: the worker serves from memory and queues writes. */
  storeDegraded: boolean;
  /** Store calls that failed (timeouts, throttles, server and network errors), a counter. */
  storeErrors: number;
  /** Counters since the worker started. */
  registrationsGranted: number;
  datagramsIn: number;
  datagramsOut: number;
  decodeErrors: number;
  authFailures: number;
  /** The same by kind. */
  authFailuresCalls: number;
  authFailuresRegistrations: number;
  retransmits: number;
  trunkDatagrams: number;
  trunkEntries: number;
  callsRouted: number;
  callsRefused: number;
  udpSendErrors: number;
  /** Datagrams dropped without a reply, by reason. */
  drops: Readonly<Record<DropReason, number>>;
  /** Every refusal (engine, registrar, switch), and the same by "stage/reason". */
  refusalsTotal: number;
  refusals: Readonly<Record<string, number>>;
}

export type CounterName = Exclude<
  keyof WorkerFigures,
  'activeCalls' | 'registrationsHeld' | 'draining' | 'storeDegraded' | 'refusals' | 'drops' | 'callTable' | 'callNumbersInUse' | 'callNumbersHoldingOff' | 'callNumbersInSetup' | 'callNumbersFree' | 'lookupsInFlight' | 'eventLoopDelay'
>;

/**
 * unknown-call: a frame for no call of ours; lookup-overload: too many directory reads waiting;
 * reply-withheld: a stateless reply bigger than its request, or past the global rate;
 * media-stale: media that waited past the engine's staleMediaMs while the worker was behind;
 * socket-full: datagrams the kernel dropped at the IAX2 socket, its receive queue full (a worker
 * behind sheds there first: receive-queue-bound.ts).
 */
export type DropReason = 'unknown-call' | 'lookup-overload' | 'reply-withheld' | 'media-stale' | 'socket-full';

export function readFigures(parts: WorkerParts, draining: boolean): WorkerFigures {
  const { engine, registrar, callSwitch, transport } = parts;
  const refusals: Record<string, number> = {};
  for (const [reason, count] of engine.refusals.counts) refusals[`engine/${reason}`] = count;
  for (const [reason, count] of registrar.refusals.counts) refusals[`registrar/${reason}`] = count;
  for (const [reason, count] of callSwitch.refusals) refusals[`switch/${reason}`] = count;
  const pool = engine.callNumbers.stats;
  const store = parts.storeHealth?.figures();
  return {
    activeCalls: callSwitch.activeCount,
    registrationsHeld: registrar.registeredHere().length,
    draining,
    callTable: engine.activeCalls.size,
    callNumbersInUse: pool.inUse,
    callNumbersHoldingOff: pool.holdingOff,
    callNumbersInSetup: pool.inSetup,
    callNumbersFree: pool.free,
    lookupsInFlight: engine.lookupsInFlight,
    eventLoopDelay: parts.eventLoop?.delay ?? { p50Ms: 0, p99Ms: 0, maxMs: 0 },
    storeDegraded: store?.degraded ?? false,
    storeErrors: store === undefined ? 0 : Object.values(store.errors).reduce((a, b) => a + b, 0),
    registrationsGranted: registrar.stats.registered,
    datagramsIn: engine.stats.datagramsIn,
    datagramsOut: engine.stats.datagramsOut,
    decodeErrors: engine.stats.decodeErrors,
    authFailures: engine.authFailures.counts.call + engine.authFailures.counts.registration,
    authFailuresCalls: engine.authFailures.counts.call,
    authFailuresRegistrations: engine.authFailures.counts.registration,
    retransmits: engine.retransmissions,
    trunkDatagrams: engine.trunkStats?.datagrams ?? 0,
    trunkEntries: engine.trunkStats?.entries ?? 0,
    callsRouted: callSwitch.stats.routed,
    callsRefused: callSwitch.stats.refused,
    udpSendErrors: transport.counters.sendErrors,
    drops: { 'unknown-call': engine.stats.droppedUnknownCall, 'lookup-overload': engine.stats.droppedLookupOverload, 'reply-withheld': engine.withheldReplies, 'media-stale': engine.stats.droppedStaleMedia, 'socket-full': transport.kernelDrops() ?? 0 },
    refusalsTotal: Object.values(refusals).reduce((a, b) => a + b, 0),
    refusals,
  };
}
