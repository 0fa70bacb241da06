/**
 * One worker: the IAX2 engine on a UDP socket, the registrar writing registrations to the
 * store, the switch routing and bridging calls, a heartbeat in the workers table, and the
 * status HTTP port. `main.ts` builds one from the environment; `npm start` and the tests
 * build one in-process.
 */
import { isIP } from 'node:net';
import { SystemClock, type Clock } from '../../shared/clock.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { PeerRecord } from '../../shared/store/peers-table.ts';
import { PeerCache } from '../../shared/store/peer-cache.ts';
import type { Stores } from '../../shared/store/stores.ts';
import { Iax2Engine, type EngineOptions } from '../iax2/engine/engine.ts';
import { Registrar } from '../iax2/registrar/registrar.ts';
import type { RemoteAddress } from '../iax2/transport.ts';
import { EmfPublisher } from './ecs/emf-metrics.ts';
import { ScaleInGuard } from './ecs/scale-in-guard.ts';
import type { TaskProtectionClient } from './ecs/task-protection.ts';
import { FrameDebug } from './frame-debug.ts';
import { RealtimeDirectory } from './realtime-directory.ts';
import { startStatusServer, type StatusServer } from './status-server.ts';
import { CallSwitch } from './switch/call-switch.ts';
import { CdrRecorder } from './switch/cdr-recorder.ts';
import { MeshNode } from './mesh/mesh-node.ts';
import { OwnershipCheck } from './mesh/ownership-check.ts';
import { WorkerDirectory } from './mesh/worker-directory.ts';
import { RouteCache } from './switch/route-cache.ts';
import { TenantLimiter } from './switch/tenant-limits.ts';
import { UdpTransport } from './udp-transport.ts';
import { readFigures, type WorkerFigures } from './worker-figures.ts';

export interface WorkerOptions {
  workerId: string;
  stores: Stores;
  iax: { address: string; port: number };
  status: { address: string; port: number };
  /** The address other workers and the control plane reach this one at. */
  privateAddress?: string;
  clock?: Clock;
  logger?: Logger;
  heartbeatMs?: number;
  /**
   * SO_RCVBUF/SO_SNDBUF of the IAX2 socket. Every call's 20 ms frames arrive in bursts; the
   * kernel's default (~208 KiB) overflows at a few hundred calls. Linux caps it at
   * net.core.rmem_max / wmem_max. Default 4 MiB.
   */
  socketBufferBytes?: number;
  /** STROWGER_DEBUG: peers whose every frame is logged, decoded. */
  debugPeers?: ReadonlySet<string>;
  /** Registration grants (minregexpire/maxregexpire). */
  minExpireS?: number;
  maxExpireS?: number;
  engine?: Partial<Omit<EngineOptions, 'transport' | 'clock' | 'directory'>>;
  /** ECS task scale-in protection, held while calls are up (none: no protection asked). */
  taskProtection?: TaskProtectionClient;
  scaleInGuard?: { pollMs?: number; protectMinutes?: number; idleMs?: number };
  /** CloudWatch EMF lines with the worker's figures, once a minute (none: no lines). */
  emf?: { namespace: string; service: string; write: (line: string) => void; intervalMs?: number };
  /**
   * The worker mesh (docs/architecture.md §6): this worker's private mesh endpoint and the
   * deployment's mesh secret. None: a single worker, which calls every box directly.
   */
  mesh?: { bind: RemoteAddress; secret: string; ownershipCheckMs?: number; workersRefreshMs?: number };
}

