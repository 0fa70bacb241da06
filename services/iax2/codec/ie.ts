import { isUtf8 } from 'node:buffer';
import { formatDateTime, packDateTime, unpackDateTime, type IaxDateTime } from './datetime.ts';
import { DecodeErrorCode, EncodeErrorCode, Iax2DecodeError, Iax2EncodeError } from './errors.ts';
import { ieIds, ieKind } from './ie-table.ts';
import { decodeSockAddr, encodeSockAddr, formatSockAddr, sockAddrLength, type SockAddr } from './sockaddr.ts';

/**
 * One information element of an IAX frame (RFC 5456 §8.6): `u8 id, u8 length, value`.
 *
 *   0       1       2 ...
 *  +-------+-------+-----------------------+
 *  |  id   |  len  |  value (len bytes)    |
 *  +-------+-------+-----------------------+
 *
 * The value's JS type follows the IE's kind (ie-table.ts): string, number (u8/u16/u32),
 * bigint (the u64 mask of CAPABILITY2/FORMAT2), SockAddr, IaxDateTime, null (empty), or a
 * Buffer for opaque bytes and for any value whose bytes do not fit its kind. Buffers in decoded
 * values are views of the datagram, not copies.
 */
export type IeValue = string | number | bigint | Buffer | SockAddr | IaxDateTime | null;

export interface Ie {
  id: number;
  value: IeValue;
}

const IE_HEADER = 2;
const MAX_IE_VALUE = 255;

/**
 * Decodes the IEs in `buf[start, end)`. An IE running past `end`, or one stray byte after the
 * last IE, rejects the whole frame as Asterisk does (protocol.md §1.7).
 */
export function decodeIes(buf: Buffer, start: number, end: number): Ie[] {
  const ies: Ie[] = [];
  let offset = start;
  while (offset < end) {
    if (end - offset < IE_HEADER) {
      throw new Iax2DecodeError(
        DecodeErrorCode.STRAY_IE_BYTE,
        `1 stray byte after the last IE (id 0x${hex2(buf[offset] ?? 0)})`,
        offset,
      );
    }
    const id = buf[offset] ?? 0;
    const length = buf[offset + 1] ?? 0;
    const valueStart = offset + IE_HEADER;
    if (valueStart + length > end) {
      throw new Iax2DecodeError(
        DecodeErrorCode.TRUNCATED_IE,
        `IE 0x${hex2(id)} length ${length} exceeds remaining ${end - valueStart}`,
        offset,
      );
    }
    ies.push({ id, value: decodeIeValue(id, buf, valueStart, length) });
    offset = valueStart + length;
  }
  return ies;
}

function decodeIeValue(id: number, buf: Buffer, start: number, length: number): IeValue {
  switch (ieKind(id)) {
    case 'string':
      return decodeText(buf, start, start + length);
    case 'u8':
      return length === 1 ? (buf[start] ?? 0) : buf.subarray(start, start + length);
    case 'u16':
      return length === 2 ? buf.readUInt16BE(start) : buf.subarray(start, start + length);
    case 'u32':
      return length === 4 ? buf.readUInt32BE(start) : buf.subarray(start, start + length);
    case 'format64':
      // Asterisk ignores a 64-bit format IE whose version byte is not 0 (protocol.md §3.2).
      return length === 9 && buf[start] === 0 ? buf.readBigUInt64BE(start + 1) : buf.subarray(start, start + length);
    case 'datetime':
      return length === 4 ? unpackDateTime(buf.readUInt32BE(start)) : buf.subarray(start, start + length);
    case 'sockaddr':
      return decodeSockAddr(buf, start, length) ?? buf.subarray(start, start + length);
    case 'empty':
      return length === 0 ? null : buf.subarray(start, start + length);
    case 'bytes':
      return buf.subarray(start, start + length);
  }
}

/**
 * Text IEs carry no NUL (protocol.md §1.7). Printable ASCII (the common case) takes a fast
 * path; other printable UTF-8 is decoded; anything with control bytes or invalid UTF-8 stays
 * bytes, so it re-encodes unchanged and is never shown as mojibake.
 */
function decodeText(buf: Buffer, start: number, end: number): string | Buffer {
  let ascii = true;
  for (let i = start; i < end; i++) {
    const b = buf[i] ?? 0;
    if (b < 0x20 || b === 0x7f) return buf.subarray(start, end);
    if (b >= 0x80) ascii = false;
  }
  if (ascii) return buf.toString('latin1', start, end);
  const view = buf.subarray(start, end);
  return isUtf8(view) ? view.toString('utf8') : view;
}

export function iesEncodingLength(ies: readonly Ie[]): number {
  let total = 0;
  for (const ie of ies) total += IE_HEADER + ieValueLength(ie);
  return total;
}

