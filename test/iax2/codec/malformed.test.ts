import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyDatagram,
  decodeDatagram,
  DecodeErrorCode,
  encode,
  encodeInto,
  EncodeErrorCode,
  FrameType,
  Iax2DecodeError,
  Iax2EncodeError,
  IaxCommand,
  IeId,
  type Frame,
  type FullFrame,
} from '../../../services/iax2/codec/index.ts';
import { hex } from '../../helpers/codec-assert.ts';

interface BadInput {
  title: string;
  bytes: string;
  code: string;
  offset: number;
}

// Header of an IAX NEW from call 0x1234 used by the IE cases below.
const NEW_HEADER = '92 34 00 00 00 00 00 03 00 00 06 01';

const badInputs: BadInput[] = [
  { title: 'an empty datagram', bytes: '', code: DecodeErrorCode.SHORT_DATAGRAM, offset: 0 },
  { title: 'three bytes', bytes: '92 34 00', code: DecodeErrorCode.SHORT_DATAGRAM, offset: 3 },
  { title: 'a full frame cut inside its 12-byte header', bytes: '92 34 00 00 00 00 00 03 00 00 06', code: DecodeErrorCode.TRUNCATED_HEADER, offset: 11 },
  { title: 'a video mini frame shorter than 6 bytes', bytes: '00 00 92 34 86', code: DecodeErrorCode.TRUNCATED_HEADER, offset: 5 },
  { title: 'a meta trunk frame shorter than 8 bytes', bytes: '00 00 01 01 00 00 00', code: DecodeErrorCode.TRUNCATED_HEADER, offset: 7 },
  { title: 'meta command 2 (video, never used)', bytes: '00 00 02 00 00 00 00 64', code: DecodeErrorCode.UNKNOWN_META, offset: 2 },
  { title: 'meta command 0 (what a mini frame from call number 0 would look like)', bytes: '00 00 00 08 ff ff', code: DecodeErrorCode.UNKNOWN_META, offset: 2 },
  { title: 'trunk command data other than 0 or 1', bytes: '00 00 01 02 00 00 00 64', code: DecodeErrorCode.BAD_TRUNK_DATA, offset: 3 },
  { title: 'an IE length past the end of the frame', bytes: `${NEW_HEADER} 0b 02 00 02 01 09 31 30 30 30`, code: DecodeErrorCode.TRUNCATED_IE, offset: 16 },
  { title: 'an IE header with its length byte missing', bytes: `${NEW_HEADER} 0b 02 00 02 36`, code: DecodeErrorCode.STRAY_IE_BYTE, offset: 16 },
  { title: 'a trunk entry (no timestamps) running past the end', bytes: '00 00 01 00 00 00 00 64 12 34 00 a0 ff ff', code: DecodeErrorCode.TRUNK_ENTRY_OVERRUN, offset: 8 },
  { title: 'a trunk entry (timestamps) running past the end', bytes: '00 00 01 01 00 00 00 64 00 03 12 34 86 a0 ff', code: DecodeErrorCode.TRUNK_ENTRY_OVERRUN, offset: 8 },
  { title: 'a second trunk entry with a partial header', bytes: '00 00 01 00 00 00 00 64 12 34 00 01 ff 04 56 00', code: DecodeErrorCode.TRUNK_ENTRY_TRUNCATED, offset: 13 },
  { title: 'a trunk entry (timestamps) header cut after 4 bytes', bytes: '00 00 01 01 00 00 00 64 00 01 12 34', code: DecodeErrorCode.TRUNK_ENTRY_TRUNCATED, offset: 8 },
];

