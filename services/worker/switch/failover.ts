/** Q.850 causes the switch uses (the HANGUP/REJECT CAUSECODE IE, iax2-facts §7). */
export const Cause = {
  UNALLOCATED: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  DESTINATION_OUT_OF_ORDER: 27,
  NORMAL_UNSPECIFIED: 31,
  NO_CIRCUIT_AVAILABLE: 34,
  NETWORK_OUT_OF_ORDER: 38,
  SWITCH_CONGESTION: 42,
  BEARER_CAPABILITY_NOT_AVAILABLE: 58,
} as const;

/** Causes after which Dial tries the next destination: congestion and unavailability, never busy. */
export function failsOver(cause: number | undefined): boolean {
  return cause !== Cause.USER_BUSY && cause !== Cause.CALL_REJECTED;
}

/** The text Asterisk puts in CAUSE for the codes it sends most. */
export function causeText(code: number): string {
  switch (code) {
    case Cause.UNALLOCATED: return 'No such context/extension';
    case Cause.USER_BUSY: return 'User busy';
    case Cause.NO_ANSWER: return 'No answer';
    case Cause.SUBSCRIBER_ABSENT: return 'Subscriber absent';
    case Cause.NO_CIRCUIT_AVAILABLE: return 'No circuit/channel available';
    case Cause.SWITCH_CONGESTION: return 'Switching equipment congestion';
    case Cause.BEARER_CAPABILITY_NOT_AVAILABLE: return 'Unable to negotiate codec';
    default: return 'Normal Clearing';
  }
}
