/**
 * The shapes around a Call: what it tells its user, and the hooks a dialog plugs into it
 * (setup logic and encryption).
 */
import type { FullFrame } from '../codec/index.ts';
import type { RrReport } from './rr-stats.ts';

/** AES-128 for this call (crypto/aes-frame.ts), installed once keys are agreed. */
export interface CallCipher {
  /** Encrypts with `key` (the key a queued frame was first sent with) or the current one. */
  encrypt(plain: Buffer, kind: 'full' | 'mini', key?: Buffer): Buffer;
  decrypt(datagram: Buffer, kind: 'full' | 'mini'): Buffer | undefined;
  /** RTKEY received: the peer's frames now use these 16 bytes (protocol.md §11.5). */
  setReceiveKey(key: Buffer): void;
  /** The key this side transmits with now (kept with each queued frame for retransmission). */
  readonly transmitKey: Buffer;
  /** Our own rotation: the new key applies to everything sent from now on. */
  setTransmitKey(key: Buffer): void;
}

export type CloseReason =
  | 'hangup-sent'
  | 'hangup-received'
  | 'rejected'
  | 'reject-sent'
  | 'gave-up'
  | 'inval'
  | 'autokill'
  /** An inbound dialog that did not authenticate in time (CallInit.setupDeadlineMs). */
  | 'setup-timeout'
  | 'engine-closed'
  /** A dialog that is not a call (registration, qualify) finished its exchange. */
  | 'done';

export interface CallEvents {
  /** Caller: the callee accepted with this format. */
  accepted: { format: bigint };
  /** The peer refused the call (REJECT). */
  rejected: { cause: string | undefined; causeCode: number | undefined };
  control: { subclass: number; payload: Buffer };
  voice: { payload: Buffer; format: bigint; timestamp: number };
  dtmf: { digit: string; end: boolean };
  text: { text: string };
  cng: { level: number; payload: Buffer };
  /**
   * The call ended before its time: the peer hung up, delivery failed (cause 27, nothing
   * sent), or our own setup could not go on (we sent HANGUP with this cause).
   */
  hangup: { causeCode: number | undefined; cause: string | undefined };
  pong: { rttMs: number; rr: RrReport | undefined };
  closed: { reason: CloseReason };
}

/** Frames the setup logic (engine) handles for this call; return true when consumed. */
export interface CallSetupHandler {
  handle(frame: FullFrame): boolean;
}
