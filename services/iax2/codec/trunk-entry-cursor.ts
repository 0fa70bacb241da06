/**
 * The receive path's reading of a meta trunk frame (protocol.md §1.5): one cursor, reused for
 * every datagram, steps through the entries in place. No entries array, no object per entry,
 * no closure: what an entry holds is read from the cursor's fields until the next step. The
 * rules are decodeMetaTrunkFrame's (the same errors, codes and offsets), except that the
 * entries before a bad one have been read by the time it throws, as Asterisk stops at an
 * entry longer than what is left and keeps those before it (protocol.md §12).
 */
import { DecodeErrorCode, Iax2DecodeError, truncatedHeader } from './errors.ts';
import { META_TRUNK_HEADER_LENGTH, TRUNK_CMD_DATA_PLAIN, TRUNK_CMD_DATA_TIMESTAMPS } from './meta-trunk-frame.ts';

const EMPTY = Buffer.alloc(0);

export class TrunkEntryCursor {
  /** The frame's trunk timestamp (ms on the sender's trunk clock). */
  trunkTimestamp = 0;
  /** Whether entries carry their call's 16-bit timestamp (command data 0x01). */
  withTimestamps = false;
  /** The current entry: the sender's source call number. */
  call = 0;
  /** The current entry's 16-bit call timestamp; -1 in a frame without them. */
  timestamp = -1;
  payloadOffset = 0;
  payloadLength = 0;
  private datagram: Buffer = EMPTY;
  private offset = 0;
  private index = 0;

  /** Starts on a datagram classified as a meta trunk frame; throws Iax2DecodeError on a bad header. */
  reset(datagram: Buffer): this {
    if (datagram.length < META_TRUNK_HEADER_LENGTH) throw truncatedHeader('meta trunk frame', datagram.length, META_TRUNK_HEADER_LENGTH);
    const cmdData = datagram[3];
    if (cmdData !== TRUNK_CMD_DATA_PLAIN && cmdData !== TRUNK_CMD_DATA_TIMESTAMPS) {
      throw new Iax2DecodeError(DecodeErrorCode.BAD_TRUNK_DATA, `trunk command data 0x${(cmdData ?? 0).toString(16)} is neither 0 nor 1`, 3);
    }
    this.datagram = datagram;
    this.withTimestamps = cmdData === TRUNK_CMD_DATA_TIMESTAMPS;
    this.trunkTimestamp = datagram.readUInt32BE(4);
    this.offset = META_TRUNK_HEADER_LENGTH;
    this.index = 0;
    return this;
  }

  /** Moves to the next entry; false at the end. Throws Iax2DecodeError on a truncated or overlong entry. */
  next(): boolean {
    const buf = this.datagram;
    const offset = this.offset;
    if (offset >= buf.length) {
      // Let go of the datagram: the cursor outlives it.
      this.datagram = EMPTY;
      return false;
    }
    const headerLength = this.withTimestamps ? 6 : 4;
    if (buf.length - offset < headerLength) {
      throw new Iax2DecodeError(DecodeErrorCode.TRUNK_ENTRY_TRUNCATED, `trunk entry ${this.index} header needs ${headerLength} bytes, ${buf.length - offset} remain`, offset);
    }
    let length: number;
    if (this.withTimestamps) {
      length = buf.readUInt16BE(offset);
      this.call = buf.readUInt16BE(offset + 2) & 0x7fff;
      this.timestamp = buf.readUInt16BE(offset + 4);
    } else {
      this.call = buf.readUInt16BE(offset) & 0x7fff;
      length = buf.readUInt16BE(offset + 2);
      this.timestamp = -1;
    }
    const payloadOffset = offset + headerLength;
    if (payloadOffset + length > buf.length) {
      throw new Iax2DecodeError(DecodeErrorCode.TRUNK_ENTRY_OVERRUN, `trunk entry ${this.index} (call ${this.call}) length ${length} exceeds remaining ${buf.length - payloadOffset}`, offset);
    }
    this.payloadOffset = payloadOffset;
    this.payloadLength = length;
    this.offset = payloadOffset + length;
    this.index++;
    return true;
  }

  /** The current entry's payload: a view into the datagram (valid while the datagram is). */
  payload(): Buffer {
    return this.datagram.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }
}
