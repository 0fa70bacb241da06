/**
 * AES-128 framing of an encrypted call (protocol.md §11.3, TV9).
 *
 *  full frame                           mini frame
 *  +--------+--------+----------------+ +--------+--------------------+
 *  | src(2) | dst(2) | ciphertext ... | | src(2) | ciphertext ...     |
 *  +--------+--------+----------------+ +--------+--------------------+
 *   clear: bytes 0..3                    clear: bytes 0..1
 *
 *  ciphertext = AES-128-CBC(key, IV = 0, no padding scheme) over
 *  +---------------------------+---------------------------------+
 *  | P pad bytes (16..31)      | the L frame bytes after the     |
 *  | byte 15: low nibble P-16  | clear prefix (ts, seqnos, ...)  |
 *  +---------------------------+---------------------------------+
 *  with P = 16 + ((16 - L mod 16) mod 16), so L + P is a multiple of 16.
 *
 * No MAC: a wrong key "decrypts" to noise. The only checks a receiver can make are Asterisk's
 * length checks, so callers must judge the plaintext themselves (does it decode?).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CryptoErrorCode, Iax2CryptoError } from './errors.ts';

export type EncryptedFrameKind = 'full' | 'mini';

const BLOCK = 16;
const KEY_LENGTH = 16;
const ZERO_IV = Buffer.alloc(BLOCK);
/** Offset of the byte whose low nibble carries P - 16 (protocol.md §11.3). */
const PAD_LENGTH_BYTE = 15;

/** Bytes left in clear: the call numbers (protocol.md §11.3). */
const CLEAR_PREFIX: Record<EncryptedFrameKind, number> = { full: 4, mini: 2 };
/** The frame's own header: the least a decrypted datagram may hold (protocol.md §11.3). */
const HEADER_LENGTH: Record<EncryptedFrameKind, number> = { full: 12, mini: 4 };
/**
 * Asterisk drops shorter encrypted datagrams unread: a header plus one block (protocol.md §11.3). The
 * header check after decrypting would refuse them too; this only saves the decryption.
 */
const MIN_ENCRYPTED: Record<EncryptedFrameKind, number> = { full: 12 + BLOCK, mini: 4 + BLOCK };

/** P for L bytes to encrypt: 16..31, making L + P a multiple of 16 (protocol.md §11.3). */
function padLength(encryptedPart: number): number {
  return BLOCK + ((BLOCK - (encryptedPart % BLOCK)) % BLOCK);
}

/** The size on the wire of a `plainLength`-byte frame once encrypted (TV9). */
export function encryptedLength(plainLength: number, kind: EncryptedFrameKind): number {
  const prefix = CLEAR_PREFIX[kind];
  const encryptedPart = plainLength - prefix;
  return prefix + padLength(encryptedPart) + encryptedPart;
}

/**
 * Encrypts one full or mini frame as Asterisk does. The pad contents do not matter to the
 * receiver (protocol.md §11.3), so they come from `padSource` (random by default; tests pin them).
 * Throws Iax2CryptoError for a key that is not 16 bytes or a frame shorter than its header:
 * both are our own mistakes, never the peer's.
 */
export function encryptDatagram(
  plain: Buffer,
  key: Buffer,
  kind: EncryptedFrameKind,
  padSource: (n: number) => Buffer = randomBytes,
): Buffer {
  checkKey(key);
  if (plain.length < HEADER_LENGTH[kind]) {
    throw new Iax2CryptoError(
      CryptoErrorCode.AES_FRAME_SHORT,
      `a ${kind} frame of ${plain.length} bytes is shorter than its ${HEADER_LENGTH[kind]}-byte header`,
    );
  }
  const prefix = CLEAR_PREFIX[kind];
  const encryptedPart = plain.length - prefix;
  const pad = padLength(encryptedPart);
  const padBytes = padSource(pad);
  if (padBytes.length < pad) {
    throw new Iax2CryptoError(CryptoErrorCode.AES_PAD_SHORT, `pad source gave ${padBytes.length} bytes, ${pad} needed`);
  }

  const padded = Buffer.allocUnsafe(pad + encryptedPart);
  padBytes.copy(padded, 0, 0, pad);
  // The receiver reads P back from this nibble; the high nibble stays as the pad made it.
  padded[PAD_LENGTH_BYTE] = ((padded[PAD_LENGTH_BYTE] ?? 0) & 0xf0) | (pad - BLOCK);
  plain.copy(padded, pad, prefix);

  const cipher = createCipheriv('aes-128-cbc', key, ZERO_IV).setAutoPadding(false);
  const body = cipher.update(padded);
  const out = Buffer.allocUnsafe(prefix + body.length);
  plain.copy(out, 0, 0, prefix);
  body.copy(out, prefix);
  // With padding off and whole blocks in, final() has nothing left to add.
  cipher.final();
  return out;
}

/**
 * Decrypts one full or mini frame, or returns undefined where Asterisk would log "Packet
 * Decrypt Failed" and drop it (protocol.md §11.3): shorter than header + one block, not whole blocks
 * after the clear prefix, or a pad nibble claiming more than the frame holds beyond its
 * header. Never throws: the input is whatever arrived from the network.
 */
export function decryptDatagram(cipher: Buffer, key: Buffer, kind: EncryptedFrameKind): Buffer | undefined {
  if (key.length !== KEY_LENGTH) return undefined;
  const prefix = CLEAR_PREFIX[kind];
  if (cipher.length < MIN_ENCRYPTED[kind] || (cipher.length - prefix) % BLOCK !== 0) return undefined;

  const decipher = createDecipheriv('aes-128-cbc', key, ZERO_IV).setAutoPadding(false);
  const body = decipher.update(cipher.subarray(prefix));
  decipher.final();
  const pad = BLOCK + ((body[PAD_LENGTH_BYTE] ?? 0) & 0x0f);
  if (cipher.length - pad < HEADER_LENGTH[kind]) return undefined;

  // Put the clear prefix back just in front of the plaintext, over the spent pad, so the
  // frame comes out as one view with no second allocation.
  const start = pad - prefix;
  cipher.copy(body, start, 0, prefix);
  return body.subarray(start);
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_LENGTH) {
    throw new Iax2CryptoError(CryptoErrorCode.AES_KEY_LENGTH, `AES-128 key of ${key.length} bytes, 16 needed`);
  }
}
