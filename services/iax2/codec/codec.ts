import { DecodeErrorCode, EncodeErrorCode, Iax2DecodeError, Iax2EncodeError } from './errors.ts';
import type { Frame } from './frame.ts';
import { decodeFullFrame, encodeFullFrame, fullFrameEncodingLength } from './full-frame.ts';
import {
  decodeMetaTrunkFrame,
  encodeMetaTrunkFrame,
  META_CMD_TRUNK,
  metaTrunkFrameEncodingLength,
} from './meta-trunk-frame.ts';
import { decodeMiniFrame, encodeMiniFrame, MINI_HEADER_LENGTH, miniFrameEncodingLength } from './mini-frame.ts';
import { decodeVideoMiniFrame, encodeVideoMiniFrame, videoMiniFrameEncodingLength } from './video-mini-frame.ts';

/**
 * Decodes any IAX2 datagram. Throws Iax2DecodeError (and nothing else) for bytes that are not
 * a frame Asterisk would process; the error's code says which rule failed and where.
 */
export function decodeDatagram(buf: Buffer): Frame {
  if (buf.length < MINI_HEADER_LENGTH) {
    throw new Iax2DecodeError(
      DecodeErrorCode.SHORT_DATAGRAM,
      `datagram of ${buf.length} bytes is shorter than any IAX2 frame (4)`,
      buf.length,
    );
  }
  if (buf[0] === 0 && buf[1] === 0) {
    const metaCommand = buf[2]!;
    if ((metaCommand & 0x80) !== 0) return decodeVideoMiniFrame(buf);
    if (metaCommand !== META_CMD_TRUNK) {
      throw new Iax2DecodeError(
        DecodeErrorCode.UNKNOWN_META,
        `meta command ${metaCommand} is not trunk (1)`,
        2,
      );
    }
    return decodeMetaTrunkFrame(buf);
  }
  if ((buf[0]! & 0x80) !== 0) return decodeFullFrame(buf);
  return decodeMiniFrame(buf);
}

/** The exact number of bytes encodeInto will write for `frame`. */
export function encodingLength(frame: Frame): number {
  switch (frame.kind) {
    case 'full':
      return fullFrameEncodingLength(frame);
    case 'mini':
      return miniFrameEncodingLength(frame);
    case 'meta-video':
      return videoMiniFrameEncodingLength(frame);
    case 'meta-trunk':
      return metaTrunkFrameEncodingLength(frame);
  }
}

/**
 * Writes `frame` into `buf` at `offset` and returns the bytes written. Throws Iax2EncodeError
 * for values that cannot go on the wire, and when `buf` has no room (checked before anything
 * is written); after a value error the bytes from `offset` on are unspecified.
 */
export function encodeInto(frame: Frame, buf: Buffer, offset = 0): number {
  const length = encodingLength(frame);
  if (offset < 0 || offset + length > buf.length) {
    throw new Iax2EncodeError(
      EncodeErrorCode.BUFFER_TOO_SMALL,
      `${frame.kind} frame needs ${length} bytes at offset ${offset}; the buffer has ${buf.length}`,
    );
  }
  switch (frame.kind) {
    case 'full':
      return encodeFullFrame(frame, buf, offset);
    case 'mini':
      return encodeMiniFrame(frame, buf, offset);
    case 'meta-video':
      return encodeVideoMiniFrame(frame, buf, offset);
    case 'meta-trunk':
      return encodeMetaTrunkFrame(frame, buf, offset);
  }
}

/** Encodes `frame` into a new Buffer of exactly its length. */
export function encode(frame: Frame): Buffer {
  const buf = Buffer.allocUnsafe(encodingLength(frame));
  encodeInto(frame, buf, 0);
  return buf;
}
