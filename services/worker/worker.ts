/**
 * One worker: the IAX2 engine on a UDP socket, the registrar writing registrations to the
 * store, the switch routing and bridging calls, a heartbeat in the workers table, and the
 * status HTTP port. `main.ts` builds one from the environment; `npm start` and the tests
 * build one in-process. Through a store outage it keeps serving the boxes it knows: reads on
 * a call's path answer with the last value read, registration refreshes are granted from
 * memory, and registrations and CDRs wait in write-behind queues until the store is back.
 */
import { isIP } from 'node:net';
import { SystemClock, type Clock } from '../../shared/clock.ts';
import { LogThrottle } from '../../shared/log-throttle.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { AllowedNetworks } from '../../shared/model/peer-address-policy.ts';
import type { PeerRecord } from '../../shared/store/peers-table.ts';
import { PeerCache } from '../../shared/store/peer-cache.ts';
import type { Stores } from '../../shared/store/stores.ts';
import { Cause } from '../iax2/codec/index.ts';
import { Iax2Engine, type EngineOptions } from '../iax2/engine/engine.ts';
import { Registrar } from '../iax2/registrar/registrar.ts';
import type { RemoteAddress } from '../iax2/transport.ts';
import { EmfPublisher } from './ecs/emf-metrics.ts';
import { ScaleInGuard } from './ecs/scale-in-guard.ts';
import type { TaskProtectionClient } from './ecs/task-protection.ts';
import { FrameDebug } from './frame-debug.ts';
import { RealtimeDirectory } from './realtime-directory.ts';
import { RegistrationWrites } from './registration-writes.ts';
import { startStatusServer, type StatusServer } from './status-server.ts';
import { StoreHealth } from './store-health.ts';
import type { StoreFigures } from './store-metrics.ts';
import { CallSwitch } from './switch/call-switch.ts';
import { CdrRecorder } from './switch/cdr-recorder.ts';
import { MeshNode } from './mesh/mesh-node.ts';
import { OwnershipCheck } from './mesh/ownership-check.ts';
import { WorkerDirectory } from './mesh/worker-directory.ts';
import type { LastGoodTiming } from './switch/last-good.ts';
import { RegistrationReads } from './switch/registration-reads.ts';
import { RouteCache } from './switch/route-cache.ts';
import { TenantLimiter } from './switch/tenant-limits.ts';
import { UdpTransport } from './udp-transport.ts';
import { DrainWait, type DrainEnd } from './drain-wait.ts';
import { EventLoopMonitor } from './event-loop-monitor.ts';
import { awaitHangups, type FinalHangupTiming } from './final-hangup.ts';
import { TokenExemptNames } from './token-exempt-names.ts';
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
  /**
   * How much time's worth of arrivals the IAX2 socket's receive queue may hold: its buffer
   * follows the read rate up to socketBufferBytes (receive-queue-bound.ts), so a worker that is
   * behind has the kernel drop what would otherwise wait seconds. 0 keeps socketBufferBytes
   * fixed. Default 50 ms.
   */
  receiveQueueMs?: number;
  /** STROWGER_DEBUG: peers whose every frame is logged, decoded. */
  debugPeers?: ReadonlySet<string>;
  /** Registration grants (minregexpire/maxregexpire). */
  minExpireS?: number;
  maxExpireS?: number;
  /** STROWGER_ALLOWED_PEER_NETWORKS: internal networks a static host may resolve into (none: all refused). */
  allowedPeerNetworks?: AllowedNetworks;
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
  /**
   * The store's health as the DynamoDB client's observer sees every call
   * (shared/store/dynamo-client.ts); none: one of the worker's own, which nothing feeds.
   */
  storeHealth?: StoreHealth;
  /** How long what the switch reads stays fresh, and how long a call waits for a slow store (last-good.ts). */
  caches?: LastGoodTiming & { peerMaxAgeMs?: number; routeMaxAgeMs?: number; tenantMaxAgeMs?: number };
  /**
   * The write-behind queues' back-off, how long a REGREQ waits for the store before it is
   * granted from memory (1 s), and how long close() waits for queued CDRs (5 s).
   */
  writeBehind?: { initialBackoffMs?: number; maxBackoffMs?: number; storeWaitMs?: number; closeFlushMs?: number };
  /** How often the names that may come without a call token are read again (default 5 s). */
  tokenExemptRefreshMs?: number;
  /** How long the HANGUPs sent at the end of a drain wait for their ACKs, and how often they go again meanwhile (final-hangup.ts). */
  finalHangup?: FinalHangupTiming;
}

