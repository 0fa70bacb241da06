import { truncatedHeader } from './errors.ts';
import { checkCallNumber, checkField } from './field-checks.ts';
import type { FullFrame } from './frame.ts';
import { FrameType } from './frame-types.ts';
import { decodeIes, encodeIes, iesEncodingLength } from './ie.ts';
import { compressSubclass, uncompressSubclass, VIDEO_MARKER_BIT } from './subclass.ts';

/**
 * Full frame, RFC 5456 §8.1.1 (protocol.md §1.2):
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-----------------------------+-+-----------------------------+
 * |F|     Source Call Number      |R|   Destination Call Number   |
 * +-+-----------------------------+-+-----------------------------+
 * |                           Timestamp                           |
 * +---------------+---------------+---------------+---------------+
 * |   OSeqno      |    ISeqno     |  Frame Type   |C|  Subclass   |
 * +---------------+---------------+---------------+---------------+
 * |                     Payload (IEs for type IAX) ...            |
 */
export const FULL_HEADER_LENGTH = 12;
const FLAG = 0x8000;
const CALL_MASK = 0x7fff;

export function decodeFullFrame(buf: Buffer): FullFrame {
  if (buf.length < FULL_HEADER_LENGTH) {
    throw truncatedHeader('full frame', buf.length, FULL_HEADER_LENGTH);
  }
  const word0 = buf.readUInt16BE(0);
  const word1 = buf.readUInt16BE(2);
  const frameType = buf[10] ?? 0;
  const csub = buf[11] ?? 0;
  const frame: FullFrame = {
    kind: 'full',
    sourceCall: word0 & CALL_MASK,
    destCall: word1 & CALL_MASK,
    retransmitted: (word1 & FLAG) !== 0,
    timestamp: buf.readUInt32BE(4),
    oseqno: buf[8] ?? 0,
    iseqno: buf[9] ?? 0,
    frameType,
    subclass: 0,
    payload: buf.subarray(FULL_HEADER_LENGTH),
  };
  if (frameType === FrameType.VIDEO) {
    // Video keeps the marker in bit 6 and the format in the rest (protocol.md §1.6).
    frame.videoMarker = (csub & VIDEO_MARKER_BIT) !== 0;
    frame.subclass = uncompressSubclass(csub & ~VIDEO_MARKER_BIT);
  } else {
    frame.subclass = uncompressSubclass(csub);
  }
  if (frameType === FrameType.IAX) frame.ies = decodeIes(buf, FULL_HEADER_LENGTH, buf.length);
  return frame;
}

export function fullFrameEncodingLength(frame: FullFrame): number {
  const body =
    frame.frameType === FrameType.IAX && frame.ies !== undefined
      ? iesEncodingLength(frame.ies)
      : (frame.payload?.length ?? 0);
  return FULL_HEADER_LENGTH + body;
}

/** Writes the frame at `offset`; `length` is fullFrameEncodingLength(frame), already checked. */
export function encodeFullFrame(frame: FullFrame, buf: Buffer, offset: number): number {
  checkCallNumber('source', frame.sourceCall);
  checkCallNumber('destination', frame.destCall);
  checkField('timestamp', frame.timestamp, 0xffffffff);
  checkField('oseqno', frame.oseqno, 0xff);
  checkField('iseqno', frame.iseqno, 0xff);
  checkField('frame type', frame.frameType, 0xff);
  let csub = compressSubclass(frame.subclass);
  if (frame.frameType === FrameType.VIDEO && frame.videoMarker === true) csub |= VIDEO_MARKER_BIT;

  buf.writeUInt16BE(FLAG | frame.sourceCall, offset);
  buf.writeUInt16BE((frame.retransmitted ? FLAG : 0) | frame.destCall, offset + 2);
  buf.writeUInt32BE(frame.timestamp, offset + 4);
  buf[offset + 8] = frame.oseqno;
  buf[offset + 9] = frame.iseqno;
  buf[offset + 10] = frame.frameType;
  buf[offset + 11] = csub;
  let written = FULL_HEADER_LENGTH;
  if (frame.frameType === FrameType.IAX && frame.ies !== undefined) {
    written += encodeIes(frame.ies, buf, offset + written);
  } else if (frame.payload !== undefined) {
    written += frame.payload.copy(buf, offset + written);
  }
  return written;
}

/** Sets or clears the R bit of an encoded full frame in place (retransmission, protocol.md §4.4). */
export function setRetransmitted(datagram: Buffer, retransmitted: boolean): void {
  const word1 = datagram.readUInt16BE(2);
  datagram.writeUInt16BE(retransmitted ? word1 | FLAG : word1 & CALL_MASK, 2);
}

/**
 * Turns an encoded full frame into its retransmission, in place: the R bit set and the
 * ISeqno brought up to what we expect now (protocol.md §4.4). Nothing else changes: the
 * timestamp and OSeqno stay those of the first transmission.
 */
export function markRetransmission(datagram: Buffer, iseqno: number): void {
  datagram[2] = datagram[2]! | (FLAG >> 8);
  datagram[9] = iseqno & 0xff;
}

/** The destination call number of an encoded full frame, without decoding it. */
export function peekDestCall(datagram: Uint8Array): number {
  return ((datagram[2]! << 8) | datagram[3]!) & CALL_MASK;
}
