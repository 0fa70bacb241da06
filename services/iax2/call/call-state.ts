import { StrowgerError } from '../../../shared/errors.ts';

/**
 * The life of one call leg (RFC 5456 §6; protocol.md §6). Both directions share one machine:
 *
 *   caller: Idle -> NewSent -> (AuthRepSent) -> Accepted -> Answered -> HangingUp -> Closed
 *   callee: Idle -> NewReceived -> (AuthReqSent) -> Authenticated -> Accepted -> Answered -> ...
 *
 * Rejection, give-up and INVAL go to Closed (or HangingUp while a final frame awaits its ACK)
 * from anywhere.
 */
export const CallState = {
  Idle: 'Idle',
  NewSent: 'NewSent',
  AuthRepSent: 'AuthRepSent',
  NewReceived: 'NewReceived',
  AuthReqSent: 'AuthReqSent',
  /** Callee: the caller proved who it is; waiting for the engine's user to accept or reject. */
  Authenticated: 'Authenticated',
  /** ACCEPT sent or received: the call is "started"; ringing and progress happen here. */
  Accepted: 'Accepted',
  Answered: 'Answered',
  /** A final frame (HANGUP or REJECT) was sent and waits for its ACK. */
  HangingUp: 'HangingUp',
  Closed: 'Closed',
} as const;
export type CallState = (typeof CallState)[keyof typeof CallState];

const EDGES: Record<CallState, readonly CallState[]> = {
  Idle: ['NewSent', 'NewReceived', 'Closed'],
  NewSent: ['NewSent', 'AuthRepSent', 'Accepted', 'HangingUp', 'Closed'],
  AuthRepSent: ['Accepted', 'HangingUp', 'Closed'],
  NewReceived: ['AuthReqSent', 'Authenticated', 'HangingUp', 'Closed'],
  AuthReqSent: ['Authenticated', 'HangingUp', 'Closed'],
  Authenticated: ['Accepted', 'HangingUp', 'Closed'],
  Accepted: ['Answered', 'HangingUp', 'Closed'],
  Answered: ['HangingUp', 'Closed'],
  HangingUp: ['Closed'],
  Closed: [],
};

export class CallStateError extends StrowgerError {
  constructor(from: CallState, to: CallState) {
    super('IAX2_ERR_CALL_STATE', `no transition from ${from} to ${to}`);
  }
}

export function canTransition(from: CallState, to: CallState): boolean {
  return EDGES[from].includes(to);
}

/** States in which media and call control flow (protocol.md §6.2: "started"). */
export function isStarted(state: CallState): boolean {
  return state === CallState.Accepted || state === CallState.Answered;
}