/** How a drain ended: why it stopped waiting, and the calls it then hung up. */
export interface DrainOutcome {
  end: DrainEnd;
  /** Calls still up when it stopped waiting, each hung up then. */
  calls: number;
  /** Their legs: HANGUPs sent, and how many were acknowledged in time. */
  legs: number;
  acknowledged: number;
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
  readonly storeHealth: StoreHealth;
  figures(): WorkerFigures;
  /** The store's health, latency, queued writes and stale reads. */
  store(): StoreFigures;
  /** Writes the heartbeat at once instead of waiting for the timer. */
  heartbeatNow(): Promise<void>;
  /**
   * SIGTERM: refuse new calls, keep relaying until the calls are gone, the deadline passes or
   * hangUpNow() is called; then every call still up is hung up (HANGUP, cause 16, on both
   * legs; CDRs closed) and the ACKs are waited for a moment. `onHangUp` hears when that starts.
   */
  drain(deadlineMs: number, onHangUp?: (calls: number, legs: number, end: DrainEnd) => void): Promise<DrainOutcome>;
  /** A second Ctrl-C: a drain (running, or to come) stops waiting and hangs up at once. */
  hangUpNow(): void;
  close(): Promise<void>;
}

/** `delayreject=yes`, as Asterisk means it: 1000 ms. */
export const DEFAULT_DELAYREJECT_MS = 1000;

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? silentLogger;
  const { stores, workerId } = options;
  const storeHealth = options.storeHealth ?? new StoreHealth({ clock, logger: logger.child({ component: 'store' }) });
  const { peerMaxAgeMs, routeMaxAgeMs, tenantMaxAgeMs, ...lastGood } = options.caches ?? {};
  const timing: LastGoodTiming = { timers: clock, ...lastGood };
  const revalidationLog = new LogThrottle(() => clock.now(), { linesPerWindow: 3 });
  const peers = new PeerCache<PeerRecord>({ get: (name) => stores.peers.get(name), version: (name) => stores.peers.version(name) }, {
    now: () => clock.wallNow(),
    ...(peerMaxAgeMs === undefined ? {} : { maxAgeMs: peerMaxAgeMs }),
    onBackgroundError: (error, name) => {
      const admitted = revalidationLog.admit('peer');
      if (admitted.write) logger.warn('peer revalidation failed; the cached peer stays in use', { error, peer: name, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
    },
  });
  // The registrar (built below, once the engine exists) answers which peer is registered
  // where; nothing asks before a datagram arrives, by which time it exists.
  const exemptNames = new TokenExemptNames(() => stores.peers.tokenExemptNames(), clock, logger.child({ component: 'directory' }), options.tokenExemptRefreshMs);
  await exemptNames.start();
  const directory: RealtimeDirectory = new RealtimeDirectory(peers, stores.astdb, {
    peerAt: (address: string, port: number): string | undefined => registrar.peerAt(address, port),
    addressOf: (name: string): RemoteAddress | undefined => registrar.addressOf(name),
  }, exemptNames);
  const buffer = options.socketBufferBytes ?? 4 << 20;
  const receiveQueueMs = options.receiveQueueMs ?? 50;
  const transport = await UdpTransport.bind({
    address: options.iax.address,
    port: options.iax.port,
    receiveBufferBytes: buffer,
    sendBufferBytes: buffer,
    // The kernel holds twice what SO_RCVBUF asks: the configured size is the ceiling.
    ...(receiveQueueMs > 0 ? { receiveQueue: { targetMs: receiveQueueMs, maxBytes: 2 * buffer } } : {}),
    logger,
  });
  const debug = new FrameDebug(options.debugPeers ?? new Set(), logger.child({ component: 'debug' }));
  // delayreject is on for the hosted platform: every authentication refusal waits a second,
  // longer for a name being guessed (auth-failures.ts).
  const delayRejectMs = options.engine?.delayRejectMs ?? DEFAULT_DELAYREJECT_MS;
  const engine = new Iax2Engine({ ...options.engine, delayRejectMs, transport: debug.wrap(transport), clock, directory, logger: logger.child({ component: 'engine' }) });
  const writeBehind = options.writeBehind ?? {};
  const backoff = {
    ...(writeBehind.initialBackoffMs === undefined ? {} : { initialBackoffMs: writeBehind.initialBackoffMs }),
    ...(writeBehind.maxBackoffMs === undefined ? {} : { maxBackoffMs: writeBehind.maxBackoffMs }),
  };
  const registrationWrites = new RegistrationWrites({ table: stores.registrations, workerId, clock, logger: logger.child({ component: 'registrar' }), ...backoff });
  const registrar = new Registrar({
    engine,
    clock,
    logger: logger.child({ component: 'registrar' }),
    delayRejectMs,
    store: stores.registrations,
    findPeer: (name) => directory.findPeer(name),
    tokenExempt: (name) => directory.peerTokenExempt(name),
    recheckPeer: (name, force) => directory.recheckPeer(name, force),
    resolveDbSecret: (family, key, owner) => directory.resolveDbSecret(family, key, owner),
    workerId,
    ...(options.minExpireS === undefined ? {} : { minExpireS: options.minExpireS }),
    ...(options.maxExpireS === undefined ? {} : { maxExpireS: options.maxExpireS }),
    deferredWrites: registrationWrites,
    ...(writeBehind.storeWaitMs === undefined ? {} : { storeWaitMs: writeBehind.storeWaitMs }),
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
    // A registration granted from memory is not in the store yet: reading it back would release the box.
    held: () => registrar.registeredHere().filter((name) => !registrationWrites.pending(name)),
    release: (name, why) => registrar.forget(name, why),
    read: (names) => stores.registrations.getMany(names),
    clock,
    logger: logger.child({ component: 'mesh' }),
    ...(options.mesh?.ownershipCheckMs === undefined ? {} : { everyMs: options.mesh.ownershipCheckMs }),
  });
  ownership?.start();
  const routes = new RouteCache(stores.routes, wallNow, routeMaxAgeMs, timing);
  const limits = new TenantLimiter(stores.tenants, wallNow, tenantMaxAgeMs, timing);
  const registrations = new RegistrationReads({ ...timing, read: (name) => stores.registrations.get(name), workerId, heldHere: (name) => registrar.addressOf(name), now: wallNow });
  const cdrs = new CdrRecorder(stores.cdrs, workerId, logger.child({ component: 'cdr' }), { clock, queue: backoff });
  // The store answers again: what waits is written now, not after the back-off.
  storeHealth.onRecovered(() => {
    registrationWrites.retryNow();
    cdrs.retryNow();
  });
  const callSwitch = new CallSwitch({
    engine,
    ...(mesh === undefined ? {} : { mesh }),
    clock,
    logger: logger.child({ component: 'switch' }),
    routes,
    limits,
    sources: {
      // A known peer at once, revalidated in the background (the store may be out).
      peer: (name) => {
        const known = peers.known(name);
        return known === undefined ? peers.get(name) : Promise.resolve(known.value);
      },
      registration: (name) => registrations.get(name),
      workerId,
      holds: (name: string) => registrar.addressOf(name) !== undefined,
      allowedPeerNetworks: options.allowedPeerNetworks ?? [],
      ...(liveWorkers === undefined ? {} : { liveWorker: (id: string) => liveWorkers.get(id) }),
    },
    cdrs,
    workerId,
    wallNow,
  });
  let draining = false;
  const isDraining = (): boolean => draining;
  const drainWait = new DrainWait(clock, () => callSwitch.activeCount);
  const eventLoop = new EventLoopMonitor();
  const figures = (): WorkerFigures => readFigures({ engine, registrar, callSwitch, transport, eventLoop, storeHealth }, draining);
  const store = (): StoreFigures => ({
    health: storeHealth.figures(),
    queues: {
      registrations: { ...registrationWrites.stats, size: registrationWrites.size },
      cdrs: { ...cdrs.stats, size: cdrs.queued },
    },
    servedStale: {
      peers: peers.stats.failedRevalidations,
      routes: routes.stats.servedStale,
      tenants: limits.stats.servedStale,
      registrations: registrations.stats.servedStale,
    },
  });
  const status = await startStatusServer({ ...options.status, engine, registrar, callSwitch, transport, eventLoop, workerId, logger, isDraining, store });
  const { address: iaxAddress } = transport.localAddress();

  // A store outage fails every heartbeat: a few lines say so, not one a beat.
  const heartbeatLog = new LogThrottle(() => clock.now(), { linesPerWindow: 1, windowMs: 60_000 });
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
    }).catch((error: unknown) => {
      const admitted = heartbeatLog.admit('heartbeat');
      if (admitted.write) logger.error('heartbeat failed', { error, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
    });
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
    storeHealth,
    figures,
    store,
    heartbeatNow: beat,
    async drain(deadlineMs, onHangUp) {
      draining = true;
      callSwitch.drain();
      // The deadline counts from now, however long the store takes to hear that we drain.
      const told = beat();
      const end = await drainWait.wait(deadlineMs);
      const calls = callSwitch.activeCount;
      let outcome: DrainOutcome = { end, calls, legs: 0, acknowledged: 0 };
      if (calls > 0) {
        // Silence would leave the boxes holding dead calls until their own timers give up.
        const legs = callSwitch.hangUpAll(Cause.NORMAL_CLEARING);
        onHangUp?.(calls, legs.length, end);
        const { acknowledged } = await awaitHangups(legs, clock, options.finalHangup);
        outcome = { ...outcome, legs: legs.length, acknowledged };
      }
      await told;
      return outcome;
    },
    hangUpNow() {
      drainWait.cutShort();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      guard?.close();
      emf?.close();
      exemptNames.close();
      eventLoop.close();
      ownership?.close();
      registrar.close();
      engine.close();
      mesh?.close();
      // Queued CDRs get a little while to land; a store that is still out loses them (counted).
      const flushMs = writeBehind.closeFlushMs ?? 5000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, flushMs);
        void callSwitch.flush().then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      const lost = { cdrs: cdrs.close(), registrations: registrationWrites.close() };
      if (lost.cdrs + lost.registrations > 0) logger.error('the store did not take every queued write before the worker stopped', lost);
      await status.close();
      transport.close();
    },
  };
}
