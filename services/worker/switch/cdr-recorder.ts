/**
 * CDRs for bridged calls, in Asterisk's fields: an open record at answer (so a worker that dies
 * mid-call leaves a trace the sweeper closes), finished at hang-up with both legs' RR
 * figures; a call never answered gets one complete record at its end.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../shared/logger.ts';
import type { CdrInput } from '../../../shared/model/cdr.ts';
import type { CdrsTable } from '../../../shared/store/cdrs-table.ts';
import type { Call } from '../../iax2/call/call.ts';
import type { RrReport } from '../../iax2/call/rr-stats.ts';
import type { Bridge, BridgeOutcome } from './bridge.ts';

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
  private readonly opened = new WeakMap<Bridge, Promise<boolean>>();
  private sequence = 0;

  constructor(
    private readonly cdrs: Pick<CdrsTable, 'write' | 'finish' | 'recordCalleeLeg'>,
    private readonly workerId: string,
    private readonly logger: Logger,
  ) {}

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
    this.opened.set(bridge, this.cdrs.write(cdr).then(() => true, (error: unknown) => {
      this.logger.error('writing the open CDR failed', { error, callId: cdr.callId });
      return false;
    }));
  }

  /** At the end: finish the open record, or write the whole one. */
  ended(bridge: Bridge, outcome: BridgeOutcome, dstchannel: string | undefined): Promise<void> {
    const base = this.base(bridge);
    const rrCaller = rrFigures(bridge.caller.receiveStats());
    // Through the mesh, our outbound leg is the one between the workers; the owner adds the callee's.
    const rrOutbound = rrFigures(outcome.outbound?.receiveStats());
    const viaMesh = outcome.calleeWorker !== undefined;
    const opened = this.opened.get(bridge) ?? Promise.resolve(false);
    return opened
      .then(async (wasOpened) => {
        const ending = {
          end: outcome.endedAt,
          disposition: outcome.disposition,
          hangupCause: outcome.causeCode,
          ...(outcome.answeredAt === undefined ? {} : { answer: outcome.answeredAt }),
          ...(rrCaller === undefined ? {} : { rrCaller }),
          ...(rrOutbound === undefined ? {} : viaMesh ? { rrMesh: rrOutbound } : { rrCallee: rrOutbound }),
          ...(viaMesh ? { calleeWorkerId: outcome.calleeWorker } : {}),
        };
        if (wasOpened) await this.cdrs.finish(base.tenant, base.start, base.callId, ending);
        else {
          await this.cdrs.write({
            ...base,
            ...(dstchannel === undefined ? {} : { dstchannel }),
            ...(outcome.destination === undefined ? {} : { lastdata: outcome.destination }),
            ...ending,
            duration: Math.max(0, Math.round((outcome.endedAt - base.start) / 1000)),
            billsec: outcome.answeredAt === undefined ? 0 : Math.max(0, Math.round((outcome.endedAt - outcome.answeredAt) / 1000)),
          });
        }
      })
      .catch((error: unknown) => this.logger.error('writing the CDR failed', { error, callId: base.callId }));
  }

  /**
   * The far leg of a call that reached this worker over the mesh: its quality goes into the
   * ingress worker's record. That record exists from the answer on; a call never answered
   * has no media worth reporting, so nothing is written for it.
   */
  async calleeLegEnded(tenant: string, cdr: { start: number; callId: string }, leg: Call, answered: boolean): Promise<void> {
    const rr = rrFigures(leg.receiveStats());
    if (!answered || rr === undefined) return;
    try {
      // The ingress writes the open record as the answer crosses it: give it a moment if it is not there yet.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await this.cdrs.recordCalleeLeg(tenant, cdr.start, cdr.callId, rr, this.workerId)) return;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      this.logger.warn('the ingress CDR for a mesh call was not found; the far leg\'s figures are dropped', { callId: cdr.callId });
    } catch (error) {
      this.logger.error('recording the far leg of a mesh call failed', { error, callId: cdr.callId });
    }
  }
}
