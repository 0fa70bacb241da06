import { StrowgerError } from '../../../shared/errors.ts';

/** Stable codes for datagrams we cannot decode. Each names the rule that was broken. */
export const DecodeErrorCode = {
  /** Fewer than 4 bytes: Asterisk drops these before looking at them. */
  SHORT_DATAGRAM: 'IAX2_ERR_SHORT_DATAGRAM',
  /** Shorter than its frame kind's fixed header (12 full, 6 video mini, 8 meta trunk). */
  TRUNCATED_HEADER: 'IAX2_ERR_TRUNCATED_HEADER',
  /** A meta frame whose command is not trunk (1); Asterisk ignores these. */
  UNKNOWN_META: 'IAX2_ERR_UNKNOWN_META',
  /** Meta trunk command data other than 0 (no timestamps) or 1 (timestamps). */
  BAD_TRUNK_DATA: 'IAX2_ERR_BAD_TRUNK_DATA',
  /** An IE whose length runs past the end of the frame. */
  TRUNCATED_IE: 'IAX2_ERR_TRUNCATED_IE',
  /** A lone byte after the last IE; Asterisk rejects the whole frame. */
  STRAY_IE_BYTE: 'IAX2_ERR_STRAY_IE_BYTE',
  /** A trunk entry header cut short by the end of the datagram. */
  TRUNK_ENTRY_TRUNCATED: 'IAX2_ERR_TRUNK_ENTRY_TRUNCATED',
  /** A trunk entry whose length runs past the end of the datagram. */
  TRUNK_ENTRY_OVERRUN: 'IAX2_ERR_TRUNK_ENTRY_OVERRUN',
} as const;
export type DecodeErrorCode = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode];

/** Stable codes for frames we refuse to encode. */
export const EncodeErrorCode = {
  BUFFER_TOO_SMALL: 'IAX2_ERR_BUFFER_TOO_SMALL',
  /** A call number outside 0..32767, or 0 where the layout forbids it (mini frames). */
  CALL_NUMBER_RANGE: 'IAX2_ERR_CALL_NUMBER_RANGE',
  /** A header field (timestamp, sequence number, frame type) outside its width. */
  FIELD_RANGE: 'IAX2_ERR_FIELD_RANGE',
  /** A subclass of 0x80 or more that is not a power of two cannot be compressed. */
  SUBCLASS_NOT_ENCODABLE: 'IAX2_ERR_SUBCLASS_NOT_ENCODABLE',
  /** An IE value longer than the 255 bytes its length byte can say. */
  IE_TOO_LONG: 'IAX2_ERR_IE_TOO_LONG',
  /** An IE value of the wrong type or range for that IE. */
  IE_VALUE: 'IAX2_ERR_IE_VALUE',
  /** A trunk entry payload longer than its 16-bit length field. */
  TRUNK_ENTRY_TOO_LONG: 'IAX2_ERR_TRUNK_ENTRY_TOO_LONG',
} as const;
export type EncodeErrorCode = (typeof EncodeErrorCode)[keyof typeof EncodeErrorCode];

/**
 * A datagram that is not valid IAX2. `offset` is the byte where the problem was found, so a
 * reader can find it in a hex dump: `IE 0x0b length 9 exceeds remaining 4 [offset:37]`.
 */
export class Iax2DecodeError extends StrowgerError {
  declare readonly code: DecodeErrorCode;
  readonly offset: number;

  constructor(code: DecodeErrorCode, detail: string, offset: number, options?: ErrorOptions) {
    super(code, `${detail} [offset:${offset}]`, options);
    this.offset = offset;
  }
}

/** A frame value that cannot be put on the wire as given. */
export class Iax2EncodeError extends StrowgerError {
  declare readonly code: EncodeErrorCode;

  constructor(code: EncodeErrorCode, detail: string, options?: ErrorOptions) {
    super(code, detail, options);
  }
}

/** The error for a datagram shorter than its frame kind's fixed header. */
export function truncatedHeader(what: string, length: number, headerLength: number): Iax2DecodeError {
  return new Iax2DecodeError(
    DecodeErrorCode.TRUNCATED_HEADER,
    `${what} of ${length} bytes is shorter than its ${headerLength}-byte header`,
    length,
  );
}
