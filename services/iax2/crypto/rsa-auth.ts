/**
 * RSA challenge/response (protocol.md §8.4): RSA_RESULT is the standard base64 (172 characters)
 * of the 128-byte RSASSA-PKCS1-v1_5 SHA-1 signature over the CHALLENGE string's bytes, no NUL.
 * The server tries each of a user's `inkeys` in order until one verifies.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import forge from 'node-forge';
import { RSA_KEY_BITS, type RsaPrivateKey, type RsaPublicKey } from './rsa-keys.ts';

const SIGNATURE_BYTES = RSA_KEY_BITS / 8;
/**
 * 128 bytes in standard base64: 171 characters and one '=' (172 in all, as Asterisk sends
 * it); the '=' is let off for peers that leave padding out. No whitespace, no URL alphabet.
 */
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{171}=?$/;
/** DER of DigestInfo { AlgorithmIdentifier { sha1, NULL }, OCTET STRING (20) } before the hash (RFC 8017 protocol.md §9.2 note 1). */
const SHA1_DIGEST_INFO_PREFIX = Buffer.from('3021300906052b0e03021a05000414', 'hex');

/** The RSA_RESULT IE value answering `challenge`, signed with the client's `outkey`. */
export function rsaSign(challenge: string, key: RsaPrivateKey): string {
  const md = forge.md.sha1.create();
  // forge digests "binary" strings: one char per byte. Challenge bytes are its UTF-8 (see md5-auth.ts).
  md.update(Buffer.from(challenge, 'utf8').toString('binary'));
  return Buffer.from(key.forge.sign(md, 'RSASSA-PKCS1-V1_5'), 'binary').toString('base64');
}

/**
 * The index in `keys` of the first key whose signature `resultBase64` is over `challenge`,
 * or -1. Anything malformed (wrong length, bad base64, a value not below the modulus) is
 * simply -1: the input came from the network, so this never throws.
 *
 * Verification encodes the expected block and compares it with the public-key operation's
 * output (RFC 8017 protocol.md §8.2.2 steps 3-4) instead of parsing the peer's padding and ASN.1, which
 * leaves nothing for a crafted signature to slip through.
 */
export function rsaVerify(challenge: string, resultBase64: string, keys: readonly RsaPublicKey[]): number {
  if (!SIGNATURE_BASE64.test(resultBase64)) return -1;
  const signature = Buffer.from(resultBase64, 'base64');
  if (signature.length !== SIGNATURE_BYTES) return -1;
  const expected = expectedBlock(challenge);
  const representative = new forge.jsbn.BigInteger(signature.toString('hex'), 16);
  const signatureBinary = signature.toString('binary');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!.forge;
    // RSAVP1 is defined only for 0 <= s < n (RFC 8017 protocol.md §5.2.2).
    if (representative.compareTo(key.n) >= 0) continue;
    try {
      const block = Buffer.from(key.encrypt(signatureBinary, 'RAW'), 'binary');
      if (block.length === expected.length && timingSafeEqual(block, expected)) return i;
    } catch {
      // A key forge cannot use is a key that does not verify.
    }
  }
  return -1;
}

/** EMSA-PKCS1-v1_5 of SHA-1(challenge) for a 1024-bit modulus: 00 01 FF..FF 00 DigestInfo. */
function expectedBlock(challenge: string): Buffer {
  const block = Buffer.alloc(SIGNATURE_BYTES, 0xff);
  const digestInfoStart = SIGNATURE_BYTES - SHA1_DIGEST_INFO_PREFIX.length - 20;
  block[0] = 0x00;
  block[1] = 0x01;
  block[digestInfoStart - 1] = 0x00;
  SHA1_DIGEST_INFO_PREFIX.copy(block, digestInfoStart);
  createHash('sha1').update(challenge, 'utf8').digest().copy(block, digestInfoStart + SHA1_DIGEST_INFO_PREFIX.length);
  return block;
}
