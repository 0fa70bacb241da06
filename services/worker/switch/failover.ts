/** Dial()'s failover rule for a route's destinations. */
import { Cause } from '../../iax2/codec/index.ts';

/** Causes after which Dial tries the next destination: congestion and unavailability, never busy. */
export function failsOver(cause: number | undefined): boolean {
  return cause !== Cause.USER_BUSY && cause !== Cause.CALL_REJECTED;
}
