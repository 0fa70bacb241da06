import { nameTable } from './name-table.ts';

/**
 * Subclasses of frame type CONTROL (4): Asterisk's AST_CONTROL_* values (protocol.md §2.3).
 * STOP_TONES (-1) goes on the wire as the byte 0xFF and means "stop playing indications".
 */
export const ControlSubclass = {
  STOP_TONES: -1,
  HANGUP: 1,
  RING: 2,
  RINGING: 3,
  ANSWER: 4,
  BUSY: 5,
  TAKEOFFHOOK: 6,
  OFFHOOK: 7,
  CONGESTION: 8,
  FLASH: 9,
  WINK: 10,
  OPTION: 11,
  RADIO_KEY: 12,
  RADIO_UNKEY: 13,
  PROGRESS: 14,
  PROCEEDING: 15,
  HOLD: 16,
  UNHOLD: 17,
  VIDUPDATE: 18,
  T38: 19,
  SRCUPDATE: 20,
  TRANSFER: 21,
  CONNECTED_LINE: 22,
  REDIRECTING: 23,
  T38_PARAMETERS: 24,
  CC: 25,
  SRCCHANGE: 26,
  READ_ACTION: 27,
  AOC: 28,
  END_OF_Q: 29,
  INCOMPLETE: 30,
  MCID: 31,
  UPDATE_RTP_PEER: 32,
  PVT_CAUSE_CODE: 33,
  MASQUERADE_NOTIFY: 34,
} as const;
export type ControlSubclass = (typeof ControlSubclass)[keyof typeof ControlSubclass];

export const controlSubclasses = nameTable(ControlSubclass);

/**
 * The control frames Asterisk lets across an IAX2 link in both directions; anything else it
 * ACKs and discards (protocol.md §2.3). The switch uses this to decide what to relay.
 */
export const RELAYABLE_CONTROLS: ReadonlySet<number> = new Set([
  -1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 22, 23, 24, 28, 30, 31,
]);
