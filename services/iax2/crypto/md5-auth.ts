/**
 * MD5 challenge/response (protocol.md §8.3, §8.5). The answer to a CHALLENGE is the lowercase
 * hex of MD5(challenge ‖ secret): plain concatenation, no separator, no NUL. The same 16-byte
 * digest is the AES-128 key of an encrypted call (protocol.md §11.2), so both forms live here.
 *
 * Strings are turned into bytes as UTF-8: the codec decodes an ASCII or valid UTF-8 IE value
 * to a string, so UTF-8 gives back exactly the bytes that were on the wire.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** 32 hex digits in either case; anything else can never be a right answer. */
const MD5_HEX = /^[0-9a-fA-F]{32}$/;

/** The raw digest MD5(challenge ‖ secret): the AES key of an encrypted call (protocol.md §11.2). */
export function md5Key(challenge: string, secret: string): Buffer {
  return createHash('md5').update(challenge, 'utf8').update(secret, 'utf8').digest();
}

/** The MD5_RESULT IE value a client sends for `challenge` (protocol.md §8.3). */
export function md5Result(challenge: string, secret: string): string {
  return md5Key(challenge, secret).toString('hex');
}

/**
 * The secret among `secrets` whose MD5 answer is `result`, or undefined. Asterisk compares
 * case-insensitively (protocol.md §8.3) and tries each of a user's secrets in turn (protocol.md §8.5). Every
 * candidate is compared in constant time, and every candidate is tried even after a match,
 * so the time taken says nothing about which secret (if any) matched.
 */
export function matchMd5(challenge: string, result: string, secrets: readonly string[]): string | undefined {
  // Checking the shape first keeps the buffers below ASCII and of equal length, as
  // timingSafeEqual requires; the shape of an answer is no secret.
  if (!MD5_HEX.test(result)) return undefined;
  const offered = Buffer.from(result.toLowerCase(), 'latin1');
  let matched: string | undefined;
  for (const secret of secrets) {
    const expected = Buffer.from(md5Result(challenge, secret), 'latin1');
    if (timingSafeEqual(expected, offered) && matched === undefined) matched = secret;
  }
  return matched;
}

/**
 * A user's secrets: Asterisk joins several `secret=` lines (or one `secret=a\;b`) with ';'
 * (protocol.md §8.5). Empty pieces are not secrets anyone could have configured, so they are dropped.
 */
export function splitSecrets(secret: string): string[] {
  return secret.split(';').filter((s) => s.length > 0);
}
