import assert from 'node:assert/strict';
import { decodeDatagram, encode, encodeInto, encodingLength, type Frame } from '../../services/iax2/codec/index.ts';

/**
 * The round trip every codec test goes through: encode, decode, re-encode; the lengths agree
 * with encodingLength; and encoding at an offset into a larger foreign buffer writes the same
 * bytes there and touches nothing around them. Returns the encoded bytes and the decoded frame.
 */
export function assertRoundTrip(frame: Frame): { bytes: Buffer; decoded: Frame } {
  const length = encodingLength(frame);
  const bytes = encode(frame);
  assert.equal(bytes.length, length, 'encode() length equals encodingLength()');

  const decoded = decodeDatagram(bytes);
  assert.equal(decoded.kind, frame.kind);
  const again = encode(decoded);
  assert.deepEqual(again, bytes, 'decode then re-encode gives the same bytes');

  const foreign = Buffer.alloc(length + 37, 0xa5);
  const offset = 17;
  const written = encodeInto(frame, foreign, offset);
  assert.equal(written, length, 'encodeInto returns the bytes written');
  assert.deepEqual(foreign.subarray(offset, offset + length), bytes, 'encodeInto at an offset writes the same bytes');
  assert.ok(foreign.subarray(0, offset).every((b) => b === 0xa5), 'nothing written before the offset');
  assert.ok(foreign.subarray(offset + length).every((b) => b === 0xa5), 'nothing written after the frame');

  // Decoding from a view whose byteOffset is not 0 must read the same frame.
  const view = foreign.subarray(offset, offset + length);
  assert.deepEqual(encode(decodeDatagram(view)), bytes, 'decoding a view into a larger buffer');
  return { bytes, decoded };
}

export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s:]/g, ''), 'hex');
}
