import { truncatedHeader } from './errors.ts';
import { checkCallNumber, checkField } from './field-checks.ts';
import type { VideoMiniFrame } from './frame.ts';

/**
 * Video mini frame ("meta video", RFC 5456 §8.1.3; protocol.md §1.4):
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------------------------------+-+-----------------------------+
 * |           0x0000              |1|     Source Call Number      |
 * +-+-----------------------------+-+-----------------------------+
 * |M|  Timestamp (low 15 bits)    |       Video payload ...       |
 * +-+-----------------------------+-------------------------------+
 */
export const VIDEO_MINI_HEADER_LENGTH = 6;

export function decodeVideoMiniFrame(buf: Buffer): VideoMiniFrame {
  if (buf.length < VIDEO_MINI_HEADER_LENGTH) {
    throw truncatedHeader('video mini frame', buf.length, VIDEO_MINI_HEADER_LENGTH);
  }
  const word = buf.readUInt16BE(4);
  return {
    kind: 'meta-video',
    sourceCall: buf.readUInt16BE(2) & 0x7fff,
    timestamp: word & 0x7fff,
    marker: (word & 0x8000) !== 0,
    payload: buf.subarray(VIDEO_MINI_HEADER_LENGTH),
  };
}

export function videoMiniFrameEncodingLength(frame: VideoMiniFrame): number {
  return VIDEO_MINI_HEADER_LENGTH + frame.payload.length;
}

export function encodeVideoMiniFrame(frame: VideoMiniFrame, buf: Buffer, offset: number): number {
  checkCallNumber('video mini frame source', frame.sourceCall);
  checkField('video mini frame timestamp', frame.timestamp, 0x7fff);
  buf.writeUInt16BE(0, offset);
  buf.writeUInt16BE(0x8000 | frame.sourceCall, offset + 2);
  buf.writeUInt16BE((frame.marker ? 0x8000 : 0) | frame.timestamp, offset + 4);
  return VIDEO_MINI_HEADER_LENGTH + frame.payload.copy(buf, offset + VIDEO_MINI_HEADER_LENGTH);
}
