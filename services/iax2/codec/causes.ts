/**
 * Q.850 cause codes, as the CAUSECODE IE carries them (protocol.md §3.1, §6.3, §6.4), with the
 * CAUSE text Asterisk sends beside each, and the (text, code) pairs of the refusals
 * chan_iax2 makes. One table for the engine, the registrar and the switch.
 */
export const Cause = {
  UNALLOCATED: 1,
  NO_ROUTE_TO_DESTINATION: 3,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  DESTINATION_OUT_OF_ORDER: 27,
  FACILITY_REJECTED: 29,
  NORMAL_UNSPECIFIED: 31,
  NO_CIRCUIT_AVAILABLE: 34,
  NETWORK_OUT_OF_ORDER: 38,
  SWITCH_CONGESTION: 42,
  FACILITY_NOT_SUBSCRIBED: 50,
  BEARER_CAPABILITY_NOT_AVAILABLE: 58,
} as const;
export type Cause = (typeof Cause)[keyof typeof Cause];

const TEXTS: ReadonlyMap<number, string> = new Map<number, string>([
  [Cause.UNALLOCATED, 'No such context/extension'],
  [Cause.NO_ROUTE_TO_DESTINATION, 'No such context/extension'],
  [Cause.NORMAL_CLEARING, 'Normal Clearing'],
  [Cause.USER_BUSY, 'User busy'],
  [Cause.NO_USER_RESPONSE, 'No user responding'],
  [Cause.NO_ANSWER, 'No answer'],
  [Cause.SUBSCRIBER_ABSENT, 'Subscriber absent'],
  [Cause.CALL_REJECTED, 'Call Rejected'],
  [Cause.DESTINATION_OUT_OF_ORDER, 'Destination out of order'],
  [Cause.FACILITY_REJECTED, 'Facility rejected'],
  [Cause.NO_CIRCUIT_AVAILABLE, 'No circuit/channel available'],
  [Cause.NETWORK_OUT_OF_ORDER, 'Network out of order'],
  [Cause.SWITCH_CONGESTION, 'Switching equipment congestion'],
  [Cause.FACILITY_NOT_SUBSCRIBED, 'Facility not subscribed'],
  [Cause.BEARER_CAPABILITY_NOT_AVAILABLE, 'Unable to negotiate codec'],
]);

/** The CAUSE text that goes with a code when we send one; 'Normal Clearing' for codes without their own. */
export function causeText(code: number): string {
  return TEXTS.get(code) ?? 'Normal Clearing';
}

/** A refusal as it goes on the wire: the CAUSE text and the CAUSECODE. */
export interface Refusal {
  readonly cause: string;
  readonly causeCode: number;
}

/** The refusals chan_iax2 sends, with its own texts (protocol.md §6.4). */
export const RejectReason = {
  /** Unknown user, ACL, wrong credentials, version > 2, forced encryption without a key. */
  NO_AUTHORITY: { cause: 'No authority found', causeCode: Cause.FACILITY_NOT_SUBSCRIBED },
  /** `maxauthreq` challenges outstanding (protocol.md §8.6). */
  AUTH_LIMIT: { cause: 'Unauthenticated call limit reached', causeCode: Cause.CALL_REJECTED },
  NO_COMMON_CODEC: { cause: 'Unable to negotiate codec', causeCode: Cause.BEARER_CAPABILITY_NOT_AVAILABLE },
  REGISTRATION_REFUSED: { cause: 'Registration Refused', causeCode: Cause.FACILITY_REJECTED },
} as const satisfies Record<string, Refusal>;
