/**
 * What a call does with a full frame once sequencing has accepted it: media, control, DTMF,
 * text and comfort noise go to the call's user (only after ACCEPT, §6.2); IAX commands are
 * answered as chan_iax2 answers them (PING/PONG, LAGRQ/LAGRP, VNAK, HANGUP, REJECT, RTKEY,
 * UNSUPPORT for anything unknown, §2.2); setup commands go to the setup handler. The call
 * hands over the few private moves this needs as functions, so its fields stay its own.
 */
import { ControlSubclass } from '../codec/control-subclasses.ts';
import { FrameType, IaxCommand, IeId, ieNumber, ieString, type FullFrame } from '../codec/index.ts';
import type { Call } from './call.ts';
import { CallState, isStarted } from './call-state.ts';
import { rrFromIes, rrToIes } from './rr-stats.ts';

export interface DispatchHooks {
  call: Pick<Call, 'state' | 'events' | 'setup' | 'cipher' | 'transition' | 'close' | 'sendIax' | 'receiveStats' | 'pingtimeMs'>;
  sendAck(frame: FullFrame): void;
  /** A full voice frame: sets the receive format, then delivers like any voice. */
  voiceFrame(format: bigint, payload: Buffer, timestamp: number): void;
  /** Our transmit clock now, as an IAX frame would carry it (for PONG's round trip). */
  iaxTimestamp(): number;
  resendFrom(iseqno: number): void;
}

/** ACK, PONG and LAGRP carry our own clock echoed back; everything else moves the peer's. */
export function updatesRxClock(frame: FullFrame): boolean {
  if (frame.frameType !== FrameType.IAX) return true;
  return frame.subclass !== IaxCommand.ACK && frame.subclass !== IaxCommand.PONG && frame.subclass !== IaxCommand.LAGRP;
}

export function dispatchFrame(hooks: DispatchHooks, frame: FullFrame, command: number): void {
  if (frame.frameType === FrameType.IAX) {
    handleIax(hooks, frame, command);
    return;
  }
  const { call } = hooks;
  // Before ACCEPT, media and control are acknowledged and thrown away (§6.2).
  if (!isStarted(call.state)) return;
  const payload = frame.payload ?? Buffer.alloc(0);
  switch (frame.frameType) {
    case FrameType.VOICE:
      hooks.voiceFrame(BigInt(frame.subclass), payload, frame.timestamp);
      return;
    case FrameType.CONTROL:
      if (frame.subclass === ControlSubclass.ANSWER && call.state === CallState.Accepted) call.transition(CallState.Answered);
      call.events.emit('control', { subclass: frame.subclass, payload });
      return;
    case FrameType.DTMF_BEGIN:
    case FrameType.DTMF_END:
      call.events.emit('dtmf', { digit: String.fromCharCode(frame.subclass), end: frame.frameType === FrameType.DTMF_END });
      return;
    case FrameType.TEXT: {
      const nul = payload.indexOf(0);
      call.events.emit('text', { text: payload.toString('utf8', 0, nul < 0 ? payload.length : nul) });
      return;
    }
    case FrameType.CNG:
      call.events.emit('cng', { level: frame.subclass, payload });
      return;
    default:
      return;
  }
}

function handleIax(hooks: DispatchHooks, frame: FullFrame, command: number): void {
  const { call } = hooks;
  switch (command) {
    case IaxCommand.ACK:
      return;
    case IaxCommand.PING:
      call.sendIax(IaxCommand.PONG, rrToIes(call.receiveStats()), { timestamp: frame.timestamp });
      return;
    case IaxCommand.PONG: {
      const rtt = Math.max(1, hooks.iaxTimestamp() - frame.timestamp);
      call.pingtimeMs = rtt;
      call.events.emit('pong', { rttMs: rtt, rr: rrFromIes(frame.ies ?? []) });
      return;
    }
    case IaxCommand.LAGRQ:
      call.sendIax(IaxCommand.LAGRP, [], { timestamp: frame.timestamp });
      return;
    case IaxCommand.LAGRP:
      return;
    case IaxCommand.VNAK:
      hooks.resendFrom(frame.iseqno);
      return;
    case IaxCommand.INVAL:
      call.close('inval');
      return;
    case IaxCommand.HANGUP: {
      hooks.sendAck(frame);
      const ies = frame.ies ?? [];
      call.events.emit('hangup', { causeCode: ieNumber(ies, IeId.CAUSECODE), cause: ieString(ies, IeId.CAUSE) });
      call.close('hangup-received');
      return;
    }
    case IaxCommand.REJECT: {
      hooks.sendAck(frame);
      if (call.setup?.handle(frame) === true) return;
      const ies = frame.ies ?? [];
      call.events.emit('rejected', { cause: ieString(ies, IeId.CAUSE), causeCode: ieNumber(ies, IeId.CAUSECODE) });
      call.close('rejected');
      return;
    }
    case IaxCommand.RTKEY: {
      const key = (frame.ies ?? []).find((ie) => ie.id === IeId.CHALLENGE)?.value;
      if (call.cipher !== undefined && Buffer.isBuffer(key) && key.length === 16) call.cipher.setReceiveKey(key);
      return;
    }
    case IaxCommand.UNSUPPORT:
    case IaxCommand.QUELCH:
    case IaxCommand.UNQUELCH:
      return;
    default:
      if (call.setup?.handle(frame) === true) return;
      // Anything else, including firmware and provisioning: UNSUPPORT naming it (§2.2).
      call.sendIax(IaxCommand.UNSUPPORT, [{ id: IeId.IAX_UNKNOWN, value: command & 0xff }]);
  }
}
