import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ControlSubclass,
  decodeDatagram,
  Format,
  FrameType,
  IaxCommand,
  IeId,
  ieKind,
  type FullFrame,
  type Ie,
  type IeValue,
} from '../../../services/iax2/codec/index.ts';
import { assertRoundTrip } from '../../helpers/codec-assert.ts';

function full(frameType: number, subclass: number, extra: Partial<FullFrame> = {}): FullFrame {
  return {
    kind: 'full', sourceCall: 0x2345, destCall: 0x0123, retransmitted: false, timestamp: 123456, oseqno: 7, iseqno: 9,
    frameType, subclass, ...extra,
  };
}

/** A representative value of every IE kind, for every IE id we know. */
function sampleValue(id: number): IeValue {
  switch (ieKind(id)) {
    case 'string': return `v${id}-text`;
    case 'u8': return 0xa5;
    case 'u16': return 0xbeef;
    case 'u32': return 0xdeadbeef;
    case 'format64': return Format.OPUS | Format.ULAW | (1n << 63n);
    case 'datetime': return { year: 2026, month: 11, day: 23, hour: 4, minute: 17, second: 52 };
    case 'sockaddr': return { family: 'IPv4', address: '127.0.0.1', port: 4571 };
    case 'empty': return null;
    case 'bytes': return Buffer.from([id, 0, 0xff, 0x10]);
  }
}

describe('round trip: encode, decode, re-encode, lengths and offsets agree', () => {
  it('every IAX command, with and without the R bit', () => {
    for (const [name, command] of Object.entries(IaxCommand)) {
      for (const retransmitted of [false, true]) {
        const { decoded } = assertRoundTrip(full(FrameType.IAX, command, { retransmitted, ies: [{ id: IeId.CALLTOKEN, value: Buffer.alloc(0) }] }));
        assert.ok(decoded.kind === 'full' && decoded.subclass === command && decoded.retransmitted === retransmitted, name);
      }
    }
  });

  it('every IE id we know, each with a value of its kind, decodes to that value', () => {
    const ies: Ie[] = Object.values(IeId).map((id) => ({ id, value: sampleValue(id) }));
    const { decoded } = assertRoundTrip(full(FrameType.IAX, IaxCommand.NEW, { ies }));
    assert.deepEqual((decoded as FullFrame).ies, ies);
  });

  it('unknown IE ids, empty values, repeats and the IPv6 and BSD address layouts survive unchanged', () => {
    const ies: Ie[] = [
      { id: 0x7f, value: Buffer.from('opaque') },
      { id: 0xff, value: Buffer.alloc(0) },
      { id: IeId.VARIABLE, value: 'a=1' },
      { id: IeId.VARIABLE, value: 'b=2' },
      { id: IeId.MUSICONHOLD, value: '' },
      { id: IeId.APPARENT_ADDR, value: { family: 'IPv6', address: '2001:db8::1', port: 4569, flowInfo: 0, scopeId: 3 } },
      { id: IeId.APPARENT_ADDR, value: { family: 'IPv6', address: '::ffff:192.0.2.1', port: 1, flowInfo: 7, scopeId: 0 } },
      { id: IeId.APPARENT_ADDR, value: { family: 'IPv4', address: '10.0.0.1', port: 4569, layout: 'bsd' } },
      { id: IeId.CALLTOKEN, value: Buffer.from('1700000000?0123456789abcdef0123456789abcdef01234567') },
    ];
    const { decoded } = assertRoundTrip(full(FrameType.IAX, IaxCommand.REGACK, { ies }));
    assert.deepEqual((decoded as FullFrame).ies, ies);
  });

  it('every frame type with a payload', () => {
    const subclassFor: Record<number, number> = {
      [FrameType.DTMF_END]: '#'.charCodeAt(0),
      [FrameType.DTMF_BEGIN]: '9'.charCodeAt(0),
      [FrameType.VOICE]: Number(Format.G722),
      [FrameType.VIDEO]: Number(Format.H264),
      [FrameType.CONTROL]: ControlSubclass.RINGING,
      [FrameType.TEXT]: 0,
      [FrameType.MODEM]: 1,
    };
    for (const frameType of Object.values(FrameType)) {
      if (frameType === FrameType.IAX) continue;
      const payload = frameType === FrameType.TEXT ? Buffer.from('hello\0') : Buffer.from([1, 2, 3, frameType]);
      const { decoded } = assertRoundTrip(full(frameType, subclassFor[frameType] ?? 0, { payload }));
      assert.deepEqual((decoded as FullFrame).payload, payload);
    }
  });

  it('CONTROL stop-tones (-1) goes as 0xFF and comes back as -1, not 2^63', () => {
    const { bytes, decoded } = assertRoundTrip(full(FrameType.CONTROL, ControlSubclass.STOP_TONES));
    assert.equal(bytes[11], 0xff);
    assert.equal((decoded as FullFrame).subclass, -1);
  });

  it('voice formats above bit 31 travel in the compressed subclass (opus = 0xA2)', () => {
    for (const format of [Format.G719, Format.SPEEX16, Format.OPUS, Format.SLIN16, Format.LPC10]) {
      const { decoded } = assertRoundTrip(full(FrameType.VOICE, Number(format), { payload: Buffer.alloc(3) }));
      assert.equal(BigInt((decoded as FullFrame).subclass), format);
    }
  });

  it('video full frames carry the marker in bit 6 of the subclass', () => {
    for (const videoMarker of [false, true]) {
      const { bytes, decoded } = assertRoundTrip(full(FrameType.VIDEO, Number(Format.H264), { videoMarker, payload: Buffer.alloc(5) }));
      assert.equal(bytes[11], videoMarker ? 0xd5 : 0x95);
      assert.equal((decoded as FullFrame).videoMarker, videoMarker);
    }
  });

  it('mini frames at the edges of the call number and timestamp ranges, and empty', () => {
    for (const [sourceCall, timestamp] of [[1, 0], [0x7fff, 0xffff], [0x100, 0x8000]] as const) {
      const { decoded } = assertRoundTrip({ kind: 'mini', sourceCall, timestamp, payload: Buffer.from('abc') });
      assert.ok(decoded.kind === 'mini' && decoded.sourceCall === sourceCall && decoded.timestamp === timestamp);
    }
    const empty = assertRoundTrip({ kind: 'mini', sourceCall: 5, timestamp: 9, payload: Buffer.alloc(0) }).decoded;
    assert.equal(empty.kind === 'mini' && empty.payload.length, 0);
  });

  it('meta trunk frames with no entries and with many', () => {
    for (const withTimestamps of [false, true]) {
      assertRoundTrip({ kind: 'meta-trunk', timestamp: 0, withTimestamps, entries: [] });
      const entries = Array.from({ length: 20 }, (_, i) => ({ call: i + 1, timestamp: withTimestamps ? i * 20 : undefined, payload: Buffer.alloc(i, i) }));
      const { decoded } = assertRoundTrip({ kind: 'meta-trunk', timestamp: 0xffffffff, withTimestamps, entries });
      assert.ok(decoded.kind === 'meta-trunk');
      assert.deepEqual(decoded.entries.map((e) => [e.call, e.timestamp, e.payload.length]), entries.map((e) => [e.call, e.timestamp, e.payload.length]));
    }
  });

  it('decoded payloads are views of the datagram, not copies', () => {
    const datagram = Buffer.from('12340208aabbcc', 'hex');
    const mini = decodeDatagram(datagram);
    assert.ok(mini.kind === 'mini');
    datagram[4] = 0x11;
    assert.equal(mini.payload[0], 0x11);
  });
});
