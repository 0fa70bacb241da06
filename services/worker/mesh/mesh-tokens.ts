/**
 * Call tokens for the worker mesh (protocol.md §7). Every worker holds the deployment's mesh
 * secret, so the calling worker mints the token itself: `<unix seconds>?<HMAC-SHA256 hex>` over
 * its own mesh address and port and those seconds, the layout of our ordinary tokens. The
 * receiving worker checks it before it allocates anything and hands out no tokens of its own,
 * so a request from anyone without the secret never gets a call number, whatever its source.
 * Workers' clocks may differ a little: a token is good while it is less than `windowS` seconds
 * old or ahead.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallTokenRemote, CallTokens, CallTokenVerdict } from '../../iax2/crypto/index.ts';

const SECONDS_TEXT = /^(?:0|[1-9][0-9]{0,14})$/;
const QUESTION_MARK = 0x3f;
const HASH_HEX_LENGTH = 64;

export class MeshTokens implements CallTokens {
  constructor(
    private readonly key: Buffer,
    private readonly wallNow: () => number,
    private readonly windowS = 10,
  ) {}

  /** A token for a request that `remote` (our own mesh address, as the receiver will see it) sends now. */
  issue(remote: CallTokenRemote): Buffer {
    const seconds = String(Math.floor(this.wallNow() / 1000));
    return Buffer.from(`${seconds}?${this.hash(remote, seconds)}`, 'latin1');
  }

  validate(token: Buffer, remote: CallTokenRemote): CallTokenVerdict {
    const split = token.indexOf(QUESTION_MARK);
    if (split <= 0 || token.length - split - 1 !== HASH_HEX_LENGTH) return 'forged';
    const seconds = token.toString('latin1', 0, split);
    if (!SECONDS_TEXT.test(seconds)) return 'forged';
    if (!timingSafeEqual(Buffer.from(this.hash(remote, seconds), 'latin1'), token.subarray(split + 1))) return 'forged';
    const skewS = Math.abs(Math.floor(this.wallNow() / 1000) - Number(seconds));
    return skewS < this.windowS ? 'valid' : 'expired';
  }

  private hash(remote: CallTokenRemote, seconds: string): string {
    const host = remote.address.includes(':') ? `[${remote.address}]` : remote.address;
    return createHmac('sha256', this.key).update(`${host}:${remote.port}${seconds}`, 'utf8').digest('hex');
  }
}
