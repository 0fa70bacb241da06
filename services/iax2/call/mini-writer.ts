/**
 * Plain mini frames for the relay's hot path, written into one buffer shared by every call:
 * the Transport contract lets a sender reuse its buffer as soon as send() returns, unless
 * send() says it kept it (transport.ts); then the sender calls replaceMiniScratch(). So sending
 * a mini frame allocates nothing here, and nothing is copied on the way out.
 */
import { MINI_HEADER_LENGTH, writeMiniFrame } from '../codec/index.ts';

let scratch = Buffer.allocUnsafe(MINI_HEADER_LENGTH + 1500);

/** A mini frame in the shared buffer; valid until the next call. */
export function writeMini(sourceCall: number, timestamp16: number, payload: Buffer): Buffer {
  if (scratch.length < MINI_HEADER_LENGTH + payload.length) scratch = Buffer.allocUnsafe(MINI_HEADER_LENGTH + payload.length);
  return scratch.subarray(0, writeMiniFrame(sourceCall, timestamp16, payload, scratch, 0));
}

/** The transport kept the last mini frame's bytes: the next goes into a new buffer. */
export function replaceMiniScratch(): void {
  scratch = Buffer.allocUnsafe(scratch.length);
}
