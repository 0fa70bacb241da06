/**
 * CDRs for bridged calls, in Asterisk's fields: an open record at answer (so a worker that dies
 * mid-call leaves a trace the sweeper closes), finished at hang-up with both legs' RR
 * figures; a call never answered gets one complete record at its end. Every write goes
 * through the CDR queue (cdr-queue.ts), so a store outage delays CDRs instead of losing them.
 */
import { randomUUID } from 'node:crypto';
import { SystemClock, type Clock } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { CdrInput } from '../../../shared/model/cdr.ts';
import type { CdrsTable } from '../../../shared/store/cdrs-table.ts';
import type { Call } from '../../iax2/call/call.ts';
import type { RrReport } from '../../iax2/call/rr-stats.ts';
import type { WriteBehindStats } from '../write-behind.ts';
import type { Bridge, BridgeOutcome } from './bridge.ts';
import { CdrQueue, type CdrQueueTiming } from './cdr-queue.ts';

type Rr = NonNullable<CdrInput['rrCaller']>;

function rrFigures(report: RrReport | undefined): Rr | undefined {
  if (report === undefined) return undefined;
  const whole = (n: number): number => Math.max(0, Math.round(n));
  return {
    jitterMs: whole(report.jitterMs),
    lossPercent: Math.min(100, whole(report.lossPercent)),
    lostFrames: whole(report.lostFrames),
    packets: whole(report.packets),
    delayMs: whole(report.delayMs),
    dropped: whole(report.dropped),
    outOfOrder: whole(report.outOfOrder),
  };
}

export class CdrRecorder {
  private readonly ids = new WeakMap<Bridge, string>();
  /** Calls whose open record was queued: their end finishes it. */
  private readonly opened = new WeakSet<Bridge>();
  private sequence = 0;
  private readonly queue: CdrQueue;

  constructor(
    cdrs: Pick<CdrsTable, 'write' | 'finish' | 'recordCalleeLeg'>,
    private readonly workerId: string,
    logger: Logger,
    options: { clock?: Clock; queue?: CdrQueueTiming } = {},
  ) {
    this.queue = new CdrQueue(cdrs, options.clock ?? new SystemClock(), logger, options.queue);
  }

  /** Writes queued, written and dropped since the start. */
  get stats(): WriteBehindStats {
    return this.queue.stats;
  }

  /** Writes waiting for the store now. */
  get queued(): number {
    return this.queue.size;
  }

  /** Resolves when no CDR write waits. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The store answers again: write what waits without sitting out the back-off. */
  retryNow(): void {
    this.queue.retryNow();
  }

  /** Stops writing; returns how many writes were still queued (lost). */
  close(): number {
    return this.queue.close();
  }

  /** The record's key: the call's start and its id (what a mesh leg tells the owner to add its leg to). */
  idOf(bridge: Bridge): { start: number; callId: string } {
    let callId = this.ids.get(bridge);
    if (callId === undefined) {
      callId = `${this.workerId}-${Date.now().toString(36)}-${(this.sequence++).toString(36)}-${randomUUID().slice(0, 8)}`;
      this.ids.set(bridge, callId);
    }
    return { start: bridge.startedAt, callId };
  }

  private base(bridge: Bridge): CdrInput {
    const { callId } = this.idOf(bridge);
    const { number, name } = bridge.callerId;
    const clid = name === undefined ? number : `"${name}" <${number ?? ''}>`;
    return {
      tenant: bridge.tenant,
      callId,
      ...(number === undefined ? {} : { src: number }),
      dst: bridge.info.calledNumber,
      dcontext: bridge.context,
      ...(clid === undefined ? {} : { clid }),
      channel: bridge.callerChannel,
      lastapp: 'Dial',
      start: bridge.startedAt,
      workerId: this.workerId,
    };
  }

  /** At answer: the open record. */
  answered(bridge: Bridge, at: number, dstchannel: string, lastdata: string): void {
    const cdr: CdrInput = { ...this.base(bridge), dstchannel, lastdata, answer: at };
    if (this.queue.add(cdr.callId, { kind: 'open', cdr })) this.opened.add(bridge);
  }

  /** At the end: finish the open record, or write the whole one; resolves when it landed (or was dropped). */
  ended(bridge: Bridge, outcome: BridgeOutcome, dstchannel: string | undefined): Promise<void> {
    const base = this.base(bridge);
    const rrCaller = rrFigures(bridge.caller.receiveStats());
    // Through the mesh, our outbound leg is the one between the workers; the owner adds the callee's.
    const rrOutbound = rrFigures(outcome.outbound?.receiveStats());
    const viaMesh = outcome.calleeWorker !== undefined;
    const ending = {
      end: outcome.endedAt,
      disposition: outcome.disposition,
      hangupCause: outcome.causeCode,
      ...(outcome.answeredAt === undefined ? {} : { answer: outcome.answeredAt }),
      ...(rrCaller === undefined ? {} : { rrCaller }),
      ...(rrOutbound === undefined ? {} : viaMesh ? { rrMesh: rrOutbound } : { rrCallee: rrOutbound }),
      ...(viaMesh ? { calleeWorkerId: outcome.calleeWorker } : {}),
    };
    if (this.opened.has(bridge)) {
      this.queue.add(base.callId, { kind: 'finish', tenant: base.tenant, start: base.start, callId: base.callId, ending });
    } else {
      this.queue.add(base.callId, {
        kind: 'whole',
        cdr: {
          ...base,
          ...(dstchannel === undefined ? {} : { dstchannel }),
          ...(outcome.destination === undefined ? {} : { lastdata: outcome.destination }),
          ...ending,
          duration: Math.max(0, Math.round((outcome.endedAt - base.start) / 1000)),
          billsec: outcome.answeredAt === undefined ? 0 : Math.max(0, Math.round((outcome.endedAt - outcome.answeredAt) / 1000)),
        },
      });
    }
    return this.queue.settled(base.callId);
  }

  /**
   * The far leg of a call that reached this worker over the mesh: its quality goes into the
   * ingress worker's record. That record exists from the answer on; a call never answered
   * has no media worth reporting, so nothing is written for it.
   */
  calleeLegEnded(tenant: string, cdr: { start: number; callId: string }, leg: Call, answered: boolean): Promise<void> {
    const rr = rrFigures(leg.receiveStats());
    if (!answered || rr === undefined) return Promise.resolve();
    // Keyed apart from this worker's own records: the record it updates is another worker's.
    const key = `leg:${cdr.callId}`;
    this.queue.add(key, { kind: 'callee-leg', tenant, start: cdr.start, callId: cdr.callId, rr, workerId: this.workerId, attempts: 0 });
    return this.queue.settled(key);
  }
}
