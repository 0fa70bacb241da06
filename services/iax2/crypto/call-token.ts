/**
 * Call tokens (protocol.md §7): the stateless cookie a server hands out in CALLTOKEN before it
 * allocates a call number for a NEW, REGREQ, REGREL or FWDOWNL.
 *
 * The format stays Asterisk's, ASCII `<unix seconds>?<40 lowercase hex>` (51 bytes today,
 * protocol.md §7.3), because clients treat it as opaque. The hex is our own choice: HMAC-SHA1, keyed by a
 * server secret, over `"<ip>:<port>"` (IPv6 `"[addr]:port"`) followed by the same decimal
 * seconds. Binding to IP and port is what Asterisk does too, so a NAT rebinding between the
 * two requests breaks the token on either server (protocol.md §7.3).
 *
 * The secret rotates every `rotateEveryMs` (monotonic time). The previous one is kept, so a
 * token issued just before a rotation still validates; after a second rotation it does not.
 * Rotation is worked out from the clock on each call, so there is no timer to dispose of.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../shared/clock.ts';
import { CryptoErrorCode, Iax2CryptoError } from './errors.ts';

export interface CallTokenOptions {
  clock: Clock;
  /** How often the server secret changes. Default 10 minutes. */
  rotateEveryMs?: number;
  /** `calltokenexpiration`: a token is good while 0 <= now - issued < this. Default 10 s (protocol.md §7.3). */
  expirationS?: number;
  /** Makes each new server secret. Default 32 bytes from crypto.randomBytes. */
  secretSource?: () => Buffer;
}

export interface CallTokenRemote {
  address: string;
  port: number;
}

/** `expired`: ours, but outside its lifetime (including from the future); `forged`: not ours. */
export type CallTokenVerdict = 'valid' | 'expired' | 'forged';

/** What an engine needs of call tokens: to hand one out, and to judge one (protocol.md §7.2). */
export interface CallTokens {
  issue(remote: CallTokenRemote): Buffer;
  validate(token: Buffer, remote: CallTokenRemote): CallTokenVerdict;
}

const DEFAULT_ROTATE_EVERY_MS = 10 * 60_000;
const DEFAULT_EXPIRATION_S = 10;
const SECRET_BYTES = 32;
const QUESTION_MARK = 0x3f;
const HASH_HEX_LENGTH = 40;
/** The seconds exactly as issue() writes them: no sign, no leading zeros, safe integers only. */
const SECONDS_TEXT = /^(?:0|[1-9][0-9]{0,14})$/;

export class CallTokenService implements CallTokens {
  private readonly clock: Clock;
  private readonly rotateEveryMs: number;
  private readonly expirationS: number;
  private readonly secretSource: () => Buffer;
  private readonly startedMs: number;
  private epoch = 0;
  private current: Buffer;
  private previous: Buffer | undefined;

  constructor(options: CallTokenOptions) {
    const rotateEveryMs = options.rotateEveryMs ?? DEFAULT_ROTATE_EVERY_MS;
    const expirationS = options.expirationS ?? DEFAULT_EXPIRATION_S;
    if (!Number.isFinite(rotateEveryMs) || rotateEveryMs <= 0) {
      throw new Iax2CryptoError(CryptoErrorCode.CALL_TOKEN_OPTION, `rotateEveryMs must be a positive number, not ${rotateEveryMs}`);
    }
    if (!Number.isInteger(expirationS) || expirationS <= 0) {
      throw new Iax2CryptoError(CryptoErrorCode.CALL_TOKEN_OPTION, `expirationS must be a positive whole number, not ${expirationS}`);
    }
    this.clock = options.clock;
    this.rotateEveryMs = rotateEveryMs;
    this.expirationS = expirationS;
    this.secretSource = options.secretSource ?? (() => randomBytes(SECRET_BYTES));
    this.startedMs = this.clock.now();
    this.current = this.secretSource();
  }

  /** The CALLTOKEN IE value for a request from `remote`, stamped now (protocol.md §7.2 step 2). */
  issue(remote: CallTokenRemote): Buffer {
    this.rotate();
    const seconds = String(this.nowSeconds());
    return Buffer.from(`${seconds}?${tokenHash(this.current, remote, seconds)}`, 'latin1');
  }

  /**
   * Judges the token a request carried against the address it came from (protocol.md §7.3). Never throws:
   * the bytes are whatever the network delivered, and anything not shaped like our token is
   * `forged`.
   */
  validate(token: Buffer, remote: CallTokenRemote): CallTokenVerdict {
    this.rotate();
    // Asterisk splits at the first '?' (protocol.md §7.3).
    const split = token.indexOf(QUESTION_MARK);
    if (split <= 0 || token.length - split - 1 !== HASH_HEX_LENGTH) return 'forged';
    const seconds = token.toString('latin1', 0, split);
    if (!SECONDS_TEXT.test(seconds)) return 'forged';
    const offered = token.subarray(split + 1);

    // Both secrets are always tried, so timing does not tell which one (if any) matched.
    let ours = hashMatches(this.current, remote, seconds, offered);
    if (this.previous !== undefined) ours = hashMatches(this.previous, remote, seconds, offered) || ours;
    if (!ours) return 'forged';

    const ageS = this.nowSeconds() - Number(seconds);
    return ageS >= 0 && ageS < this.expirationS ? 'valid' : 'expired';
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.wallNow() / 1000);
  }

  /** Brings the secrets up to the rotation period the clock is in now. */
  private rotate(): void {
    const epoch = Math.floor((this.clock.now() - this.startedMs) / this.rotateEveryMs);
    if (epoch <= this.epoch) return;
    // After one rotation the old secret is still wanted; after more, the one before the
    // current was never used to issue anything, and older tokens must stop validating.
    this.previous = epoch === this.epoch + 1 ? this.current : undefined;
    this.current = this.secretSource();
    this.epoch = epoch;
  }
}

function tokenHash(secret: Buffer, remote: CallTokenRemote, seconds: string): string {
  const host = remote.address.includes(':') ? `[${remote.address}]` : remote.address;
  return createHmac('sha1', secret).update(`${host}:${remote.port}${seconds}`, 'utf8').digest('hex');
}

function hashMatches(secret: Buffer, remote: CallTokenRemote, seconds: string, offered: Buffer): boolean {
  return timingSafeEqual(Buffer.from(tokenHash(secret, remote, seconds), 'latin1'), offered);
}
