/**
 * The worker's figures at one instant, read from the engine, registrar, switch and socket:
 * what `/metrics` prints as Prometheus text and what the EMF publisher turns into CloudWatch
 * metrics on ECS. Counters only ever grow; a publisher that wants per-interval values takes
 * differences.
 */
import type { Iax2Engine } from '../iax2/engine/engine.ts';
import type { Registrar } from '../iax2/registrar/registrar.ts';
import type { CallSwitch } from './switch/call-switch.ts';
import type { UdpTransport } from './udp-transport.ts';

export interface WorkerParts {
  engine: Iax2Engine;
  registrar: Registrar;
  callSwitch: CallSwitch;
  transport: UdpTransport;
}

export interface WorkerFigures {
  /** Gauges. */
  activeCalls: number;
  registrationsHeld: number;
  draining: boolean;
  /** Counters since the worker started. */
  registrationsGranted: number;
  datagramsIn: number;
  datagramsOut: number;
  decodeErrors: number;
  authFailures: number;
  retransmits: number;
  trunkDatagrams: number;
  trunkEntries: number;
  callsRouted: number;
  callsRefused: number;
  udpSendErrors: number;
  /** Every refusal (engine, registrar, switch), and the same by "stage/reason". */
  refusalsTotal: number;
  refusals: Readonly<Record<string, number>>;
}

export type CounterName = Exclude<keyof WorkerFigures, 'activeCalls' | 'registrationsHeld' | 'draining' | 'refusals'>;

export function readFigures(parts: WorkerParts, draining: boolean): WorkerFigures {
  const { engine, registrar, callSwitch, transport } = parts;
  const refusals: Record<string, number> = {};
  for (const [reason, count] of engine.refusals.counts) refusals[`engine/${reason}`] = count;
  for (const [reason, count] of registrar.refusals.counts) refusals[`registrar/${reason}`] = count;
  for (const [reason, count] of callSwitch.refusals) refusals[`switch/${reason}`] = count;
  return {
    activeCalls: callSwitch.activeCount,
    registrationsHeld: registrar.registeredHere().length,
    draining,
    registrationsGranted: registrar.stats.registered,
    datagramsIn: engine.stats.datagramsIn,
    datagramsOut: engine.stats.datagramsOut,
    decodeErrors: engine.stats.decodeErrors,
    authFailures: engine.stats.authFailures,
    retransmits: engine.retransmissions,
    trunkDatagrams: engine.trunkStats?.datagrams ?? 0,
    trunkEntries: engine.trunkStats?.entries ?? 0,
    callsRouted: callSwitch.stats.routed,
    callsRefused: callSwitch.stats.refused,
    udpSendErrors: transport.counters.sendErrors,
    refusalsTotal: Object.values(refusals).reduce((a, b) => a + b, 0),
    refusals,
  };
}