/** Writes `ies` at `offset`; returns bytes written. The caller has checked the room. */
export function encodeIes(ies: readonly Ie[], buf: Buffer, offset: number): number {
  let at = offset;
  for (const ie of ies) {
    const length = ieValueLength(ie);
    buf[at] = ie.id;
    buf[at + 1] = length;
    writeIeValue(ie, buf, at + IE_HEADER);
    at += IE_HEADER + length;
  }
  return at - offset;
}

function ieValueLength(ie: Ie): number {
  if (!Number.isInteger(ie.id) || ie.id < 0 || ie.id > 0xff) {
    throw new Iax2EncodeError(EncodeErrorCode.IE_VALUE, `IE id ${ie.id} is not 0..255`);
  }
  const { value } = ie;
  let length: number;
  if (value === null) length = 0;
  else if (Buffer.isBuffer(value)) length = value.length;
  else if (typeof value === 'string') length = Buffer.byteLength(value, 'utf8');
  else {
    const kind = ieKind(ie.id);
    if (kind === 'u8') length = 1;
    else if (kind === 'u16') length = 2;
    else if (kind === 'u32' || kind === 'datetime') length = 4;
    else if (kind === 'format64') length = 9;
    else if (kind === 'sockaddr' && isSockAddr(value)) length = sockAddrLength(value);
    else throw valueError(ie, `a ${describeType(value)} does not fit a ${kind} IE`);
  }
  if (length > MAX_IE_VALUE) {
    throw new Iax2EncodeError(
      EncodeErrorCode.IE_TOO_LONG,
      `IE ${ieLabel(ie.id)} value is ${length} bytes; at most ${MAX_IE_VALUE} fit`,
    );
  }
  return length;
}

function writeIeValue(ie: Ie, buf: Buffer, at: number): void {
  const { value } = ie;
  if (value === null) return;
  if (Buffer.isBuffer(value)) {
    value.copy(buf, at);
    return;
  }
  if (typeof value === 'string') {
    buf.write(value, at, 'utf8');
    return;
  }
  const kind = ieKind(ie.id);
  if (kind === 'u8' || kind === 'u16' || kind === 'u32') {
    const width = kind === 'u8' ? 1 : kind === 'u16' ? 2 : 4;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** (8 * width)) {
      throw valueError(ie, `${formatValue(value)} is not a ${kind}`);
    }
    buf.writeUIntBE(value, at, width);
    return;
  }
  if (kind === 'format64') {
    const mask = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : value;
    if (typeof mask !== 'bigint' || mask < 0n || mask > 0xffffffffffffffffn) {
      throw valueError(ie, `${formatValue(value)} is not a u64 format mask`);
    }
    buf[at] = 0;
    buf.writeBigUInt64BE(mask, at + 1);
    return;
  }
  if (kind === 'datetime') {
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw valueError(ie, `${value} is not a u32`);
      buf.writeUInt32BE(value, at);
    } else if (isDateTime(value)) {
      buf.writeUInt32BE(wrapRange(ie, () => packDateTime(value)), at);
    } else {
      throw valueError(ie, `a ${describeType(value)} is not a date and time`);
    }
    return;
  }
  if (kind === 'sockaddr' && isSockAddr(value)) {
    wrapRange(ie, () => encodeSockAddr(value, buf, at));
    return;
  }
  throw valueError(ie, `a ${describeType(value)} does not fit a ${kind} IE`);
}

function wrapRange<T>(ie: Ie, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) throw valueError(ie, err.message, err);
    throw err;
  }
}

function isSockAddr(value: unknown): value is SockAddr {
  return typeof value === 'object' && value !== null && 'family' in value && 'address' in value;
}

function isDateTime(value: unknown): value is IaxDateTime {
  return typeof value === 'object' && value !== null && 'year' in value && 'month' in value;
}

function describeType(value: unknown): string {
  if (isSockAddr(value)) return 'socket address';
  if (isDateTime(value)) return 'date and time';
  return typeof value;
}

function valueError(ie: Ie, detail: string, cause?: unknown): Iax2EncodeError {
  return new Iax2EncodeError(EncodeErrorCode.IE_VALUE, `IE ${ieLabel(ie.id)}: ${detail}`, { cause });
}

/** "USERNAME(0x06)" or "0x7f" for ids we have no name for. */
export function ieLabel(id: number): string {
  const name = ieIds.nameOf(id);
  return name === undefined ? `0x${hex2(id)}` : `${name}(0x${hex2(id)})`;
}

/** A short, human-readable rendering of a value, used by the debug dump. */
export function formatValue(value: IeValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.length === 0 ? '' : `0x${value.toString('hex')}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (isSockAddr(value)) return formatSockAddr(value);
  return formatDateTime(value);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
