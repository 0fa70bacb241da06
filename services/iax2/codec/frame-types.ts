import { nameTable } from './name-table.ts';

/**
 * Frame types: byte 10 of a full frame (RFC 5456 §8.2; protocol.md §2.1). Types 13..16 are
 * Asterisk-internal and never legitimately on the wire, but we still decode them as numbers.
 */
export const FrameType = {
  DTMF_END: 0x01,
  VOICE: 0x02,
  VIDEO: 0x03,
  CONTROL: 0x04,
  NULL: 0x05,
  IAX: 0x06,
  TEXT: 0x07,
  IMAGE: 0x08,
  HTML: 0x09,
  CNG: 0x0a,
  MODEM: 0x0b,
  DTMF_BEGIN: 0x0c,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const frameTypes = nameTable(FrameType);
