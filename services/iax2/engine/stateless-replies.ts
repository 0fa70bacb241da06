/**
 * Replies that open no dialog and hold no state (protocol.md §7.2, §10.1): sent from call
 * number 1 to the requester's call number, echoing its timestamp, OSeqno 0 and ISeqno one past
 * the request's. None is larger than the request that caused it, except CALLTOKEN, whose token
 * is the point of the exchange (and 65 bytes against a NEW of 60 or more).
 */
import { encode, FrameType, IaxCommand, IeId, RejectReason, type FullFrame, type Ie } from '../codec/index.ts';

export const STATELESS_CALL = 1;

/** maxauthreq's refusal, sent before any call number is taken (admission.ts). */
export const AUTH_LIMIT_REFUSAL = RejectReason.AUTH_LIMIT;

function reply(request: FullFrame, command: number, ies: Ie[]): Buffer {
  return encode({
    kind: 'full',
    sourceCall: STATELESS_CALL,
    destCall: request.sourceCall,
    retransmitted: false,
    timestamp: request.timestamp,
    oseqno: 0,
    iseqno: (request.iseqno + 1) & 0xff,
    frameType: FrameType.IAX,
    subclass: command,
    ies,
  });
}

export function callTokenReply(request: FullFrame, token: Buffer): Buffer {
  return reply(request, IaxCommand.CALLTOKEN, [{ id: IeId.CALLTOKEN, value: token }]);
}

/**
 * The REJECT (to NEW) or REGREJ (to REGREQ/REGREL) for token and limit failures: cause-less as
 * Asterisk sends them, or with `cause` (maxauthreq's "Unauthenticated call limit reached", 21,
 * which Asterisk sends from the call it opened: the caller cannot tell the difference).
 */
export function statelessRefusal(request: FullFrame, cause?: { cause: string; causeCode: number }): Buffer {
  const command = request.subclass === IaxCommand.NEW ? IaxCommand.REJECT : IaxCommand.REGREJ;
  return reply(request, command, cause === undefined ? [] : [{ id: IeId.CAUSE, value: cause.cause }, { id: IeId.CAUSECODE, value: cause.causeCode }]);
}

/** Qualify: every POKE gets a PONG with no IEs, whatever it carries (protocol.md §10.1). */
export function pokeReply(request: FullFrame): Buffer {
  return reply(request, IaxCommand.PONG, []);
}
