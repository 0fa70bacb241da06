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
  /** The NEW's VARIABLE IEs (`name=value`, as Asterisk's IAXVAR sends them), by name. */
  variables: ReadonlyMap<string, string>;
}

/** VARIABLE IEs (`name=value`) by name; a later one of the same name wins, one without `=` is skipped. */
export function variablesOf(ies: readonly { id: number; value: unknown }[], variableId: number): Map<string, string> {
  const found = new Map<string, string>();
  for (const ie of ies) {
    if (ie.id !== variableId || typeof ie.value !== 'string') continue;
    const at = ie.value.indexOf('=');
    if (at > 0) found.set(ie.value.slice(0, at), ie.value.slice(at + 1));
  }
  return found;
}
