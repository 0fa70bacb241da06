/**
 * The switch: every authenticated NEW the engine announces is admitted against its tenant's
 * limits, enters the tenant's context (the one it asked for when the user may use it, else
 * the user's first), is matched against that context's routes, and is bridged to the route's
 * destinations. It keeps the calls in progress for the status port and writes their CDRs.
 */
import type { Clock } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { ActiveCall } from '../../../shared/model/active-call.ts';
import type { Call } from '../../iax2/call/call.ts';
import { formatName } from '../../iax2/codec/formats.ts';
import type { Iax2Engine } from '../../iax2/engine/engine.ts';
import type { IncomingCallInfo } from '../../iax2/engine/incoming-call.ts';
import { Bridge, channelName, type BridgeOutcome } from './bridge.ts';
import type { CdrRecorder } from './cdr-recorder.ts';
import type { DestinationSources } from './destination.ts';
import { bestMatch } from './extension-pattern.ts';
import { Cause, causeText } from '../../iax2/codec/index.ts';
import type { RouteCache } from './route-cache.ts';
import type { TenantLimiter } from './tenant-limits.ts';
import { LogThrottle } from '../../../shared/log-throttle.ts';

export interface CallSwitchDeps {
  engine: Iax2Engine;
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
export type SwitchRefusal = 'draining' | 'no-tenant' | 'suspended' | 'concurrent-limit' | 'rate-limit' | 'no-context' | 'no-route' | 'routing-failed';

export class CallSwitch {
  readonly stats = { routed: 0, refused: 0, answered: 0, ended: 0 };
  /** Refusals by reason. */
  readonly refusals = new Map<SwitchRefusal, number>();
  private readonly refusalLog: LogThrottle;
  private readonly bridges = new Set<Bridge>();
  private readonly pendingCdrs = new Set<Promise<void>>();
  private draining = false;
  private readonly wallNow: () => number;

  constructor(private readonly deps: CallSwitchDeps) {
    this.wallNow = deps.wallNow ?? (() => deps.clock.wallNow());
    this.refusalLog = new LogThrottle(() => deps.clock.now());
    deps.engine.events.on('incomingCall', ({ call, info }) => {
      this.route(call, info).catch((error: unknown) => {
        deps.logger.error('routing failed', { error });
        this.refuse(call, info, Cause.NETWORK_OUT_OF_ORDER, 'routing-failed');
      });
    });
  }

  get activeCount(): number {
    return this.bridges.size;
  }

  /** SIGTERM: new calls are refused with congestion; calls up keep relaying. */
  drain(): void {
    this.draining = true;
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
        engine: this.deps.engine,
        clock: this.deps.clock,
        logger: logger.child({ tenant, call: call.localCall }),
        sources: this.deps.sources,
        wallNow: this.wallNow,
        onAnswer: (b) => {
          this.stats.answered++;
          const out = b.outbound;
          this.deps.cdrs.answered(b, this.wallNow(), out === undefined ? '' : channelName(out), match.route.destinations.map((d) => d.dial).join('&'));
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

  private ended(bridge: Bridge, outcome: BridgeOutcome, release: () => void): void {
    this.stats.ended++;
    this.bridges.delete(bridge);
    release();
    const out = outcome.outbound;
    const pending = this.deps.cdrs.ended(bridge, outcome, out === undefined ? undefined : channelName(out));
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
    const now = this.wallNow();
    const list: ActiveCall[] = [];
    for (const bridge of this.bridges) {
      if (tenant !== undefined && bridge.tenant !== tenant) continue;
      for (const leg of [bridge.caller, bridge.outbound]) {
        if (leg === undefined || leg.closed) continue;
        const seq = leg.sequenceNumbers;
        list.push({
          tenant: bridge.tenant,
          callId: `${this.deps.workerId}-${leg.localCall}`,
          channel: leg === bridge.caller ? bridge.callerChannel : channelName(leg),
          peerAddress: `${leg.remote.address}:${leg.remote.port}`,
          ...(leg === bridge.caller && bridge.info.username !== undefined ? { username: bridge.info.username } : {}),
          localCallNumber: leg.localCall,
          remoteCallNumber: leg.remoteCall,
          txSeq: seq.tx,
          rxSeq: seq.rx,
          lagMs: Math.round(leg.pingtimeMs),
          jitterMs: Math.round(leg.receiveStats().jitterMs),
          format: formatName(leg.format),
          firstMessageAt: bridge.startedAt,
          lastMessageAt: now,
          state: bridge.answered ? 'up' : 'ringing',
          workerId: this.deps.workerId,
        });
      }
    }
    return list;
  }
}
