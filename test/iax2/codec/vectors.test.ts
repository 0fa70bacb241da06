// The test vectors of protocol.md §16, checked against Asterisk 22.10.1 and tshark there. Each
// vector is built from values through our encoder and must equal the published bytes, and the
// published bytes must decode to those values.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  classifyDatagram,
  decodeDatagram,
  encode,
  FrameType,
  IaxCommand,
  IeId,
  ControlSubclass,
  compressSubclass,
  Format,
  type FullFrame,
  type Ie,
} from '../../../services/iax2/codec/index.ts';
import { assertRoundTrip, hex } from '../../helpers/codec-assert.ts';

const C = 0x1234;
const S = 0x0bcd;

function iax(fields: Partial<FullFrame> & { subclass: number; ies: Ie[] }): FullFrame {
  return {
    kind: 'full',
    sourceCall: C,
    destCall: 0,
    retransmitted: false,
    timestamp: 0,
    oseqno: 0,
    iseqno: 0,
    frameType: FrameType.IAX,
    ...fields,
  };
}

const tv1Ies: Ie[] = [
  { id: IeId.VERSION, value: 2 },
  { id: IeId.CALLED_NUMBER, value: '100' },
  { id: IeId.CODEC_PREFS, value: 'DE' },
  { id: IeId.USERNAME, value: 'alice' },
  { id: IeId.FORMAT, value: 4 },
  { id: IeId.FORMAT2, value: Format.ULAW },
  { id: IeId.CAPABILITY, value: 0x0c },
  { id: IeId.CAPABILITY2, value: Format.ULAW | Format.ALAW },
  { id: IeId.CALLTOKEN, value: Buffer.alloc(0) },
];

