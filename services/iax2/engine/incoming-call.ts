/** What the engine's user learns about an incoming call once its caller is authenticated. */
import type { IaxUser } from '../peer-directory.ts';

export interface IncomingCallInfo {
  /** The USERNAME the NEW carried (none when the caller was matched by its address). */
  username: string | undefined;
  user: IaxUser | undefined;
  calledNumber: string;
  calledContext: string | undefined;
  callingNumber: string | undefined;
  callingName: string | undefined;
  language: string | undefined;
  peerCapability: bigint;
  peerFormat: bigint;
  peerPrefs: bigint[];
  encrypted: boolean;
}
