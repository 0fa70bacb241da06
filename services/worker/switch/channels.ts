/**
 * Calls in progress as `iax2 show channels` lists them: both legs of every bridge, for one
 * tenant or all. A leg to or from another worker (the mesh) is named `IAX2/mesh-<worker>-<n>`
 * and says which worker is at its far end.
 */
import type { ActiveCall } from '../../../shared/model/active-call.ts';
import type { Call } from '../../iax2/call/call.ts';
import { formatName } from '../../iax2/codec/formats.ts';
import type { Bridge } from './bridge.ts';

export function listChannels(bridges: Iterable<Bridge>, workerId: string, now: number, tenant?: string): ActiveCall[] {
  const list: ActiveCall[] = [];
  for (const bridge of bridges) {
    if (tenant !== undefined && bridge.tenant !== tenant) continue;
    const legs: Array<[Call | undefined, string | undefined, string | undefined]> = [
      [bridge.caller, bridge.callerChannel, bridge.callerWorker],
      [bridge.outbound, bridge.outboundChannel(), bridge.outboundWorker],
    ];
    for (const [leg, channel, meshWorker] of legs) {
      if (leg === undefined || leg.closed || channel === undefined) continue;
      const seq = leg.sequenceNumbers;
      list.push({
        tenant: bridge.tenant,
        callId: `${workerId}-${leg.localCall}`,
        channel,
        peerAddress: `${leg.remote.address}:${leg.remote.port}`,
        ...(leg === bridge.caller && bridge.info.username !== undefined && meshWorker === undefined ? { username: bridge.info.username } : {}),
        ...(meshWorker === undefined ? {} : { meshWorker }),
        leg: leg === bridge.caller ? 'caller' : 'callee',
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
        workerId,
      });
    }
  }
  return list;
}
