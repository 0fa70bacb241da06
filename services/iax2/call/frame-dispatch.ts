/**
 * What a call does with a full frame once sequencing has accepted it: media, control, DTMF,
 * text and comfort noise go to the call's user (only after ACCEPT, protocol.md §6.2); IAX
 * commands are answered as chan_iax2 answers them (PING/PONG, LAGRQ/LAGRP, VNAK, HANGUP,
 * REJECT, RTKEY, UNSUPPORT for anything unknown, protocol.md §2.2); setup commands go to the
 * setup handler. The call hands over the few moves this needs as DispatchHooks, so its fields
 * stay its own and this module knows nothing of the Call class.
 */
import { ControlSubclass } from '../codec/control-subclasses.ts';
import { FrameType, IaxCommand, IeId, ieNumber, ieString, type FullFrame, type Ie } from '../codec/index.ts';
import type { TypedEvents } from '../typed-events.ts';
import type { CallEvents, CloseReason } from './call-types.ts';
import { isStarted, type CallState } from './call-state.ts';
import { rrFromIes, rrToIes, type RrReport } from './rr-stats.ts';

/**
 * The moves of a call that frame dispatch may make, as functions of the call: one object for
 * every call (nothing allocated per call), written inside the Call class so that they may reach
 * its private state while nothing outside may.
 */
export interface DispatchHooks<C> {
  state(call: C): CallState;
  events(call: C): TypedEvents<CallEvents>;
  /** Offers a frame to the call's setup handler; true when it took it. */
  offerToSetup(call: C, frame: FullFrame): boolean;
  /** The peer answered (CONTROL ANSWER while accepted). */
  remoteAnswered(call: C): void;
  /** RTKEY: the peer's frames now use this key (protocol.md §11.5). */
  receiveKey(call: C, key: Buffer): void;
  close(call: C, reason: CloseReason): void;
  sendIax(call: C, command: number, ies: Ie[], options?: { timestamp?: number }): number;
  sendAck(call: C, frame: FullFrame): void;
  receiveStats(call: C): RrReport;
  /** A PONG measured this round trip. */
  measuredRtt(call: C, rttMs: number): void;
  /** A full voice frame: sets the receive format, then delivers like any voice. */
  voiceFrame(call: C, format: bigint, payload: Buffer, timestamp: number): void;
  /** Our transmit clock now, as an IAX frame would carry it (for PONG's round trip). */
  iaxTimestamp(call: C): number;
  resendFrom(call: C, iseqno: number): void;
}

/** ACK, PONG and LAGRP carry our own clock echoed back; everything else moves the peer's. */
export function updatesRxClock(frame: FullFrame): boolean {
  if (frame.frameType !== FrameType.IAX) return true;
  return frame.subclass !== IaxCommand.ACK && frame.subclass !== IaxCommand.PONG && frame.subclass !== IaxCommand.LAGRP;
}

const EMPTY = Buffer.alloc(0);

export function dispatchFrame<C>(hooks: DispatchHooks<C>, call: C, frame: FullFrame): void {
  if (frame.frameType === FrameType.IAX) {
    handleIax(hooks, call, frame);
    return;
  }
  // Before ACCEPT, media and control are acknowledged and thrown away (protocol.md §6.2).
  if (!isStarted(hooks.state(call))) return;
  const payload = frame.payload ?? EMPTY;
  const events = hooks.events(call);
  switch (frame.frameType) {
    case FrameType.VOICE:
      hooks.voiceFrame(call, BigInt(frame.subclass), payload, frame.timestamp);
      return;
    case FrameType.CONTROL:
      if (frame.subclass === ControlSubclass.ANSWER) hooks.remoteAnswered(call);
      events.emit('control', { subclass: frame.subclass, payload });
      return;
    case FrameType.DTMF_BEGIN:
    case FrameType.DTMF_END:
      events.emit('dtmf', { digit: String.fromCharCode(frame.subclass), end: frame.frameType === FrameType.DTMF_END });
      return;
    case FrameType.TEXT: {
      const nul = payload.indexOf(0);
      events.emit('text', { text: payload.toString('utf8', 0, nul < 0 ? payload.length : nul) });
      return;
    }
    case FrameType.CNG:
      events.emit('cng', { level: frame.subclass, payload });
      return;
    default:
      return;
  }
}

function handleIax<C>(hooks: DispatchHooks<C>, call: C, frame: FullFrame): void {
  const command = frame.subclass;
  switch (command) {
    case IaxCommand.ACK:
      return;
    case IaxCommand.PING:
      hooks.sendIax(call, IaxCommand.PONG, rrToIes(hooks.receiveStats(call)), { timestamp: frame.timestamp });
      return;
    case IaxCommand.PONG: {
      const rtt = Math.max(1, hooks.iaxTimestamp(call) - frame.timestamp);
      hooks.measuredRtt(call, rtt);
      hooks.events(call).emit('pong', { rttMs: rtt, rr: rrFromIes(frame.ies ?? []) });
      return;
    }
    case IaxCommand.LAGRQ:
      hooks.sendIax(call, IaxCommand.LAGRP, [], { timestamp: frame.timestamp });
      return;
    case IaxCommand.LAGRP:
      return;
    case IaxCommand.VNAK:
      hooks.resendFrom(call, frame.iseqno);
      return;
    case IaxCommand.INVAL:
      hooks.close(call, 'inval');
      return;
    case IaxCommand.HANGUP: {
      hooks.sendAck(call, frame);
      const ies = frame.ies ?? [];
      hooks.events(call).emit('hangup', { causeCode: ieNumber(ies, IeId.CAUSECODE), cause: ieString(ies, IeId.CAUSE) });
      hooks.close(call, 'hangup-received');
      return;
    }
    case IaxCommand.REJECT: {
      hooks.sendAck(call, frame);
      if (hooks.offerToSetup(call, frame)) return;
      const ies = frame.ies ?? [];
      hooks.events(call).emit('rejected', { cause: ieString(ies, IeId.CAUSE), causeCode: ieNumber(ies, IeId.CAUSECODE) });
      hooks.close(call, 'rejected');
      return;
    }
    case IaxCommand.RTKEY: {
      const key = (frame.ies ?? []).find((ie) => ie.id === IeId.CHALLENGE)?.value;
      if (Buffer.isBuffer(key) && key.length === 16) hooks.receiveKey(call, key);
      return;
    }
    case IaxCommand.UNSUPPORT:
    case IaxCommand.QUELCH:
    case IaxCommand.UNQUELCH:
      return;
    default:
      if (hooks.offerToSetup(call, frame)) return;
      // Anything else, including firmware and provisioning: UNSUPPORT naming it (protocol.md §2.2).
      hooks.sendIax(call, IaxCommand.UNSUPPORT, [{ id: IeId.IAX_UNKNOWN, value: command & 0xff }]);
  }
}
