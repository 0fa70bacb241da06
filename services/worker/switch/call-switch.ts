/**
 * The switch: every authenticated NEW the engine announces is admitted against its tenant's
 * limits, enters the tenant's context (the one it asked for when the user may use it, else
 * the user's first), is matched against that context's routes, and is bridged to the route's
 * destinations (directly, or through the worker that holds a box's flow). Calls other workers
 * route to the boxes this one holds arrive over the mesh and are completed here. It keeps the
 * calls in progress for the status port and writes their CDRs.
 */
import type { Clock } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { ActiveCall } from '../../../shared/model/active-call.ts';
import type { Call } from '../../iax2/call/call.ts';
import type { Iax2Engine } from '../../iax2/engine/engine.ts';
import type { IncomingCallInfo } from '../../iax2/engine/incoming-call.ts';
import type { MeshNode } from '../mesh/mesh-node.ts';
import { Bridge, type BridgeOutcome } from './bridge.ts';
import type { CdrRecorder } from './cdr-recorder.ts';
import { listChannels } from './channels.ts';
import { resolveDestination, type DestinationSources } from './destination.ts';
import { LegPlacer } from './leg-placer.ts';
import { meshArrival } from './mesh-arrivals.ts';
import { bestMatch } from './extension-pattern.ts';
import { Cause, causeText } from '../../iax2/codec/index.ts';
import type { RouteCache } from './route-cache.ts';
import type { TenantLimiter } from './tenant-limits.ts';
import { LogThrottle } from '../../../shared/log-throttle.ts';

export interface CallSwitchDeps {
  engine: Iax2Engine;
  /** This worker's end of the worker mesh (absent: one worker, every box called directly). */
  mesh?: MeshNode;
  clock: Clock;
  logger: Logger;
  routes: RouteCache;
  limits: TenantLimiter;
  sources: DestinationSources;
  cdrs: CdrRecorder;
  workerId: string;
  wallNow?: () => number;
}

/** Why the switch refused an authenticated call (metric labels; stable). */
export type SwitchRefusal =
  | 'draining' | 'no-tenant' | 'suspended' | 'concurrent-limit' | 'rate-limit' | 'no-context' | 'no-route' | 'routing-failed'
  /** A mesh NEW this worker cannot complete: malformed, a peer not the tenant's. */
  | 'mesh-request';

export class CallSwitch {
  readonly stats = { routed: 0, refused: 0, answered: 0, ended: 0, meshIn: 0 };
  /** Refusals by reason. */
  readonly refusals = new Map<SwitchRefusal, number>();
  private readonly refusalLog: LogThrottle;
  /** Lines about failed destinations, shared by every bridge: per tenant and peer, a few per window. */
  private readonly failureLog: LogThrottle;
  private readonly bridges = new Set<Bridge>();
  private readonly pendingCdrs = new Set<Promise<void>>();
  private draining = false;
  private readonly wallNow: () => number;
  private readonly legs: LegPlacer;

  constructor(private readonly deps: CallSwitchDeps) {
    this.wallNow = deps.wallNow ?? (() => deps.clock.wallNow());
    this.refusalLog = new LogThrottle(() => deps.clock.now());
    this.failureLog = new LogThrottle(() => deps.clock.now(), { linesPerWindow: 5 });
    this.legs = new LegPlacer(deps.engine, deps.mesh, deps.workerId);
    deps.engine.events.on('incomingCall', ({ call, info }) => {
      this.route(call, info).catch((error: unknown) => {
        this.logFailure('routing failed', error);
        this.refuse(call, info, Cause.NETWORK_OUT_OF_ORDER, 'routing-failed');
      });
    });
    deps.mesh?.engine.events.on('incomingCall', ({ call, info }) => {
      this.routeMeshArrival(call, info).catch((error: unknown) => {
        this.logFailure('completing a mesh call failed', error);
        this.refuse(call, info, Cause.NETWORK_OUT_OF_ORDER, 'routing-failed');
      });
    });
  }

  /** A store outage fails every call the same way: a few lines per window, with the count held back. */
  private logFailure(message: string, error: unknown): void {
    const admitted = this.refusalLog.admit(message);
    if (admitted.write) this.deps.logger.error(message, { error, ...(admitted.suppressed > 0 ? { suppressedSimilar: admitted.suppressed } : {}) });
  }

  get activeCount(): number {
    return this.bridges.size;
  }

  /** Calls that came in here: a mesh arrival is the other half of a call counted where it came in. */
  get enteredCount(): number {
    let count = 0;
    for (const bridge of this.bridges) if (bridge.callerWorker === undefined) count++;
    return count;
  }

  /** SIGTERM: new calls are refused with congestion; calls up keep relaying. */
  drain(): void {
    this.draining = true;
  }

  /**
   * A stopping worker's last word: every call in progress ends now, each leg hung up with
   * `cause` (its CDR written as for any hang-up). Returns the legs whose HANGUP waits for an ACK.
   */
  hangUpAll(cause: number): Call[] {
    const legs: Call[] = [];
    for (const bridge of [...this.bridges]) {
      const sides = [bridge.caller, bridge.outbound];
      bridge.end(cause, 'switch');
      for (const leg of sides) if (leg !== undefined && !leg.closed) legs.push(leg);
    }
    return legs;
  }

  /** Resolves when every CDR write started so far has landed. */
  async flush(): Promise<void> {
    await Promise.all([...this.pendingCdrs]);
  }

