/**
 * Plain mini frames for the relay's hot path, written into one buffer shared by every call:
 * the Transport contract lets a sender reuse its buffer as soon as send() returns (the UDP
 * transport copies), so sending a mini frame allocates nothing here.
 */
let scratch = Buffer.allocUnsafe(4 + 1500);

/** A mini frame in the shared buffer; valid until the next call. */
export function writeMini(sourceCall: number, timestamp16: number, payload: Buffer): Buffer {
  if (scratch.length < 4 + payload.length) scratch = Buffer.allocUnsafe(4 + payload.length);
  scratch.writeUInt16BE(sourceCall & 0x7fff, 0);
  scratch.writeUInt16BE(timestamp16, 2);
  payload.copy(scratch, 4);
  return scratch.subarray(0, 4 + payload.length);
}
