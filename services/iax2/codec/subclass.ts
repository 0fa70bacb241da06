import { EncodeErrorCode, Iax2EncodeError } from './errors.ts';

/**
 * Byte 11 of a full frame (protocol.md §1.6). Values below 0x80 go as they are; a larger value
 * must be a power of two 2^n and goes as 0x80 | n. The byte 0xFF is the special value -1
 * ("stop tones" on CONTROL frames), never 2^63. Bit 6 is ignored on decode, except on video
 * frames where it is the marker (handled by the caller).
 */
export const SUBCLASS_STOP_TONES = -1;
const STOP_TONES_BYTE = 0xff;
const COMPRESSED = 0x80;
export const VIDEO_MARKER_BIT = 0x40;

export function uncompressSubclass(byte: number): number {
  if ((byte & COMPRESSED) === 0) return byte;
  if (byte === STOP_TONES_BYTE) return SUBCLASS_STOP_TONES;
  return 2 ** (byte & 0x3f);
}

export function compressSubclass(value: number): number {
  if (value === SUBCLASS_STOP_TONES) return STOP_TONES_BYTE;
  if (Number.isInteger(value) && value >= 0 && value < COMPRESSED) return value;
  const n = Math.log2(value);
  if (Number.isInteger(n) && n >= 7 && n <= 63) return COMPRESSED | n;
  throw new Iax2EncodeError(
    EncodeErrorCode.SUBCLASS_NOT_ENCODABLE,
    `subclass ${value} is neither below 0x80 nor a power of two`,
  );
}
