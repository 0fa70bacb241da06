/**
 * What the engine shares with the setup handlers of the calls it holds: the dialog services
 * every challenge needs, plus what only calls use. Owned by the engine; handlers reach the
 * engine's state only through the functions and counters here.
 */
import type { Call } from '../call/call.ts';
import type { DialogContext } from '../dialog/dialog-context.ts';
import type { ChallengeWindow } from '../dialog/challenge-window.ts';
import type { PeerDirectory } from '../peer-directory.ts';
import type { AuthReqLimits } from './auth-req-limits.ts';
import type { IncomingCallInfo } from './incoming-call.ts';

/** Counters the engine exposes for metrics. */
export interface EngineStats {
  datagramsIn: number;
  datagramsOut: number;
  decodeErrors: number;
  droppedUnknownCall: number;
  /** Requests dropped because too many directory lookups were waiting already (admission.ts). */
  droppedLookupOverload: number;
  /** Media datagrams dropped because they waited in the backlog past `staleMediaMs` (engine.ts). */
  droppedStaleMedia: number;
  callTokensSent: number;
  statelessRejects: number;
  authFailures: number;
  callsIn: number;
  callsOut: number;
}

export interface SetupContext extends DialogContext {
  readonly directory: PeerDirectory;
  readonly defaultCapability: bigint;
  /** AUTHREQs awaiting an AUTHREP, per user and source address (maxauthreq, protocol.md §8.6). */
  readonly authReqs: AuthReqLimits;
  /** Outbound calls waiting on one callee's challenge at once (its maxauthreq). */
  readonly challengeWindow: ChallengeWindow;
  /** An answer to a challenge was wrong (for the engine's figures). */
  authFailed(): void;
  onIncomingCall(call: Call, info: IncomingCallInfo): void;
}
