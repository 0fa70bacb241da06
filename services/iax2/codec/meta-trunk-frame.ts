import { DecodeErrorCode, EncodeErrorCode, Iax2DecodeError, Iax2EncodeError, truncatedHeader } from './errors.ts';
import { checkCallNumber, checkField } from './field-checks.ts';
import type { MetaTrunkFrame, TrunkEntry } from './frame.ts';

/**
 * Meta trunk frame (RFC 5456 §8.1.4; protocol.md §1.5):
 *
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------------------------------+-+-------------+---------------+
 * |            0x0000             |0| Meta cmd=1  |  Cmd data     |
 * +-------------------------------+-+-------------+---------------+
 * |                      Trunk timestamp (ms)                     |
 * +---------------------------------------------------------------+
 * |                      entries ...                              |
 *
 * Command data 0x00, entries without timestamps (4-byte entry header):
 * +-------------------------------+-------------------------------+
 * |  Source call number           |  Length                       |  payload[Length]
 * Command data 0x01, entries with timestamps (6-byte entry header):
 * +-------------------------------+-+-----------------------------+
 * |  Length                       |0|  Source call number         |
 * +-------------------------------+-+-----------------------------+
 * |  Call timestamp (low 16 bits) |  payload[Length] ...
 *
 * Note the field order differs between the two forms (call number first versus length first).
 */
export const META_TRUNK_HEADER_LENGTH = 8;
export const META_CMD_TRUNK = 0x01;
export const TRUNK_CMD_DATA_PLAIN = 0x00;
export const TRUNK_CMD_DATA_TIMESTAMPS = 0x01;
const ENTRY_HEADER_PLAIN = 4;
const ENTRY_HEADER_TIMESTAMPS = 6;

/**
 * A trunk entry that points into the datagram: decoding 20 entries makes 20 small objects and
 * no buffer views until a payload is asked for.
 */
export class TrunkEntryView implements TrunkEntry {
  constructor(
    readonly call: number,
    readonly timestamp: number | undefined,
    readonly datagram: Buffer,
    readonly payloadOffset: number,
    readonly payloadLength: number,
  ) {}

  get payload(): Buffer {
    return this.datagram.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }
}

export function decodeMetaTrunkFrame(buf: Buffer): MetaTrunkFrame {
  if (buf.length < META_TRUNK_HEADER_LENGTH) {
    throw truncatedHeader('meta trunk frame', buf.length, META_TRUNK_HEADER_LENGTH);
  }
  const cmdData = buf[3];
  if (cmdData !== TRUNK_CMD_DATA_PLAIN && cmdData !== TRUNK_CMD_DATA_TIMESTAMPS) {
    throw new Iax2DecodeError(DecodeErrorCode.BAD_TRUNK_DATA, `trunk command data 0x${(cmdData ?? 0).toString(16)} is neither 0 nor 1`, 3);
  }
  const withTimestamps = cmdData === TRUNK_CMD_DATA_TIMESTAMPS;
  const headerLength = withTimestamps ? ENTRY_HEADER_TIMESTAMPS : ENTRY_HEADER_PLAIN;
  const entries: TrunkEntry[] = [];
  let offset = META_TRUNK_HEADER_LENGTH;
  while (offset < buf.length) {
    if (buf.length - offset < headerLength) {
      throw new Iax2DecodeError(
        DecodeErrorCode.TRUNK_ENTRY_TRUNCATED,
        `trunk entry ${entries.length} header needs ${headerLength} bytes, ${buf.length - offset} remain`,
        offset,
      );
    }
    let call: number;
    let length: number;
    let timestamp: number | undefined;
    if (withTimestamps) {
      length = buf.readUInt16BE(offset);
      call = buf.readUInt16BE(offset + 2) & 0x7fff;
      timestamp = buf.readUInt16BE(offset + 4);
    } else {
      call = buf.readUInt16BE(offset) & 0x7fff;
      length = buf.readUInt16BE(offset + 2);
    }
    const payloadOffset = offset + headerLength;
    if (payloadOffset + length > buf.length) {
      throw new Iax2DecodeError(
        DecodeErrorCode.TRUNK_ENTRY_OVERRUN,
        `trunk entry ${entries.length} (call ${call}) length ${length} exceeds remaining ${buf.length - payloadOffset}`,
        offset,
      );
    }
    entries.push(new TrunkEntryView(call, timestamp, buf, payloadOffset, length));
    offset = payloadOffset + length;
  }
  return { kind: 'meta-trunk', timestamp: buf.readUInt32BE(4), withTimestamps, entries };
}

export function metaTrunkFrameEncodingLength(frame: MetaTrunkFrame): number {
  const headerLength = frame.withTimestamps ? ENTRY_HEADER_TIMESTAMPS : ENTRY_HEADER_PLAIN;
  let total = META_TRUNK_HEADER_LENGTH;
  for (const entry of frame.entries) total += headerLength + entry.payload.length;
  return total;
}

export function encodeMetaTrunkFrame(frame: MetaTrunkFrame, buf: Buffer, offset: number): number {
  checkField('trunk timestamp', frame.timestamp, 0xffffffff);
  buf.writeUInt16BE(0, offset);
  buf[offset + 2] = META_CMD_TRUNK;
  buf[offset + 3] = frame.withTimestamps ? TRUNK_CMD_DATA_TIMESTAMPS : TRUNK_CMD_DATA_PLAIN;
  buf.writeUInt32BE(frame.timestamp, offset + 4);
  let at = offset + META_TRUNK_HEADER_LENGTH;
  frame.entries.forEach((entry, index) => {
    checkCallNumber(`trunk entry ${index}`, entry.call);
    const length = entry.payload.length;
    if (length > 0xffff) {
      throw new Iax2EncodeError(EncodeErrorCode.TRUNK_ENTRY_TOO_LONG, `trunk entry ${index} payload is ${length} bytes; at most 65535 fit`);
    }
    if (frame.withTimestamps) {
      if (entry.timestamp === undefined) {
        throw new Iax2EncodeError(EncodeErrorCode.FIELD_RANGE, `trunk entry ${index} has no timestamp but the frame carries timestamps`);
      }
      checkField(`trunk entry ${index} timestamp`, entry.timestamp, 0xffff);
      buf.writeUInt16BE(length, at);
      buf.writeUInt16BE(entry.call, at + 2);
      buf.writeUInt16BE(entry.timestamp, at + 4);
      at += ENTRY_HEADER_TIMESTAMPS;
    } else {
      buf.writeUInt16BE(entry.call, at);
      buf.writeUInt16BE(length, at + 2);
      at += ENTRY_HEADER_PLAIN;
    }
    at += entry.payload.copy(buf, at);
  });
  return at - offset;
}