export interface Worker {
  readonly workerId: string;
  readonly engine: Iax2Engine;
  readonly registrar: Registrar;
  readonly switch: CallSwitch;
  readonly transport: UdpTransport;
  /** This worker's end of the worker mesh, when there is one. */
  readonly mesh: MeshNode | undefined;
  readonly status: StatusServer;
  readonly scaleInGuard: ScaleInGuard | undefined;
  figures(): WorkerFigures;
  /** Writes the heartbeat at once instead of waiting for the timer. */
  heartbeatNow(): Promise<void>;
  /** SIGTERM: refuse new calls, keep relaying; resolves when calls are gone or at the deadline. */
  drain(deadlineMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? silentLogger;
  const { stores, workerId } = options;
  const peers = new PeerCache<PeerRecord>({ get: (name) => stores.peers.get(name), version: (name) => stores.peers.version(name) }, {
    now: () => clock.wallNow(),
    onBackgroundError: (error, name) => logger.warn('peer revalidation failed; the cached peer stays in use', { error, peer: name }),
  });
  // The registrar (built below, once the engine exists) answers which peer is registered
  // where; nothing asks before a datagram arrives, by which time it exists.
  const directory: RealtimeDirectory = new RealtimeDirectory(peers, stores.astdb, {
    peerAt: (address: string, port: number): string | undefined => registrar.peerAt(address, port),
    addressOf: (name: string): RemoteAddress | undefined => registrar.addressOf(name),
  });
  const buffer = options.socketBufferBytes ?? 4 << 20;
  const transport = await UdpTransport.bind({ address: options.iax.address, port: options.iax.port, receiveBufferBytes: buffer, sendBufferBytes: buffer, logger });
  const debug = new FrameDebug(options.debugPeers ?? new Set(), logger.child({ component: 'debug' }));
  const engine = new Iax2Engine({ ...options.engine, transport: debug.wrap(transport), clock, directory, logger: logger.child({ component: 'engine' }) });
  const registrar = new Registrar({
    engine,
    clock,
    logger: logger.child({ component: 'registrar' }),
    ...(options.engine?.delayRejectMs === undefined ? {} : { delayRejectMs: options.engine.delayRejectMs }),
    store: stores.registrations,
    findPeer: (name) => directory.findPeer(name),
    resolveDbSecret: (family, key, owner) => directory.resolveDbSecret(family, key, owner),
    workerId,
    ...(options.minExpireS === undefined ? {} : { minExpireS: options.minExpireS }),
    ...(options.maxExpireS === undefined ? {} : { maxExpireS: options.maxExpireS }),
  });
  engine.setRegistrar(registrar);
  registrar.events.on('registered', ({ registration }) => debug.locate(registration.name, registration));
  for (const name of debug.peers) {
    // Static hosts are known up front; dynamic peers are located when they register.
    const record = await stores.peers.get(name).catch(() => undefined);
    if (record?.host !== undefined && record.host !== 'dynamic' && isIP(record.host) !== 0) debug.locate(name, { address: record.host, port: record.port });
  }
  const wallNow = (): number => clock.wallNow();
  const mesh = options.mesh === undefined ? undefined : await MeshNode.start({
    bind: options.mesh.bind,
    secret: options.mesh.secret,
    clock,
    logger: logger.child({ component: 'mesh' }),
    ...(options.socketBufferBytes === undefined ? {} : { socketBufferBytes: options.socketBufferBytes }),
  });
  const liveWorkers = mesh === undefined ? undefined : new WorkerDirectory(stores.workers, wallNow, logger.child({ component: 'mesh' }), options.mesh?.workersRefreshMs);
  const ownership = mesh === undefined ? undefined : new OwnershipCheck({
    workerId,
    held: () => registrar.registeredHere(),
    release: (name, why) => registrar.forget(name, why),
    read: (names) => stores.registrations.getMany(names),
    clock,
    logger: logger.child({ component: 'mesh' }),
    ...(options.mesh?.ownershipCheckMs === undefined ? {} : { everyMs: options.mesh.ownershipCheckMs }),
  });
  ownership?.start();
  const callSwitch = new CallSwitch({
    engine,
    ...(mesh === undefined ? {} : { mesh }),
    clock,
    logger: logger.child({ component: 'switch' }),
    routes: new RouteCache(stores.routes, wallNow),
    limits: new TenantLimiter(stores.tenants, wallNow),
    sources: {
      peer: (name) => peers.get(name),
      registration: (name) => stores.registrations.get(name),
      workerId,
      holds: (name: string) => registrar.addressOf(name) !== undefined,
      ...(liveWorkers === undefined ? {} : { liveWorker: (id: string) => liveWorkers.get(id) }),
    },
    cdrs: new CdrRecorder(stores.cdrs, workerId, logger.child({ component: 'cdr' })),
    workerId,
    wallNow,
  });
  let draining = false;
  const isDraining = (): boolean => draining;
  const figures = (): WorkerFigures => readFigures({ engine, registrar, callSwitch, transport }, draining);
  const status = await startStatusServer({ ...options.status, engine, registrar, callSwitch, transport, workerId, logger, isDraining });
  const { address: iaxAddress } = transport.localAddress();

  const beat = async (): Promise<void> => {
    const now = figures();
    await stores.workers.heartbeat({
      workerId,
      // Other workers reach this one at its mesh endpoint; without a mesh, the address is the control plane's way to the status port.
      privateAddress: mesh?.address.address ?? options.privateAddress ?? (iaxAddress === '0.0.0.0' || iaxAddress === '::' ? '127.0.0.1' : iaxAddress),
      meshPort: mesh?.address.port ?? transport.localAddress().port,
      httpPort: status.port,
      heartbeatAt: wallNow(),
      activeCalls: now.activeCalls,
      registrations: now.registrationsHeld,
      draining: now.draining,
    }).catch((error: unknown) => logger.error('heartbeat failed', { error }));
  };
  await beat();
  const heartbeat = setInterval(() => void beat(), options.heartbeatMs ?? 10_000);
  heartbeat.unref();
  const guard = options.taskProtection === undefined ? undefined : new ScaleInGuard({
    ...options.scaleInGuard,
    client: options.taskProtection,
    clock,
    logger: logger.child({ component: 'scale-in' }),
    activeCalls: () => callSwitch.activeCount,
  });
  guard?.start();
  const emf = options.emf === undefined ? undefined : new EmfPublisher({ ...options.emf, workerId, clock, figures });
  emf?.start();

  let closed = false;
  return {
    workerId,
    engine,
    registrar,
    switch: callSwitch,
    transport,
    mesh,
    status,
    scaleInGuard: guard,
    figures,
    heartbeatNow: beat,
    async drain(deadlineMs) {
      draining = true;
      callSwitch.drain();
      await beat();
      const until = Date.now() + deadlineMs;
      while (callSwitch.activeCount > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      guard?.close();
      emf?.close();
      ownership?.close();
      registrar.close();
      engine.close();
      mesh?.close();
      await callSwitch.flush();
      await status.close();
      transport.close();
    },
  };
}
