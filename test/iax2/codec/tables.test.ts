import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compressSubclass,
  dateTimeAt,
  decodeCodecPrefs,
  EncodeErrorCode,
  encodeCodecPrefs,
  Format,
  formatByName,
  formatName,
  formatNames,
  FORMATS,
  formatDateTime,
  lowFormatBits,
  packDateTime,
  subclassName,
  FrameType,
  uncompressSubclass,
  unpackDateTime,
} from '../../../services/iax2/codec/index.ts';

describe('format bit masks (protocol.md §3.4)', () => {
  it('each format sits at its documented bit and has Asterisk\'s name', () => {
    const expected: Array<[bigint, string]> = [
      [0x1n, 'g723'], [0x2n, 'gsm'], [0x4n, 'ulaw'], [0x8n, 'alaw'], [0x10n, 'g726aal2'], [0x20n, 'adpcm'],
      [0x40n, 'slin'], [0x80n, 'lpc10'], [0x100n, 'g729'], [0x200n, 'speex'], [0x400n, 'ilbc'], [0x800n, 'g726'],
      [0x1000n, 'g722'], [0x2000n, 'siren7'], [0x4000n, 'siren14'], [0x8000n, 'slin16'], [0x200000n, 'h264'],
      [0x800000n, 'vp8'], [1n << 32n, 'g719'], [1n << 33n, 'speex16'], [1n << 34n, 'opus'],
    ];
    for (const [mask, name] of expected) {
      assert.equal(formatName(mask), name);
      assert.equal(formatByName(name)?.mask, mask);
    }
    assert.equal(new Set(FORMATS.map((f) => f.mask)).size, FORMATS.length, 'no two formats share a bit');
  });

  it('names every bit of a mask, and the 32-bit IE keeps only the low bits (opus has none there)', () => {
    assert.deepEqual(formatNames(Format.ULAW | Format.GSM | Format.OPUS), ['gsm', 'ulaw', 'opus']);
    assert.equal(lowFormatBits(Format.OPUS), 0);
    assert.equal(lowFormatBits(Format.OPUS | Format.ALAW), 8);
    assert.equal(formatName(1n << 40n), '0x10000000000');
  });
});

describe('CODEC_PREFS letters follow Asterisk\'s ordinal table, not bit index + 1 (protocol.md §3.5)', () => {
  it('encodes the documented letters', () => {
    assert.equal(encodeCodecPrefs([Format.ULAW, Format.ALAW, Format.GSM]), 'DEC');
    assert.equal(encodeCodecPrefs([Format.G726, Format.G726_AAL2]), 'FN');
    assert.equal(encodeCodecPrefs([Format.SIREN14, Format.G719, Format.OPUS, Format.VP8]), '[]fg');
    assert.equal(encodeCodecPrefs([Format.ULAW, Format.GSM]), 'DC', 'as a peer with allow=ulaw,gsm sends');
  });

  it('decodes in order, skipping reserved and unknown letters and repeats', () => {
    assert.deepEqual(decodeCodecPrefs('DEC'), [Format.ULAW, Format.ALAW, Format.GSM]);
    assert.deepEqual(decodeCodecPrefs('\\^fD?D'), [Format.OPUS, Format.ULAW]);
  });

  it('sends at most 31 letters and reads at most 32', () => {
    const all = FORMATS.map((f) => f.mask);
    assert.ok(encodeCodecPrefs(all).length <= 31);
    assert.equal(decodeCodecPrefs(`${'B'.repeat(32)}D`).length, 1, 'the 33rd letter is not read');
  });
});

describe('subclass compression (protocol.md §1.6)', () => {
  it('values below 0x80 go as they are, powers of two as 0x80|n, -1 as 0xFF', () => {
    for (let v = 0; v < 0x80; v++) assert.equal(uncompressSubclass(compressSubclass(v)), v);
    for (let n = 7; n <= 63; n++) assert.equal(uncompressSubclass(compressSubclass(2 ** n)), 2 ** n);
    assert.equal(compressSubclass(-1), 0xff);
    assert.equal(uncompressSubclass(0xff), -1);
  });

  it('bit 6 is ignored when decoding a compressed subclass', () => {
    assert.equal(uncompressSubclass(0xc4), 2 ** 4);
  });

  it('refuses values that are neither small nor a power of two', () => {
    for (const bad of [0x81, 0x100 + 1, -2, 1.5, 2 ** 64]) {
      assert.throws(() => compressSubclass(bad), { code: EncodeErrorCode.SUBCLASS_NOT_ENCODABLE }, String(bad));
    }
  });

  it('names subclasses in the words of their frame type', () => {
    assert.equal(subclassName(FrameType.IAX, 40), 'CALLTOKEN');
    assert.equal(subclassName(FrameType.CONTROL, -1), 'STOP_TONES');
    assert.equal(subclassName(FrameType.VOICE, 4), 'ulaw');
    assert.equal(subclassName(FrameType.DTMF_END, 0x35), '5');
    assert.equal(subclassName(FrameType.IAX, 99), '99');
  });
});

describe('DATETIME packing (protocol.md §3.3)', () => {
  it('the captured Asterisk value 0x3577223a unpacks to 2026-11-23T04:17:52 and packs back', () => {
    // From the capture: `1f 04 35 77 22 3a` is 2026-11-23 04:17:52 on a UTC host.
    const dt = unpackDateTime(0x3577223a);
    assert.deepEqual(dt, { year: 2026, month: 11, day: 23, hour: 4, minute: 17, second: 52 });
    assert.equal(packDateTime(dt), 0x3577223a);
    assert.equal(formatDateTime(dt), '2026-11-23T04:17:52');
  });

  it('any u32 survives unpack then pack', () => {
    for (const v of [0, 0xffffffff, 0x306f6daf, 0x80000001]) assert.equal(packDateTime(unpackDateTime(v)), v);
  });

  it('reads an instant in a given time zone at two-second resolution', () => {
    const instant = new Date(Date.UTC(2024, 2, 15, 13, 45, 31));
    assert.deepEqual(dateTimeAt(instant, 'UTC'), { year: 2024, month: 3, day: 15, hour: 13, minute: 45, second: 30 });
    assert.equal(dateTimeAt(instant, 'Europe/Berlin').hour, 14);
    assert.equal(dateTimeAt(instant, 'Europe/Berlin').hour, 14, 'the cached formatter gives the same');
  });

  it('UTC, taken straight from the Date, agrees with the zone database over a spread of instants', () => {
    for (let ms = Date.UTC(2000, 0, 1); ms < Date.UTC(2100, 0, 1); ms += 86_400_000 * 97 + 3_723_417) {
      const instant = new Date(ms);
      assert.deepEqual(dateTimeAt(instant, 'UTC'), dateTimeAt(instant, 'Etc/UTC'), instant.toISOString());
    }
  });
});
