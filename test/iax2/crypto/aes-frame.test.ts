// AES-128 framing (protocol.md §11.3, TV9): which bytes stay clear, the leading pad and its
// length nibble, CBC with a zero IV, and the receiver's length checks.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { isStrowgerError } from '../../../shared/errors.ts';
import {
  decryptDatagram,
  encryptDatagram,
  encryptedLength,
  md5Key,
  type EncryptedFrameKind,
} from '../../../services/iax2/crypto/index.ts';
import { hex } from '../../helpers/codec-assert.ts';

const TV4_KEY = hex('57 ED F4 A2 2B E3 C9 55 AC 49 DA 2E 21 07 B6 7A');
const TV1_NEW = hex(`
  92 34 00 00 00 00 00 03 00 00 06 01  0B 02 00 02  01 03 31 30 30  2D 02 44 45  06 05 61 6C 69 63 65
  09 04 00 00 00 04  38 09 00 00 00 00 00 00 00 00 04  08 04 00 00 00 0C  37 09 00 00 00 00 00 00 00 00 0C  36 00`);
const TV4_AUTHREP = hex(`
  92 34 0B CD 00 00 00 28 01 01 06 09  10 20 35 37 65 64 66 34 61 32 32 62 65 33 63 39 35 35
  61 63 34 39 64 61 32 65 32 31 30 37 62 36 37 61`);
const ACK = hex('92 34 0B CD 00 00 00 2A 02 02 06 04');
const ULAW_MINI = Buffer.concat([hex('12 34 02 08'), Buffer.alloc(160, 0xff)]);
const CLEAR: Record<EncryptedFrameKind, number> = { full: 4, mini: 2 };

/** A pad source whose bytes are all `byte`, so the nibble written into byte 15 is visible. */
const padOf = (byte: number) => (n: number) => Buffer.alloc(n, byte);

/** The padded plaintext, recovered with a bare AES-CBC decrypt (no framing logic). */
function rawPlaintext(datagram: Buffer, key: Buffer, kind: EncryptedFrameKind): Buffer {
  const decipher = createDecipheriv('aes-128-cbc', key, Buffer.alloc(16)).setAutoPadding(false);
  return Buffer.concat([decipher.update(datagram.subarray(CLEAR[kind])), decipher.final()]);
}

describe('TV9: sizes and the pad-length nibble', () => {
  type Row = { name: string; plain: Buffer; kind: EncryptedFrameKind; pad: number; nibble: number; wire: number };
  const rows: Row[] = [
    { name: 'ACK', plain: ACK, kind: 'full', pad: 24, nibble: 0x8, wire: 36 },
    { name: 'TV1 NEW', plain: TV1_NEW, kind: 'full', pad: 16, nibble: 0x0, wire: 84 },
    { name: 'TV4 AUTHREP', plain: TV4_AUTHREP, kind: 'full', pad: 22, nibble: 0x6, wire: 68 },
    { name: 'µ-law mini', plain: ULAW_MINI, kind: 'mini', pad: 30, nibble: 0xe, wire: 194 },
  ];
  for (const row of rows) {
    it(`${row.name}: ${row.plain.length} bytes → ${row.wire} on the wire, P = ${row.pad}, byte 15 low nibble 0x${row.nibble.toString(16)}`, () => {
      assert.equal(encryptedLength(row.plain.length, row.kind), row.wire);
      const wire = encryptDatagram(row.plain, TV4_KEY, row.kind, padOf(0xa5));
      assert.equal(wire.length, row.wire);
      assert.deepEqual(wire.subarray(0, CLEAR[row.kind]), row.plain.subarray(0, CLEAR[row.kind]), 'call numbers stay clear');
      const padded = rawPlaintext(wire, TV4_KEY, row.kind);
      assert.equal(padded[15]! & 0x0f, row.nibble, 'low nibble of byte 15 is P - 16');
      assert.equal(padded[15]! >> 4, 0xa, 'high nibble keeps the pad source\'s bits');
      assert.deepEqual(padded.subarray(0, 15), Buffer.alloc(15, 0xa5), 'the pad comes first');
      assert.deepEqual(padded.subarray(row.pad), row.plain.subarray(CLEAR[row.kind]), 'then everything after the clear prefix');
      assert.deepEqual(decryptDatagram(wire, TV4_KEY, row.kind), row.plain);
    });
  }
});

