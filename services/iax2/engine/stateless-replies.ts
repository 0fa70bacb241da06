/**
 * Replies that open no dialog and hold no state (protocol.md §7.2, §10.1): sent from call
 * number 1 to the requester's call number, echoing its timestamp, OSeqno 0 and ISeqno one past
 * the request's. None is larger than the request that caused it, except CALLTOKEN, whose token
 * is the point of the exchange (and 65 bytes against a NEW of 60 or more).
 */
import { encode, FrameType, IaxCommand, IeId, type FullFrame, type Ie } from '../codec/index.ts';

export const STATELESS_CALL = 1;

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

/** The cause-less REJECT (to NEW) or REGREJ (to REGREQ/REGREL) for token and limit failures. */
export function statelessRefusal(request: FullFrame): Buffer {
  const command = request.subclass === IaxCommand.NEW ? IaxCommand.REJECT : IaxCommand.REGREJ;
  return reply(request, command, []);
}

/** Qualify: every POKE gets a PONG with no IEs, whatever it carries (protocol.md §10.1). */
export function pokeReply(request: FullFrame): Buffer {
  return reply(request, IaxCommand.PONG, []);
}