  private refuse(call: Call, info: IncomingCallInfo, cause: number, reason: SwitchRefusal, context: Record<string, unknown> = {}): void {
    this.stats.refused++;
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
    const log = this.refusalLog.admit(reason);
    if (log.write) {
      this.deps.logger.info('call refused', {
        reason,
        cause,
        user: info.user?.name,
        tenant: info.user?.tenant,
        dialled: info.calledNumber,
        ...context,
        ...(log.suppressed > 0 ? { suppressedSimilar: log.suppressed } : {}),
      });
    }
    if (!call.closed) call.reject(causeText(cause), cause);
  }

  private async route(call: Call, info: IncomingCallInfo): Promise<void> {
    const { logger } = this.deps;
    if (this.draining) return this.refuse(call, info, Cause.SWITCH_CONGESTION, 'draining');
    const user = info.user;
    const tenant = user?.tenant;
    if (user === undefined || tenant === undefined) return this.refuse(call, info, Cause.CALL_REJECTED, 'no-tenant');
    const admission = await this.deps.limits.admit(tenant);
    if (admission !== 'ok') {
      return this.refuse(call, info, admission === 'suspended' ? Cause.CALL_REJECTED : Cause.NO_CIRCUIT_AVAILABLE, admission);
    }
    let admitted = true;
    const release = (): void => {
      if (admitted) this.deps.limits.release(tenant);
      admitted = false;
    };
    try {
      const context = info.calledContext !== undefined && user.contexts.includes(info.calledContext) ? info.calledContext : user.contexts[0];
      if (context === undefined) {
        release();
        return this.refuse(call, info, Cause.UNALLOCATED, 'no-context');
      }
      const match = bestMatch(await this.deps.routes.routesFor(tenant, context), info.calledNumber);
      if (call.closed) {
        release(); // the caller gave up while the routes were read
        return;
      }
      if (match === undefined) {
        release();
        return this.refuse(call, info, Cause.UNALLOCATED, 'no-route', { context });
      }
      this.stats.routed++;
      const bridge = new Bridge(tenant, call, info, context, match.route, {
        acceptCaller: (caller, format) => this.deps.engine.accept(caller, format),
        trunkCaller: (caller, timestamps) => this.deps.engine.trunkCall(caller, timestamps),
        resolve: (target, dialled) => resolveDestination(tenant, target, dialled, this.deps.sources),
        placeLeg: (resolved, options, target, b) => this.legs.place(resolved, options, { tenant, target, cdr: this.deps.cdrs.idOf(b) }),
        clock: this.deps.clock,
        logger: logger.child({ tenant, call: call.localCall }),
        failureLog: this.failureLog,
        wallNow: this.wallNow,
        onAnswer: (b) => {
          this.stats.answered++;
          this.deps.cdrs.answered(b, this.wallNow(), b.outboundChannel() ?? '', match.route.destinations.map((d) => d.dial).join('&'));
        },
        onEnd: (b, outcome) => this.ended(b, outcome, release),
      });
      this.bridges.add(bridge);
      bridge.start();
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * A mesh NEW: another worker routed the call, this one holds the box's flow. Served while
   * draining (the box can be reached through nobody else until its flow moves), never routed
   * again, not counted against the tenant's limits (the ingress did), no CDR of its own.
   */
  private async routeMeshArrival(call: Call, info: IncomingCallInfo): Promise<void> {
    const arrival = await meshArrival(info, this.deps.sources);
    if (!arrival.ok) return this.refuse(call, info, Cause.CALL_REJECTED, 'mesh-request', { why: arrival.why });
    if (call.closed) return;
    const { request, route } = arrival;
    const mesh = this.deps.mesh!;
    this.stats.meshIn++;
    mesh.engine.trunkCall(call, true);
    const bridge = new Bridge(request.tenant, call, info, route.context, route, {
      acceptCaller: (caller, format) => mesh.engine.accept(caller, format),
      trunkCaller: () => {},
      resolve: (target, dialled) => resolveDestination(request.tenant, target, dialled, this.deps.sources, { viaMesh: false }),
      placeLeg: (resolved, options, target) => this.legs.place(resolved, options, { tenant: request.tenant, target, cdr: request.cdr }),
      callerWorker: request.ingressWorker,
      clock: this.deps.clock,
      logger: this.deps.logger.child({ tenant: request.tenant, meshCall: call.localCall, from: request.ingressWorker }),
      failureLog: this.failureLog,
      wallNow: this.wallNow,
      onAnswer: () => {},
      onEnd: (b, outcome) => {
        this.bridges.delete(b);
        const out = outcome.outbound;
        if (out === undefined) return;
        const pending = this.deps.cdrs.calleeLegEnded(request.tenant, request.cdr, out, outcome.answeredAt !== undefined);
        this.pendingCdrs.add(pending);
        void pending.finally(() => this.pendingCdrs.delete(pending));
      },
    });
    this.bridges.add(bridge);
    bridge.start();
  }

  private ended(bridge: Bridge, outcome: BridgeOutcome, release: () => void): void {
    this.stats.ended++;
    this.bridges.delete(bridge);
    release();
    const pending = this.deps.cdrs.ended(bridge, outcome, bridge.outboundChannel());
    this.pendingCdrs.add(pending);
    void pending.finally(() => this.pendingCdrs.delete(pending));
  }

  /** Bridged calls per tenant, for /metrics. */
  tenantCalls(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const bridge of this.bridges) counts.set(bridge.tenant, (counts.get(bridge.tenant) ?? 0) + 1);
    return counts;
  }

  /** Calls in progress as `iax2 show channels` lists them, both legs, for one tenant or all. */
  channels(tenant?: string): ActiveCall[] {
    return listChannels(this.bridges, this.deps.workerId, this.wallNow(), tenant);
  }
}