describe('protocol.md §16 test vectors', () => {
  it('TV1: NEW with an empty call token is 68 bytes, byte for byte', () => {
    const expected = hex(`
      92 34 00 00 00 00 00 03 00 00 06 01  0B 02 00 02  01 03 31 30 30  2D 02 44 45
      06 05 61 6C 69 63 65  09 04 00 00 00 04  38 09 00 00 00 00 00 00 00 00 04
      08 04 00 00 00 0C  37 09 00 00 00 00 00 00 00 00 0C  36 00`);
    const frame = iax({ timestamp: 3, subclass: IaxCommand.NEW, ies: tv1Ies });
    const { bytes, decoded } = assertRoundTrip(frame);
    assert.equal(bytes.length, 68);
    assert.deepEqual(bytes, expected);
    assert.equal(decoded.kind, 'full');
    assert.deepEqual((decoded).ies, tv1Ies);
  });

  it('TV2: the CALLTOKEN reply comes from call 1 and the resent NEW carries the token last (119 bytes)', () => {
    const token = Buffer.from(`1700000000?${'ab12'.repeat(10)}`, 'latin1');
    const reply = iax({ sourceCall: 1, destCall: C, timestamp: 3, iseqno: 1, subclass: IaxCommand.CALLTOKEN, ies: [{ id: IeId.CALLTOKEN, value: token }] });
    const replyBytes = encode(reply);
    assert.equal(replyBytes.length, 65);
    assert.deepEqual(replyBytes.subarray(0, 14), hex('80 01 12 34 00 00 00 03 00 01 06 28 36 33'));
    const resent = iax({ timestamp: 0x17, subclass: IaxCommand.NEW, ies: [...tv1Ies.slice(0, -1), { id: IeId.CALLTOKEN, value: token }] });
    const { bytes } = assertRoundTrip(resent);
    assert.equal(bytes.length, 119);
    assert.deepEqual(bytes.subarray(bytes.length - 53, bytes.length - 51), hex('36 33'));
  });

  it('TV3: AUTHREQ asking for MD5 (34 bytes)', () => {
    const expected = hex('8B CD 12 34 00 00 00 05 00 01 06 08 0E 02 00 02 0F 09 31 32 33 34 35 36 37 38 39 06 05 61 6C 69 63 65');
    const frame = iax({
      sourceCall: S, destCall: C, timestamp: 5, iseqno: 1, subclass: IaxCommand.AUTHREQ,
      ies: [{ id: IeId.AUTHMETHODS, value: 2 }, { id: IeId.CHALLENGE, value: '123456789' }, { id: IeId.USERNAME, value: 'alice' }],
    });
    assert.deepEqual(assertRoundTrip(frame).bytes, expected);
  });

  it('TV4: AUTHREP carries the MD5 of challenge then secret (RFC 1321 A.5 vector)', () => {
    const secret = `0${'1234567890'.repeat(7)}`;
    const md5 = createHash('md5').update(`123456789${secret}`).digest('hex');
    assert.equal(md5, '57edf4a22be3c955ac49da2e2107b67a');
    const expected = hex(`92 34 0B CD 00 00 00 28 01 01 06 09 10 20 ${Buffer.from(md5).toString('hex')}`);
    const frame = iax({ destCall: S, timestamp: 0x28, oseqno: 1, iseqno: 1, subclass: IaxCommand.AUTHREP, ies: [{ id: IeId.MD5_RESULT, value: md5 }] });
    const { bytes } = assertRoundTrip(frame);
    assert.equal(bytes.length, 46);
    assert.deepEqual(bytes, expected);
  });

  it('TV5: ACCEPT with FORMAT and FORMAT2, and the explicit ACK that echoes its timestamp', () => {
    const accept = iax({
      sourceCall: S, destCall: C, timestamp: 0x2a, oseqno: 1, iseqno: 2, subclass: IaxCommand.ACCEPT,
      ies: [{ id: IeId.FORMAT, value: 4 }, { id: IeId.FORMAT2, value: Format.ULAW }],
    });
    assert.deepEqual(assertRoundTrip(accept).bytes, hex('8B CD 12 34 00 00 00 2A 01 02 06 07 09 04 00 00 00 04 38 09 00 00 00 00 00 00 00 00 04'));
    const ack = iax({ destCall: S, timestamp: 0x2a, oseqno: 2, iseqno: 2, subclass: IaxCommand.ACK, ies: [] });
    assert.deepEqual(assertRoundTrip(ack).bytes, hex('92 34 0B CD 00 00 00 2A 02 02 06 04'));
  });

  it('TV6: the first voice frame is full (ulaw subclass 0x04), the next a 4-byte-header mini frame', () => {
    const audio = Buffer.alloc(160, 0xff);
    const full: FullFrame = {
      kind: 'full', sourceCall: C, destCall: S, retransmitted: false, timestamp: 500, oseqno: 2, iseqno: 2,
      frameType: FrameType.VOICE, subclass: 4, payload: audio,
    };
    const fullBytes = assertRoundTrip(full).bytes;
    assert.deepEqual(fullBytes.subarray(0, 12), hex('92 34 0B CD 00 00 01 F4 02 02 02 04'));
    const mini = assertRoundTrip({ kind: 'mini', sourceCall: C, timestamp: 520 & 0xffff, payload: audio }).bytes;
    assert.deepEqual(mini.subarray(0, 4), hex('12 34 02 08'));
    assert.equal(classifyDatagram(mini), 'mini');
  });

  it('TV7: meta trunk frames with and without per-call timestamps, with their different field orders', () => {
    const a = Buffer.alloc(160, 0x11);
    const b = Buffer.alloc(160, 0x22);
    const withTs = assertRoundTrip({
      kind: 'meta-trunk', timestamp: 100, withTimestamps: true,
      entries: [{ call: 0x1234, timestamp: 0x86a0, payload: a }, { call: 0x0456, timestamp: 0x86a0, payload: b }],
    }).bytes;
    assert.deepEqual(withTs.subarray(0, 14), hex('00 00 01 01 00 00 00 64 00 A0 12 34 86 A0'));
    assert.deepEqual(withTs.subarray(174, 180), hex('00 A0 04 56 86 A0'));
    const plain = assertRoundTrip({
      kind: 'meta-trunk', timestamp: 100, withTimestamps: false,
      entries: [{ call: 0x1234, payload: a }, { call: 0x0456, payload: b }],
    }).bytes;
    assert.deepEqual(plain.subarray(0, 12), hex('00 00 01 00 00 00 00 64 12 34 00 A0'));
    assert.deepEqual(plain.subarray(172, 176), hex('04 56 00 A0'));
  });

  it('TV8: video mini frame with the marker set and the low 15 timestamp bits', () => {
    const bytes = assertRoundTrip({ kind: 'meta-video', sourceCall: 0x1234, timestamp: 100000 & 0x7fff, marker: true, payload: hex('01 02 03') }).bytes;
    assert.deepEqual(bytes, hex('00 00 92 34 86 A0 01 02 03'));
    const decoded = decodeDatagram(bytes);
    assert.deepEqual(
      { kind: decoded.kind, ts: decoded.kind === 'meta-video' && decoded.timestamp, marker: decoded.kind === 'meta-video' && decoded.marker },
      { kind: 'meta-video', ts: 1696, marker: true },
    );
  });

  it('TV10: individual IE encodings', () => {
    const cases: Array<[Ie, string]> = [
      [{ id: IeId.DATETIME, value: { year: 2024, month: 3, day: 15, hour: 13, minute: 45, second: 30 } }, '1F 04 30 6F 6D AF'],
      [{ id: IeId.APPARENT_ADDR, value: { family: 'IPv4', address: '192.0.2.10', port: 4569 } }, '12 10 02 00 11 D9 C0 00 02 0A 00 00 00 00 00 00 00 00'],
      [{ id: IeId.REFRESH, value: 60 }, '13 02 00 3C'],
      [{ id: IeId.MSGCOUNT, value: (2 << 8) | 3 }, '18 02 02 03'],
      [{ id: IeId.ENCRYPTION, value: 0x8001 }, '2B 02 80 01'],
      [{ id: IeId.ENCRYPTION, value: 0x0001 }, '2B 02 00 01'],
      [{ id: IeId.CAUSECODE, value: 16 }, '2A 01 10'],
      [{ id: IeId.CODEC_PREFS, value: 'DEC' }, '2D 03 44 45 43'],
    ];
    for (const [ie, wire] of cases) {
      const frame = iax({ subclass: IaxCommand.REGACK, ies: [ie] });
      const { bytes, decoded } = assertRoundTrip(frame);
      assert.deepEqual(bytes.subarray(12), hex(wire), `IE ${ie.id}`);
      assert.deepEqual((decoded as FullFrame).ies, [ie], `IE ${ie.id} decodes to its value`);
    }
  });

  it('TV10: POKE, the stateless PONG and the poker\'s ACK', () => {
    const poke = iax({ timestamp: 0x10, subclass: IaxCommand.POKE, ies: [{ id: IeId.CALLTOKEN, value: Buffer.alloc(0) }] });
    assert.deepEqual(assertRoundTrip(poke).bytes, hex('92 34 00 00 00 00 00 10 00 00 06 1E 36 00'));
    const pong = iax({ sourceCall: 1, destCall: C, timestamp: 0x10, iseqno: 1, subclass: IaxCommand.PONG, ies: [] });
    assert.deepEqual(assertRoundTrip(pong).bytes, hex('80 01 12 34 00 00 00 10 00 01 06 03'));
    const ack = iax({ destCall: 1, timestamp: 0x10, oseqno: 1, iseqno: 1, subclass: IaxCommand.ACK, ies: [] });
    assert.deepEqual(assertRoundTrip(ack).bytes, hex('92 34 00 01 00 00 00 10 01 01 06 04'));
  });

  it('TV10: subclass bytes', () => {
    const cases: Array<[number, number]> = [
      [Number(Format.ULAW), 0x04], [Number(Format.SLIN), 0x40], [Number(Format.LPC10), 0x87],
      [Number(Format.G729), 0x88], [Number(Format.G722), 0x8c], [Number(Format.SLIN16), 0x8f],
      [Number(Format.OPUS), 0xa2], [Number(Format.H264), 0x95], ['5'.charCodeAt(0), 0x35],
      [ControlSubclass.ANSWER, 0x04], [ControlSubclass.STOP_TONES, 0xff], [IaxCommand.CALLTOKEN, 0x28],
    ];
    for (const [value, byte] of cases) assert.equal(compressSubclass(value), byte, `subclass ${value}`);
    const h264Marker = decodeDatagram(hex('92 34 0B CD 00 00 00 10 00 00 03 D5'));
    assert.ok(h264Marker.kind === 'full' && h264Marker.subclass === Number(Format.H264) && h264Marker.videoMarker === true);
  });
});