describe('encryptDatagram', () => {
  it('is AES-128-CBC with a zero IV: FIPS-197 C.1 comes out as the first cipher block', () => {
    // A full frame with L = 17 gets P = 31, so byte 15 keeps its 0xff (low nibble 0xf = 31 - 16)
    // and the first padded block is exactly the FIPS-197 plaintext.
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const firstBlock = hex('00112233445566778899aabbccddeeff');
    const plain = Buffer.concat([hex('92 34 0b cd'), Buffer.alloc(17, 0x33)]);
    const wire = encryptDatagram(plain, key, 'full', (n) => Buffer.concat([firstBlock, Buffer.alloc(n - 16)]));
    assert.equal(wire.length, 4 + 31 + 17);
    assert.deepEqual(wire.subarray(4, 20), hex('69c4e0d86a7b0430d8cdb78070b4c55a'));
  });

  it('chains blocks (CBC, not ECB): equal plaintext blocks give different cipher blocks', () => {
    const plain = Buffer.concat([hex('92 34 0b cd'), Buffer.alloc(64, 0x00)]);
    const wire = encryptDatagram(plain, TV4_KEY, 'full', padOf(0));
    const blocks = [0, 1, 2, 3, 4].map((i) => wire.subarray(4 + i * 16, 4 + (i + 1) * 16).toString('hex'));
    assert.equal(new Set(blocks).size, 5);
    const ecb = createCipheriv('aes-128-ecb', TV4_KEY, null).setAutoPadding(false);
    assert.deepEqual(wire.subarray(4, 20), ecb.update(rawPlaintext(wire, TV4_KEY, 'full').subarray(0, 16)), 'block 1 is E(P1 xor 0)');
  });

  it('draws fresh random pad by default, so the same frame encrypts differently each time', () => {
    assert.notDeepEqual(encryptDatagram(ACK, TV4_KEY, 'full'), encryptDatagram(ACK, TV4_KEY, 'full'));
  });

  it('refuses a key that is not 16 bytes, a frame shorter than its header, and a short pad source', () => {
    const code = (c: string) => (err: unknown) => isStrowgerError(err, c);
    assert.throws(() => encryptDatagram(ACK, Buffer.alloc(15), 'full'), code('IAX2_ERR_AES_KEY_LENGTH'));
    assert.throws(() => encryptDatagram(ACK.subarray(0, 11), TV4_KEY, 'full'), code('IAX2_ERR_AES_FRAME_SHORT'));
    assert.throws(() => encryptDatagram(ULAW_MINI.subarray(0, 3), TV4_KEY, 'mini'), code('IAX2_ERR_AES_FRAME_SHORT'));
    assert.throws(() => encryptDatagram(ACK, TV4_KEY, 'full', () => Buffer.alloc(8)), code('IAX2_ERR_AES_PAD_SHORT'));
  });

  it('does not modify the frame it encrypts, and the AES key of TV4 is md5Key of TV4', () => {
    const before = Buffer.from(TV4_AUTHREP);
    encryptDatagram(TV4_AUTHREP, TV4_KEY, 'full');
    assert.deepEqual(TV4_AUTHREP, before);
    assert.deepEqual(md5Key('123456789', `0${'1234567890'.repeat(7)}`), TV4_KEY);
  });
});