describe('malformed datagrams are refused with a stable code and the offset of the fault', () => {
  for (const bad of badInputs) {
    it(`${bad.title} -> ${bad.code} at offset ${bad.offset}`, () => {
      const buf = hex(bad.bytes);
      assert.throws(
        () => decodeDatagram(buf),
        (err: unknown) => {
          assert.ok(err instanceof Iax2DecodeError, `expected Iax2DecodeError, got ${String(err)}`);
          assert.equal(err.code, bad.code);
          assert.equal(err.offset, bad.offset);
          assert.match(err.message, new RegExp(`\\[offset:${bad.offset}\\]$`));
          return true;
        },
      );
    });
  }

  it('the IE overrun message names the IE, its length and what remained', () => {
    assert.throws(() => decodeDatagram(hex(`${NEW_HEADER} 0b 02 00 02 01 09 31 30 30 30`)), {
      message: 'IE 0x01 length 9 exceeds remaining 4 [offset:16]',
    });
  });

  it('classify calls every header-short or non-trunk meta datagram invalid, as Asterisk drops them', () => {
    for (const bad of badInputs.filter((b) => ['IAX2_ERR_SHORT_DATAGRAM', 'IAX2_ERR_TRUNCATED_HEADER', 'IAX2_ERR_UNKNOWN_META'].includes(b.code))) {
      assert.equal(classifyDatagram(hex(bad.bytes)), 'invalid', bad.title);
    }
  });

  it('classify follows Asterisk\'s order: video before meta, meta before full, full before mini', () => {
    assert.equal(classifyDatagram(hex('00 00 80 01 00 00')), 'meta-video');
    assert.equal(classifyDatagram(hex('00 00 01 00 00 00 00 00')), 'meta-trunk');
    assert.equal(classifyDatagram(hex('80 01 00 00 00 00 00 00 00 00 06 04')), 'full');
    assert.equal(classifyDatagram(hex('00 01 00 00')), 'mini');
    assert.equal(classifyDatagram(hex('7f ff ff ff')), 'mini');
  });

  it('a fixed-size IE of the wrong length is kept as raw bytes and the rest of the frame still decodes', () => {
    const frame = decodeDatagram(hex(`${NEW_HEADER} 0b 03 00 00 02 06 01 61`)) as FullFrame;
    assert.deepEqual(frame.ies, [
      { id: IeId.VERSION, value: hex('00 00 02') },
      { id: IeId.USERNAME, value: 'a' },
    ]);
  });

  it('a 64-bit format IE whose version byte is not 0 is kept as raw bytes (Asterisk ignores it)', () => {
    const frame = decodeDatagram(hex(`${NEW_HEADER} 38 09 01 00 00 00 00 00 00 00 04`)) as FullFrame;
    assert.deepEqual(frame.ies, [{ id: IeId.FORMAT2, value: hex('01 00 00 00 00 00 00 00 04') }]);
  });

  it('text IEs with control bytes or invalid UTF-8 stay bytes; printable UTF-8 becomes a string', () => {
    const frame = decodeDatagram(hex(`${NEW_HEADER} 04 06 4a c3 b6 72 67 21 0f 04 01 02 03 04 04 02 c3 28`)) as FullFrame;
    assert.deepEqual(frame.ies, [
      { id: IeId.CALLING_NAME, value: 'Jörg!' },
      { id: IeId.CHALLENGE, value: hex('01 02 03 04') },
      { id: IeId.CALLING_NAME, value: hex('c3 28') },
    ]);
  });
});

interface BadFrame {
  title: string;
  frame: Frame;
  code: string;
}

function iaxFrame(fields: Partial<FullFrame>): FullFrame {
  return {
    kind: 'full', sourceCall: 1, destCall: 0, retransmitted: false, timestamp: 0, oseqno: 0, iseqno: 0,
    frameType: FrameType.IAX, subclass: IaxCommand.NEW, ies: [], ...fields,
  };
}

