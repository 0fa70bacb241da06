/**
 * Call tokens (protocol.md §7): the stateless cookie a server hands out in CALLTOKEN before it
 * allocates a call number for a NEW, REGREQ, REGREL or FWDOWNL.
 *
 * Clients treat the token as opaque (protocol.md §7.3), so ours is our own and short: 9 ASCII
 * characters, base64url, the low 6 bits of the Unix seconds it was issued at, then 48 bits of
 * an HMAC-SHA1 keyed by a server secret over `"<ip>:<port>"` (IPv6 `"[addr]:port"`) and the
 * whole seconds. Short on purpose: the CALLTOKEN reply to a REGREQ is the one stateless reply
 * that can be bigger than its request, and anyone can spoof a source address; at 23 bytes it is
 * no bigger than Asterisk's REGREQ for a peer name of three characters or more (Asterisk's own
 * token is 51 bytes, a reply of 65). 48 bits bound to one address and port for 10 s cannot be
 * guessed from the outside; the 6 time bits name the one second within the last 64 to check
 * (the tag covers the whole seconds, so a token 64 s old does not pass for a new one). Binding
 * to IP and port is what Asterisk does too, so a NAT rebinding between the two requests breaks
 * the token on either server (protocol.md §7.3).
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
/** The seconds' low 6 bits (1 base64url character) and a 48-bit tag (8): 9 bytes. */
const TIME_BITS = 6;
const TIME_MASK = (1 << TIME_BITS) - 1;
const TAG_BYTES = 6;
const TOKEN_LENGTH = 9;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export class CallTokenService implements CallTokens {
  private readonly clock: Clock;
  private readonly rotateEveryMs: number;
  private readonly expirationS: number;
  private readonly secretSource: () => Buffer;
  private readonly startedMs: number;
  private epoch = 0;
  private current: Buffer;
  private previous: Buffer | undefined;
  /** Tags worked out this second or lately, per secret: a flood of one address's token costs one HMAC a second. */
  private currentTags = new TagCache();
  private previousTags = new TagCache();

  constructor(options: CallTokenOptions) {
    const rotateEveryMs = options.rotateEveryMs ?? DEFAULT_ROTATE_EVERY_MS;
    const expirationS = options.expirationS ?? DEFAULT_EXPIRATION_S;
    if (!Number.isFinite(rotateEveryMs) || rotateEveryMs <= 0) {
      throw new Iax2CryptoError(CryptoErrorCode.CALL_TOKEN_OPTION, `rotateEveryMs must be a positive number, not ${rotateEveryMs}`);
    }
    if (!Number.isInteger(expirationS) || expirationS <= 0 || expirationS >= 1 << TIME_BITS) {
      throw new Iax2CryptoError(CryptoErrorCode.CALL_TOKEN_OPTION, `expirationS must be a whole number from 1 to 63, not ${expirationS}`);
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
    const seconds = this.nowSeconds();
    const low = seconds & TIME_MASK;
    return Buffer.from(`${BASE64URL[low]}${this.currentTags.tag(this.current, remote, seconds).toString('latin1')}`, 'latin1');
  }

  /**
   * Judges the token a request carried against the address it came from (protocol.md §7.3).
   * Never throws: the bytes are whatever the network delivered, and anything not shaped like
   * our token is `forged`. One or two HMACs whatever the input, so a flood of bad tokens costs
   * no more than a flood of good ones.
   */
  validate(token: Buffer, remote: CallTokenRemote): CallTokenVerdict {
    this.rotate();
    if (token.length !== TOKEN_LENGTH) return 'forged';
    const low = BASE64URL.indexOf(String.fromCharCode(token[0]!));
    if (low < 0) return 'forged';
    // The one second within the last 64 whose low bits these are.
    const now = this.nowSeconds();
    const ageS = (now - low) & TIME_MASK;
    const seconds = now - ageS;
    const offered = token.subarray(1);
    // Both secrets are always tried, so timing does not tell which one (if any) matched.
    let ours = timingSafeEqual(this.currentTags.tag(this.current, remote, seconds), offered);
    if (this.previous !== undefined) ours = timingSafeEqual(this.previousTags.tag(this.previous, remote, seconds), offered) || ours;
    if (!ours) return 'forged';
    return ageS < this.expirationS ? 'valid' : 'expired';
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
    this.previousTags = epoch === this.epoch + 1 ? this.currentTags : new TagCache();
    this.currentTags = new TagCache();
    this.current = this.secretSource();
    this.epoch = epoch;
  }
}

/** The tag's base64url text as bytes (what a token carries after its time character). */
function tokenTag(secret: Buffer, remote: CallTokenRemote, seconds: number): Buffer {
  const host = remote.address.includes(':') ? `[${remote.address}]` : remote.address;
  return Buffer.from(createHmac('sha1', secret).update(`${host}:${remote.port}${seconds}`, 'utf8').digest().subarray(0, TAG_BYTES).toString('base64url'), 'latin1');
}

/** Tags by address, port and second for one secret; the oldest forgotten past a few thousand. */
class TagCache {
  private readonly tags = new Map<string, Buffer>();

  tag(secret: Buffer, remote: CallTokenRemote, seconds: number): Buffer {
    const key = `${remote.address} ${remote.port} ${seconds}`;
    let tag = this.tags.get(key);
    if (tag === undefined) {
      tag = tokenTag(secret, remote, seconds);
      if (this.tags.size >= TAG_CACHE_SIZE) this.tags.delete(this.tags.keys().next().value!);
      this.tags.set(key, tag);
    }
    return tag;
  }
}

const TAG_CACHE_SIZE = 4096;