describe('encrypt → decrypt round trip', () => {
  for (const kind of ['full', 'mini'] as const) {
    it(`${kind} frames of every length from the header size to 300 bytes come back byte for byte`, () => {
      const key = randomBytes(16);
      for (let length = kind === 'full' ? 12 : 4; length <= 300; length++) {
        const plain = randomBytes(length);
        plain[0] = kind === 'full' ? plain[0]! | 0x80 : plain[0]! & 0x7f;
        const wire = encryptDatagram(plain, key, kind);
        assert.equal(wire.length, encryptedLength(length, kind), `length ${length}`);
        assert.equal((wire.length - CLEAR[kind]) % 16, 0);
        assert.ok(wire.length - length >= 16 && wire.length - length <= 31, `P within 16..31 for ${length}`);
        assert.deepEqual(decryptDatagram(wire, key, kind), plain, `length ${length}`);
      }
    });
  }

  it('decrypts from a view into a larger buffer without touching the input', () => {
    const wire = encryptDatagram(TV4_AUTHREP, TV4_KEY, 'full');
    const foreign = Buffer.concat([Buffer.alloc(7, 0xee), wire, Buffer.alloc(5, 0xee)]);
    const copy = Buffer.from(foreign);
    assert.deepEqual(decryptDatagram(foreign.subarray(7, 7 + wire.length), TV4_KEY, 'full'), TV4_AUTHREP);
    assert.deepEqual(foreign, copy);
  });
});

describe('decryptDatagram returns undefined (and never throws) where Asterisk says "Packet Decrypt Failed"', () => {
  /** Encrypts a raw padded plaintext, so the length nibble can be set to anything. */
  function rawWire(prefix: Buffer, padded: Buffer): Buffer {
    const cipher = createCipheriv('aes-128-cbc', TV4_KEY, Buffer.alloc(16)).setAutoPadding(false);
    return Buffer.concat([prefix, cipher.update(padded), cipher.final()]);
  }

  it('a full frame under 28 bytes and a mini frame under 20', () => {
    assert.equal(decryptDatagram(Buffer.alloc(27), TV4_KEY, 'full'), undefined);
    assert.equal(decryptDatagram(Buffer.alloc(19), TV4_KEY, 'mini'), undefined);
    assert.equal(decryptDatagram(Buffer.alloc(0), TV4_KEY, 'mini'), undefined);
  });

  it('a length after the clear prefix that is not whole blocks', () => {
    assert.equal(decryptDatagram(Buffer.alloc(37), TV4_KEY, 'full'), undefined);
    assert.equal(decryptDatagram(Buffer.alloc(35), TV4_KEY, 'mini'), undefined);
  });

  it('a pad nibble claiming more than leaves a header (datagram length − P below 12 full / 4 mini)', () => {
    const padded = Buffer.alloc(32, 0x11);
    padded[15] = 0x0f; // P = 31: 36 - 31 = 5 < 12
    assert.equal(decryptDatagram(rawWire(hex('92 34 0b cd'), padded), TV4_KEY, 'full'), undefined);
    padded[15] = 0x08; // P = 24: 36 - 24 = 12, exactly a header
    assert.equal(decryptDatagram(rawWire(hex('92 34 0b cd'), padded), TV4_KEY, 'full')?.length, 12);
    // The shortest mini frame that passes the 20-byte check is 2 + 32 bytes.
    const mini = Buffer.alloc(32, 0x22);
    mini[15] = 0x0f; // P = 31: 34 - 31 = 3 < 4
    assert.equal(decryptDatagram(rawWire(hex('12 34'), mini), TV4_KEY, 'mini'), undefined);
    mini[15] = 0x0e; // P = 30: 34 - 30 = 4, exactly a header
    assert.equal(decryptDatagram(rawWire(hex('12 34'), mini), TV4_KEY, 'mini')?.length, 4);
  });

  it('a key that is not 16 bytes', () => {
    const wire = encryptDatagram(ACK, TV4_KEY, 'full');
    assert.equal(decryptDatagram(wire, Buffer.alloc(15), 'full'), undefined);
    assert.equal(decryptDatagram(wire, Buffer.alloc(0), 'full'), undefined);
  });

  it('bounded fuzz: random datagrams and keys give undefined or a frame at least a header long, never an exception', () => {
    for (let i = 0; i < 5000; i++) {
      const kind = i % 2 === 0 ? 'full' : 'mini';
      const datagram = randomBytes(i % 97);
      const plain = decryptDatagram(datagram, randomBytes(16), kind);
      if (plain !== undefined) {
        assert.ok(plain.length >= (kind === 'full' ? 12 : 4));
        assert.deepEqual(plain.subarray(0, CLEAR[kind]), datagram.subarray(0, CLEAR[kind]), 'clear prefix carried over');
      }
    }
  });
});