const badFrames: BadFrame[] = [
  { title: 'a mini frame from call number 0 (it would read as a meta frame)', frame: { kind: 'mini', sourceCall: 0, timestamp: 0, payload: Buffer.alloc(4) }, code: EncodeErrorCode.CALL_NUMBER_RANGE },
  { title: 'a full frame source call above 32767', frame: iaxFrame({ sourceCall: 0x8000 }), code: EncodeErrorCode.CALL_NUMBER_RANGE },
  { title: 'a negative destination call', frame: iaxFrame({ destCall: -1 }), code: EncodeErrorCode.CALL_NUMBER_RANGE },
  { title: 'a timestamp past 32 bits', frame: iaxFrame({ timestamp: 2 ** 32 }), code: EncodeErrorCode.FIELD_RANGE },
  { title: 'an oseqno past 8 bits', frame: iaxFrame({ oseqno: 256 }), code: EncodeErrorCode.FIELD_RANGE },
  { title: 'a mini timestamp past 16 bits', frame: { kind: 'mini', sourceCall: 5, timestamp: 0x10000, payload: Buffer.alloc(0) }, code: EncodeErrorCode.FIELD_RANGE },
  { title: 'a subclass of 0x81 (not a power of two)', frame: iaxFrame({ frameType: FrameType.CONTROL, subclass: 0x81, ies: undefined }), code: EncodeErrorCode.SUBCLASS_NOT_ENCODABLE },
  { title: 'an IE value of 256 bytes', frame: iaxFrame({ ies: [{ id: IeId.USERNAME, value: 'x'.repeat(256) }] }), code: EncodeErrorCode.IE_TOO_LONG },
  { title: 'a u16 IE given 70000', frame: iaxFrame({ ies: [{ id: IeId.REFRESH, value: 70000 }] }), code: EncodeErrorCode.IE_VALUE },
  { title: 'a u8 IE given a socket address', frame: iaxFrame({ ies: [{ id: IeId.CAUSECODE, value: { family: 'IPv4', address: '1.2.3.4', port: 1 } }] }), code: EncodeErrorCode.IE_VALUE },
  { title: 'an APPARENT_ADDR that is not an address', frame: iaxFrame({ ies: [{ id: IeId.APPARENT_ADDR, value: { family: 'IPv4', address: 'example', port: 1 } }] }), code: EncodeErrorCode.IE_VALUE },
  { title: 'a DATETIME month of 16', frame: iaxFrame({ ies: [{ id: IeId.DATETIME, value: { year: 2026, month: 16, day: 1, hour: 0, minute: 0, second: 0 } }] }), code: EncodeErrorCode.IE_VALUE },
  { title: 'an IE id above 255', frame: iaxFrame({ ies: [{ id: 300, value: null }] }), code: EncodeErrorCode.IE_VALUE },
  { title: 'a trunk frame with timestamps and an entry without one', frame: { kind: 'meta-trunk', timestamp: 0, withTimestamps: true, entries: [{ call: 2, payload: Buffer.alloc(1) }] }, code: EncodeErrorCode.FIELD_RANGE },
  { title: 'a trunk entry payload longer than 65535 bytes', frame: { kind: 'meta-trunk', timestamp: 0, withTimestamps: false, entries: [{ call: 2, payload: Buffer.alloc(65536) }] }, code: EncodeErrorCode.TRUNK_ENTRY_TOO_LONG },
];

describe('frames that cannot go on the wire are refused with a stable code', () => {
  for (const bad of badFrames) {
    it(`${bad.title} -> ${bad.code}`, () => {
      assert.throws(() => encode(bad.frame), (err: unknown) => err instanceof Iax2EncodeError && err.code === bad.code);
    });
  }

  it('encodeInto refuses a buffer without room before writing anything', () => {
    const frame: Frame = { kind: 'mini', sourceCall: 7, timestamp: 1, payload: Buffer.alloc(10) };
    const buf = Buffer.alloc(20, 0xee);
    assert.throws(() => encodeInto(frame, buf, 11), { code: EncodeErrorCode.BUFFER_TOO_SMALL });
    assert.ok(buf.every((b) => b === 0xee));
    assert.equal(encodeInto(frame, buf, 6), 14);
  });
});
