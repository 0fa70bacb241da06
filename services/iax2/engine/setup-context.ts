import type { Clock } from '../../../shared/clock.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { Call } from '../call/call.ts';
import type { RsaPublicKey } from '../crypto/index.ts';
import type { PeerDirectory } from '../peer-directory.ts';
import type { IncomingCallInfo } from './inbound-setup.ts';
import type { Refusals } from './refusals.ts';
import type { ChallengeWindow } from './challenge-window.ts';

/** Counters the engine exposes for metrics. */
export interface EngineStats {
  datagramsIn: number;
  datagramsOut: number;
  decodeErrors: number;
  droppedUnknownCall: number;
  callTokensSent: number;
  statelessRejects: number;
  authFailures: number;
  callsIn: number;
  callsOut: number;
}

/** What the engine shares with its call-setup handlers. */
export interface SetupContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly directory: PeerDirectory;
  readonly stats: EngineStats;
  readonly delayRejectMs: number;
  readonly defaultCapability: bigint;
  /** Outbound calls waiting on one callee's challenge at once (its maxauthreq). */
  readonly challengeWindow: ChallengeWindow;
  /** Refusals counted by reason and logged (throttled). */
  readonly refusals: Refusals;
  /** AUTHREQs awaiting an AUTHREP per user and source address, for maxauthreq (§8.6). */
  readonly authReqOutstanding: Map<string, number>;
  /** The AUTHMETHODS a decoy shows: the last set really asked for (§6.4). */
  lastAuthMethods: number;
  /** A CHALLENGE as Asterisk makes them: a random 31-bit number, at most 9 digits (§8.1). */
  newChallenge(): string;
  /** Parsed `inkeys`, cached by PEM text. */
  publicKeys(pems: readonly string[]): RsaPublicKey[];
  onIncomingCall(call: Call, info: IncomingCallInfo): void;
}
