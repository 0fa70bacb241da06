import { DecodeErrorCode, Iax2DecodeError } from './errors.ts';
import { checkCallNumber, checkField } from './field-checks.ts';
import type { MiniFrame } from './frame.ts';

/**
 * Mini voice frame, RFC 5456 §8.1.2 (protocol.md §1.3). Unreliable; the codec is that of the
 * last full voice frame on the call.
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-----------------------------+-------------------------------+
 * |F|     Source Call Number      |   Timestamp (low 16 bits)     |
 * +-+-----------------------------+-------------------------------+
 * |                         Voice payload ...                     |
 */
export const MINI_HEADER_LENGTH = 4;
const EMPTY = Buffer.alloc(0);

/**
 * A decoded mini frame that points into the datagram instead of copying out of it: the hot
 * relay path reads the header fields and the payload bounds and allocates nothing else.
 * `payload` makes a view only when asked for. Reuse one instance with decodeMiniFrameInto.
 */
export class MiniFrameView implements MiniFrame {
  readonly kind = 'mini' as const;
  sourceCall = 0;
  timestamp = 0;
  datagram: Buffer = EMPTY;
  readonly payloadOffset = MINI_HEADER_LENGTH;
  payloadLength = 0;

  get payload(): Buffer {
    return this.datagram.subarray(MINI_HEADER_LENGTH, MINI_HEADER_LENGTH + this.payloadLength);
  }
}

/** Fills `into` from a datagram already classified as mini; returns `into`. */
export function decodeMiniFrameInto(buf: Buffer, into: MiniFrameView): MiniFrameView {
  if (buf.length < MINI_HEADER_LENGTH) {
    throw new Iax2DecodeError(DecodeErrorCode.SHORT_DATAGRAM, `datagram of ${buf.length} bytes`, buf.length);
  }
  into.sourceCall = ((buf[0]! << 8) | buf[1]!) & 0x7fff;
  into.timestamp = (buf[2]! << 8) | buf[3]!;
  into.datagram = buf;
  into.payloadLength = buf.length - MINI_HEADER_LENGTH;
  return into;
}

export function decodeMiniFrame(buf: Buffer): MiniFrameView {
  return decodeMiniFrameInto(buf, new MiniFrameView());
}

export function miniFrameEncodingLength(frame: MiniFrame): number {
  return MINI_HEADER_LENGTH + frame.payload.length;
}

export function encodeMiniFrame(frame: MiniFrame, buf: Buffer, offset: number): number {
  // Call number 0 would turn the datagram into a meta frame (protocol.md §1.1).
  checkCallNumber('mini frame source', frame.sourceCall, 1);
  checkField('mini frame timestamp', frame.timestamp, 0xffff);
  return writeMiniFrame(frame.sourceCall, frame.timestamp, frame.payload, buf, offset);
}

/**
 * The mini frame writer itself, for the relay's hot path: no frame object and no checks
 * (the caller's call number and 16-bit timestamp are in range by construction). `buf` must
 * hold 4 + payload bytes from `offset`. Returns the bytes written.
 */
export function writeMiniFrame(sourceCall: number, timestamp16: number, payload: Buffer, buf: Buffer, offset: number): number {
  buf[offset] = (sourceCall >> 8) & 0x7f;
  buf[offset + 1] = sourceCall & 0xff;
  buf[offset + 2] = (timestamp16 >> 8) & 0xff;
  buf[offset + 3] = timestamp16 & 0xff;
  return MINI_HEADER_LENGTH + payload.copy(buf, offset + MINI_HEADER_LENGTH);
}
