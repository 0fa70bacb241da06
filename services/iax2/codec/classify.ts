import { FULL_HEADER_LENGTH } from './full-frame.ts';
import { META_CMD_TRUNK, META_TRUNK_HEADER_LENGTH } from './meta-trunk-frame.ts';
import { MINI_HEADER_LENGTH } from './mini-frame.ts';
import { VIDEO_MINI_HEADER_LENGTH } from './video-mini-frame.ts';

export type DatagramKind = 'full' | 'mini' | 'meta-trunk' | 'meta-video' | 'invalid';

/**
 * What a received datagram is, tested in Asterisk's order (protocol.md §1.1), from its first
 * bytes alone. 'invalid' is what Asterisk drops without a word: anything under 4 bytes, a
 * full frame, video mini frame or trunk frame shorter than its header, and meta frames whose
 * command is not trunk (including the never-used command 2).
 */
export function classifyDatagram(buf: Uint8Array): DatagramKind {
  const length = buf.length;
  if (length < MINI_HEADER_LENGTH) return 'invalid';
  const b0 = buf[0]!;
  if (b0 === 0 && buf[1] === 0) {
    const b2 = buf[2]!;
    if ((b2 & 0x80) !== 0) return length < VIDEO_MINI_HEADER_LENGTH ? 'invalid' : 'meta-video';
    if (b2 !== META_CMD_TRUNK) return 'invalid';
    return length < META_TRUNK_HEADER_LENGTH ? 'invalid' : 'meta-trunk';
  }
  if ((b0 & 0x80) !== 0) return length < FULL_HEADER_LENGTH ? 'invalid' : 'full';
  return 'mini';
}

/**
 * The source call number of a full, mini or video mini frame (the first 15 bits after the F
 * bit), without decoding it: what a receiver demultiplexes by.
 */
export function peekSourceCall(datagram: Uint8Array): number {
  return ((datagram[0]! << 8) | datagram[1]!) & 0x7fff;
}
